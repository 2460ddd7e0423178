"""Reading gradient sequences: numbers given as arguments, a CSV / plain-text / JSON file, or standard input.

Every problem becomes an InputError naming the source, line and column where there are such, and what was
expected. Rows are steps, columns are parameters.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import functools
import json
import math
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from adadelta_cli.errors import InputError, UnknownOption
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths import recurrence

ARTICLE_GRADIENTS = (0.1, 0.2, 0.15)
EXPECTED_NUMBER = N_("expected a decimal number such as 0.1, -0.25 or 1e-3")
# Columns that mark a file as one of this tool's own tables (a trace or a worksheet): only `g` is read from it.
TRACE_COLUMNS = frozenset({*recurrence.ORDER, "edx2_prev"})
STEP_COLUMNS = frozenset({"t", "step"})

# Each pattern backtracks at most one step per character (no two quantifiers over the same characters in a row),
# so a cell of a million digits is matched in linear time.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_NONZERO_MANTISSA = re.compile(r"[+-]?0*(?:\.0*)?[1-9]")  # a number whose digits are not all zero
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-"})
_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)  # as float() and the frameworks read them
# Whether the gradients being read may hold inf, -inf and NaN (trace --nonfinite continue, diff): read as IEEE values.
_ACCEPT_NONFINITE: contextvars.ContextVar[bool] = contextvars.ContextVar("accept_nonfinite", default=False)
NONFINITE_HINT = N_("give --nonfinite continue to carry it through as IEEE arithmetic (and the frameworks) do")


@contextlib.contextmanager
def nonfinite_accepted(*, accept: bool = True):
    """Within this block, gradients read as inf, -inf or NaN (``inf``, ``-Infinity``, ``nan`` in text; NaN and
    Infinity in JSON; a number past the largest double) are taken as those IEEE values instead of refused."""
    token = _ACCEPT_NONFINITE.set(accept)
    try:
        yield
    finally:
        _ACCEPT_NONFINITE.reset(token)


def accepting_nonfinite() -> bool:
    return _ACCEPT_NONFINITE.get()


def _is_token(text: str) -> bool:
    """A number as written: decimal, or inf/infinity/nan with an optional sign."""
    cleaned = text.strip().translate(_MINUS_SIGNS)
    return bool(_NUMBER.fullmatch(cleaned) or _NONFINITE.fullmatch(cleaned))


@dataclass
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
        return None if self.source.startswith("<") or self.source in ("arguments",) else Path(self.source)


def parse_number(text: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None, what: str = N_("a gradient")) -> float:
    """A finite float from ``text``, or an InputError saying where and what was expected.

    >>> parse_number(" -0.25 "), parse_number("\u22120.1"), parse_number("1E-3")
    (-0.25, -0.1, 0.001)
    """
    cleaned = text.strip().translate(_MINUS_SIGNS)
    shown = _shown(text)
    if _NONFINITE.fullmatch(cleaned) and accepting_nonfinite():
        return float(cleaned)
    if not _NUMBER.fullmatch(cleaned):
        if not cleaned:
            problem = _f("%(what)s is missing (an empty cell)", what=_(what))
        elif _NONFINITE.fullmatch(cleaned):
            problem = _f("%(what)s must be a finite number, got %(text)s", what=_(what), text=shown)
            if what == N_("a gradient"):
                raise InputError(_f('%(problem)s; %(hint)s', problem=problem, hint=_(NONFINITE_HINT)),
                                 source=source, line=line, column=column)
        elif _DECIMAL_COMMA.fullmatch(cleaned):
            problem = _f("%(text)s has a decimal comma; write a decimal point (%(fixed)s)", text=shown,
                         fixed=cleaned.replace(",", "."))
        else:
            problem = _f("%(text)s is not a number", text=shown)
        raise InputError(_f(
            '%(problem)s; %(expected)s',
            problem=problem, expected=_(EXPECTED_NUMBER)), source=source, line=line, column=column)
    value = float(cleaned)
    if value == 0.0 and _NONZERO_MANTISSA.match(cleaned):
        raise InputError(_f('%(value)s is too small for a double (the smallest is about 4.9e-324): it would be read '
                            'as 0', value=shown), source=source, line=line, column=column)
    if not math.isfinite(value) and not accepting_nonfinite():
        raise InputError(_f('%(value)s is too large for a double (the largest is about 1.8e308)',
                            value=shown),
                         source=source, line=line, column=column)
    return value


def _shown(text: str, limit: int = 60) -> str:
    """A value from the input quoted in a message: escaped, and a long one cut with an ellipsis."""
    from adadelta_cli.safe import one_line

    return one_line(repr(text.strip()[:limit + 1]), limit)


def one_number(text: str, option: str, *, nonnegative: bool = False, what: str | None = None) -> float:
    """The one number an option takes (``step --grad 0.1``): a list (``0.1,0.2``) is refused rather than cut short,
    and with ``nonnegative`` a value below 0 is refused with ``what`` it is (an average of squares)."""
    items = text.split(",")
    if len(items) > 1:
        raise InputError(_f('%(option)s takes one number, got %(count)s (%(text)s); for a sequence of gradients use '
                            'trace', option=option, count=len(items), text=_shown(text)))
    value = parse_number(text, source=option, what=N_("a value"))
    if nonnegative and value < 0:
        raise InputError(_f('%(option)s is %(what)s, which cannot be negative; got %(value)s', option=option,
                            what=what or _("a running average of squares"), value=text.strip()))
    return value


def read_input(tokens: list[str], stdin=None) -> Gradients:
    """Numbers as arguments, one path, ``-`` for standard input, or nothing for the article's example.

    A file or standard input is read as ``open_stream`` reads it (bounded blocks), held whole up to
    MAX_WHOLE_BYTES of text: `yes 0.1 | adadelta compare -` is refused, not read until memory runs out."""
    if tokens == ["-"] or (len(tokens) == 1 and _is_path_token(tokens[0])):
        return open_stream(tokens, stdin).collect(MAX_WHOLE_BYTES)
    return _read_tokens(tokens)


def _is_path_token(token: str) -> bool:
    """Whether a lone argument names a file (not a number, inf or nan, not an option), or names one that exists."""
    if _exists(token):
        return True
    return not _is_token(token) and not token.startswith("-")


def _exists(name: str) -> bool:
    """Path.exists() that is False (not an OSError) for a name too long for the system."""
    try:
        return Path(name).exists()
    except (OSError, ValueError):
        return False


def _read_tokens(tokens: list[str], stdin=None) -> Gradients:
    if not tokens:
        return Gradients(np.array(ARTICLE_GRADIENTS)[:, None], ["x"], N_("the article's example"))
    if tokens == ["-"]:
        stream = stdin if stdin is not None else sys.stdin
        data = read_bounded(stream.buffer if hasattr(stream, "buffer") else stream, b"", "<stdin>")
        return read_bytes(data.encode() if isinstance(data, str) else data, "<stdin>")
    if len(tokens) == 1 and not _NUMBER.fullmatch(tokens[0].strip().translate(_MINUS_SIGNS)) and not (
            _NONFINITE.fullmatch(tokens[0].strip().translate(_MINUS_SIGNS)) and not _exists(tokens[0])):
        if tokens[0].startswith("-") and not _exists(tokens[0]):
            raise UnknownOption(_f('no such option: %(option)s', option=tokens[0]), option=tokens[0])
        comma_list(tokens[0])
        return read_path(tokens[0])
    values = []
    for i, token in enumerate(tokens, start=1):
        if token.startswith("--") or (token.startswith("-") and token[1:2].isalpha()
                                       and token.lower() not in ("-inf", "-nan", "-infinity")):
            raise UnknownOption(_f('no such option: %(option)s', option=token), option=token)
        if token == "-" or (not _is_token(token) and _exists(token)):
            raise InputError(_f(
                'argument %(position)s: %(file)s is a file; give either numbers or one file, not both',
                position=i, file=_shown(token)))
        values.append(parse_number(token, source=_("gradient %(position)d") % {"position": i}))
    return Gradients(np.array(values, dtype=np.float64)[:, None], ["x"], "arguments")


def comma_list(token: str) -> None:
    """``0.1,0.2,0.15`` as one argument, where no such file exists: an InputError whose tip is the command line
    with the numbers apart (``adadelta trace 0.1 0.2 0.15``). Commas stay unread as separators: ``0,1`` may be a
    decimal comma."""
    parts = [part.strip() for part in token.split(",")]
    if len(parts) < 2 or Path(token).exists() or not all(_NUMBER.fullmatch(p.translate(_MINUS_SIGNS)) for p in parts):
        return

    def tip(args: list[str]) -> str:
        import shlex

        def typed(replacement: list[str]) -> str:
            return shlex.join(["adadelta", *[word for arg in args for word in (replacement if arg == token
                                                                                  else [arg])]])

        steps = _f("for %(count)s steps, put spaces between the numbers: %(command)s", count=len(parts),
                   command=typed(parts))
        if _DECIMAL_COMMA.fullmatch(token):  # 0,1 may be the number 0.1 written with a decimal comma
            return _f("for the number %(number)s, write a decimal point: %(command)s", number=token.replace(",", "."),
                      command=typed([token.replace(",", ".")])) + _("; ") + steps
        return steps

    raise InputError(_f("%(text)s is neither a number nor a file: the gradients are separate arguments",
                        text=repr(token)), tip=tip)


def stdin_is_input(stdin=None) -> bool:
    """Whether standard input carries the gradients when no INPUT is named (``echo 0.1 | adadelta trace``): a pipe,
    a socket or a file, never a terminal or /dev/null. An in-memory stream (a test's) counts where it has text,
    which is then kept for the reader."""
    import io
    import os
    import stat

    stream = stdin if stdin is not None else sys.stdin
    if stream is None:
        return False
    try:
        if stream.isatty():
            return False
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation, AttributeError):
        fd = None
    if fd is not None:
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            return False
        return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISREG(mode)
    try:  # no file descriptor: read it, and put what it held back for the reader
        data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    except (OSError, ValueError):
        return False
    if not data:
        return False
    raw = data.encode() if isinstance(data, str) else data
    if stdin is None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    return True


def read_path(name: str) -> Gradients:
    path = Path(name)
    try:
        with open(path, "rb") as handle:
            data = read_bounded(handle, b"", name)
    except FileNotFoundError:
        raise InputError(_("no such file"), source=name) from None
    except IsADirectoryError:
        raise InputError(_("is a directory; expected a gradient file (CSV, text or JSON)"), source=name) from None
    except PermissionError:
        raise InputError(_("permission denied"), source=name) from None
    except OSError as exc:
        raise InputError(_f('cannot be read (%(reason)s)', reason=_reason(exc)), source=_source_name(name)) from None
    return read_bytes(data, name)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _source_name(name: str) -> str:
    """A file's name for a message: a name of thousands of characters is cut (escaped in output.error)."""
    return name if len(name) <= 200 else name[:120] + "…" + name[-40:]


class _Guarded:
    """A binary file whose read() turns an error of the system (EIO from /proc/self/mem, a device that fails) into
    one InputError naming the file."""

    def __init__(self, handle, source: str) -> None:
        self.handle, self.source = handle, source

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.handle.read(size)
        except OSError as exc:
            raise InputError(_f('cannot be read (%(reason)s)', reason=_reason(exc)),
                             source=_source_name(self.source)) from None
        return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data

    def close(self) -> None:
        self.handle.close()


def read_bounded(handle, first: bytes, source: str, limit: int | None = None) -> bytes:
    """The rest of ``handle`` after ``first``, refused once it passes ``limit`` bytes (MAX_WHOLE_BYTES) or as soon as
    a NUL byte shows it is not text (``/dev/zero`` is refused at once rather than read for ever)."""
    limit = MAX_WHOLE_BYTES if limit is None else limit
    if not isinstance(handle, _Guarded):
        handle = _Guarded(handle, source)
    parts, size = [first], len(first)
    if b"\x00" in first and not first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return first
    while True:
        part = handle.read(1 << 20)
        if not part:
            break
        parts.append(part)
        size += len(part)
        if b"\x00" in part and not first.startswith((b"\xff\xfe", b"\xfe\xff")):
            break  # decode() says where
        if size > limit:
            raise InputError(_f('is larger than %(limit)s MiB, the most this tool reads whole (JSON, UTF-16); give '
                                'CSV or one number a line, which is read by blocks', limit=limit >> 20),
                             source=_source_name(source))
    return b"".join(parts)


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
                            byte=format(data[exc.start], '02x')),
                         source=source, line=line, column=column) from None


def read_bytes(data: bytes, source: str) -> Gradients:
    text = decode(data, source)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(_("is empty; expected gradients: CSV rows, one number a line, or JSON"),
                         source=source)
    if stripped[0] in "[{":
        return read_json(text, source)
    return read_table(text, source)


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

    ``sep`` imposes the separator (None: whitespace) instead of guessing it from the first line.
    """
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


def is_number(cell: str) -> bool:
    """A cell that holds a number: decimal, or inf/nan (a first row ``inf,0.1`` is data, not a header)."""
    return _is_token(cell)


def check_decimal_commas(rows, source: str) -> None:
    """Refuse lines such as ``0,1`` / ``0,15`` that are decimal numbers written with a comma, not two parameters.

    Taken for decimal commas: every row is two whole numbers joined by a comma without a space, and some row reads
    0,… or …,0… (a gradient's fractional digits); ``1,2`` / ``3,4`` stay two parameters."""
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


_THOUSANDS = re.compile(r"^[ \t]*([+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?)[ \t\r]*$", re.MULTILINE)
_THOUSANDS_BYTES = re.compile(_THOUSANDS.pattern.encode(), re.MULTILINE)
_THOUSANDS_HINT = re.compile(r",\d{3}(?:[.,\r\n]|$)", re.MULTILINE)
_THOUSANDS_HINT_BYTES = re.compile(_THOUSANDS_HINT.pattern.encode(), re.MULTILINE)


def check_thousands(text: str | bytes, source: str, first_line: int = 1) -> None:
    """Refuse a line that is one number written with thousands separators (``1,000.5``, ``12,000``), which would
    otherwise be read as several parameters (1 and 0.5). ``1,234`` (no decimals, no group starting with 0) stays two
    parameters, as ``1,2`` does."""
    # patterns and newline of the same kind as text (str or bytes)
    hint: re.Pattern[Any] = _THOUSANDS_HINT_BYTES if isinstance(text, bytes) else _THOUSANDS_HINT
    if not hint.search(text):  # a quick look first: a comma, three digits, then a point, a comma or a line's end
        return
    pattern: re.Pattern[Any] = _THOUSANDS_BYTES if isinstance(text, bytes) else _THOUSANDS
    for match in pattern.finditer(text):
        number = match.group(1)
        number = number.decode() if isinstance(number, bytes) else number
        if "." in number or ",0" in number:
            newline: Any = b"\n" if isinstance(text, bytes) else "\n"
            line = first_line + text.count(newline, 0, match.start(1))
            column = match.start(1) - (text.rfind(newline, 0, match.start(1)) + 1) + 1
            raise InputError(_f('%(cell)s has thousands separators; write the number without them (%(fixed)s), or '
                                'separate two parameters with ", "', cell=_shown(number),
                                fixed=_shown(number.replace(",", ""))[1:-1]),
                             source=source, line=line, column=column)


def check_header_cells(header: list[str], source: str, line: int | None) -> None:
    """A first line taken for a header must be names: a cell such as ``0,1`` (a decimal comma) or ``0.1O`` / ``1..5``
    (a number mistyped) is refused with its place rather than read as a parameter's name."""
    for j, cell in enumerate(header):
        if _DECIMAL_COMMA.fullmatch(cell):  # 0,1;0,2: numbers with decimal commas, not names
            parse_number(cell, source=source, line=line, column=j + 1)
        if re.match(r"[+-]?\.?\d", cell.translate(_MINUS_SIGNS)):
            raise InputError(_f('%(cell)s looks like a mistyped number, not a column name; fix the number, or '
                                'start the name with a letter', cell=_shown(cell)), source=source, line=line,
                             column=j + 1)


def _comment_header(text: str, width: int) -> list[str] | None:
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
            return [c.strip() for c in rows[0][1]]
        return None
    return None


def read_table(text: str, source: str) -> Gradients:
    check_thousands(text, source)
    rows = split_rows(text, source=source)
    header: list[str] | None = None
    if rows and not any(is_number(cell) for cell in rows[0][1]):
        header = _Header(cell.strip() for cell in rows[0][1])
        header.line = rows[0][0]
        check_header_cells(header, source, header.line)
        rows = rows[1:]
    elif rows:
        check_decimal_commas(rows, source)
        header = _comment_header(text, len(rows[0][1]))
        if header is not None:
            from adadelta_cli.messages import message

            message(_f('%(source)s: the comment line %(names)s is taken as the header', source=source,
                       names=_header_text(header)))
    if not rows:
        raise InputError("has a header but no gradients" if header else "holds no gradients", source=source)
    if header is not None:
        return _from_header(header, rows, source)
    width = len(rows[0][1])
    values = np.empty((len(rows), width))
    for i, (n, cells) in enumerate(rows):
        if len(cells) != width:
            raise InputError(_f(
                'has %(found)s values, expected %(expected)s like line %(line)s',
                found=len(cells), expected=width, line=rows[0][0]),
                             source=source, line=n)
        for j, cell in enumerate(cells):
            values[i, j] = parse_number(cell, source=source, line=n, column=j + 1)
    names = ["x"] if width == 1 else [f"x{j}" for j in range(1, width + 1)]
    return Gradients(values, names, source, [n for n, _ in rows])


def check_name(name: str, source: str | None, line: int | None = None, column: int | None = None) -> str:
    """A parameter name from the data, refused (with its place) if it holds a control or format character:
    such a name could rewrite a terminal's screen or title, or hide text, wherever it is shown."""
    from adadelta_cli.safe import has_unsafe, one_line

    if has_unsafe(name):
        raise InputError(_f(
            'the name %(name)s holds a control character; names may hold letters, digits, spaces and punctuation',
            name=one_line(repr(name), 80)), source=source, line=line, column=column)
    if len(name) > MAX_NAME_CHARS:
        raise InputError(_f('a name is longer than %(limit)s characters', limit=MAX_NAME_CHARS), source=source,
                         line=line, column=column)
    if name[:1] in FORMULA_STARTS and not is_number(name):
        raise InputError(_f('the name %(name)s starts with %(char)s: a spreadsheet opening the CSV would run it as a '
                            'formula; start the name with a letter', name=one_line(repr(name), 80),
                            char=repr(name[0])), source=source, line=line, column=column)
    return name


FORMULA_STARTS = ("=", "+", "-", "@")  # a cell starting so is a formula to a spreadsheet


MAX_NAME_CHARS = 200  # a parameter's name, in characters
MAX_PARAMETERS = 1_000_000  # columns of one row
MAX_ROW_BYTES = 64 << 20  # one line of an input file
MAX_WHOLE_BYTES = 64 << 20  # an input read whole (JSON), or held whole by a command that needs every step


def _is_step_column(name: str, first_cell: str | None) -> bool:
    """A column named t or step is the step number when it holds whole numbers (1, 2, 3 ...); a column so named
    whose first value is a fraction is a parameter of that name."""
    if name.lower() not in STEP_COLUMNS:
        return False
    return first_cell is None or bool(re.fullmatch(r"\s*[+-]?\d+\s*", first_cell))


def _header_columns(header: list[str], source: str, first: list[str] | None = None,
                    line: int | None = None) -> tuple[list[int], list[str]]:
    """The header's gradient columns (a step column such as t is left out) and the parameters' names.

    ``first`` is the first data row, which tells a step column (whole numbers) from a parameter named t."""
    if len(header) > MAX_PARAMETERS:
        raise InputError(_f('has %(count)s columns; the limit is %(limit)s parameters', count=len(header),
                            limit=MAX_PARAMETERS), source=source)
    lowered = [h.lower() for h in header]
    seen: set[str] = set()
    for j, name in enumerate(lowered):
        check_name(header[j], source, line, column=j + 1)
        if name and name in seen:
            raise InputError(_f(
                'the column name %(name)s appears twice in the header',
                name=_shown(header[j])), source=source,
                             column=j + 1)
        seen.add(name)
    keep = [j for j, name in enumerate(header)
            if not _is_step_column(name, first[j] if first is not None and j < len(first) else None)]
    if not keep:
        raise InputError(_("has only a step column; expected a column of gradients"), source=source)
    names = [header[j] or f"x{k + 1}" for k, j in enumerate(keep)]
    if len(names) == 1 and not header[keep[0]]:
        names = ["x"]
    return keep, names


def _from_header(header: list[str], rows, source: str) -> Gradients:
    if is_own_table(header):
        # One of this tool's own tables (a trace or a worksheet): read its g column, one row per step and param.
        return _long_format(header, rows, source)
    keep = getattr(header, "keep", None)
    names = None
    if keep is None:
        keep, names = _header_columns(header, source, rows[0][1] if rows else None,
                                      getattr(header, "line", None))
    values = np.empty((len(rows), len(keep)))
    for i, (n, cells) in enumerate(rows):
        if len(cells) != len(header):
            raise InputError(_f(
                'has %(found)s values, expected %(expected)s (one per header column: %(header)s)',
                found=len(cells), expected=len(header), header=_header_text(header)), source=source, line=n)
        for k, j in enumerate(keep):
            values[i, k] = parse_number(cells[j], source=source, line=n, column=j + 1)
    if names is None:
        names = [header[j] or f"x{k + 1}" for k, j in enumerate(keep)]
    return Gradients(values, names, source, [n for n, _ in rows])


class _Header(list):
    """A header with the columns every block keeps (``keep``), decided once from the file's first lines."""

    keep: list[int] | None = None
    line: int | None = None  # where it stands in the file, for messages


def is_own_table(header: list[str]) -> bool:
    """Whether a header is one of this tool's own tables (a trace or a worksheet): a g column beside a column only
    the tool writes (eg2, eta, dx ...), or beside both a step column and param. A header ``g,x`` is two
    parameters named g and x."""
    lowered = {h.strip().lower() for h in header}
    if "g" not in lowered:
        return False
    return bool((TRACE_COLUMNS - {"x"}) & lowered) or ("param" in lowered and bool(STEP_COLUMNS & lowered))


def _header_text(header: list[str]) -> str:
    """The header for a message: its names, the middle of a long one left out."""
    from adadelta_cli.safe import one_line

    shown = header if len(header) <= 12 else header[:6] + ["…"] + header[-5:]
    return one_line(", ".join(shown), 300)


def _long_format(header: list[str], rows, source: str) -> Gradients:
    lowered = [h.lower() for h in header]
    g_col = lowered.index("g")
    p_col = lowered.index("param") if "param" in lowered else None
    columns: dict[str, list[float]] = {}
    lines: dict[str, list[int]] = {}
    for n, cells in rows:
        if len(cells) <= max(g_col, p_col or 0):
            raise InputError(_f(
                'has %(found)s values, expected %(expected)s',
                found=len(cells), expected=len(header)), source=source, line=n)
        name = check_name(cells[p_col].strip(), source, n, p_col + 1) if p_col is not None else "x"
        columns.setdefault(name or "x", []).append(
            parse_number(cells[g_col], source=source, line=n, column=g_col + 1))
        lines.setdefault(name or "x", []).append(n)
    return _from_columns(columns, source, next(iter(lines.values())))


def _from_columns(columns: dict[str, list[float]], source: str, lines: list[int] | None = None) -> Gradients:
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


def _json_object(pairs: list, source: str) -> dict:
    """A JSON object whose keys are all different: a key given twice is refused, not silently the last one."""
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set = set()
        for key, _value in pairs:
            if key in seen:
                from adadelta_cli.safe import one_line

                raise InputError(_f('the key %(key)s appears twice in one object; give each name once',
                                    key=one_line(json.dumps(key), 80)), source=source)
            seen.add(key)
    return doc


def _json_int(text: str):
    """A JSON integer: exact up to 300 digits, else a float (inf past 1.8e308, refused as too large)."""
    return int(text) if len(text) <= 300 else float(text)


def _json_float(text: str, source: str) -> float:
    value = float(text)
    if value == 0.0 and _NONZERO_MANTISSA.match(text):
        raise InputError(_f('%(value)s is too small for a double (the smallest is about 4.9e-324): it would be read '
                            'as 0', value=text[:40]), source=source)
    return value


def _json_shown(value) -> str:
    """A JSON value from the input quoted in a message, as JSON writes it, a long one cut with an ellipsis."""
    import json

    from adadelta_cli.safe import one_line

    return one_line(json.dumps(value), 40)


def read_json(text: str, source: str) -> Gradients:
    import json

    def reject_constant(name: str):
        if accepting_nonfinite():
            return float(name)  # NaN, Infinity, -Infinity
        raise InputError(_f('%(name)s is not a finite number; %(expected)s; %(hint)s',
                            name=name, expected=_(EXPECTED_NUMBER), hint=_(NONFINITE_HINT)), source=source)

    try:
        doc = json.loads(text, parse_constant=reject_constant, parse_int=_json_int,
                         parse_float=lambda text: _json_float(text, source),
                         object_pairs_hook=lambda pairs: _json_object(pairs, source))
    except json.JSONDecodeError as exc:
        raise InputError(_f('is not valid JSON: %(reason)s', reason=exc.msg), source=source, line=exc.lineno,
                         column=exc.colno) from None
    except RecursionError:
        raise InputError(_("is not valid JSON: nested too deeply"), source=source) from None
    if isinstance(doc, dict):
        for key in doc:
            check_name(key, source)

    def number(value, where: str) -> float:
        if isinstance(value, str) and _NONFINITE.fullmatch(value.strip()) and accepting_nonfinite():
            return float(value)  # "inf", "-Infinity", "NaN" written as strings
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(_f(
                '%(where)s is %(value)s, not a number; %(expected)s',
                where=where, value=_json_shown(value), expected=_(EXPECTED_NUMBER)),
                             source=source)
        try:
            value = float(value)
        except OverflowError:
            value = math.inf if value > 0 else -math.inf
        if not math.isfinite(value) and not accepting_nonfinite():
            raise InputError(_f(
                '%(value)s is too large for a double (the largest is about 1.8e308)',
                value=where), source=source)
        return value

    expected = _("expected a list of numbers, a list of rows, or an object of name -> list")
    if isinstance(doc, dict) and isinstance(doc.get("steps"), list):
        # This tool's own trace JSON: read back its g values.
        columns: dict[str, list[float]] = {}
        for i, step in enumerate(doc["steps"]):
            if not isinstance(step, dict) or "g" not in step:
                raise InputError(_f('steps[%(index)s] has no "g"; %(expected)s',
                                    index=i, expected=expected), source=source)
            columns.setdefault(check_name(str(step.get("param", "x")), source), []).append(
                number(step["g"], f"steps[{i}].g"))
        return _from_columns(columns, source)
    if isinstance(doc, dict):
        columns = {}
        for name, seq in doc.items():
            if not isinstance(seq, list):
                raise InputError(_f(
                    '%(name)s is not a list of numbers; %(expected)s',
                    name=json.dumps(name), expected=expected), source=source)
            columns[name] = [number(v, f"{json.dumps(name)}[{i}]") for i, v in enumerate(seq)]
        if not columns:
            raise InputError(_f('is an empty object; %(expected)s', expected=expected), source=source)
        return _from_columns(columns, source)
    if isinstance(doc, list):
        if not doc:
            raise InputError(_f('is an empty list; %(expected)s', expected=expected), source=source)
        if all(not isinstance(v, list) for v in doc):
            return Gradients(np.array([number(v, f"[{i}]") for i, v in enumerate(doc)])[:, None], ["x"], source)
        width = len(doc[0]) if isinstance(doc[0], list) else None
        rows = []
        for i, row in enumerate(doc):
            if not isinstance(row, list) or len(row) != width or not width:
                raise InputError(_f(
                    'row [%(index)s] is %(row)s; expected a list of %(width)s numbers like row [0]',
                    index=i, row=_json_shown(row), width=width or 'some'), source=source)
            rows.append([number(v, f"[{i}][{j}]") for j, v in enumerate(row)])
        names = ["x"] if width == 1 else [f"x{j}" for j in range(1, len(rows[0]) + 1)]
        return Gradients(np.array(rows, dtype=np.float64), names, source)
    raise InputError(_f('holds %(content)s; %(expected)s',
                        content=_json_shown(doc), expected=expected), source=source)


# --- Reading long files in blocks ------------------------------------------------------------------------------

CHUNK_BYTES = 1 << 20  # 1 MiB of text at a time: as quick as 4 MiB (measured), some 20 MiB less memory
WHOLE_BYTES = 1 << 16  # smaller inputs are read whole; larger ones by blocks, numpy parsing the plain ones
_LEADING_LINES = re.compile(rb"(?:[ \t\r\f\v]*(?:#[^\n]*)?\n)*")  # blank and comment lines at the start
_PLAIN_NUMBERS = re.compile(r"[^0-9eE.+\-\s,;]")  # a chunk without these characters holds only plain numbers


@dataclass
class GradientStream:
    """A gradient sequence read in blocks: ``blocks()`` yields arrays shaped (steps, parameters)."""

    names: list[str]
    source: str
    _blocks: object  # an iterator of arrays
    total_bytes: int | None = None  # for progress: the file's size where known
    done_bytes: list = field(default_factory=lambda: [0])

    @property
    def path(self) -> Path | None:
        return None if self.source.startswith("<") or self.source in ("arguments", "the article's example") \
            else Path(self.source)

    def blocks(self):
        yield from self._blocks

    def collect(self, limit: int | None = None) -> Gradients:
        """The whole sequence; with ``limit``, refused once more than ``limit`` bytes of text have been read (a
        command that holds every step, fed an endless pipe)."""
        parts = []
        for part in self.blocks():
            if part.size:
                parts.append(part)
            if limit is not None and self.done_bytes[0] > limit:
                raise InputError(_f('is longer than %(limit)s MiB, the most this command holds whole; trace reads '
                                    'inputs of any length', limit=limit >> 20), source=_source_name(self.source))
        if not parts:
            raise InputError(_("has a header but no gradients"), source=self.source)
        values = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return Gradients(values, self.names, self.source)


def open_stream(tokens: list[str], stdin=None) -> GradientStream:
    """Like read_input, but a CSV or text file (or stdin) is read and parsed a block at a time."""
    if tokens == ["-"]:
        stream = stdin if stdin is not None else sys.stdin
        handle = stream.buffer if hasattr(stream, "buffer") else stream
        return _stream_handle(_Guarded(handle, "<stdin>"), "<stdin>", None)
    if len(tokens) == 1 and _is_path_token(tokens[0]):
        name = tokens[0]
        path = Path(name)
        try:
            handle = open(path, "rb")  # noqa: SIM115  (closed by the generator)
            info = os.fstat(handle.fileno())
        except OSError:
            comma_list(name)  # 0.1,0.2,0.15: the numbers meant, said with the command to type
            read_path(name)  # raises the reader's message
            raise
        if stat.S_ISDIR(info.st_mode):
            handle.close()
            read_path(name)
        # A device, FIFO or /proc file is read by blocks, bounded, like any other.
        total = info.st_size if stat.S_ISREG(info.st_mode) and info.st_size else None
        return _stream_handle(_Guarded(handle, name), name, total, close=True)
    g = _read_tokens(tokens, stdin)
    return GradientStream(g.names, g.source, iter([g.values]))


def _stream_handle(handle, source: str, total: int | None, *, close: bool = False) -> GradientStream:
    """Text from ``handle`` in chunks; JSON, UTF-16 and small inputs are read whole by read_bytes."""
    first = handle.read(CHUNK_BYTES)
    if len(first) < min(WHOLE_BYTES, CHUNK_BYTES) or first.startswith((b"\xff\xfe", b"\xfe\xff")) or \
            first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        try:
            data = read_bounded(handle, first, source)
        finally:
            if close:
                handle.close()
        g = read_bytes(data, source)
        return GradientStream(g.names, g.source, iter([g.values]), total, [len(data)])
    return _chunked(handle, source, total, first, close=close)


def _chunked(handle, source: str, total: int | None, first: bytes, *, close: bool) -> GradientStream:
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    skipped = 0  # blank and comment lines before the first row: skipped, never counted against a limit
    while True:
        leading = _LEADING_LINES.match(first)  # (it matches any text, at least its empty start)
        lead = leading.end() if leading else 0
        if lead:
            skipped += first.count(b"\n", 0, lead)
            first = first[lead:]
        if first.lstrip(b" \t\r\f\v")[:1] not in (b"", b"#") or b"\x00" in first:
            break
        more = handle.read(CHUNK_BYTES)
        if not more:
            break
        first += more
        if len(first) > MAX_ROW_BYTES:
            raise InputError(_f('line %(line)s is longer than %(limit)s MiB, the limit for one row',
                                line=skipped + 1, limit=MAX_ROW_BYTES >> 20), source=source, line=skipped + 1)
    cut = first.rfind(b"\n") + 1
    while cut == 0:  # one long first line: read on to its end, within MAX_ROW_BYTES, never splitting a row
        more = handle.read(CHUNK_BYTES)
        if not more:
            cut = len(first)
            break
        if b"\x00" in first:
            cut = len(first)
            break
        end = more.find(b"\n")
        first += more
        if end >= 0:
            cut = len(first) - len(more) + end + 1
        elif len(first) > MAX_ROW_BYTES:
            raise InputError(_f('line %(line)s is longer than %(limit)s MiB, the limit for one row',
                                line=skipped + 1, limit=MAX_ROW_BYTES >> 20),
                             source=source, line=skipped + 1)
    head_text = decode(first[:cut], source)
    sample = "\n".join(head_text.split("\n", 256)[:256])  # the first lines tell the layout
    rows = split_rows(sample)
    if not rows:
        raise InputError(_("holds no gradients (only blank and comment lines)"), source=source)
    rows = [(n + skipped, cells) for n, cells in rows]
    first_cells = rows[0][1]
    first_line = content_lines(sample)[0][1]  # the sample's, not the whole chunk's: only one line is needed
    sep = "," if "," in first_line else ("\t" if "\t" in first_line else (";" if ";" in first_line else None))
    header = None
    if not any(is_number(cell) for cell in first_cells):
        header = [cell.strip() for cell in first_cells]
        check_header_cells(header, source, rows[0][0])
        if is_own_table(header):
            # One of this tool's own tables: read whole, as it is regrouped by param.
            try:
                data = read_bounded(handle, first, source)
            finally:
                if close:
                    handle.close()
            g = read_bytes(b"\n" * skipped + data, source)
            return GradientStream(g.names, g.source, iter([g.values]), total)
        keep, names = _header_columns(header, source, rows[1][1] if len(rows) > 1 else None, rows[0][0])
        header = _Header(header)
        header.keep = keep  # every block drops the same step column as the first
    else:
        check_decimal_commas(rows, source)
        if len(first_cells) > MAX_PARAMETERS:
            raise InputError(_f('has %(count)s columns; the limit is %(limit)s parameters', count=len(first_cells),
                                limit=MAX_PARAMETERS), source=source)
        names = ["x"] if len(first_cells) == 1 else [f"x{j}" for j in range(1, len(first_cells) + 1)]
    done = [0]
    parse = functools.partial(_parse_chunk, source=source, header=header, width=len(names), sep=sep)

    def blocks():
        try:
            head = first[:cut] if header is None else first[:cut].split(b"\n", 1)[-1]
            fast = _plain_rows(head, header, len(names), sep)
            check_thousands(head_text, source, 1 + skipped)
            yield fast if fast is not None else parse(head_text, first_line=1 + skipped, has_header=True)
            line = 1 + skipped + head_text.count("\n")
            done[0] = cut
            rest = first[cut:]
            while True:
                more = handle.read(CHUNK_BYTES)
                data = rest + more
                if more:
                    split = data.rfind(b"\n") + 1
                    if split == 0:
                        rest = data
                        if len(rest) > MAX_ROW_BYTES:
                            raise InputError(_f('line %(line)s is longer than %(limit)s MiB, the limit for one row',
                                                line=line, limit=MAX_ROW_BYTES >> 20), source=source, line=line)
                        continue
                    body, rest = data[:split], data[split:]
                else:
                    body, rest = data, b""
                check_thousands(body, source, line)
                fast = _plain_rows(body, header, len(names), sep) if body else None
                if fast is not None:
                    if fast.size:
                        yield fast
                    line += len(fast) - (not body.endswith(b"\n"))  # one line a row, no blank line
                    done[0] += len(body)
                elif body:
                    if b"\x00" in body:
                        raise InputError(_("holds binary data (a NUL byte); expected text"), source=source,
                                         line=line + body[:body.index(b"\x00")].count(b"\n"))
                    try:
                        text = body.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise InputError(_f(
                            'is not UTF-8 text (byte 0x%(byte)s); save it as UTF-8',
                            byte=format(body[exc.start], '02x')),
                                         source=source, line=line + body[:exc.start].count(b"\n")) from None
                    block = parse(text, first_line=line, has_header=False)
                    if block.size:
                        yield block
                    line += body.count(b"\n")
                    done[0] += len(body)
                if not more:
                    break
        finally:
            if close:
                handle.close()

    return GradientStream(names, source, blocks(), total, done)


def _plain_rows(body: bytes, header, width: int, sep) -> np.ndarray | None:
    """The rows of a chunk that holds only plain numbers, read by the compiled kernel (the values float() reads);
    None where the kernel is not built or the chunk holds anything else (_parse_chunk reads it then)."""
    if header is not None and len(header) != width:
        return None
    from adadelta_cli.maths import kernel

    values = kernel.parse(body, width, sep)
    if values is not None and not values.all() and not _zeros_are_zeros(values, body.split(b"\n"), sep):
        return None  # the careful path says where a number too small for a double is
    return values


def _zeros_are_zeros(values: np.ndarray, lines: list, sep) -> bool:
    """Whether every 0 of a chunk read by the quick parsers was written as 0: ``1e-400`` and ``0.000…01`` (400
    zeros) are read as 0 by float() too, and must be refused instead. Only lines holding a 0 are looked at."""
    if values.all():
        return True
    if max(map(len, lines), default=0) < 320 and not any((b"e" if isinstance(line, bytes) else "e") in line.lower()
                                                         for line in lines):
        return True  # without an exponent a number needs 324 digits to underflow: every 0 here is a 0
    for i in np.flatnonzero(~values.all(axis=1)):
        line = lines[i].decode("utf-8", "replace") if isinstance(lines[i], bytes) else lines[i]
        if not _NONZERO_DIGIT.search(line):
            continue  # nothing but zeros on this line
        cells = line.split(sep.decode() if isinstance(sep, bytes) else sep) if sep else line.split()
        for j in np.flatnonzero(values[i] == 0):
            if j < len(cells) and _NONZERO_MANTISSA.match(cells[j].strip().translate(_MINUS_SIGNS)):
                return False
    return True


_NONZERO_DIGIT = re.compile(r"[1-9]")


def _parse_chunk(text: str, *, source: str, first_line: int, header, width: int, sep, has_header: bool) -> np.ndarray:
    """The numbers of a chunk of lines: numpy's parser where the text holds only plain numbers, else line by line
    (which says exactly where a bad cell is)."""
    body = text.split("\n", 1)[-1] if has_header and header is not None else text
    if not _PLAIN_NUMBERS.search(body) and (header is None or len(header) == width):
        try:
            lines = body.splitlines()
            if width == 1:
                values = np.array(lines, dtype=np.float64)[:, None]
            else:
                values = np.array([line.split(sep) for line in lines], dtype=np.float64)
            if values.ndim == 2 and values.shape[1] == width and np.isfinite(values).all() and \
                    _zeros_are_zeros(values, lines, sep):  # 1e-400 read as 0: the careful path
                return values
        except ValueError:
            pass
    # The careful path: comments, blank lines, or a problem to report with its line and column.
    rows = split_rows("\n" * (first_line - 1) + text, sep=sep)
    if header is not None and has_header:
        rows = rows[1:]
    if not rows:
        return np.empty((0, width))
    if header is not None:
        return _from_header(header, rows, source).values
    values = np.empty((len(rows), width))
    for i, (n, cells) in enumerate(rows):
        if len(cells) != width:
            raise InputError(_f(
                'has %(found)s values, expected %(expected)s like the first line',
                found=len(cells), expected=width), source=source,
                             line=n)
        for j, cell in enumerate(cells):
            values[i, j] = parse_number(cell, source=source, line=n, column=j + 1)
    return values


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
    raise InputError(message, source=_source_name(source))
