"""Rich output: a console for results, renderables as plain text, tables fitted to a terminal's width without
cutting a number, and the progress bar."""

from __future__ import annotations

import copy
import dataclasses
import io
import itertools
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from adadelta_cli.i18n import _, _f

if TYPE_CHECKING:
    from rich.progress import Progress as Bar

TABLE_RUN_WIDTH = 100_000  # into a pipe or a file, a piece is as wide as it needs, whatever the room


def stdout_console(**kwargs):
    from rich.console import Console

    return Console(highlight=False, **kwargs)


def render_text(renderable, width: int | None = None) -> str:
    """A Rich renderable as plain text (no colour), wide enough not to wrap, for files."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 200, color_system=None, highlight=False,
                      force_terminal=False, legacy_windows=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _measure(renderable, *, least: bool = False) -> int:
    from rich.console import Console

    measured = Console(width=100_000).measure(renderable)
    return measured.minimum if least else measured.maximum


def split_table(table, width: int) -> list:
    """``table`` as parts of whole columns, each at most ``width`` wide where it can be: the first column (t) and a
    left-aligned second one (param) start every part, so that each row can be read on its own. A column is never
    cut or shortened. Works on any rich Table."""
    columns = table.columns
    tags = getattr(table, "column_groups", None) or [None] * len(columns)
    keys = [0] + ([1] if len(columns) > 1 and columns[1].justify == "left" else [])
    if any(tags):  # grouped columns (an optimizer's η_t and x_t) follow the key columns, which start every part
        keys = list(range(next(i for i, tag in enumerate(tags) if tag is not None)))
    rest = [i for i in range(len(columns)) if i not in keys]

    def build(indices: list[int], *, first: bool, last: bool):
        part = copy.copy(table)  # the table's look, with its own columns
        part.title = table.title if first else None
        part.caption = table.caption if last else None
        part.columns = [dataclasses.replace(columns[i], _index=n, overflow="fold") for n, i in enumerate(indices)]
        return part

    # Columns of one group stay side by side (a column of no group is a unit of its own).
    units = [list(unit) for _key, unit in itertools.groupby(rest, key=lambda i: (tags[i], tags[i] is None and i))]
    groups: list[list[int]] = [[]]
    for unit in units:  # a unit that makes the part too wide starts the next one
        if groups[-1] and _measure(build(keys + groups[-1] + unit, first=False, last=False)) > width:
            groups.append([])
        groups[-1] += unit
    return [build(keys + group, first=n == 0, last=n == len(groups) - 1) for n, group in enumerate(groups)]


def print_fitted(renderable, console=None) -> None:
    """Print a table, or a Group holding tables and lines of text, to standard output with no number ever cut.

    Into a pipe or a file, the text is what ``-o FILE`` writes: lines as long as they need, trailing spaces
    dropped. On a terminal each piece is fitted on its own: text wraps at spaces; a table with a column of sentences (a
    verdict's note) wraps that column where the rest fits; a table still wider is shown in parts of whole columns
    (t repeated in each), with a note saying so."""
    from rich.console import Group

    console = console or stdout_console()
    # Rich renderables and the writers' own pieces (TableRun, ArithmeticRun), told apart by what they offer
    items: list[Any] = list(renderable.renderables) if isinstance(renderable, Group) else [renderable]
    if not console.is_terminal:  # a pipe or a file: the bytes -o FILE writes, whole lines as long as they need
        # Piece by piece, each written as soon as it is made: a long table a block at a time (richtable.TableRun),
        # so the first lines come at once and a reader gone away (`| head`) ends the command at the next block.
        for item in items:
            for piece in item.pieces() if hasattr(item, "pieces") else [item]:
                # No piece grows with the width (left-aligned lines, tables as wide as their columns): none is
                # measured first, each is as wide as it needs.
                console.file.write(render_text(piece, width=TABLE_RUN_WIDTH))
                console.file.flush()
        return
    for item in items:
        _print_item(console, item)


def _print_item(console, item) -> None:
    from rich.table import Table

    width = console.width
    if hasattr(item, "pieces") and (not hasattr(item, "blocks") or _measure(item) <= width):
        for piece in item.pieces():  # lines of text wrap at spaces; a long table that fits prints a block at a time
            console.print(piece, crop=False)
    elif hasattr(item, "pieces"):
        for block, first, _last in item.blocks():
            _print_parts(console, split_table(block, width), note=first)
    elif not isinstance(item, Table) or _measure(item) <= width or (
            any(not c.no_wrap for c in item.columns) and _measure(item, least=True) <= width):
        console.print(item, crop=False)  # text wraps at spaces; a column of sentences wraps at words
    else:
        _print_parts(console, split_table(item, width), note=True)


def _print_parts(console, parts: list, *, note: bool) -> None:
    from rich.text import Text

    if note and len(parts) > 1:
        console.print(Text(_f('(the table is wider than the terminal\'s %(width)s columns: shown in %(count)s '
                              'parts; -o FILE or --format csv writes it whole)', width=console.width,
                              count=len(parts)), style="dim"))
    for part in parts:
        console.print(part, crop=False)


class Progress:
    """A progress bar on stderr for work that outlasts ``delay`` seconds, on a terminal only (never in pipes or CI):
    ``done()`` says how much of ``total`` is done, in bytes (or, with ``count``, in things: an animation's frames)."""

    def __init__(self, total: int | None, done, *, label: str | None = None, count: bool = False,
                 delay: float = 1.0) -> None:
        self.total, self.done, self.label, self.count, self.delay = total, done, label, count, delay
        self.bar: Bar | None = None
        self.start = time.monotonic()
        self.enabled = bool(total) and sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("CI")

    def __enter__(self) -> Progress:
        return self

    def update(self) -> None:
        if not self.enabled or self.bar is None and time.monotonic() - self.start < self.delay:
            return
        if self.bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            amount = MofNCompleteColumn() if self.count else DownloadColumn()
            self.bar = Bar(TextColumn("{task.description}", markup=False), BarColumn(), amount, TimeRemainingColumn(),
                           console=Console(stderr=True), transient=True)
            self.bar.start()
            self.bar.add_task(self.label or _("tracing"), total=self.total)
        self.bar.update(self.bar.task_ids[0], completed=self.done())

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
