"""The writers' front door: any ``report.Document`` (or its ``report.Records``) in the format asked for.

- for people: ``richtable`` (a terminal, or a text file through ``terminal.render_text``), ``markdown`` and
  ``latex`` (documents for notes, slides and handouts), sharing ``spelling``'s cells and lines;
- for machines, CSV and JSON: ``machine``'s.

``write_report`` hands a command's report to the one writer of its format; ``text`` gives a document for people as
one string. The names below are the writers' own, gathered here for the commands and the API.
"""

from __future__ import annotations

from pathlib import Path

from adadelta_cli import outfiles, terminal
from adadelta_cli.formats import machine
from adadelta_cli.formats.latex import latex, latex_pages, latex_pieces  # noqa: F401  (the writers' front door)
from adadelta_cli.formats.markdown import markdown, markdown_pieces  # noqa: F401
from adadelta_cli.formats.report import Document
from adadelta_cli.formats.richtable import rich_table, table, table_width  # noqa: F401


def write_pieces(out, pieces) -> None:
    for piece in pieces:
        out.write(piece)


def _pieces(doc: Document, fmt: str, digits: int, *, fragment: bool):
    """A Markdown or LaTeX document in pieces, each made as it is written."""
    return markdown_pieces(doc, digits) if fmt == "markdown" else latex_pieces(doc, digits, fragment=fragment)


def text(doc: Document, fmt: str, digits: int = 6, *, fragment: bool = False) -> str:
    """A document for people as text: ``table`` (plain, for a file), ``markdown`` or ``latex``."""
    if fmt in ("markdown", "latex"):
        return "".join(_pieces(doc, fmt, digits, fragment=fragment))
    group = table(doc, digits)
    return terminal.render_text(group, width=table_width(group))


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
    elif fmt in ("markdown", "latex"):
        doc = document()
        outfiles.emit_stream(lambda out: write_pieces(out, _pieces(doc, fmt, digits, fragment=fragment)), target)
    elif target is not None and not outfiles.is_stdout(target):
        outfiles.emit(text(document(), fmt, digits, fragment=fragment), target)
    else:
        terminal.print_fitted(table(document(), digits), console or terminal.stdout_console())
