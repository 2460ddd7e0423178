"""One cell of the input, read or refused with its place: a number as written (a decimal, any minus sign; inf and
nan only where IEEE values are asked for), a parameter's name, one option's number."""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from typing import Any

from adadelta_cli.errors import InputError
from adadelta_cli.i18n import N_, _, _f

EXPECTED_NUMBER = N_("expected a decimal number such as 0.1, -0.25 or 1e-3")
NONFINITE_HINT = N_("give --nonfinite continue to carry it through as IEEE arithmetic (and the frameworks) do")
# Each pattern backtracks at most one step per character (no two quantifiers over the same characters in a row),
# so a cell of a million digits is matched in linear time.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_NONZERO_MANTISSA = re.compile(r"[+-]?0*(?:\.0*)?[1-9]")  # a number whose digits are not all zero
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-"})
_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)  # as float() and the frameworks read them
# Whether the gradients being read may hold inf, -inf and NaN (trace --nonfinite continue, diff): read as IEEE values;
# False: refused, with --nonfinite continue offered (Adadelta's trace); None: refused (a command without the option).
_ACCEPT_NONFINITE: contextvars.ContextVar[bool | None] = contextvars.ContextVar("accept_nonfinite", default=None)
FORMULA_STARTS = ("=", "+", "-", "@")  # a cell starting so is a formula to a spreadsheet
MAX_NAME_CHARS = 200  # a parameter's name, in characters


@contextlib.contextmanager
def nonfinite_accepted(*, accept: bool | None = True):
    """Within this block, gradients read as inf, -inf or NaN (``inf``, ``-Infinity``, ``nan`` in text; NaN and
    Infinity in JSON; a number past the largest double) are taken as those IEEE values instead of refused (``accept``
    False: refused, the message offering --nonfinite continue; None: refused without it)."""
    token = _ACCEPT_NONFINITE.set(accept)
    try:
        yield
    finally:
        _ACCEPT_NONFINITE.reset(token)


def accepting_nonfinite() -> bool:
    return bool(_ACCEPT_NONFINITE.get())


def nonfinite_hint(problem: str) -> str:
    """A refused inf or NaN gradient's message: with --nonfinite continue offered where the command has it."""
    return _f('%(problem)s; %(hint)s', problem=problem, hint=_(NONFINITE_HINT)) if _ACCEPT_NONFINITE.get() is False \
        else problem


def is_number(text: str) -> bool:
    """A number as written: decimal, or inf/infinity/nan with an optional sign (a first row ``inf,0.1`` is data)."""
    cleaned = text.strip().translate(_MINUS_SIGNS)
    return bool(_NUMBER.fullmatch(cleaned) or _NONFINITE.fullmatch(cleaned))


def is_decimal(text: str) -> bool:
    """A decimal number as written (not inf or nan)."""
    return bool(_NUMBER.fullmatch(text.strip().translate(_MINUS_SIGNS)))


def shown(text: str, limit: int = 60) -> str:
    """A value from the input quoted in a message: escaped, and a long one cut with an ellipsis."""
    from adadelta_cli.safe import one_line

    return one_line(repr(text.strip()[:limit + 1]), limit)


def parse_number(text: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None, what: str = N_("a gradient")) -> float:
    """A finite float from ``text``, or an InputError saying where and what was expected.

    >>> parse_number(" -0.25 "), parse_number("\u22120.1"), parse_number("1E-3")
    (-0.25, -0.1, 0.001)
    """
    cleaned = text.strip().translate(_MINUS_SIGNS)
    place: dict[str, Any] = {"source": source, "line": line, "column": column}
    if _NONFINITE.fullmatch(cleaned) and accepting_nonfinite():
        return float(cleaned)
    if not _NUMBER.fullmatch(cleaned):
        if not cleaned:
            problem = _f("%(what)s is missing (an empty cell)", what=_(what))
        elif _NONFINITE.fullmatch(cleaned):
            problem = _f("%(what)s must be a finite number, got %(text)s", what=_(what), text=shown(text))
            if what == N_("a gradient"):
                raise InputError(nonfinite_hint(problem), **place)
        elif _DECIMAL_COMMA.fullmatch(cleaned):
            problem = _f("%(text)s has a decimal comma; write a decimal point (%(fixed)s)", text=shown(text),
                         fixed=cleaned.replace(",", "."))
        else:
            problem = _f("%(text)s is not a number", text=shown(text))
        raise InputError(_f('%(problem)s; %(expected)s', problem=problem, expected=_(EXPECTED_NUMBER)), **place)
    return in_range(float(cleaned), cleaned, shown(text), **place)


def in_range(value: float, text: str, quoted: str, **place) -> float:
    """``value`` read from ``text``, refused (said as ``quoted``, with its place) where a double cannot hold it: a
    nonzero number read as 0, or one past the largest double unless IEEE values are accepted."""
    if value == 0.0 and _NONZERO_MANTISSA.match(text):
        raise InputError(_f('%(value)s is too small for a double (the smallest is about 4.9e-324): it would be read '
                            'as 0', value=quoted), **place)
    if not math.isfinite(value) and not accepting_nonfinite():
        raise InputError(_f('%(value)s is too large for a double (the largest is about 1.8e308)', value=quoted),
                         **place)
    return value


def one_number(text: str, option: str, *, nonnegative: bool = False, what: str | None = None,
               setting: bool = False) -> float:
    """The one number an option takes (``step --grad 0.1``): a list (``0.1,0.2``) is refused rather than cut short,
    and with ``nonnegative`` a value below 0 is refused with ``what`` it is (an average of squares); ``setting``: a
    family member's setting, one value for every parameter."""
    items = text.split(",")
    if len(items) > 1 and setting:
        raise InputError(_f("%(option)s takes one number, got %(count)s (%(text)s): a setting of Adadelta's family is "
                            "one value for every parameter", option=option, count=len(items), text=shown(text)))
    if len(items) > 1:
        raise InputError(_f('%(option)s takes one number, got %(count)s (%(text)s); for a sequence of gradients use '
                            'trace', option=option, count=len(items), text=shown(text)))
    value = parse_number(text, source=option, what=N_("a value"))
    if nonnegative and value < 0:
        raise InputError(_f('%(option)s is %(what)s, which cannot be negative; got %(value)s', option=option,
                            what=what or _("a running average of squares"), value=text.strip()))
    return value


def check_name(name: str, source: str | None, line: int | None = None, column: int | None = None) -> str:
    """A parameter name from the data, refused (with its place) if it holds a control or format character (it
    could rewrite a terminal's screen or hide text), is too long, or would start a spreadsheet formula."""
    from adadelta_cli.safe import has_unsafe, one_line

    place: dict[str, Any] = {"source": source, "line": line, "column": column}
    if has_unsafe(name):
        raise InputError(_f(
            'the name %(name)s holds a control character; names may hold letters, digits, spaces and punctuation',
            name=one_line(repr(name), 80)), **place)
    if len(name) > MAX_NAME_CHARS:
        raise InputError(_f('a name is longer than %(limit)s characters', limit=MAX_NAME_CHARS), **place)
    if name[:1] in FORMULA_STARTS and not is_number(name):
        raise InputError(_f('the name %(name)s starts with %(char)s: a spreadsheet opening the CSV would run it as a '
                            'formula; start the name with a letter', name=one_line(repr(name), 80),
                            char=repr(name[0])), **place)
    return name
