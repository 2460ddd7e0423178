"""The one home for escaping: text that comes from the data (parameter names, formulas, worksheet cells, file names)
made safe for the place it is written to. Nothing from an input ever reaches a terminal or a document raw.

Which function for which place:

- ``terminal(text)``: a terminal, a message on stderr, a Rich table or a plain-text file. Control characters
  (C0, DEL, C1), bidirectional overrides, other invisible format characters and lone surrogates are shown as Python
  writes them (``\\x1b``, ``\\n``, ``\\u202e``, ``\\ud800``); everything else is left as it is.
- ``markdown(text)``: a Markdown table cell or line: what Markdown or HTML would act on is backslash-escaped or made
  an entity (``| < > & ` * _ [ ] \\ # ! ~ $``), after ``terminal``.
- ``latex(text)``: LaTeX running text: ``\\ { } % & _ # $ ^ ~`` become the commands that print them, after
  ``terminal``.
- ``csv_cell(text)``: one CSV cell, quoted where it must be (RFC 4180), after ``terminal``.
- ``plot_label(text)``: a matplotlib label: ``$`` is escaped so mathtext never parses it, after ``terminal``.
- ``xml(text)``: SVG and HTML text and attribute values, after ``terminal``.

>>> terminal("a\\x1b]2;PWNED\\x07b")
'a\\\\x1b]2;PWNED\\\\x07b'
>>> markdown("p|q <b>")
'p\\\\|q &lt;b&gt;'
>>> latex("50% of $x_1$")
'50\\\\% of \\\\$x\\\\_1\\\\$'
>>> csv_cell('say "hi", twice')
'"say ""hi"", twice"'
"""

from __future__ import annotations

import re
import unicodedata

# Characters never written raw: C0 controls (tab and newline too: a name or a message is one line), DEL and C1,
# lone surrogates (they cannot be encoded at all), and the format characters that reorder or hide text (bidi
# overrides, zero-width joiners and the like). None of them is printable (str.isprintable).
_UNSAFE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character that ``terminal`` would escape (a control or format character)."""
    return terminal(text) != text


def terminal(text: str) -> str:
    """``text`` with every control or format character shown as an escape (``\\x1b``), for terminals and messages.

    Use it for anything from the data that is printed: table cells and headings, titles, notes, error messages.
    It is idempotent on ordinary text and never raises.
    """
    if (text := str(text)).isprintable():  # nothing to escape: the common case
        return text
    text = re.sub(_UNSAFE, lambda match: repr(match.group())[1:-1], text)  # as Python writes it: \x1b, \n, \u202e
    if any(ord(c) > 0x7f for c in text):
        text = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" and c != "\xad" else c for c in text)
    return text


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]{}#!|~$"})  # each set after a backslash


def markdown(text: str) -> str:
    """``text`` for a Markdown table cell or line (CommonMark and GitHub's tables): never markup, never HTML.

    Backslash-escapes what Markdown acts on (`` \\ ` * _ [ ] { } # ! | ~ $ ``) and writes ``< > &`` as entities, so a
    name such as ``<img onerror=...>`` stays text and ``p|q`` stays in its own cell.
    """
    from html import escape

    return escape(terminal(text), quote=False).translate(_MARKDOWN)


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
          ">": r"\textgreater{}", "|": r"\textbar{}", "—": "---", "–": "--", "…": r"\dots{}",
          # signs the text fonts lack, set as math
          "−": "$-$", "·": r"$\cdot $", "²": "$^2$", "×": r"$\times$", "✓": r"$\surd$", "✗": r"$\times$",
          "⋯": r"$\cdots$", "√": r"$\surd$", **{chr(0x2080 + i): f"$_{i}$" for i in range(10)}}
_LATEX_TABLE = str.maketrans(_LATEX)
# Greek letters, which the Latin Modern text fonts do not have, are set as math (a parameter named θ).
_GREEK = {chr(0x3B1 + i): "\\" + name for i, name in enumerate(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho varsigma sigma tau upsilon "
    "phi chi psi omega".split())}
# ε (U+03B5) is \varepsilon, as the formulas set it; \epsilon is the lunate ϵ (U+03F5).
_GREEK.update({"ε": r"\varepsilon", "ο": "o", "ϑ": r"\vartheta", "ϕ": r"\phi", "ϖ": r"\varpi", "ϵ": r"\epsilon",
               "ϱ": r"\varrho"})
_GREEK.update({chr(0x391 + i): name for i, name in enumerate(
    "A B \\Gamma \\Delta E Z H \\Theta I K \\Lambda M N \\Xi O \\Pi P _ \\Sigma T \\Upsilon \\Phi X \\Psi "
    "\\Omega".split())})
_GREEK.pop("\u03a2", None)


def _cjk(code: int) -> bool:
    """Chinese, Japanese and Korean characters and their punctuation: ctex sets them (xelatex)."""
    return any(lo <= code <= hi for lo, hi in ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
                                                (0xFF00, 0xFFEF), (0x20000, 0x2FFFF)))


def _glyph(c: str) -> str:
    """One character the fonts may lack: Greek as math, Latin and Chinese as themselves, anything else (an emoji, a
    script the fonts do not cover) shown by its code point, never silently left out."""
    if c in _GREEK:
        name = _GREEK[c]
        return f"${name}$" if name.startswith("\\") else name
    code = ord(c)
    if code < 0x250 or 0x2010 <= code <= 0x2027 or 0x2030 <= code <= 0x203A or 0x20A0 <= code <= 0x20BF \
            or _cjk(code):
        return c
    return rf"\texttt{{[U+{code:04X}]}}"


def latex(text: str) -> str:
    """``text`` for LaTeX running text (also inside ``\\text{...}``): ``\\ { } % & _ # $ ^ ~ < > |`` print as
    themselves, ``--`` too (not a dash), control characters are shown escaped (``terminal``), Greek letters are set
    as math and a character the fonts lack is shown by its code point. Never yields a command of the input's own.

    >>> latex("--all, 50% of x_1")
    '-{}-all, 50\\\\% of x\\\\_1'
    """
    text = _LONG_WORD.sub(lambda m: re.sub(r"([/_.\-])", "\\1" + _BREAK, m.group()), terminal(text).replace(_BREAK, ""))
    text = text.translate(_LATEX_TABLE).replace(_BREAK, r"\allowbreak{}")
    text = re.sub("-(?=-)", "-{}", text)  # --all as typed, not the dash TeX makes of -- and ---
    return "".join(_glyph(c) for c in text) if any(ord(c) >= 0x250 for c in text) else text


# A word longer than this (a file's path, a long name) may break after / _ . - rather than run into the margin.
_LONG_WORD = re.compile(r"\S{24,}")
_BREAK = "\ue000"


def csv_cell(text: str) -> str:
    """``text`` as one CSV cell: quoted (with ``"`` doubled) where it holds a comma, a quote or starts/ends with a
    space; control characters shown escaped, so a cell is always one line."""
    text = terminal(text)
    if any(c in text for c in ',";') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def plot_label(text: str) -> str:
    """``text`` for a matplotlib title, axis label or legend entry, shown literally: ``$`` is escaped so mathtext
    never parses it (a header ``$\\foo$`` is drawn as written, not refused by the math parser)."""
    return terminal(text).replace("$", r"\$")


def xml(text: str) -> str:
    """``text`` for SVG or HTML, in element text or a quoted attribute value."""
    from html import escape

    return escape(terminal(text), quote=True)


def _json_escape(char: str) -> str:
    units = char.encode("utf-16-be").hex()  # beyond the BMP: its UTF-16 surrogate pair, as JSON writes it
    return "".join("\\u" + units[i:i + 4] for i in range(0, len(units), 4))


def json_text(text: str) -> str:
    """JSON text with every invisible character (C1 controls, format characters such as U+202E, line and paragraph
    separators) written as its ``\\u`` escape: the same JSON value, nothing raw for a terminal or an editor to act
    on. JSON's encoder has already escaped C0 controls, quotes and backslashes."""
    if text.isascii():
        return text
    return "".join(_json_escape(c) if c > "\x7f" and (unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")) else c
                   for c in text)


def one_line(text: str, limit: int = 200) -> str:
    """``terminal(text)`` cut to ``limit`` characters with an ellipsis: for quoting input inside a message."""
    shown = terminal(text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"
