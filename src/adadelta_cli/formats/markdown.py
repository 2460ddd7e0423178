"""The Markdown writer: any ``report.Document`` as Markdown for notes and slides, made (and written) a piece at a
time; text from the data escaped by ``safe.markdown``, formulas and the worked arithmetic in code spans and blocks."""

from __future__ import annotations

import re

from adadelta_cli import safe
from adadelta_cli.formats import spelling
from adadelta_cli.formats.report import Arithmetic, Document, Formulas, Gap, Heading, Para, Table, Working, WriteIn


def markdown(doc: Document, digits: int = 6) -> str:
    return "".join(markdown_pieces(doc, digits))


def markdown_pieces(doc: Document, digits: int = 6):
    """The Markdown document in pieces, made (and written, by whoever reads them) one after another: a long table
    or worked arithmetic reaches a pipe as it is made. Blank lines at the end are left out."""
    return spelling.pieces(_blanks_before(_markdown_lines(doc, digits)))


def _blanks_before(lines):
    """Each line after the blank lines before it, with its newline: the blank lines at the end left out."""
    blank = 0
    for line in lines:
        if line is spelling.PAUSE:
            yield line
        elif line:
            yield "\n" * blank + line + "\n"
            blank = 0
        else:
            blank += 1


def _markdown_lines(doc: Document, digits: int):
    yield from [f"# {safe.markdown(doc.title)}", ""]
    for block in doc.blocks:
        if isinstance(block, Para):
            text = "  \n".join(safe.markdown(line) for line in block.text.split("\n"))
            text = f"**{text}**" if block.strong else f"*{text}*" if block.quiet else text
            if block.code is not None:
                text += " " + _code_span(safe.terminal(block.code))
            yield from [text, ""]
        elif isinstance(block, WriteIn):
            yield from [safe.markdown(block.label) + " " + "." * 40, ""]
        elif isinstance(block, Working):
            yield from [f"**{safe.markdown(block.label)}**", ""] + ["&nbsp;", ""] * spelling.WORKING_LINES
        elif isinstance(block, Heading):
            yield from ["## " + safe.markdown(block.text), ""]
        elif isinstance(block, Formulas):
            # as code: E[g²]_t is never markup
            yield from [f"- `{f}`" for f in spelling.formula_lines(block.mode, description=block.description)] + [""]
        elif isinstance(block, (Table, Arithmetic)):
            yield from _markdown_table_lines(block, digits) if isinstance(block, Table) else _explanation_block(block)
            yield ""


def _explanation_block(block: Arithmetic):
    """The worked arithmetic as a fenced code block, a line at a time: the fence is longer than any run of
    backticks the text can hold (they can come only from the parameters' names)."""
    fence = "`" * max([3] + [len(run) + 1 for name in block.names for run in re.findall("`+", name)])
    yield f"{fence}text"
    if block.legend:
        yield block.legend
    for heading, lines in spelling.arithmetic_lines(block):
        yield ""
        yield lines[0] if heading is None else "\n".join([heading] + [f"  {line}" for line in lines])
    yield fence


def _code_span(text: str) -> str:
    """``text`` as a Markdown code span: a fence of more backticks than any run inside, so it cannot close early."""
    fence = "`" * (1 + max([0] + [len(run) for run in re.findall("`+", text)]))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown_table_lines(t: Table, digits: int = 6):
    if t.title:
        yield f"**{safe.markdown(t.title)}**"
        yield ""
    headings = [f"**{safe.markdown(c.title)}**" if c.strong else safe.markdown(c.title) for c in t.columns]
    yield "| " + " | ".join(headings) + " |"
    yield "|" + "|".join("---:" if spelling.numeric(c) else ":---" for c in t.columns) + "|"
    for row in spelling.read_once(t.rows):
        if row is spelling.PAUSE:
            yield row
            continue
        if isinstance(row, Gap):
            cells = ["⋮"] * len(t.columns) if row.t is None else \
                [str(row.t), spelling.more(row)] + [""] * (len(t.columns) - 2)
        else:
            cells = [safe.markdown(spelling.people(v, c, digits)) for v, c in zip(row, t.columns)]
        yield "| " + " | ".join(cell or " " for cell in cells) + " |"
    if t.notes:
        yield ""
        yield from (f"*{safe.markdown(n)}*  " for n in t.notes)

