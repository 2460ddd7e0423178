"""One writer per format: any ``report.Document`` (or its ``report.Records``) as text.

- ``table``: a Rich renderable for a terminal (or a text file, through ``terminal.render_text``);
- ``markdown`` and ``latex``: documents for notes, slides and handouts;
- for machines, CSV and JSON: ``machine``'s, which ``write_report`` calls.

Numbers for people have ``--digits`` significant digits (a NaN or an infinity marked ⚠); numbers for machines the
shortest text that reads back as the same double (orjson's, the same as ``trace``'s CSV and JSON). Text from the
data is escaped here, for each format, by ``safe``. A long run's records are written a slice at a time.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

from adadelta_cli import numfmt, outfiles, safe, terminal
from adadelta_cli.formats import machine
from adadelta_cli.formats.report import (
    COUNT,
    TEXT,
    Arithmetic,
    Column,
    Document,
    Formulas,
    Gap,
    Heading,
    LeftOut,
    Para,
    Rows,
    Styled,
    Table,
    Working,
    WriteIn,
)
from adadelta_cli.i18n import _

NONFINITE_MARK = "⚠"  # beside a NaN or an infinity in a table for people
WORKING_LINES = 6  # blank lines left for a step's working where the page is not measured (terminal, Markdown)


# --- Cells ----------------------------------------------------------------------------------------------------

def people(value, column: Column, digits: int) -> str:
    """A cell as people read it (not yet escaped)."""
    if value is None:
        return ""
    if isinstance(value, Styled):
        return value.text
    if isinstance(value, str):
        return value
    if column.kind == COUNT or isinstance(value, (bool, int)):
        return str(value)
    value = float(value)
    text = (column.spell or numfmt.sig)(value, digits)
    return text if math.isfinite(value) else f"{text} {NONFINITE_MARK}"


def latex_cell(value, column: Column, digits: int) -> str:
    """A cell as LaTeX: numbers in math mode (``9.98 \\times 10^{-7}``), text escaped."""
    from adadelta_cli.formats import latexdoc

    if value is None:
        return ""
    if isinstance(value, (Styled, str)):
        return latexdoc.phrase(value.text if isinstance(value, Styled) else value)
    if column.kind == COUNT or isinstance(value, (bool, int)):
        return f"${value}$"
    value = float(value)
    if math.isnan(value):
        return r"$\boldsymbol{\mathrm{NaN}}$"
    if math.isinf(value):
        return "$" + ("-" if value < 0 else "") + r"\boldsymbol{\infty}$"
    return f"${numfmt.latex(value, digits)}$"


def _numeric(column: Column) -> bool:
    return column.kind != TEXT


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _phrase_lines(text: str) -> list[str]:
    """A paragraph's lines: a one-line Phrase whole, its pieces kept."""
    return _lines(text) if "\n" in text else [text]


# --- A terminal -------------------------------------------------------------------------------------------------

def table(doc: Document, digits: int = 6):
    """The document for a terminal: a Rich Group of lines of text and tables (never Rich markup from the data)."""
    from rich.console import Group
    from rich.text import Text

    parts: list[Text | TableRun | _Later | ArithmeticRun] = \
        [Text(safe.terminal(doc.title), style="bold")] if doc.headed else []
    for block in doc.blocks:
        if isinstance(block, Para):
            style = "bold" if block.strong else "dim" if block.quiet else ""
            text = block.text + ("" if block.code is None else " " + block.code)
            parts.append(Text("\n".join(safe.terminal(line) for line in _lines(text)), style=style))
        elif isinstance(block, WriteIn):
            parts.append(Text(safe.terminal(block.label) + " " + "." * 40))
        elif isinstance(block, Working):
            parts += [Text(safe.terminal(block.label), style="bold")] + [Text("")] * WORKING_LINES
        elif isinstance(block, Heading):
            parts.append(Text(safe.terminal(block.text), style="bold"))
        elif isinstance(block, Formulas):
            parts += [Text("  " + f) for f in formula_lines(block.mode)]
        elif isinstance(block, Table):
            # What the table leaves out is said below it, as wide as the screen (not the width of a table's part).
            long = len(block.rows) > LONG_TABLE_ROWS and not block.ruled
            later = isinstance(block.rows, Rows) and not block.ruled and not any(c.wrap for c in block.columns)
            parts.append(TableRun(block, digits) if long else _Later(block, digits) if later else
                         rich_table(block, digits, notes=False))
            parts += [Text(safe.terminal(note), style="dim italic") for note in block.notes]
        elif isinstance(block, Arithmetic):
            parts.append(ArithmeticRun(block))
        elif block == "":
            parts.append(Text(""))
    return Group(*parts)


def rich_table(t: Table, digits: int = 6, *, notes: bool = True, rows: tuple[int, int] | None = None,
               widths: list[int] | None = None):
    """A Rich Table. Headings and cells are Text, so the brackets of E[g²] are never markup; a column is at least
    as wide as its widest cell, so a number is never cut short.

    ``rows`` (start, stop): only those rows (a block of a long table, see TableRun), the heading and title with the
    first block only; ``widths``: the columns' widths, the same for every block."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    body: list[list[str] | Gap] = []
    styles: list[list[str]] = []
    start, stop = rows if rows is not None else (0, len(t.rows))
    for row in t.rows[start:stop + 1]:  # one row more than is shown: where a section ends is seen from the next
        if isinstance(row, Gap):
            body.append(row)
            styles.append([])
            continue
        body.append([safe.terminal(people(v, c, digits)) for v, c in zip(row, t.columns)])
        styles.append([v.style if isinstance(v, Styled) else "" for v in row])
    shown = stop - start
    if widths is None:
        widths = [max([len(c.title), c.room] + [len(cells[i]) for cells in body[:shown]
                                                 if not isinstance(cells, Gap)]) for i, c in enumerate(t.columns)]
    first, last = start == 0, stop >= len(t.rows)
    result = RichTable(title=Text(safe.terminal(t.title)) if t.title and first else None, title_justify="left",
                       caption=Text("\n".join(safe.terminal(n) for n in t.notes)) if t.notes and notes and last
                       else None, show_header=first,
                       caption_justify="left", box=box.SQUARE if t.ruled else box.SIMPLE_HEAD,
                       show_lines=t.ruled, show_edge=t.edge)
    for c, width in zip(t.columns, widths):
        result.add_column(Text(c.title, style="bold" if c.strong else ""),
                          justify="right" if _numeric(c) else "left", no_wrap=not c.wrap,
                          min_width=None if c.wrap and rows is None else width, overflow="fold")
    # read when a wide table is shown in parts (an attribute of our own on Rich's Table)
    result.column_groups = [c.group for c in t.columns]  # type: ignore[attr-defined]
    count = len(t.columns)
    for i, (cells, style) in enumerate(zip(body[:shown], styles)):
        after = body[i + 1] if i + 1 < len(body) else None
        end = t.sections and after is not None and (isinstance(after, Gap) and after.t is None or not isinstance(
            after, Gap) and not isinstance(cells, Gap) and after[0] != cells[0])
        if isinstance(cells, Gap) and cells.t is None:
            result.add_row(*(Text("⋮", style="dim") for _c in range(count)), end_section=t.sections)
        elif isinstance(cells, Gap):
            result.add_row(Text(str(cells.t)), Text(_("⋯ %(count)d more") % {"count": cells.count}),
                           *(Text("") for _c in range(count - 2)), end_section=False)
        else:
            result.add_row(*(Text(cell, style=s) for cell, s in zip(cells, style)), end_section=bool(end))
    return result


LONG_TABLE_ROWS = 2000  # a longer table for people is made, and written, a block at a time
BLOCK_ROWS = 500


class TableRun:
    """A long table for people (``trace --all`` over 300,000 steps) made BLOCK_ROWS rows at a time, each block
    written as soon as it is made (terminal.print_fitted), so the first lines appear at once, memory stays that of one
    block, and a reader that goes away (``| head``) ends the command at the next block.

    Every block has the same column widths: text and step columns as wide as their widest cell, number columns as
    wide as the widest number ``digits`` significant digits can give (the whole table is never formatted first).
    Rendered whole (``-o FILE``), it is the same text."""

    def __init__(self, t: Table, digits: int) -> None:
        self.t, self.digits = t, digits
        self.widths = _run_widths(t, digits)

    def blocks(self):
        """(Rich table, first, last) for each block."""
        count = len(self.t.rows)
        for start in range(0, count, BLOCK_ROWS):
            stop = min(count, start + BLOCK_ROWS)
            yield rich_table(self.t, self.digits, notes=False, rows=(start, stop), widths=self.widths), \
                start == 0, stop == count
            if isinstance(self.t.rows, Rows):  # made as they are read: a block written is let go
                self.t.rows.release(stop)

    @staticmethod
    def trim(lines: list, *, first: bool, last: bool) -> list:
        """A block's lines without the blank edges that would stand between blocks."""
        return lines[0 if first else 1:len(lines) if last else len(lines) - 1]

    def pieces(self):
        """Each block as a renderable of its own, its edges trimmed: print them one after another."""
        for block, first, last in self.blocks():
            yield _Trimmed(block, first=first, last=last)

    def __rich_console__(self, console, options):
        for piece in self.pieces():
            yield from piece.__rich_console__(console, options)

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        block, _first, _last = next(self.blocks())
        return Measurement.get(console, options, block)


class _Later:
    """A table for people whose rows are computed as they are read (``report.Rows``: compare's, optimize's), made
    when it is first measured or written: what stands before it in the document is written first. Its columns are
    as wide as its widest cells, so it waits for its last row (a long one is a TableRun instead)."""

    def __init__(self, t: Table, digits: int) -> None:
        self.t, self.digits = t, digits
        self._made = None

    def made(self):
        if self._made is None:
            self._made = rich_table(self.t, self.digits, notes=False)
        return self._made

    def blocks(self):
        """The table as one block (TableRun's form: a terminal too narrow for it shows it in parts)."""
        yield self.made(), True, True

    def pieces(self):
        yield self.made()

    def __rich_console__(self, console, options):
        yield self.made()

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.made())


class _Trimmed:
    """One block of a TableRun, without the blank edge lines that would stand between blocks."""

    def __init__(self, block, *, first: bool, last: bool) -> None:
        self.block, self.first, self.last = block, first, last

    def __rich_console__(self, console, options):
        from rich.segment import Segment

        lines = console.render_lines(self.block, options, pad=False)
        for line in TableRun.trim(lines, first=self.first, last=self.last):
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.block)


# Numbers that give the longest text with N significant digits: negative, and an exponent of three digits.
_WIDEST = (-1.2345678901234567e-300, -1.2345678901234567e300, -0.00012345678901234567, -123456.78901234567,
           float("nan"), float("-inf"))


def _run_widths(t: Table, digits: int) -> list[int]:
    widest = t.rows.widest if isinstance(t.rows, Rows) else {}
    widths = []
    for i, c in enumerate(t.columns):
        cells = (row[i] for row in t.rows if not isinstance(row, Gap))
        if (c.kind == TEXT or c.kind == COUNT) and i in widest:  # known before the rows are made
            found = max((len(safe.terminal(people(v, c, digits))) for v in widest[i]), default=0)
        elif c.kind == TEXT or c.kind == COUNT:
            found = max((len(safe.terminal(people(v, c, digits))) for v in cells), default=0)
        else:
            found = max(len(people(v, c, digits)) for v in _WIDEST)
            found = max([found] + [len(safe.terminal(people(v, c, digits)))
                                   for v in itertools.islice(cells, BLOCK_ROWS)])
        widths.append(max(len(c.title), c.room, found))
    return widths


class _Pause(str):
    """A line that is no line: what was made so far is written out now (the next rows are still to be computed)."""


_PAUSE = _Pause("")


def _read_once(rows):
    """A table's rows for a writer that reads them once, in order: a ``Rows`` made a block at a time, _PAUSE before
    a row still to be computed (what is already made goes out first), each let go once read."""
    if not isinstance(rows, Rows):
        yield from rows
        return
    i = 0
    while i < len(rows):
        if i >= rows.made:
            yield _PAUSE
            rows[i]  # the block that holds row i
        chunk = rows[i:min(rows.made, i + BLOCK_ROWS)]
        yield from chunk
        i += len(chunk)
        rows.release(i)


def reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone away (``| head -c 100`` has read its fill), found
    without writing to it: a pipe's writing end polls as an error once no reader is left (Linux, the BSDs). False
    elsewhere, and for a terminal or a file."""
    import os
    import select
    import stat
    import sys

    try:
        fd = sys.stdout.fileno()
        if not hasattr(select, "poll") or not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _fd, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def watched(blocks):
    """``blocks`` (a long run's, computed as they are read) for a report written to standard output: before each
    block after the first is computed, what was written goes out, and a reader gone away (``| head``) ends the
    command as a write would (BrokenPipeError), rather than after the last block of a table it waits for."""
    import errno
    import os
    import sys

    for block in blocks:
        yield block
        sys.stdout.flush()
        if reader_gone():
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def formula_lines(mode, notation=None) -> list[str]:
    """The formulas of ``mode`` (recurrence.Mode), one a line, from the step description."""
    from adadelta_cli.maths import recurrence

    return [q.equation(mode, notation) for q in recurrence.quantities(mode)]


def arithmetic_lines(block: Arithmetic):
    """The worked arithmetic in Unicode: (heading, lines) per shown step, (None, [note]) where steps are left out."""
    from adadelta_cli.maths import recurrence

    for item in block.steps:
        if isinstance(item, LeftOut):
            yield None, [item.text]
            continue
        yield item.heading, recurrence.explain_step(item.record, item.previous, item.settings, item.t, block.digits,
                                                    eg2_given=item.eg2_given, given_label=_("(given)"))


def _arithmetic_texts(block: Arithmetic):
    """The worked arithmetic as lines of Text, made one step at a time."""
    from rich.text import Text

    if block.legend:
        yield Text(block.legend, style="dim")
        yield Text("")
    for heading, lines in arithmetic_lines(block):
        if heading is None:
            yield Text(lines[0], style="dim italic")
            yield Text("")
            continue
        yield Text(heading, style="bold")
        yield from (Text("  " + line) for line in lines)
        yield Text("")


class ArithmeticRun:
    """The worked arithmetic for a terminal, made (and written, see terminal.print_fitted) a few hundred lines at a
    time: `trace --all --explain | head` shows its first lines at once."""

    LINES = 400

    def __init__(self, block: Arithmetic) -> None:
        self.block = block

    def pieces(self):
        from rich.console import Group

        texts = _arithmetic_texts(self.block)
        while chunk := list(itertools.islice(texts, self.LINES)):
            yield Group(*chunk)

    def __rich_console__(self, console, options):
        yield from self.pieces()

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        found = [Measurement.get(console, options, piece) for piece in self.pieces()]
        return Measurement(max((m.minimum for m in found), default=0), max((m.maximum for m in found), default=0))


# --- Markdown ---------------------------------------------------------------------------------------------------

def markdown(doc: Document, digits: int = 6) -> str:
    return "".join(markdown_pieces(doc, digits))


def markdown_pieces(doc: Document, digits: int = 6):
    """The Markdown document in pieces, made (and written, by whoever reads them) one after another: a long table
    or worked arithmetic reaches a pipe as it is made. Blank lines at the end are left out."""
    blank = 0
    pending: list[str] = []
    for line in _markdown_lines(doc, digits):
        if line is _PAUSE:  # the next rows are still to be computed: what is made goes out first
            if pending:
                yield "".join(pending)
                pending = []
            continue
        if line == "":
            blank += 1
            continue
        pending.append("\n" * blank + line + "\n")
        blank = 0
        if len(pending) >= 200:
            yield "".join(pending)
            pending = []
    if pending:
        yield "".join(pending)


def write_pieces(out, pieces) -> None:
    for piece in pieces:
        out.write(piece)


def _markdown_lines(doc: Document, digits: int):
    lines = [f"# {safe.markdown(doc.title)}", ""]
    for block in doc.blocks:
        if isinstance(block, Para):
            text = "  \n".join(safe.markdown(line) for line in _lines(block.text))
            text = f"**{text}**" if block.strong else f"*{text}*" if block.quiet else text
            if block.code is not None:
                text += " " + _code_span(safe.terminal(block.code))
            lines += [text, ""]
        elif isinstance(block, WriteIn):
            lines += [safe.markdown(block.label) + " " + "." * 40, ""]
        elif isinstance(block, Working):
            lines += [f"**{safe.markdown(block.label)}**", ""] + ["&nbsp;", ""] * WORKING_LINES
        elif isinstance(block, Heading):
            lines += ["#" * block.level + " " + safe.markdown(block.text), ""]
        elif isinstance(block, Formulas):
            lines += [f"- `{f}`" for f in formula_lines(block.mode)] + [""]  # code: E[g²]_t is never markup
        elif isinstance(block, Table):
            yield from lines
            lines = []
            yield from _markdown_table_lines(block, digits)
            lines += [""]
        elif isinstance(block, Arithmetic):
            yield from lines
            lines = []
            yield from _explanation_block(block)
            lines += [""]
    yield from lines


def _explanation_block(block: Arithmetic):
    """The worked arithmetic as a fenced code block, a line at a time: the fence is longer than any run of
    backticks the text can hold (they can come only from the parameters' names)."""
    fence = "`" * max([3] + [len(run) + 1 for name in block.names for run in re.findall("`+", name)])
    yield f"{fence}text"
    if block.legend:
        yield block.legend
    for heading, lines in arithmetic_lines(block):
        yield ""
        yield lines[0] if heading is None else "\n".join([heading] + [f"  {line}" for line in lines])
    yield fence


def _code_span(text: str) -> str:
    """``text`` as a Markdown code span: a fence of more backticks than any run inside, so it cannot close early."""
    fence = "`" * (1 + max([0] + [len(run) for run in re.findall("`+", text)]))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_table(t: Table, digits: int = 6) -> list[str]:
    return [line for line in _markdown_table_lines(t, digits) if line is not _PAUSE]


def _markdown_table_lines(t: Table, digits: int = 6):
    if t.title:
        yield f"**{safe.markdown(t.title)}**"
        yield ""
    headings = [f"**{safe.markdown(c.title)}**" if c.strong else safe.markdown(c.title) for c in t.columns]
    yield "| " + " | ".join(headings) + " |"
    yield "|" + "|".join("---:" if _numeric(c) else ":---" for c in t.columns) + "|"
    for row in _read_once(t.rows):
        if row is _PAUSE:
            yield row
            continue
        if isinstance(row, Gap):
            cells = ["⋮"] * len(t.columns) if row.t is None else \
                [str(row.t), _("⋯ %(count)d more") % {"count": row.count}] + [""] * (len(t.columns) - 2)
        else:
            cells = [safe.markdown(people(v, c, digits)) for v, c in zip(row, t.columns)]
        yield "| " + " | ".join(cell or " " for cell in cells) + " |"
    if t.notes:
        yield ""
        yield from (f"*{safe.markdown(n)}*  " for n in t.notes)


# --- LaTeX ------------------------------------------------------------------------------------------------------

def latex(doc: Document, digits: int = 6, *, fragment: bool = False) -> str:
    """A complete document (pdflatex; xelatex with ctex where the text is Chinese), or with ``fragment`` its body."""
    from adadelta_cli.formats import latexdoc

    body, texts = latex_body(doc, digits)
    return latexdoc.document(doc.title, body, fragment=fragment, extra_text=tuple(texts))


def latex_pages(docs: list[Document], title: str, digits: int = 6) -> str:
    """Several documents in one, each on pages of its own (its title heading it): one file for one print job."""
    from adadelta_cli.formats import latexdoc

    pages: list[str] = []
    texts: list[str] = []
    for n, doc in enumerate(docs):
        body, words = latex_body(doc, digits)
        texts += [doc.title, *words]
        pages += ([r"\clearpage"] if n else []) + [rf"\section*{{{latexdoc.text(doc.title)}}}", *body]
    return latexdoc.document(title, pages, fragment=False, extra_text=tuple(texts), headed=False)


def latex_body(doc: Document, digits: int = 6) -> tuple[list[str], list[str]]:
    """The LaTeX lines of ``doc``'s blocks, and the texts in them a LaTeX engine must be able to set."""
    from adadelta_cli.formats import latexdoc

    body: list[str] = []
    texts: list[str] = [*doc.words]
    for block in doc.blocks:
        if isinstance(block, Para):
            texts.append(block.text)
            text = r" \\ ".join(latexdoc.phrase(line) for line in _phrase_lines(block.text))
            text = rf"\textbf{{{text}}}" if block.strong else rf"\emph{{{text}}}" if block.quiet else text
            if block.code is not None:
                texts.append(block.code)
                text += r" \texttt{" + latexdoc.text(block.code) + "}"
            body += [r"{\raggedright " + text + r"\par}", ""]  # long numbers break at spaces, never past the margin
        elif isinstance(block, WriteIn):
            texts.append(block.label)
            body += [r"\noindent " + latexdoc.text(block.label) + r" \rule{9cm}{0.4pt}", r"\bigskip", ""]
        elif isinstance(block, Working):
            texts.append(block.label)
            body += [r"\par\noindent\begin{minipage}{\linewidth}" + latexdoc.phrase(block.label) + r"\par\smallskip",
                     # An empty frame: a strut as high as the room, a rule as wide as the line (less the frame).
                     rf"\noindent\fbox{{\rule{{0pt}}{{{block.height:.1f}cm}}"
                     r"\rule{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}{0pt}}\end{minipage}", r"\medskip", ""]
        elif isinstance(block, Heading):
            texts.append(block.text)
            command = {1: "section", 2: "subsection"}.get(block.level, "subsubsection")
            body += [rf"\{command}*{{\raggedright {latexdoc.phrase(block.text)}}}", ""]
        elif isinstance(block, Formulas):
            body += [*latexdoc.align(latexdoc.formulas(block.mode)), ""]
        elif isinstance(block, Table):
            texts += [block.title or "", *block.notes, *(v for row in block.rows if not isinstance(row, Gap)
                                                        for v in row if isinstance(v, str))]
            body += latex_table(block, digits) + [""]
        elif isinstance(block, Arithmetic):
            body += latexdoc.explanation(block)
    return body, texts


def _latex_heading(c: Column) -> str:
    from adadelta_cli.formats import latexdoc

    if c.latex is None and c.kind == COUNT:
        return f"${latexdoc.text(c.title)}$"
    return f"${c.latex}$" if c.latex is not None else latexdoc.phrase(c.title)


def _latex_rows(t: Table, digits: int) -> list[list[str]]:
    from adadelta_cli.formats import latexdoc

    rows = []
    for row in t.rows:
        if isinstance(row, Gap) and row.t is None:
            rows.append([r"$\vdots$"] * len(t.columns))
        elif isinstance(row, Gap):
            rows.append([f"${row.t}$", latexdoc.text(_("⋯ %(count)d more") % {"count": row.count}).replace(
                "⋯", r"$\cdots$")] + [""] * (len(t.columns) - 2))
        else:
            rows.append([latex_cell(v, c, digits) for v, c in zip(row, t.columns)])
    return rows


def _keys(t: Table) -> int:
    """How many leading columns start every part of a table set in parts: those before the first group (t, g_t
    before the optimizers' pairs), else t and a parameter's name."""
    groups = [c.group for c in t.columns]
    if any(groups):
        return next(i for i, g in enumerate(groups) if g is not None)
    return 1 + (len(t.columns) > 1 and not _numeric(t.columns[1]))


def latex_table(t: Table, digits: int = 6) -> list[str]:
    """A longtable: its heading repeated on each page, its columns of fixed widths (so that the heading lines up
    on the first LaTeX run), in the largest size that keeps it inside the margins. A column of sentences (a
    verdict's note) takes the width the others leave and wraps there; a table too wide even in the smallest size is
    set as several, the key columns (t, param) starting each. ``ruled``: a grid with room to write in."""
    from adadelta_cli.formats import latexdoc

    headings = [_latex_heading(c) for c in t.columns]
    rows = _latex_rows(t, digits)
    widths = latexdoc.widths_em([[h] + [r[i] for r in rows] for i, h in enumerate(headings)])
    return list(_latex_table_lines(t, headings, widths, lambda: rows))


def _latex_table_lines(t: Table, headings: list[str], widths: list[float], rows):
    """latex_table's lines, given the columns' widths in em; ``rows()`` gives the rows' cells afresh for each part
    of the table."""
    from adadelta_cli.formats import latexdoc

    widths = [max(w, 6.5) if c.room else w for c, w in zip(t.columns, widths)]
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
            return ("c" if i < keys else "r") if t.ruled else "r" if _numeric(c) and not c.wrap else "l"

        spec = rule + rule.join(latexdoc.fixed_column(align(i), widths[i]) for i in group) + rule
        head = " & ".join(headings[i] for i in group) + r" \\ \hline"
        yield from ["{" + size + r"\renewcommand{\arraystretch}{"
                    + ("1.9" if t.ruled else "1.25") + "}", rf"\begin{{longtable}}{{{spec}}}", r"\hline", head,
                    r"\endfirsthead", r"\hline", head, r"\endhead", r"\hline", r"\endfoot"]
        for cells in rows():
            yield (" & ".join(cells[i] or (r"\rule{0pt}{4ex}" if t.ruled else "") for i in group)
                   + (r" \\ \hline" if t.ruled else r" \\"))
        if n == len(groups) - 1:
            yield from (r"\multicolumn{" + str(len(group)) + r"}{l}{\emph{" + latexdoc.text(note) + r"}} \\"
                        for note in t.notes)
        yield r"\end{longtable}}"
        if n < len(groups) - 1:
            yield ""


def latex_pieces(doc: Document, digits: int = 6, *, fragment: bool = False):
    """``latex(doc, digits, fragment=...)`` in pieces, each made as it is written: the engine (xelatex where the text
    holds Chinese or anything else beyond ASCII) is decided from the document's text before its first line (a
    table's cells are numbers; its text comes from its heading, notes and text cells), then a long table is set a
    block of rows at a time and the worked arithmetic a step at a time. A trace of 300,000 steps starts at once,
    a reader gone away (``| head``) ends the command at the next piece, and memory stays that of a block. The same
    bytes as ``latex``."""
    from adadelta_cli.formats import latexdoc

    head, tail = latexdoc.frame(doc.title, fragment=fragment,
                                xelatex=latexdoc.needs_xelatex(doc.title, *_latex_texts(doc)))
    chunk: list[str] = []
    for line in itertools.chain(head, _latex_body_lines(doc, digits), tail):
        if line is not _PAUSE:
            chunk.append(line)
        if chunk and (line is _PAUSE or len(chunk) == 200):  # (_PAUSE: the next rows are still to be computed)
            yield "".join(line + "\n" for line in chunk)
            chunk = []
    if chunk:
        yield "".join(line + "\n" for line in chunk)


def _latex_texts(doc: Document) -> list[str]:
    """The texts of ``doc`` a LaTeX engine must be able to set (latex_body's), each once."""
    texts: dict[str, None] = dict.fromkeys(doc.words)
    for block in doc.blocks:
        if isinstance(block, Table):
            texts.update(dict.fromkeys([block.title or "", *block.notes]))
            texts.update(dict.fromkeys(block.rows.texts if isinstance(block.rows, Rows) else (
                v for row in block.rows if not isinstance(row, Gap) for v in row if isinstance(v, str))))
        elif not isinstance(block, Arithmetic):
            texts.update(dict.fromkeys(latex_body(Document(doc.title, [block]))[1]))
    return list(texts)


def _latex_body_lines(doc: Document, digits: int):
    """latex_body's lines, a long table's rows and the worked arithmetic made as they are read."""
    from adadelta_cli.formats import latexdoc

    for block in doc.blocks:
        if isinstance(block, Table):
            yield from latex_table_lines(block, digits)
            yield ""
        elif isinstance(block, Arithmetic):
            yield from latexdoc.explanation_lines(block)
        else:
            yield from latex_body(Document(doc.title, [block]), digits)[0]


def latex_table_lines(t: Table, digits: int = 6):
    """latex_table(), a line at a time: the columns' widths found without setting every cell (latex_widths),
    the rows set BLOCK_ROWS at a time."""
    import dataclasses

    headings = [_latex_heading(c) for c in t.columns]
    if isinstance(t.rows, Rows) and t.rows.made < len(t.rows):
        yield _PAUSE  # the widths need every row: what is made goes out before they are computed

    def rows():
        for start in range(0, len(t.rows), BLOCK_ROWS):
            yield from _latex_rows(dataclasses.replace(t, rows=t.rows[start:start + BLOCK_ROWS]), digits)

    yield from _latex_table_lines(t, headings, latex_widths(t, headings, digits), rows)


_SHAPE = str.maketrans("23456789", "11111111")  # a digit's width is any digit's; 0 stays (exponents lose theirs)


def _shapes(texts: list[str]) -> list[str]:
    return "\n".join(texts).translate(_SHAPE).split("\n") if texts else []


def latex_widths(t: Table, headings: list[str], digits: int = 6) -> list[float]:
    """The width in em of each column of ``t`` in LaTeX (``latexdoc.widths_em`` of its heading and every cell),
    without setting every cell: a number's cell is as wide as any other whose significant digits
    (``format(v, ".Ng")``, ``sig``'s source) have the same shape (every digit but 0 made 1: the exponent's length
    survives ``sig``), so one number of each shape is set; each text once."""
    import dataclasses

    from adadelta_cli.formats import latexdoc

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


def text(doc: Document, fmt: str, digits: int = 6, *, fragment: bool = False) -> str:
    """A document for people as text: ``table`` (plain, for a file), ``markdown`` or ``latex``."""
    if fmt == "markdown":
        return markdown(doc, digits)
    if fmt == "latex":
        return latex(doc, digits, fragment=fragment)
    group = table(doc, digits)
    return terminal.render_text(group, width=table_width(group))


def table_width(renderable) -> int:
    """The width a table needs so that nothing in it is cut."""
    from rich.console import Console

    console = Console(width=10_000)
    return console.measure(renderable).maximum


def write_report(fmt: str, target: Path | None, digits: int = 6, *, document=None, records=None,
                 fragment: bool = False, console=None, held: bool = False) -> None:
    """A command's report in ``fmt``, through the one writer of that format: ``document()`` for people (table,
    Markdown, LaTeX, each written as it is made), ``records()`` for machines (CSV, JSON, written a slice at a time).
    A table goes to a terminal fitted to its width, to a file or a pipe whole. ``held``: records computed as they
    are written, which may still fail; standard output gets the first HELD_CHARACTERS only once they are all good."""
    if fmt in ("csv", "json"):
        data = records()
        outfiles.emit_stream(lambda out: (machine.write_csv if fmt == "csv" else machine.write_json)(out, data), target,
                           hold=outfiles.HELD_CHARACTERS if held else 0)
    elif fmt == "markdown":
        doc = document()
        outfiles.emit_stream(lambda out: write_pieces(out, markdown_pieces(doc, digits)), target)
    elif fmt == "latex":
        doc = document()
        outfiles.emit_stream(lambda out: write_pieces(out, latex_pieces(doc, digits, fragment=fragment)), target)
    elif target is not None and not outfiles.is_stdout(target):
        outfiles.emit(text(document(), fmt, digits, fragment=fragment), target)
    else:
        terminal.print_fitted(table(document(), digits), console or terminal.stdout_console())
