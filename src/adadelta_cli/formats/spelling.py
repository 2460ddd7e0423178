"""What the writers for people (``richtable``, ``markdown``, ``latex``) share: a cell as people read it, the text
of the rows a table leaves out, the formulas' and the worked arithmetic's lines, and a long table's rows read once,
a block at a time.

Numbers for people have ``--digits`` significant digits (a NaN or an infinity marked ⚠); text from the data is
escaped by each writer, for its format, through ``safe``.
"""

from __future__ import annotations

import math

from adadelta_cli import numfmt
from adadelta_cli.formats.report import COUNT, TEXT, Arithmetic, Column, Gap, LeftOut, Rows, Styled
from adadelta_cli.i18n import _
from adadelta_cli.maths import recurrence

NONFINITE_MARK = "⚠"  # beside a NaN or an infinity in a table for people
WORKING_LINES = 6  # blank lines left for a step's working where the page is not measured (terminal, Markdown)
BLOCK_ROWS = 500  # a long table's rows are made, and written, this many at a time


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


def numeric(column: Column) -> bool:
    return column.kind != TEXT


def more(gap: Gap) -> str:
    """What a row of a step's left-out parameters says: ⋯ 4 more."""
    return _("⋯ %(count)d more") % {"count": gap.count}


class _Pause(str):
    """A line that is no line: what was made so far is written out now (the next rows are still to be computed)."""


PAUSE = _Pause("")


def read_once(rows):
    """A table's rows for a writer that reads them once, in order: a ``Rows`` made a block at a time, PAUSE before
    a row still to be computed (what is already made goes out first), each let go once read."""
    if not isinstance(rows, Rows):
        yield from rows
        return
    i = 0
    while i < len(rows):
        if i >= rows.made:
            yield PAUSE
            rows[i]  # the block that holds row i
        chunk = rows[i:min(rows.made, i + BLOCK_ROWS)]
        yield from chunk
        i += len(chunk)
        rows.release(i)


def pieces(lines):
    """Lines (each ending in its newline) joined into pieces of up to 200, a piece ending early wherever a PAUSE
    stands, for a writer whose pieces are written as they are made."""
    chunk: list[str] = []
    for line in lines:
        if line is not PAUSE:
            chunk.append(line)
        if chunk and (line is PAUSE or len(chunk) == 200):
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def formula_lines(mode, notation=None, description=None) -> list[str]:
    """The formulas of ``mode`` (recurrence.Mode, or a family member's options with its ``description``), one a
    line, from the step description."""
    return [q.equation(mode, notation) for q in recurrence.shown_quantities(mode, description)]


def arithmetic_lines(block: Arithmetic):
    """The worked arithmetic in Unicode: (heading, lines) per shown step, (None, [note]) where steps are left out."""
    for item in block.steps:
        if isinstance(item, LeftOut):
            yield None, [item.text]
            continue
        yield item.heading, recurrence.explain_step(item.record, item.previous, item.settings, item.t, block.digits,
                                                    eg2_given=item.eg2_given, given_label=_("(given)"),
                                                    description=item.description)
