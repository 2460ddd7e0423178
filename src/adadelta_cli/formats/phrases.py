"""Sentences for people with their symbols, numbers and data kept apart (``Phrase``), so that each writer spells
each piece in its own notation: a symbol of the recurrence (``Sym``), a number (``Num``), text from the data
(``Data``). ``report`` gathers them with the rest of the document model."""

from __future__ import annotations

import re
from collections.abc import Iterable

from adadelta_cli.maths import notation


class Phrase(str):
    """A sentence of the tool's words with its symbols, numbers and data kept apart as ``pieces``: a symbol of the
    notation (:class:`Sym`: η_t, x₀), a number (:class:`Num`: 1e-6), text from the data (:class:`Data`: a file's,
    a student's, a parameter's name). Each writer spells each piece in its own notation (LaTeX sets η_t as
    ``$\\eta_{t}$``, 1e-6 as ``$1 \\times 10^{-6}$``, escapes a file ``x_1.csv``); the whole sentence, in Unicode,
    is the str, for every writer that needs no more. A value that is itself a piece or a Phrase is kept as such;
    any other is data.

    >>> p = Phrase("Checking %(source)s", source="x_1.csv")
    >>> str(p), p.pieces
    ('Checking x_1.csv', ('Checking ', Data('x_1.csv')))
    >>> Phrase("%(rho)s = %(value)s", rho=Sym("rho"), value=Num("1e-6")).pieces
    (Sym('ρ'), ' = ', Num('1e-6'))
    """

    pieces: tuple

    def __new__(cls, template: str, **values):
        pieces: list = []
        last = 0
        for match in re.finditer(r"%\((\w+)\)([sd])", template):
            pieces += [template[last:match.start()], *_pieces(values[match.group(1)])]
            last = match.end()
        pieces.append(template[last:])
        self = super().__new__(cls, template % values)
        self.pieces = tuple(p for p in pieces if p)
        return self

    @classmethod
    def joined(cls, separator: str, phrases: Iterable) -> Phrase:
        """The phrases (or pieces) one after another, ``separator`` between them, each one's pieces still apart."""
        phrases = list(phrases)
        joined = super().__new__(cls, separator.join(phrases))
        pieces: list = []
        for i, phrase in enumerate(phrases):
            pieces += ([separator] if i else []) + list(getattr(phrase, "pieces", (phrase,)))
        joined.pieces = tuple(p for p in pieces if p)
        return joined


def _pieces(value) -> tuple:
    if isinstance(value, Phrase):
        return value.pieces
    if isinstance(value, (Sym, Num, Data)):
        return (value,)
    return (Data(str(value)),)


class Data(str):
    """Text from the data in a Phrase: written escaped, never read for notation."""

    def __repr__(self) -> str:
        return f"Data({str.__repr__(self)})"


class Sym(str):
    """A symbol of the recurrence's notation in a Phrase: a quantity (``notation.UNICODE.symbols``' names: eg2,
    dx, ...) at step ``t`` (an int, "t", or None: the symbol without an index, E[g²]), ``prev`` its index less one
    (E[g²]_{t−1}); or a hyperparameter (rho, eps). ``compact``: a step number as subscript digits (x₀, the settings
    line's). Each writer spells it in its notation; the str is the Unicode spelling.

    >>> Sym("eg2", 0, compact=True), Sym("eta", 3), Sym("eg2", prev=True), Sym("dx", None), Sym("eps")
    (Sym('E[g²]₀'), Sym('η_3'), Sym('E[g²]_{t−1}'), Sym('Δx'), Sym('ε'))
    """

    name: str
    t: int | str | None
    prev: bool
    compact: bool

    def __new__(cls, name: str, t: int | str | None = "t", *, prev: bool = False, compact: bool = False):
        # In a sentence, t − 1 takes a minus sign (E[g²]_{t−1}), as every message writes it.
        text = spell(notation.UNICODE, name, t, prev=prev, compact=compact).replace("t-1}", "t−1}")
        self = super().__new__(cls, text)
        self.name, self.t, self.prev, self.compact = name, t, prev, compact
        return self

    def __repr__(self) -> str:
        return f"Sym({str.__repr__(self)})"


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def spell(notation, name: str, t: int | str | None = "t", *, prev: bool = False, compact: bool = False) -> str:
    """A symbol in ``notation`` (``notation.UNICODE``, ``LATEX``): a hyperparameter, or a quantity at step ``t``
    (None: no index; ``compact``: a Unicode step number as subscript digits, x₀)."""
    if name in notation.hypers:
        return notation.hypers[name]
    if t is None:
        return notation.symbols[name].split("{i}")[0].rstrip("_,{")
    if compact and isinstance(t, int) and "_{i}" in notation.symbols[name]:
        return notation.symbols[name].replace("_{i}", str(t).translate(_SUBSCRIPTS))
    return notation.symbol(name, t, prev=prev)


def symbols() -> dict:
    """The placeholders a message may use for the recurrence's symbols, each a Sym: ``%(eg2_t)s`` E[g²]_t,
    ``%(eg2_prev)s`` E[g²]_{t−1}, ``%(eg2_0)s`` E[g²]_0, ``%(eg2)s`` E[g²] (no index), and so for g, g_eff, eta, dx,
    edx2 and x; ``%(rho)s`` and ``%(eps)s``.

    >>> Phrase("%(dx_t)s = −%(eta_t)s·%(g_t)s", **symbols())
    'Δx_t = −η_t·g_t'
    """
    if not _SYMBOLS:
        for name in ("g", "g_eff", "eg2", "eta", "dx", "edx2", "x"):
            _SYMBOLS.update({f"{name}_t": Sym(name), f"{name}_prev": Sym(name, prev=True), f"{name}_0": Sym(name, 0),
                             name: Sym(name, None)})
        _SYMBOLS.update(rho=Sym("rho"), eps=Sym("eps"))
    return _SYMBOLS


_SYMBOLS: dict = {}


class Num(str):
    """A number in a Phrase, as its text (numfmt's: 0.95, 1e-6, -9.98004e-7): LaTeX sets an exponent as a power of
    ten."""

    def __repr__(self) -> str:
        return f"Num({str.__repr__(self)})"
