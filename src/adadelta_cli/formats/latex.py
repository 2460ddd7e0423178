"""The LaTeX writer: any ``report.Document`` as a LaTeX document or fragment (``latexdoc`` frames it, sizes its
tables and sets its equations), made (and written) a piece at a time: a long table a block of rows at a time, the
worked arithmetic a step at a time. Numbers are in math mode (``9.98 \\times 10^{-7}``), text escaped by ``safe``."""

from __future__ import annotations

import dataclasses
import itertools
import math

from adadelta_cli import numfmt
from adadelta_cli.formats import latexdoc, spelling
from adadelta_cli.formats.report import (
    COUNT,
    Arithmetic,
    Chart,
    Column,
    Document,
    Formulas,
    Gap,
    Heading,
    Para,
    Rows,
    Styled,
    Table,
    Working,
    WriteIn,
)


def latex_cell(value, column: Column, digits: int) -> str:
    """A cell as LaTeX: numbers in math mode (``9.98 \\times 10^{-7}``), text escaped."""
    if value is None or isinstance(value, (Styled, str)):
        return latexdoc.phrase(value.text if isinstance(value, Styled) else value or "")
    if column.kind == COUNT or isinstance(value, (bool, int)):
        return f"${value}$"
    value = float(value)
    if math.isnan(value):
        return r"$\boldsymbol{\mathrm{NaN}}$"
    if math.isinf(value):
        return "$" + ("-" if value < 0 else "") + r"\boldsymbol{\infty}$"
    return f"${numfmt.latex(value, digits)}$"


def latex(doc: Document, digits: int = 6, *, fragment: bool = False) -> str:
    """A complete document (pdflatex; xelatex with ctex where the text is Chinese), or with ``fragment`` its body."""
    return "".join(latex_pieces(doc, digits, fragment=fragment))


def latex_pieces(doc: Document, digits: int = 6, *, fragment: bool = False):
    """``latex(doc, digits, fragment=...)`` in pieces, each made as it is written: the engine (xelatex where the text
    holds Chinese or anything else beyond ASCII) is decided from the document's text before its first line (a
    table's cells are numbers; its text comes from its heading, notes and text cells), then a long table is set a
    block of rows at a time and the worked arithmetic a step at a time. A trace of 300,000 steps starts at once,
    a reader gone away (``| head``) ends the command at the next piece, and memory stays that of a block."""
    head, tail = latexdoc.frame(doc.title, fragment=fragment, xelatex=latexdoc.needs_xelatex(doc.title, *_texts(doc)),
                                charts=any(isinstance(block, Chart) for block in doc.blocks))
    lines = itertools.chain(head, _body(doc, digits), tail)
    return spelling.pieces(line if line is spelling.PAUSE else line + "\n" for line in lines)


def latex_pages(docs: list[Document], title: str, digits: int = 6) -> str:
    """Several documents in one, each on pages of its own (its title heading it): one file for one print job."""
    pages: list[str] = []
    texts: list[str] = []
    for n, doc in enumerate(docs):
        texts += [doc.title, *_texts(doc)]
        pages += ([r"\clearpage"] if n else []) + [rf"\section*{{{latexdoc.text(doc.title)}}}"]
        pages += [line for line in _body(doc, digits) if line is not spelling.PAUSE]
    head, tail = latexdoc.frame(title, fragment=False, xelatex=latexdoc.needs_xelatex(title, *texts), headed=False)
    return "\n".join(head + pages + tail) + "\n"


def _texts(doc: Document) -> list[str]:
    """The texts of ``doc`` a LaTeX engine must be able to set: the data's words, the blocks' text, a table's
    title, notes and text cells (a ``Rows``' ``texts``, known before its rows are made)."""
    texts: list[str] = [*doc.words]
    for block in doc.blocks:
        if isinstance(block, Para):
            texts += [block.text] + ([] if block.code is None else [block.code])
        elif isinstance(block, (WriteIn, Working)):
            texts.append(block.label)
        elif isinstance(block, (Heading, Chart)):
            texts += [block.title, *(name for name, _values in block.series)] if isinstance(block, Chart) else [
                block.text]
        elif isinstance(block, Table):
            texts += [block.title or "", *block.notes]
            texts += block.rows.texts if isinstance(block.rows, Rows) else [
                v for row in block.rows if not isinstance(row, Gap) for v in row if isinstance(v, str)]
    return texts


def _body(doc: Document, digits: int):
    """The LaTeX lines of ``doc``'s blocks, a long table's rows and the worked arithmetic made as they are read."""
    for block in doc.blocks:
        if isinstance(block, Para):
            text = r" \\ ".join(latexdoc.phrase(line) for line in (block.text.split("\n") if "\n" in block.text
                                                                    else [block.text]))  # a Phrase kept whole
            text = rf"\textbf{{{text}}}" if block.strong else rf"\emph{{{text}}}" if block.quiet else text
            if block.code is not None:
                text += r" \texttt{" + latexdoc.text(block.code) + "}"
            yield from [r"{\raggedright " + text + r"\par}", ""]  # long numbers break at spaces, never past the margin
        elif isinstance(block, WriteIn):
            yield from [r"\noindent " + latexdoc.text(block.label) + r" \rule{9cm}{0.4pt}", r"\bigskip", ""]
        elif isinstance(block, Working):
            yield from [r"\par\noindent\begin{minipage}{\linewidth}" + latexdoc.phrase(block.label) + r"\par\smallskip",
                        # An empty frame: a strut as high as the room, a rule as wide as the line (less the frame).
                        rf"\noindent\fbox{{\rule{{0pt}}{{{block.height:.1f}cm}}"
                        r"\rule{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}{0pt}}\end{minipage}", r"\medskip", ""]
        elif isinstance(block, Heading):
            yield from [rf"\subsection*{{\raggedright {latexdoc.phrase(block.text)}}}", ""]
        elif isinstance(block, Formulas):
            yield from [*latexdoc.align(latexdoc.formulas(block.mode, block.description)), ""]
        elif isinstance(block, Chart):
            yield from [*latexdoc.chart(block), ""]
        elif isinstance(block, Table):
            yield from latex_table_lines(block, digits)
            yield ""
        elif isinstance(block, Arithmetic):
            yield from latexdoc.explanation_lines(block)


def _latex_heading(c: Column) -> str:
    if c.latex is None and c.kind == COUNT:
        return f"${latexdoc.text(c.title)}$"
    return f"${c.latex}$" if c.latex is not None else latexdoc.phrase(c.title)


def _latex_rows(t: Table, digits: int) -> list[list[str]]:
    rows = []
    for row in t.rows:
        if isinstance(row, Gap) and row.t is None:
            rows.append([r"$\vdots$"] * len(t.columns))
        elif isinstance(row, Gap):
            rows.append([f"${row.t}$", latexdoc.text(spelling.more(row)).replace("⋯", r"$\cdots$")]
                        + [""] * (len(t.columns) - 2))
        else:
            rows.append([latex_cell(v, c, digits) for v, c in zip(row, t.columns)])
    return rows


def _keys(t: Table) -> int:
    """How many leading columns start every part of a table set in parts: those before the first group (t, g_t
    before the optimizers' pairs), else t and a parameter's name."""
    groups = [c.group for c in t.columns]
    if any(groups):
        return next(i for i, g in enumerate(groups) if g is not None)
    return 1 + (len(t.columns) > 1 and not spelling.numeric(t.columns[1]))


def latex_table_lines(t: Table, digits: int = 6):
    """A longtable, a line at a time: its heading repeated on each page, its columns of fixed widths (so that the
    heading lines up on the first LaTeX run; found without setting every cell, ``latex_widths``), in the largest
    size that keeps it inside the margins, its rows set BLOCK_ROWS at a time. A column of sentences (a verdict's
    note) takes the width the others leave and wraps there; a table too wide even in the smallest size is set as
    several, the key columns (t, param) starting each. ``ruled``: a grid with room to write in."""
    headings = [_latex_heading(c) for c in t.columns]
    if isinstance(t.rows, Rows) and t.rows.made < len(t.rows):
        yield spelling.PAUSE  # the widths need every row: what is made goes out before they are computed
    widths = [max(w, 6.5) if c.room else w for c, w in zip(t.columns, latex_widths(t, headings, digits))]
    keys = _keys(t)
    if any(c.wrap for c in t.columns):
        fixed = sum(w + latexdoc.GAP_EM for c, w in zip(t.columns, widths) if not c.wrap)
        room = max((latexdoc.FIT_EM - fixed) / sum(c.wrap for c in t.columns) - latexdoc.GAP_EM, 10.0)
        widths = [min(w, room) if c.wrap else w for c, w in zip(t.columns, widths)]
        groups = [list(range(len(widths)))]
    else:
        groups = latexdoc.column_groups(widths, keys=keys)
    rule = "|" if t.ruled else ""
    if t.title:
        yield r"\noindent\textbf{" + latexdoc.phrase(t.title) + r"}\par\nopagebreak"
    sizes = [latexdoc.font_for_widths([widths[i] for i in group]) for group in groups]
    size = max(sizes, key=[s for s, _scale in latexdoc.SIZES].index)  # every part in one size: the smallest needed
    for n, group in enumerate(groups):
        def align(i: int) -> str:
            c = t.columns[i]
            return ("c" if i < keys else "r") if t.ruled else "r" if spelling.numeric(c) and not c.wrap else "l"

        spec = rule + rule.join(latexdoc.fixed_column(align(i), widths[i]) for i in group) + rule
        head = " & ".join(headings[i] for i in group) + r" \\ \hline"
        yield from ["{" + size + r"\renewcommand{\arraystretch}{"
                    + ("1.9" if t.ruled else "1.25") + "}", rf"\begin{{longtable}}{{{spec}}}", r"\hline", head,
                    r"\endfirsthead", r"\hline", head, r"\endhead", r"\hline", r"\endfoot"]
        for start in range(0, len(t.rows), spelling.BLOCK_ROWS):
            for cells in _latex_rows(dataclasses.replace(t, rows=t.rows[start:start + spelling.BLOCK_ROWS]), digits):
                yield (" & ".join(cells[i] or (r"\rule{0pt}{4ex}" if t.ruled else "") for i in group)
                       + (r" \\ \hline" if t.ruled else r" \\"))
        if n == len(groups) - 1:
            yield from (r"\multicolumn{" + str(len(group)) + r"}{l}{\emph{" + latexdoc.text(note) + r"}} \\"
                        for note in t.notes)
        yield r"\end{longtable}}"
        if n < len(groups) - 1:
            yield ""


_SHAPE = str.maketrans("23456789", "11111111")  # a digit's width is any digit's; 0 stays (exponents lose theirs)


def _shapes(texts: list[str]) -> list[str]:
    return "\n".join(texts).translate(_SHAPE).split("\n") if texts else []


def latex_widths(t: Table, headings: list[str], digits: int = 6) -> list[float]:
    """The width in em of each column of ``t`` in LaTeX (``latexdoc.widths_em`` of its heading and every cell),
    without setting every cell: a number's cell is as wide as any other whose significant digits
    (``format(v, ".Ng")``, ``sig``'s source) have the same shape (every digit but 0 made 1: the exponent's length
    survives ``sig``), so one number of each shape is set; each text once."""
    spec = f".{digits}g"
    columns = []
    for i, (c, heading) in enumerate(zip(t.columns, headings)):
        values = [row[i] for row in t.rows if not isinstance(row, Gap)]
        floats = [v for v in values if type(v) is float] if c.kind != COUNT else []
        ints = [v for v in values if type(v) is int]
        shapes = {**dict(zip(_shapes([format(v, spec) for v in floats]), floats)),
                  **dict(zip(("$" + k for k in _shapes([str(v) for v in ints])), ints))}
        cells = [heading] + [latex_cell(v, c, digits) for v in shapes.values()]
        if len(floats) + len(ints) < len(values):
            distinct: dict = {}  # the other cells (text, a blank), each value once
            for v in values:
                if not (type(v) is int or (type(v) is float and c.kind != COUNT)):
                    distinct.setdefault((type(v), v) if isinstance(v, (str, float, bool, type(None))) else id(v), v)
            cells += [latex_cell(v, c, digits) for v in distinct.values()]
        columns.append(cells)
    gaps = [row for row in t.rows if isinstance(row, Gap)]
    if gaps:
        for i, gap_cells in enumerate(zip(*_latex_rows(dataclasses.replace(t, rows=gaps), digits))):
            columns[i] += gap_cells
    return latexdoc.widths_em(columns)
