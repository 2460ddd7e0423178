"""What a command shows, apart from how it is spelled.

A command builds a :class:`Document`: paragraphs, headings, the recurrence's formulas, tables of values, the worked
arithmetic of some steps; and, for machines, its :class:`Records` (the rows of every value, for CSV and JSON).
``writers`` turns any document into each format: a Rich table for a terminal, Markdown, LaTeX, CSV and JSON. Values
stay numbers here; their spelling (significant digits for people, shortest round-trip digits for machines) and
their escaping are the writers' alone.

>>> from adadelta_cli.formats import writers
>>> doc = Document("Demo", [Table([Column("t", kind=COUNT), Column("x", "x_t")], [[1, 0.1], [2, 0.30000000000000004]])])
>>> print(writers.markdown(doc), end="")
# Demo
<BLANKLINE>
| t | x\\_t |
|---:|---:|
| 1 | 0.1 |
| 2 | 0.3 |
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

NUMBER, TEXT, COUNT = "number", "text", "count"


# The elision rule of every table for people: a long trace shows its first and last steps, a Gap between them.
HEAD_ROWS = TAIL_ROWS = 10


SHORT = HEAD_ROWS + TAIL_ROWS + 5  # a table of this many steps or fewer shows every one


def shown_spans(count: int, *, show_all: bool) -> list:
    """The spans of rows (start, stop) a table of ``count`` steps shows, None standing for the hidden middle:
    every row of a short trace or with --all, else the first HEAD_ROWS and the last TAIL_ROWS. Every table, every
    command's and the worked arithmetic's, elides by this rule.

    >>> shown_spans(25, show_all=False), shown_spans(26, show_all=False)
    ([(0, 25)], [(0, 10), None, (16, 26)])
    """
    if show_all or count <= SHORT:
        return [(0, count)]
    return [(0, HEAD_ROWS), None, (count - TAIL_ROWS, count)]


def shown_steps(count: int, *, show_all: bool) -> list:
    """The steps (row indices) a table shows, with None between the first and the last (a table's Gap)."""
    return [i for span in shown_spans(count, show_all=show_all) for i in ([None] if span is None else range(*span))]


@dataclass(eq=False, repr=False)
class Column:
    """A column of a table: ``key`` is its machine name; ``heading`` its heading for people (Unicode, the article's
    notation) and ``latex`` the same in LaTeX math (None: the heading is set as text)."""

    key: str
    heading: str | None = None  # a Phrase where it holds symbols (x_t A)
    latex: str | None = None
    kind: str = NUMBER  # NUMBER (significant digits), COUNT (an integer: t), TEXT (from the data or the program)
    spell: Callable[[float, int], str] | None = None  # how people read a number here (default numfmt.sig)
    strong: bool = False  # heading in bold (the columns a worksheet asks for)
    room: int = 0  # at least this wide (terminal characters), to write in
    wrap: bool = False  # long text wraps at words (a note); every other column keeps to one line
    group: str | None = None  # columns kept side by side when a wide table is shown in parts

    @property
    def title(self) -> str:
        return self.key if self.heading is None else self.heading


@dataclass(eq=False, repr=False)
class Gap:
    """Rows left out: the middle steps of a long trace, or (with ``t``) the middle parameters of step ``t``."""

    count: int = 0
    t: int | None = None


@dataclass(eq=False, repr=False)
class Styled:
    """A cell with a style for the terminal (a verdict in green or red); the other formats show the text."""

    text: str
    style: str


class Rows(Sequence):
    """A table's rows made as they are read: ``count`` rows in all, which ``blocks`` yields in order, a list at a
    time (a list may be empty): a long run is computed a block of steps at a time, each block when a writer first
    reads one of its rows or a row after them, so its first lines are written before its last are computed.

    The rows made are kept (LaTeX reads them twice: once to measure its columns, once to set them) until a writer
    that reads them once, in order, lets them go (``release``). ``widest``: for a column (by index) of text or step
    numbers, values at least as wide as any it holds (the last step, the parameters' names), so that a long table's
    columns are measured before its rows are made; ``texts``: every text a cell may hold (the LaTeX engine is
    chosen from them before the first row); ``gaps``: the Gaps among the rows.

    >>> rows = Rows(4, iter([[[1], [2]], [], [[3], [4]]]))
    >>> rows[0], rows.made, rows[-1], rows.made
    ([1], 2, [4], 4)
    """

    def __init__(self, count: int, blocks: Iterable[list], *, texts: Iterable[str] = (),
                 widest: dict[int, list] | None = None, gaps: Sequence[Gap] = ()) -> None:
        self.total = count
        self._blocks = iter(blocks)
        self._rows: list = []
        self._base = 0  # the rows before this one have been let go
        self.texts, self.widest, self.gaps = tuple(texts), dict(widest or {}), list(gaps)

    @property
    def made(self) -> int:
        """How many rows have been made so far."""
        return self._base + len(self._rows)

    def _make(self, upto: int) -> None:
        while self.made < min(upto, self.total):
            block = next(self._blocks, None)
            if block is None:
                raise ValueError(f"a table of {self.total} rows ended after {self.made}")
            self._rows.extend(block)

    def release(self, before: int) -> None:
        """Let the rows before ``before`` go (a writer that reads them once, in order, has written them)."""
        drop = max(0, min(before, self.made) - self._base)
        del self._rows[:drop]
        self._base += drop

    def _held(self, start: int) -> int:
        if start < self._base:
            raise IndexError(f"row {start} of this table has been written and let go")
        return start - self._base

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, _step = index.indices(self.total)  # every writer reads a run of rows
            if stop <= start:
                return []
            self._make(stop)
            return self._rows[self._held(start):stop - self._base]
        i = index + self.total if index < 0 else index
        if not 0 <= i < self.total:
            raise IndexError(index)
        self._make(i + 1)
        return self._rows[self._held(i)]

    def __iter__(self):
        i = 0
        while i < self.total:
            self._make(i + 1)
            chunk = self._rows[self._held(i):]
            yield from chunk
            i += len(chunk)


def step_rows(count: int, blocks: Iterable[tuple[int, int, Any]], rows_of: Callable[[Any, int], list], *,
              show_all: bool, per_step: int = 1, texts: Iterable[str] = (),
              widest: dict[int, list] | None = None) -> Rows:
    """The rows of a table over ``count`` steps, elided by ``shown_spans`` (a Gap for the hidden middle), made as
    the steps come: ``blocks`` yields (first step, stop, block) for consecutive blocks of steps, from 0, and
    ``rows_of(block, i)`` the ``per_step`` rows of the block's step i. A block's rows are only those shown, so
    the hidden middle costs its computing only, and the Gap comes as soon as the first steps are made."""
    spans = shown_spans(count, show_all=show_all)
    shown = sum(span[1] - span[0] for span in spans if span is not None)
    gaps = [Gap(count - shown)] if None in spans else []
    head = spans[0][1]

    def made():
        gap = list(gaps)
        for first, stop, block in blocks:
            out: list = []
            for span in spans:
                if span is None:
                    if stop >= head and gap:
                        out.append(gap.pop())
                    continue
                for i in range(max(span[0], first), min(span[1], stop)):
                    out += rows_of(block, i - first)
            yield out

    return Rows(shown * per_step + len(gaps), made(), texts=texts, widest=widest, gaps=gaps)


@dataclass(eq=False, repr=False)
class Table:
    """A table of values: its columns, its rows (Gaps among them), a title above and notes below."""

    columns: list[Column]
    rows: Sequence[list[Any] | Gap]  # a list, or Rows made as they are read
    title: str | None = None
    notes: list[str] = field(default_factory=list)  # below the table
    ruled: bool = False  # a rule under every row, room to write (a worksheet)
    sections: bool = False  # a rule where the first column changes (several parameters a step)
    edge: bool = True


@dataclass(eq=False, repr=False)
class Para:
    """A paragraph of text."""

    text: str
    strong: bool = False
    quiet: bool = False  # a side remark (dim in a terminal, italic elsewhere)
    code: str | None = None  # program text after the words (a function), set as code


@dataclass(eq=False, repr=False)
class Heading:
    """A section's heading (LaTeX's \\subsection*, Markdown's ##)."""

    text: str


@dataclass(eq=False, repr=False)
class WriteIn:
    """A line to write on (a student's name): ``label`` and room after it."""

    label: str


@dataclass(eq=False, repr=False)
class Working:
    """Room to write a step's working in: ``label`` (Working, step 2: g_2 = 0.2), then an empty frame ``height``
    centimetres high on paper (a few blank lines elsewhere)."""

    label: str
    height: float = 3.5


@dataclass(eq=False, repr=False)
class Chart:
    """Curves against t for print (LaTeX draws them with pgfplots; a terminal has its own chart, the other formats
    none): ``series`` of (name, values), a value that is not finite left out; ``symbol``: the quantity's LaTeX;
    ``log``: a log scale (every value positive)."""

    title: str
    symbol: str
    t: list[int]
    series: list[tuple[str, list[float]]]
    log: bool = False


@dataclass(eq=False, repr=False)
class Formulas:
    """The recurrence's formulas for a mode of the step (``recurrence.Mode``, or a family member's options with its
    ``description``), spelled by each writer."""

    mode: Any
    description: Any = None  # a family member's (maths/family.py); None: Adadelta's


@dataclass(eq=False, repr=False)
class Explained:
    """One shown step's (and parameter's) arithmetic as data: its heading, the step's values (``record``), the
    state before it (``previous``: eg2, edx2, x), the settings as this parameter sees them; each writer spells the
    lines in its notation (``recurrence.explain_step``)."""

    heading: str
    t: int
    record: dict
    previous: dict
    settings: dict
    eg2_given: bool = False
    description: Any = None  # recurrence.Description: a family member's step (None: Adadelta's)


@dataclass(eq=False, repr=False)
class LeftOut:
    """Where the worked arithmetic leaves out the middle of a long trace: what to say there."""

    text: str


@dataclass(eq=False, repr=False)
class Arithmetic:
    """Each shown step's arithmetic with its numbers (``trace --explain``, ``step``): ``steps`` holds Explained and
    LeftOut items in order; it may be lazy (a long trace's made as they are written, read again for each writing),
    so that memory stays that of a step."""

    steps: Iterable
    digits: int
    mode: Any  # recurrence.Mode: the glossary's symbols
    names: tuple[str, ...] = ()  # the parameters' names (a Markdown fence must outrun their backticks)
    legend: str | None = None  # the symbols' meanings, for the terminal and Markdown
    description: Any = None  # recurrence.Description: a family member's glossary (None: Adadelta's)


# What a document holds, in order ("" is a blank line between two parts).
Block = str | Heading | Para | Table | WriteIn | Working | Formulas | Arithmetic | Chart


@dataclass(eq=False, repr=False)
class Document:
    """What a command shows: a title, then blocks in order."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    words: tuple[str, ...] = ()  # text from the data (names, paths) a LaTeX engine must be able to set
    headed: bool = False  # the title stands first in a terminal too (a handout's)


@dataclass(eq=False, repr=False)
class Records:
    """The machine view: every value, one record a row, for CSV and JSON.

    ``rows`` may be any iterable (a generator over a long run is written a slice at a time). JSON holds
    ``{"settings": ..., "steps": [records], **extra}``; ``document`` replaces that layout where a command's JSON is not
    one list of records (check's marked sheets). CSV starts with ``comments`` (``# ...`` lines), then the columns.
    ``spreadsheet``: text cells that a spreadsheet would take as a formula (=, +, -, @) are quoted with '."""

    columns: list[str]
    rows: Iterable[Any] = ()  # records (sequences or dicts), or Steps blocks of them
    settings: dict | None = None
    extra: dict | None = None
    comments: list[str] = field(default_factory=list)
    spreadsheet: bool = False
    document: Any = None


@dataclass(eq=False, repr=False)
class Steps:
    """Records of a run given a block of steps at a time, as whole columns (a ``Records.rows`` may hold these
    among its rows): for each step t from ``first_t``, one record per name in ``names`` (the parameter): t, the
    name, then the value of each array of ``values`` (each shaped steps × names). The writers format each column's
    numbers a block at a time, the work of a long trace."""

    first_t: int
    names: list[str]
    values: list[Any]  # numpy arrays, one per column after t and param

    def rows(self):
        """The records one at a time: [t, name, values ...]."""
        columns = [v.astype("float64").tolist() for v in self.values]
        for i in range(self.values[0].shape[0] if self.values else 0):
            for p, name in enumerate(self.names):
                yield [self.first_t + i, name, *(column[i][p] for column in columns)]


def each_row(rows: Iterable) -> Iterable:
    """The rows of a Records one record at a time, Steps blocks taken apart (for a reader of the records)."""
    for row in rows:
        if isinstance(row, Steps):
            yield from row.rows()
        else:
            yield row
