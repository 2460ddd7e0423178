"""A long input read a block at a time, bounded in memory and time: the layout (header, separator, parameters) from
the first lines, then each chunk's whole lines parsed by the compiled kernel or numpy where they hold only plain
numbers, by ``tables`` where they do not (which says where a bad cell is). JSON, UTF-16 and small inputs are read
whole (``read_bounded``, ``read_bytes``)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from adadelta_cli.errors import InputError
from adadelta_cli.formats import tables
from adadelta_cli.formats.cells import _MINUS_SIGNS, _NONZERO_MANTISSA, is_number
from adadelta_cli.formats.jsonin import read_json
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import _, _f

MAX_ROW_BYTES = 64 << 20  # one line of an input file
MAX_WHOLE_BYTES = 64 << 20  # an input read whole (JSON), or held whole by a command that needs every step
CHUNK_BYTES = 1 << 20  # 1 MiB of text at a time: as quick as 4 MiB (measured), some 20 MiB less memory
WHOLE_BYTES = 1 << 16  # smaller inputs are read whole; larger ones by blocks, numpy parsing the plain ones
_UTF16 = (b"\xff\xfe", b"\xfe\xff")  # the byte-order marks of UTF-16, read whole
_LEADING_LINES = rb"(?:[ \t\r\f\v]*(?:#[^\n]*)?\n)*"  # blank and comment lines at the start
_PLAIN_NUMBERS = r"[^0-9eE.+\-\s,;]"  # a chunk without these characters holds only plain numbers
_NONZERO_DIGIT = r"[1-9]"


def unreadable(exc: OSError, source: str) -> InputError:
    return InputError(_f('cannot be read (%(reason)s)', reason=exc.strerror or type(exc).__name__), source=source)


class Guarded:
    """A binary file whose read() turns an error of the system (EIO from /proc/self/mem, a device that fails) into
    one InputError naming the file."""

    def __init__(self, handle, source: str) -> None:
        self.handle, self.source = handle, source

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.handle.read(size)
        except OSError as exc:
            raise unreadable(exc, self.source) from None
        return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data

    def close(self) -> None:
        self.handle.close()


def read_bounded(handle, first: bytes, source: str) -> bytes:
    """The rest of ``handle`` after ``first``, refused once it passes MAX_WHOLE_BYTES or as soon as a NUL byte shows
    it is not text (``/dev/zero`` is refused at once rather than read for ever)."""
    handle = handle if isinstance(handle, Guarded) else Guarded(handle, source)
    parts, size, text = [first], len(first), not first.startswith(_UTF16)
    while not (text and b"\x00" in parts[-1]):  # tables.decode() says where
        if size > MAX_WHOLE_BYTES:
            raise InputError(_f('is larger than %(limit)s MiB, the most this tool reads whole (JSON, UTF-16); give '
                                'CSV or one number a line, which is read by blocks', limit=MAX_WHOLE_BYTES >> 20),
                             source=source)
        part = handle.read(1 << 20)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def read_bytes(data: bytes, source: str) -> Gradients:
    text = tables.decode(data, source)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(_("is empty; expected gradients: CSV rows, one number a line, or JSON"), source=source)
    return read_json(text, source) if stripped[0] in "[{" else tables.read_table(text, source)


@dataclass(eq=False, repr=False)
class GradientStream:
    """A gradient sequence read in blocks: ``blocks()`` yields arrays shaped (steps, parameters)."""

    names: list[str]
    source: str
    _blocks: object  # an iterator of arrays
    total_bytes: int | None = None  # for progress: the file's size where known
    done_bytes: list = field(default_factory=lambda: [0])

    @property
    def path(self) -> Path | None:
        return tables.source_path(self.source)

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
                                    'inputs of any length', limit=limit >> 20), source=self.source)
        if not parts:
            raise InputError(_("has a header but no gradients"), source=self.source)
        return Gradients(np.concatenate(parts) if len(parts) > 1 else parts[0], self.names, self.source)


def _whole(handle, first: bytes, source: str, total: int | None, *, close: bool,
           skipped: int | None = None) -> GradientStream:
    """The rest of ``handle`` read whole, as one block (after ``skipped`` blank and comment lines, where some were)."""
    try:
        data = read_bounded(handle, first, source)
    finally:
        if close:
            handle.close()
    g = read_bytes(b"\n" * (skipped or 0) + data, source)
    return GradientStream(g.names, g.source, iter([g.values]), total, [len(data) if skipped is None else 0])


def stream_handle(handle, source: str, total: int | None, *, close: bool = False) -> GradientStream:
    """Text from ``handle`` in chunks; JSON, UTF-16 and small inputs are read whole by read_bytes."""
    first = handle.read(CHUNK_BYTES)
    if len(first) < min(WHOLE_BYTES, CHUNK_BYTES) or first.startswith(_UTF16) or \
            first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return _whole(handle, first, source, total, close=close)
    return _chunked(handle, source, total, first, close=close)


def _too_long(line: int, source: str) -> InputError:
    return InputError(_f('line %(line)s is longer than %(limit)s MiB, the limit for one row', line=line,
                         limit=MAX_ROW_BYTES >> 20), source=source, line=line)


def _first_rows(handle, first: bytes, source: str) -> tuple[bytes, int, int]:
    """The first chunk with its leading blank and comment lines dropped, read on to the end of a line (never
    splitting a row); how many lines were dropped, and where the last whole line ends."""
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    skipped = 0  # blank and comment lines before the first row: skipped, never counted against a limit
    while True:
        leading = re.match(_LEADING_LINES, first)  # (it matches any text, at least its empty start)
        lead = leading.end() if leading else 0
        skipped += first.count(b"\n", 0, lead)
        first = first[lead:]
        if first.lstrip(b" \t\r\f\v")[:1] not in (b"", b"#") or b"\x00" in first:
            break
        more = handle.read(CHUNK_BYTES)
        if not more:
            break
        first += more
        if len(first) > MAX_ROW_BYTES:
            raise _too_long(skipped + 1, source)
    cut = first.rfind(b"\n") + 1
    while cut == 0:  # one long first line: read on to its end, within MAX_ROW_BYTES
        more = handle.read(CHUNK_BYTES)
        if not more or b"\x00" in first:
            return first + more, skipped, len(first + more)
        first += more
        if b"\n" in more:
            cut = len(first) - len(more) + more.find(b"\n") + 1
        elif len(first) > MAX_ROW_BYTES:
            raise _too_long(skipped + 1, source)
    return first, skipped, cut


def _chunked(handle, source: str, total: int | None, first: bytes, *, close: bool) -> GradientStream:
    """The layout (header, separator, parameters) from the first lines; then the blocks as they are read."""
    first, skipped, cut = _first_rows(handle, first, source)
    head_text = tables.decode(first[:cut], source)
    sample = "\n".join(head_text.split("\n", 256)[:256])  # the first lines tell the layout
    rows = [(n + skipped, cells) for n, cells in tables.split_rows(sample)]
    if not rows:
        raise InputError(_("holds no gradients (only blank and comment lines)"), source=source)
    first_cells = rows[0][1]
    first_line = tables.content_lines(sample)[0][1]  # the sample's, not the whole chunk's: only one line is needed
    sep = next((c for c in ",\t;" if c in first_line), None)
    header = None
    if not any(is_number(cell) for cell in first_cells):
        header = tables.header_of(first_cells, source, rows[0][0])
        if tables.is_own_table(header):  # one of this tool's own tables: read whole, as it is regrouped by param
            return _whole(handle, first, source, total, close=close, skipped=skipped)
        # every block keeps the same columns as the first (a step column left out)
        names = tables.keep_columns(header, source, rows[1][1] if len(rows) > 1 else None).names or []
    else:
        tables.check_decimal_commas(rows, source)
        if len(first_cells) > tables.MAX_PARAMETERS:
            raise InputError(_f('has %(count)s columns; the limit is %(limit)s parameters', count=len(first_cells),
                                limit=tables.MAX_PARAMETERS), source=source)
        names = tables.default_names(len(first_cells))
    done = [0]
    parse = functools.partial(_parse_block, source=source, header=header, width=len(names), sep=sep,
                              first_row=rows[0][0])
    plain = functools.partial(_plain_rows, header=header, width=len(names), sep=sep)
    head = first[:cut] if header is None else first[:cut].split(b"\n", 1)[-1]
    blocks = _blocks(handle, first[cut:], 1 + skipped, (head, head_text, cut), parse, plain, done, source=source,
                     close=close)
    return GradientStream(names, source, blocks, total, done)


def _blocks(handle, rest: bytes, line: int, head: tuple[bytes, str, int], parse, plain, done: list, *,
            source: str, close: bool):
    """The blocks of rows: the first lines' (``head``: without the header, as text, and their length read), then
    each chunk's whole lines as they are read; ``done`` counts the bytes read."""
    try:
        tables.check_thousands(head[1].encode(), source, line)
        fast = plain(head[0])
        yield fast if fast is not None else parse(head[1], first_line=line, has_header=True)
        line += head[1].count("\n")
        done[0] = head[2]
        while True:
            more = handle.read(CHUNK_BYTES)
            data = rest + more
            split = data.rfind(b"\n") + 1 if more else len(data)  # at the end, the last line as it is
            if more and split == 0:  # no line ends in this chunk yet
                rest = data
                if len(rest) > MAX_ROW_BYTES:
                    raise _too_long(line, source)
                continue
            body, rest = data[:split], data[split:]
            if body:
                block, line = _block(body, line, parse, plain, source)
                if block.size:
                    yield block
                done[0] += len(body)
            if not more:
                break
    finally:
        if close:
            handle.close()


def _block(body: bytes, line: int, parse, plain, source: str) -> tuple[np.ndarray, int]:
    """The rows of a chunk of whole lines starting at ``line``, and the line after it."""
    tables.check_thousands(body, source, line)
    fast = plain(body)
    if fast is not None:
        return fast, line + len(fast) - (not body.endswith(b"\n"))  # one line a row, no blank line
    if b"\x00" in body:
        raise InputError(_("holds binary data (a NUL byte); expected text"), source=source,
                         line=line + body[:body.index(b"\x00")].count(b"\n"))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(_f('is not UTF-8 text (byte 0x%(byte)s); save it as UTF-8',
                            byte=format(body[exc.start], '02x')), source=source,
                         line=line + body[:exc.start].count(b"\n")) from None
    return parse(text, first_line=line, has_header=False), line + body.count(b"\n")


def _plain_rows(body: bytes, *, header, width: int, sep) -> np.ndarray | None:
    """The rows of a chunk that holds only plain numbers, read by the compiled kernel (the values float() reads);
    None where the kernel is not built or the chunk holds anything else (_parse_block reads it then)."""
    if header is not None and len(header) != width:
        return None
    from adadelta_cli.maths import kernel

    values = kernel.parse(body, width, sep)
    if values is not None and not values.all() and \
            not _zeros_are_zeros(values, body.decode("utf-8", "replace").split("\n"), sep):
        return None  # the careful path says where a number too small for a double is
    return values


def _zeros_are_zeros(values: np.ndarray, lines: list, sep: str | None) -> bool:
    """Whether every 0 of a chunk read by the quick parsers was written as 0: ``1e-400`` and ``0.000…01`` (400
    zeros) are read as 0 by float() too, and must be refused instead. Only lines holding a 0 are looked at."""
    if values.all():
        return True
    if max(map(len, lines), default=0) < 320 and not any("e" in line.lower() for line in lines):
        return True  # without an exponent a number needs 324 digits to underflow: every 0 here is a 0
    for i in np.flatnonzero(~values.all(axis=1)):
        line = lines[i]
        if not re.search(_NONZERO_DIGIT, line):
            continue  # nothing but zeros on this line
        cells = line.split(sep) if sep else line.split()
        for j in np.flatnonzero(values[i] == 0):
            if j < len(cells) and _NONZERO_MANTISSA.match(cells[j].strip().translate(_MINUS_SIGNS)):
                return False
    return True


def _parse_block(text: str, *, source: str, first_line: int, header, width: int, sep, has_header: bool,
                 first_row: int) -> np.ndarray:
    """The numbers of a chunk of lines: numpy's parser where the text holds only plain numbers, else line by line
    (which says exactly where a bad cell is)."""
    body = text.split("\n", 1)[-1] if has_header and header is not None else text
    if not re.search(_PLAIN_NUMBERS, body) and (header is None or len(header) == width):
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
    rows = tables.split_rows("\n" * (first_line - 1) + text, sep=sep)
    if header is not None and has_header:
        rows = rows[1:]
    if not rows:
        return np.empty((0, width))
    if header is not None:
        return tables.from_header(header, rows, source).values
    return tables.plain_values(rows, width, source, first_row)
