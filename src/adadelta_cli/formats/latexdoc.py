"""LaTeX for class: whole documents that compile as written (pdflatex in English, xelatex with ctex in Chinese), or
the fragment to paste into one's own document (``--latex-fragment``).

Every formula comes from the step description (``recurrence``, LATEX notation); every number is rounded for display
only. A substituted equation is never one long line: each ``=`` starts a new line of an ``align*``, so the arithmetic
of a step stays inside the margins whatever the digits, and ``\\allowdisplaybreaks`` lets a long explanation run
over pages. Tables are ``longtable``: a long trace continues on the next page, its heading repeated.
"""

from __future__ import annotations

import math
import re

from adadelta_cli.formats.phrases import Num, Phrase, Sym, spell
from adadelta_cli.formats.report import LeftOut
from adadelta_cli.i18n import _, language
from adadelta_cli.maths import notation, recurrence
from adadelta_cli.safe import latex as text  # plain text (a parameter's name, a file name): the one escaping rule


def phrase(value) -> str:
    """A sentence as LaTeX text: its words and data escaped (``text``), its symbols (``Sym``) and numbers
    (``Num``) set as math in the LATEX notation, each piece as it is (a plain str is words alone)."""
    return "".join(_piece(p) for p in getattr(value, "pieces", (value,)))


def _piece(piece: str) -> str:
    if isinstance(piece, Sym):
        return "$" + spell(notation.LATEX, piece.name, piece.t, prev=piece.prev) + "$"
    if isinstance(piece, Num):
        mantissa, marker, exponent = piece.partition("e")
        return "$" + notation.LATEX.times_ten.format(mantissa, int(exponent)) + "$" if marker else text(piece)
    return text(piece)


def needs_xelatex(*texts: str) -> bool:
    """Chinese documents, and any text LaTeX sets beyond ASCII (a parameter named 权重), are compiled with xelatex
    (ctex), which typesets any character; pdflatex is for the rest. Decided from each sentence's pieces as set."""
    if language() == "zh":
        return True
    return any(ord(c) > 127 for t in texts for c in phrase(t))


def preamble(title: str, *, xelatex: bool, charts: bool = False) -> list[str]:
    engine = "xelatex" if xelatex else "pdflatex"
    lines = [r"\documentclass[11pt,a4paper]{article}", f"% {text(title)}: compile with {engine}"]
    if xelatex:
        lines.append(r"\usepackage[UTF8]{ctex}")
    lines += [r"\usepackage[margin=2cm]{geometry}", r"\usepackage{amsmath}", r"\usepackage{longtable}",
              r"\usepackage{array}", r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
              r"\setlength{\parskip}{0.6ex}"]
    if charts:  # (pgfplots: in TeX Live's pictures collection)
        lines += [r"\usepackage{pgfplots}", r"\pgfplotsset{compat=1.16}"]
    return lines + [r"\begin{document}"]


def chart(block) -> list[str]:
    """A ``report.Chart`` as a pgfplots axis: a line with marks for each series, the legend beside it."""
    log = ", ymode=log" if block.log else ""
    lines = [r"\begin{center}", r"\begin{tikzpicture}",
             rf"\begin{{axis}}[width=0.72\linewidth, height=6.5cm, xlabel={{$t$}}, ylabel={{${block.symbol}$}}{log}, "
             r"title={" + phrase(block.title) + r"}, legend pos=outer north east, legend cell align=left, "
             r"xtick distance=1, x tick label style={/pgf/number format/1000 sep={}}]"]
    for name, values in block.series:
        points = " ".join(f"({t},{v!r})" for t, v in zip(block.t, values)
                          if math.isfinite(v) and (v > 0 or not block.log))
        if points:
            lines += [rf"\addplot+[mark size=1.5pt] coordinates {{{points}}};", rf"\addlegendentry{{{text(name)}}}"]
    return lines + [r"\end{axis}", r"\end{tikzpicture}", r"\end{center}"]


def frame(title: str, *, fragment: bool, xelatex: bool, headed: bool = True, charts: bool = False
          ) -> tuple[list[str], list[str]]:
    """The lines before a document's body and after it (a whole document's, or with ``fragment`` what to paste: it
    needs amsmath, array and longtable), the engine decided by the caller: a document written as it is made decides
    it from its text before the body's first line. ``headed``: the title set above the body (else the body carries
    its own headings)."""
    if fragment:
        head = [f"% {text(title)}: " + r"paste into a document that loads amsmath, array and longtable"
                + (r" (and pgfplots)" if charts else "")
                + (r" (and ctex, compiled with xelatex: the text is Chinese)" if xelatex else ""),
                "% (tables and equations are sized for a 17 cm text width at 11pt: A4 with 2 cm margins)"]
        return head, []
    head = preamble(title, xelatex=xelatex, charts=charts) + ([rf"\section*{{{text(title)}}}"] if headed else [])
    return head, [r"\end{document}"]


# --- Tables -----------------------------------------------------------------------------------------------------

def _width_em(cell: str) -> float:
    """A generous width of a cell in em (never less than TeX sets it), to fix column widths and to choose a font
    size that keeps the table inside the margins."""
    em = 0.0
    for match in re.finditer(r"\\times 10\^\{(-?\d+)\}", cell):
        em += 2.4 + 0.4 * len(match.group(1))
    plain = re.sub(r"\\times 10\^\{(-?\d+)\}", "", cell)
    plain = re.sub(r"\\[a-zA-Z]+", "a", plain).replace("$", "").replace("{", "").replace("}", "")
    return em + sum(0.8 if c == "-" else 0.3 if c in ".,[]()^_ " else 1.15 if _wide(c) else 0.52 for c in plain) + 0.2


def _wide(c: str) -> bool:
    """A character set a whole em wide (Chinese, Japanese, Korean)."""
    import unicodedata

    return unicodedata.east_asian_width(c) in ("W", "F")


FIT_EM = 42  # the text width (17 cm at 11pt is 44 em), with a little to spare
GAP_EM = 1.1  # the space between two columns (2 \tabcolsep)
# The sizes a table may take, each with its em against the body's (10, 9 and 8 pt against 10.95 pt).
SIZES = (("", 1.0), (r"\small", 0.92), (r"\footnotesize", 0.83), (r"\scriptsize", 0.74))


def fixed_column(align: str, width_em: float) -> str:
    """A column of a fixed width: a longtable whose columns are fixed lines up on the first LaTeX run (natural
    widths need a second one, and a reader compiling once would get a heading out of line with the rows)."""
    ragged = {"r": r"\raggedleft", "l": r"\raggedright", "c": r"\centering"}[align]
    return rf">{{{ragged}\arraybackslash}}p{{{width_em:.1f}em}}"


def widths_em(columns: list[list[str]]) -> list[float]:
    return [max(_width_em(c) for c in column) for column in columns]


def font_for_widths(widths: list[float]) -> str:
    """The largest size at which columns of these widths (in em) fit the text width (else the smallest)."""
    for size, scale in SIZES:
        if sum(w * scale + GAP_EM for w in widths) <= FIT_EM:
            return size
    return SIZES[-1][0]


def column_groups(widths: list[float], keys: int) -> list[list[int]]:
    """The columns of each part of a table: all of them where they fit at the smallest size, else the first ``keys``
    (t, param) followed by as many of the others as fit, part after part."""
    smallest = SIZES[-1][1]

    def em(indices: list[int]) -> float:
        return sum(widths[i] * smallest + GAP_EM for i in indices)

    every = list(range(len(widths)))
    if em(every) <= FIT_EM or len(widths) <= keys + 1:
        return [every]
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(keys, len(widths)):
        if current and em(every[:keys] + current + [i]) > FIT_EM:
            groups.append(current)
            current = []
        current.append(i)
    groups.append(current)
    return [every[:keys] + group for group in groups]


# --- Steps and their arithmetic ---------------------------------------------------------------------------------

LINE_EM = 32  # the widest right-hand side kept on one line (the text width less the left-hand side)


def _top_level_terms(expression: str) -> list[str]:
    """``a + b - c`` split before each + or - outside brackets and braces: ``["a", "+ b", "- c"]``."""
    terms, depth, start, i = [], 0, 0, 0
    while i < len(expression):
        if expression.startswith(r"\left", i):
            depth, i = depth + 1, i + 5
            continue
        if expression.startswith(r"\right", i):
            depth, i = depth - 1, i + 6
            continue
        c = expression[i]
        depth += c == "{"
        depth -= c == "}"
        if depth == 0 and expression.startswith((" + ", " - "), i) and i > start:
            terms.append(expression[start:i].strip())
            start = i + 1
        i += 1
    terms.append(expression[start:].strip())
    return terms


def _broken(expression: str) -> list[str]:
    """A right-hand side too wide for the line, broken before + or - into lines that fit."""
    if _width_em(expression) <= LINE_EM:
        return [expression]
    lines: list[str] = []
    for term in _top_level_terms(expression):
        if lines and _width_em(lines[-1] + " " + term) <= LINE_EM:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return lines


def equation_lines(line: str) -> str:
    r"""One step's substituted equation, each ``=`` on a line of its own (``E &= a \\ &= b``), a side too wide for
    the page broken before a + or − (``&= a \\ &\quad + b``)."""
    head, *rest = line.split(notation.LATEX.equals)
    out = []
    for part in rest:
        pieces = _broken(part)
        out.append("&= " + pieces[0])
        out += [r"&\quad " + piece for piece in pieces[1:]]
    return f"{head} " + " \\\\\n  ".join(out)


def formulas(mode, description=None) -> list[str]:
    """The formulas of ``mode`` for an ``align*``, from the step description (Adadelta's, or ``description``)."""
    lines = []
    for q in recurrence.shown_quantities(mode, description):
        head, _sep, tail = q.equation(mode, notation.LATEX).partition(notation.LATEX.equals)
        lines.append(f"{head} &= {tail}")
    return lines


def align(lines: list[str], gap: str = "") -> list[str]:
    return [r"\begin{align*}", f" \\\\{gap}\n".join(lines), r"\end{align*}"]


def glossary(mode, description=None) -> list[str]:
    """What each symbol means, from the step description (Adadelta's, or ``description``'s)."""
    shown = recurrence.quantities(mode) if description is None else [q for q in description.quantities
                                                                      if q.shown(mode)]
    items = [rf"  \item[{{${notation.LATEX.symbol(q.name)}$}}] {phrase(Phrase(_(q.meaning), dx=Sym('dx')))}"
             for q in shown]
    hypers = r"\rho, \varepsilon, \mathit{lr}" if description is None else ", ".join(
        notation.LATEX.hypers[name] for name in recurrence.hypers(description, mode))
    items.append(rf"  \item[{{${hypers}$}}] {text(_('hyperparameters'))}")
    return [r"\begin{description}", *items, r"\end{description}"]


def explanation_lines(block):
    """A ``report.Arithmetic`` block in LaTeX, a line at a time (a long trace's arithmetic is written as it is made):
    a heading per step, then its arithmetic; long traces keep their first and last steps (--all: every one)."""
    given = rf"\quad\text{{{text(_('(given)'))}}}"
    yield rf"\subsection*{{{text(_('The arithmetic of each step'))}}}"
    yield from glossary(block.mode, block.description)
    for item in block.steps:
        if isinstance(item, LeftOut):
            yield r"\medskip\noindent\emph{" + text(item.text) + "}"
            continue
        lines = recurrence.explain_step(item.record, item.previous, item.settings, item.t, block.digits,
                                        notation.LATEX, eg2_given=item.eg2_given, given_label=given,
                                        description=item.description)
        yield rf"\subsubsection*{{{phrase(item.heading)}}}"
        yield from align([equation_lines(line) for line in lines], gap="[1ex]")
