"""The writer for a terminal: any ``report.Document`` as Rich renderables (and, through ``terminal.render_text``, as
plain text for a file). Headings and cells are Rich ``Text``, never markup from the data; a long table and the worked
arithmetic are made, and written, a block at a time (``terminal.print_fitted``)."""

from __future__ import annotations

import itertools

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table as RichTable
from rich.text import Text

from adadelta_cli import safe
from adadelta_cli.formats import spelling
from adadelta_cli.formats.report import (
    NUMBER,
    Arithmetic,
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

LONG_TABLE_ROWS = 2000  # a longer table for people is made, and written, a block at a time

def table(doc: Document, digits: int = 6):
    """The document for a terminal: a Rich Group of lines of text and tables (never Rich markup from the data)."""
    parts: list[Text | TableRun | _Later | ArithmeticRun] = \
        [Text(safe.terminal(doc.title), style="bold")] if doc.headed else []
    for block in doc.blocks:
        if isinstance(block, Para):
            style = "bold" if block.strong else "dim" if block.quiet else ""
            text = block.text + ("" if block.code is None else " " + block.code)
            parts.append(Text("\n".join(safe.terminal(line) for line in text.split("\n")), style=style))
        elif isinstance(block, WriteIn):
            parts.append(Text(safe.terminal(block.label) + " " + "." * 40))
        elif isinstance(block, Working):
            parts += [Text(safe.terminal(block.label), style="bold")] + [Text("")] * spelling.WORKING_LINES
        elif isinstance(block, Heading):
            parts.append(Text(safe.terminal(block.text), style="bold"))
        elif isinstance(block, Formulas):
            parts += [Text("  " + f) for f in spelling.formula_lines(block.mode, description=block.description)]
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
    body: list[list[str] | Gap] = []
    styles: list[list[str]] = []
    start, stop = rows if rows is not None else (0, len(t.rows))
    for row in t.rows[start:stop + 1]:  # one row more than is shown: where a section ends is seen from the next
        if isinstance(row, Gap):
            body.append(row)
            styles.append([])
            continue
        body.append([safe.terminal(spelling.people(v, c, digits)) for v, c in zip(row, t.columns)])
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
                          justify="right" if spelling.numeric(c) else "left", no_wrap=not c.wrap,
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
            result.add_row(Text(str(cells.t)), Text(spelling.more(cells)),
                           *(Text("") for _c in range(count - 2)), end_section=False)
        else:
            result.add_row(*(Text(cell, style=s) for cell, s in zip(cells, style)), end_section=bool(end))
    return result


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
        for start in range(0, count, spelling.BLOCK_ROWS):
            stop = min(count, start + spelling.BLOCK_ROWS)
            yield rich_table(self.t, self.digits, notes=False, rows=(start, stop), widths=self.widths), \
                start == 0, stop == count
            if isinstance(self.t.rows, Rows):  # made as they are read: a block written is let go
                self.t.rows.release(stop)

    def pieces(self):
        """Each block as a renderable of its own, its edges trimmed: print them one after another."""
        for block, first, last in self.blocks():
            yield _Trimmed(block, first=first, last=last)

    def __rich_console__(self, console, options):
        for piece in self.pieces():
            yield from piece.__rich_console__(console, options)

    def __rich_measure__(self, console, options):
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
        return Measurement.get(console, options, self.made())


class _Trimmed:
    """One block of a TableRun, without the blank edge lines that would stand between blocks."""

    def __init__(self, block, *, first: bool, last: bool) -> None:
        self.block, self.first, self.last = block, first, last

    def __rich_console__(self, console, options):
        lines = console.render_lines(self.block, options, pad=False)
        for line in lines[0 if self.first else 1:len(lines) if self.last else len(lines) - 1]:
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console, options):
        return Measurement.get(console, options, self.block)


# Numbers that give the longest text with N significant digits: negative, and an exponent of three digits.
_WIDEST = (-1.2345678901234567e-300, -1.2345678901234567e300, -0.00012345678901234567, -123456.78901234567,
           float("nan"), float("-inf"))


def _run_widths(t: Table, digits: int) -> list[int]:
    widest = t.rows.widest if isinstance(t.rows, Rows) else {}
    widths = []
    for i, c in enumerate(t.columns):
        def width(values) -> int:
            return max((len(safe.terminal(spelling.people(v, c, digits))) for v in values), default=0)

        cells = (row[i] for row in t.rows if not isinstance(row, Gap))
        if c.kind != NUMBER:  # text and step numbers: their widest, known before the rows are made, else each row's
            found = width(widest.get(i, cells))
        else:  # the widest number ``digits`` can give, or a wider cell of the first block
            found = max(width(_WIDEST), width(itertools.islice(cells, spelling.BLOCK_ROWS)))
        widths.append(max(len(c.title), c.room, found))
    return widths


def _arithmetic_texts(block: Arithmetic):
    """The worked arithmetic as lines of Text, made one step at a time."""
    if block.legend:
        yield Text(block.legend, style="dim")
        yield Text("")
    for heading, lines in spelling.arithmetic_lines(block):
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
        texts = _arithmetic_texts(self.block)
        while chunk := list(itertools.islice(texts, self.LINES)):
            yield Group(*chunk)

    def __rich_console__(self, console, options):
        yield from self.pieces()

    def __rich_measure__(self, console, options):
        found = [Measurement.get(console, options, piece) for piece in self.pieces()]
        return Measurement(max((m.minimum for m in found), default=0), max((m.maximum for m in found), default=0))


def table_width(renderable) -> int:
    """The width a table needs so that nothing in it is cut."""
    console = Console(width=10_000)
    return console.measure(renderable).maximum
