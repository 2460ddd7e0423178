"""Text to gradients: CSV, tab-, semicolon- or space-separated rows (with or without a header, the header naming
the parameters), this tool's own traces and worksheets (their g column), and JSON. Rows are steps, columns are
parameters; every mistake is one InputError with its line and column."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adadelta_cli.errors import InputError
from adadelta_cli.formats.cells import (
    _DECIMAL_COMMA,
    _MINUS_SIGNS,
    check_name,
    is_number,
    parse_number,
    shown,
)
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import recurrence

# Columns that mark a file as one of this tool's own tables (a trace or a worksheet): only `g` is read from it.
TRACE_COLUMNS = frozenset({*recurrence.ORDER, "edx2_prev"})
STEP_COLUMNS = frozenset({"t", "step"})
MAX_PARAMETERS = 1_000_000  # columns of one row
_THOUSANDS = rb"(?m)^[ \t]*([+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?)[ \t\r]*$"
_THOUSANDS_HINT = rb"(?m),\d{3}(?:[.,\r\n]|$)"


@dataclass(eq=False, repr=False)
class Gradients:
    """A gradient sequence: ``values[t, p]`` is g at step t + 1 for parameter ``names[p]``."""

    values: np.ndarray
    names: list[str]
    source: str  # for messages: a path, "<stdin>", "arguments" or "the article's example"
    lines: list[int] = field(default_factory=list)  # the source line of each step, where there is one

    def __post_init__(self) -> None:
        if self.values.ndim == 2 and self.values.shape[1] > MAX_PARAMETERS:
            raise InputError(_f('has %(count)s parameters; the limit is %(limit)s', count=self.values.shape[1],
                                limit=MAX_PARAMETERS), source=self.source)

    @property
    def path(self) -> Path | None:
        return source_path(self.source)


def source_path(source: str) -> Path | None:
    """The file a source names (None for standard input, arguments or the article's example)."""
    return None if source.startswith("<") or source in ("arguments", "the article's example") else Path(source)


def default_names(width: int) -> list[str]:
    """The parameters' names where the input gives none: x, or x1, x2, ..."""
    return ["x"] if width == 1 else [f"x{j}" for j in range(1, width + 1)]


def decode(data: bytes, source: str) -> str:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is an InputError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(_f('is not valid UTF-16 (byte %(byte)s)', byte=exc.start), source=source) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(_("holds binary data (a NUL byte); expected text: CSV, one number a line, or JSON"),
                         source=source, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(_f('is not UTF-8 text (byte 0x%(byte)s); save it as UTF-8',
                            byte=format(data[exc.start], '02x')), source=source, line=line, column=column) from None


def content_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for every line that is neither blank nor a ``#`` comment."""
    return [(n, line) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]


def csv_row(line: str, source: str | None = None, n: int | None = None, delimiter: str = ",") -> list[str]:
    """The cells of one CSV line; a quote left open (``"a,b``) or text after a closing quote is an InputError
    with its line, not a cell silently swallowing the rest of the line."""
    try:
        return next(csv.reader([line], strict=True, delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(_f('a quoted cell is not closed properly (%(reason)s); close each " or double it ("")',
                            reason=exc), source=source, line=n) from None


def split_rows(text: str, sep: str | None = "", source: str | None = None) -> list[tuple[int, list[str]]]:
    """Rows of cells: comma-separated (CSV quoting allowed), else tab-separated, else whitespace-separated.
    ``sep`` imposes the separator (None: whitespace) instead of guessing it from the first line."""
    lines = content_lines(text)
    if not lines:
        return []
    first = lines[0][1] if sep == "" else {",": ",", "\t": "\t", ";": ";"}.get(sep or " ", " ")
    if ";" in first and "," in first and re.search(r"\d,\d", first) and "\t" not in first:
        first = ";"  # semicolons between cells, commas inside numbers (a European spreadsheet's CSV)
    if "," in first:
        return [(n, csv_row(line, source, n)) for n, line in lines]
    if "\t" in first:
        return [(n, line.strip().split("\t")) for n, line in lines]
    if ";" in first:
        return [(n, line.split(";")) for n, line in lines]
    return [(n, line.split()) for n, line in lines]


def check_decimal_commas(rows, source: str) -> None:
    """Refuse lines such as ``0,1`` / ``0,15`` that are decimal numbers written with a comma, not two parameters:
    every row two whole numbers joined by a comma, and some row reading 0,… or …,0…; ``1,2`` / ``3,4`` stay two."""
    sample = rows[:256]
    if not sample or any(len(cells) != 2 for _n, cells in sample):
        return
    if not all(re.fullmatch(r"[+-]?\d+", a) and re.fullmatch(r"\d+", b) for _n, (a, b) in sample):
        return
    if any(a.lstrip("+-") == "0" or b.startswith("0") for _n, (a, b) in sample):
        n, (a, b) = sample[0]
        raise InputError(_f(
            'reads like decimal commas (%(cell)s): write decimal points (%(fixed)s), or separate two parameters with '
            '", " or a header line', cell=f"{a},{b}", fixed=f"{a}.{b}"), source=source, line=n)


def check_thousands(text: bytes, source: str, first_line: int = 1) -> None:
    """Refuse a line that is one number written with thousands separators (``1,000.5``, ``12,000``), which would
    otherwise be read as several parameters (1 and 0.5). ``1,234`` (no decimals, no group starting with 0) stays two
    parameters, as ``1,2`` does."""
    if not re.search(_THOUSANDS_HINT, text):  # a quick look first: a comma, three digits, then a point, comma or end
        return
    for match in re.finditer(_THOUSANDS, text):
        number = match.group(1).decode()
        if "." in number or ",0" in number:
            line = first_line + text.count(b"\n", 0, match.start(1))
            column = match.start(1) - (text.rfind(b"\n", 0, match.start(1)) + 1) + 1
            raise InputError(_f('%(cell)s has thousands separators; write the number without them (%(fixed)s), or '
                                'separate two parameters with ", "', cell=shown(number),
                                fixed=shown(number.replace(",", ""))[1:-1]), source=source, line=line, column=column)


class Header(list):
    """A header row's names, where it stands (for messages), and the columns kept and their names (decided once,
    from the first data row, for every block of a long file)."""

    line: int | None = None
    keep: list[int] | None = None
    names: list[str] | None = None


def header_of(cells: list[str], source: str, line: int | None) -> Header:
    """A first line taken for a header must be names: a cell such as ``0,1`` (a decimal comma) or ``0.1O`` / ``1..5``
    (a number mistyped) is refused with its place rather than read as a parameter's name."""
    header = Header(cell.strip() for cell in cells)
    header.line = line
    for j, cell in enumerate(header):
        if _DECIMAL_COMMA.fullmatch(cell):  # 0,1;0,2: numbers with decimal commas, not names
            parse_number(cell, source=source, line=line, column=j + 1)
        if re.match(r"[+-]?\.?\d", cell.translate(_MINUS_SIGNS)):
            raise InputError(_f('%(cell)s looks like a mistyped number, not a column name; fix the number, or '
                                'start the name with a letter', cell=shown(cell)), source=source, line=line,
                             column=j + 1)
    return header


def _comment_header(text: str, width: int) -> Header | None:
    """A header written as a comment (``# a,b``, as numpy.savetxt writes one) before any data: its names, when
    it has one name per column and no numbers."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None
        body = stripped.lstrip("#").strip()
        rows = split_rows(body) if body and any(sep in body for sep in ",\t;") else []
        if rows and len(rows[0][1]) == width and width > 1 and \
                all(re.fullmatch(r"\S+", c.strip()) and not is_number(c) for c in rows[0][1]):
            return Header(c.strip() for c in rows[0][1])
        return None
    return None


def read_table(text: str, source: str) -> Gradients:
    check_thousands(text.encode(), source)  # (a column before the number holds only spaces: the same in bytes)
    rows = split_rows(text, source=source)
    header: Header | None = None
    if rows and not any(is_number(cell) for cell in rows[0][1]):
        header = header_of(rows[0][1], source, rows[0][0])
        rows = rows[1:]
    elif rows:
        check_decimal_commas(rows, source)
        header = _comment_header(text, len(rows[0][1]))
        if header is not None:
            from adadelta_cli.messages import message

            message(_f('%(source)s: the comment line %(names)s is taken as the header', source=source,
                       names=header_text(header)))
    if not rows:
        raise InputError(_("has a header but no gradients") if header else _("holds no gradients"), source=source)
    if header is not None:
        return from_header(header, rows, source)
    values = plain_values(rows, len(rows[0][1]), source, rows[0][0])
    return Gradients(values, default_names(values.shape[1]), source, [n for n, _ in rows])


def plain_values(rows, width: int, source: str, first_line: int) -> np.ndarray:
    """The numbers of rows without a header, each as wide as the first."""
    return _numbers(rows, range(width), width, source, lambda found: _f(
        'has %(found)s values, expected %(expected)s like line %(line)s', found=found, expected=width,
        line=first_line))


def _numbers(rows, columns, width: int, source: str, wrong_width) -> np.ndarray:
    """The numbers in ``columns`` of rows ``width`` cells wide; a row of another width is refused with the message
    ``wrong_width(cells it has)``."""
    values = np.empty((len(rows), len(columns)))
    for i, (n, cells) in enumerate(rows):
        if len(cells) != width:
            raise InputError(wrong_width(len(cells)), source=source, line=n)
        for k, j in enumerate(columns):
            values[i, k] = parse_number(cells[j], source=source, line=n, column=j + 1)
    return values


def _is_step_column(name: str, first_cell: str | None) -> bool:
    """A column named t or step is the step number when it holds whole numbers (1, 2, 3 ...); a column so named
    whose first value is a fraction is a parameter of that name."""
    if name.lower() not in STEP_COLUMNS:
        return False
    return first_cell is None or bool(re.fullmatch(r"\s*[+-]?\d+\s*", first_cell))


def keep_columns(header: Header, source: str, first: list[str] | None = None) -> Header:
    """``header`` with its gradient columns (a step column such as t left out) and the parameters' names; ``first``
    is the first data row, which tells a step column (whole numbers) from a parameter named t."""
    if len(header) > MAX_PARAMETERS:
        raise InputError(_f('has %(count)s columns; the limit is %(limit)s parameters', count=len(header),
                            limit=MAX_PARAMETERS), source=source)
    seen: set[str] = set()
    for j, name in enumerate(header):
        check_name(name, source, header.line, column=j + 1)
        if name and name.lower() in seen:
            raise InputError(_f('the column name %(name)s appears twice in the header', name=shown(name)),
                             source=source, column=j + 1)
        seen.add(name.lower())
    header.keep = [j for j, name in enumerate(header)
                   if not _is_step_column(name, first[j] if first is not None and j < len(first) else None)]
    if not header.keep:
        raise InputError(_("has only a step column; expected a column of gradients"), source=source)
    header.names = [header[j] or f"x{k + 1}" for k, j in enumerate(header.keep)]
    if len(header.names) == 1 and not header[header.keep[0]]:
        header.names = ["x"]
    return header


def from_header(header: Header, rows, source: str) -> Gradients:
    if is_own_table(header):
        return _long_format(header, rows, source)
    if header.keep is None:
        keep_columns(header, source, rows[0][1] if rows else None)
    values = _numbers(rows, header.keep or [], len(header), source, lambda found: _f(
        'has %(found)s values, expected %(expected)s (one per header column: %(header)s)', found=found,
        expected=len(header), header=header_text(header)))
    return Gradients(values, list(header.names or []), source, [n for n, _ in rows])


def is_own_table(header: list[str]) -> bool:
    """Whether a header is one of this tool's own tables (a trace or a worksheet): a g column beside a column only
    the tool writes (eg2, eta, dx ...), or beside both a step column and param. A header ``g,x`` is two
    parameters named g and x."""
    lowered = {h.strip().lower() for h in header}
    if "g" not in lowered:
        return False
    return bool((TRACE_COLUMNS - {"x"}) & lowered) or ("param" in lowered and bool(STEP_COLUMNS & lowered))


def header_text(header: list[str]) -> str:
    """The header for a message: its names, the middle of a long one left out."""
    from adadelta_cli.safe import one_line

    names = header if len(header) <= 12 else header[:6] + ["…"] + header[-5:]
    return one_line(", ".join(names), 300)


def _long_format(header: list[str], rows, source: str) -> Gradients:
    """One of this tool's own tables (a trace or a worksheet): its g column, one row per step and param."""
    lowered = [h.lower() for h in header]
    g_col = lowered.index("g")
    p_col = lowered.index("param") if "param" in lowered else None
    columns: dict[str, list[float]] = {}
    lines: dict[str, list[int]] = {}
    for n, cells in rows:
        if len(cells) <= max(g_col, p_col or 0):
            raise InputError(_f('has %(found)s values, expected %(expected)s', found=len(cells),
                                expected=len(header)), source=source, line=n)
        name = (check_name(cells[p_col].strip(), source, n, p_col + 1) if p_col is not None else "") or "x"
        columns.setdefault(name, []).append(parse_number(cells[g_col], source=source, line=n, column=g_col + 1))
        lines.setdefault(name, []).append(n)
    return from_columns(columns, source, next(iter(lines.values())))


def from_columns(columns: dict[str, list[float]], source: str, lines: list[int] | None = None) -> Gradients:
    lengths = {name: len(v) for name, v in columns.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name!r} has {n}" for name, n in lengths.items())
        raise InputError(_f(
            'the columns have different lengths (%(lengths)s); expected one value per step in every column',
            lengths=detail), source=source)
    values = np.array(list(columns.values()), dtype=np.float64).T
    if values.size == 0:
        raise InputError(_("holds no gradients"), source=source)
    return Gradients(values, list(columns), source, lines or [])


def check_float32(values: np.ndarray, source: str, names: list[str], first_t: int = 1,
                  *, overflow_allowed: bool = False) -> None:
    """Gradients computed in float32 (--dtype float32) must be float32 numbers: one that float32 holds as 0 (1e-46)
    is refused with its step, as 1e-400 is for a double; one beyond float32's range (1e39) too, unless IEEE
    arithmetic is asked for (--nonfinite continue), where it becomes infinity as in a float32 framework."""
    with np.errstate(over="ignore", under="ignore"):
        held = values.astype(np.float32)
    lost = (held == 0) & (values != 0)
    grown = np.zeros_like(lost) if overflow_allowed else (np.isinf(held) & np.isfinite(values))
    bad = lost | grown
    if not bad.any():
        return
    t, p = np.argwhere(bad)[0]
    where = _f("step %(t)s", t=int(t) + first_t) + (f" ({names[p]})" if len(names) > 1 else "")
    value = repr(float(values[t, p]))
    if lost[t, p]:
        message = _f("%(where)s: g = %(value)s is too small for float32 (--dtype float32; the smallest is about "
                     "1.4e-45): it would be read as 0", where=where, value=value)
    else:
        message = _f("%(where)s: g = %(value)s is too large for float32 (--dtype float32; the largest is about "
                     "3.4e38)", where=where, value=value)
    raise InputError(message, source=source)
