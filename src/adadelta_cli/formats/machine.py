"""CSV and JSON, the formats for machines: every value of a document's ``report.Records``, the shortest text that
reads back as the same double (orjson's), a NaN or an infinity as nan/inf in CSV and as a string in JSON. Records
come one by one or as ``report.Steps`` blocks (a run's whole columns, formatted in one go: ``trace``'s stream, the
API and every command go through here). Text from the data is escaped by ``safe``.

The JSON layout is the contract's, the same for every command: one object, its ``settings`` indented, then its
record lists with one record a line (a trace of a million steps stays readable with ``head`` and ``grep``)::

    {
      "settings": {...},
      "steps": [
        {"t": 1, "param": "x", "g": 0.1, ...},
        ...
      ]
    }

orjson writes the numbers: the shortest text that reads back as the same double (ryu), as ``repr`` does, ten times
faster; ``null`` is a value that is not defined (η where g_t = 0 in compare).

>>> print(json(Records(["t", "x"], [[1, -0.004467670516087701]], {"rho": 0.95})), end="")
{
  "settings": {
    "rho": 0.95
  },
  "steps": [
    {"t":1,"x":-0.004467670516087701}
  ]
}
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from adadelta_cli import numfmt, safe
from adadelta_cli.formats.report import Records, Steps

SLICE = 10_000  # records formatted at a time


def machine(value, *, spreadsheet: bool = False) -> str:
    """A value for CSV: the shortest round-trip digits (numfmt.full), nan/inf/-inf, or the text (``_csv_text``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _csv_text(value, spreadsheet=spreadsheet)
    return numfmt.full(value)


def json_text(obj, *, indent: bool = True) -> str:
    """One JSON value (indented by two spaces, or on one line); invisible characters escaped (safe.json_text)."""
    import orjson

    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return safe.json_text(orjson.dumps(obj, option=options).decode())


def json_value(value):
    """A value for JSON, in lists and dicts too: a NaN or an infinity (which JSON cannot hold) as the string NaN,
    Infinity or -Infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        return json_value(value.item())
    return value



# A NaN or an infinity for machines: CSV keeps Python's spelling, JSON (which has no such numbers) a string.
NONFINITE_TEXT = {"csv": (b"nan", b"inf", b"-inf"), "json": (b'"NaN"', b'"Infinity"', b'"-Infinity"')}


def _csv_text(text: str, *, spreadsheet: bool) -> str:
    """A text cell; with ``spreadsheet``, one a spreadsheet would take as a formula starts with '."""
    if spreadsheet and text[:1] in ("=", "+", "-", "@"):
        try:
            float(text)
        except ValueError:
            text = "'" + text
    return safe.csv_cell(text)


def _cells(row, columns: list[str]):
    """A record's cells in the columns' order (a record may be a dict holding more keys than CSV has columns)."""
    return [row.get(c) for c in columns] if isinstance(row, dict) else row


def _slices(rows):
    """The records SLICE at a time (lists), each Steps block on its own."""
    for steps, group in itertools.groupby(rows, key=lambda row: isinstance(row, Steps)):
        if steps:
            yield from group
            continue
        while chunk := list(itertools.islice(group, SLICE)):
            yield chunk


def _write(out, pieces, *, binary: bool) -> None:
    for piece in pieces:
        out.write(piece if binary else piece.decode("utf-8"))


def _matrix(block: Steps):
    """A block's numbers as one float64 matrix: a row per record (steps, then names), a column per quantity."""

    count, size = block.values[0].shape if block.values else (0, len(block.names))
    matrix = np.empty((count * size, len(block.values)))
    for j, values in enumerate(block.values):
        matrix[:, j] = values.reshape(-1)
    return matrix


def _number_rows(matrix, kind: str, text: bytes | None = None) -> list[bytes]:
    """Each row's numbers as the shortest text that reads back as the same double, separated by commas, in one
    orjson call for the whole block (ryu: ``repr``'s digits, some ten times faster); a NaN or an infinity (trace
    --nonfinite continue) as NONFINITE_TEXT[kind] says. ``text``: the matrix's orjson text, if already made."""
    import orjson

    rows = (text or orjson.dumps(matrix, option=orjson.OPT_SERIALIZE_NUMPY))[2:-2].split(b"],[")
    finite = np.isfinite(matrix)
    if not finite.all():
        nan, inf, minus_inf = NONFINITE_TEXT[kind]
        for i in np.flatnonzero(~finite.all(axis=1)):
            rows[i] = b",".join(orjson.dumps(v) if math.isfinite(v) else nan if math.isnan(v) else inf if v > 0
                                else minus_inf for v in matrix[i].tolist())
    return rows


def _steps_t(block: Steps) -> list[bytes]:
    """Each record's step number, as text."""
    import orjson

    count, size = block.values[0].shape
    t = np.arange(block.first_t, block.first_t + count)
    return orjson.dumps(np.repeat(t, size) if size > 1 else t, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].split(b",")


def _csv_steps(block: Steps, *, spreadsheet: bool) -> bytes | bytearray:
    """A Steps block as CSV lines: its numbers in one orjson call, as the text of a matrix, then each row after its
    step and parameter (by the compiled kernel where it is built, else here, to the same bytes)."""
    import orjson

    from adadelta_cli.maths import kernel

    matrix = _matrix(block)
    if not matrix.size:
        return b""
    count, size = block.values[0].shape
    cells = [b"," + _csv_text(name, spreadsheet=spreadsheet).encode("utf-8") + b"," for name in block.names]
    text = orjson.dumps(matrix, option=orjson.OPT_SERIALIZE_NUMPY)
    lines = kernel.csv_lines(text, count * size, block.first_t, size, cells) if np.isfinite(matrix).all() else None
    if lines is not None:
        return lines
    rows = _number_rows(matrix, "csv", text)
    # t, ",param,", the numbers, "\n" for each row, joined once (no object per line)
    parts = [b"\n"] * (4 * len(rows))
    parts[0::4] = _steps_t(block)
    parts[1::4] = cells * count
    parts[2::4] = rows
    return b"".join(parts)


def csv_pieces(records: Records):
    """``records`` as CSV, in pieces of UTF-8 made one after another: comment lines, the header, a row a record
    (SLICE records, or a Steps block, a piece)."""
    yield "".join(line + "\n" for line in [*records.comments, ",".join(records.columns)]).encode("utf-8")
    spreadsheet = records.spreadsheet
    for chunk in _slices(records.rows):
        if isinstance(chunk, Steps):
            yield _csv_steps(chunk, spreadsheet=spreadsheet)
            continue
        yield "".join(",".join(machine(v, spreadsheet=spreadsheet) for v in _cells(row, records.columns)) + "\n"
                      for row in chunk).encode("utf-8")


def write_csv(out, records: Records, *, binary: bool = False) -> None:
    """``records`` as CSV to ``out`` (a text stream; ``binary``: a binary one, written UTF-8)."""
    _write(out, csv_pieces(records), binary=binary)


def csv(records: Records) -> str:
    return b"".join(csv_pieces(records)).decode("utf-8")


def _json_steps(block: Steps, columns: list[str], *, first: bool) -> bytes:
    """A Steps block as JSON records, one a line, each after the separator it needs."""
    matrix = _matrix(block)
    if not matrix.size:
        return b""
    count = block.values[0].shape[0]
    keys = [json_text(k, indent=False).encode("utf-8") for k in columns]
    template = b",\n    {" + b",".join(k.replace(b"%", b"%%") + b":%b" for k in keys) + b"}"
    names = [json_text(name, indent=False).encode("utf-8") for name in block.names]
    text = b"".join([template % (t, p, *row.split(b",")) for t, p, row in zip(
        _steps_t(block), names * count, _number_rows(matrix, "json"))])
    return b"\n    {" + text[len(b",\n    {"):] if first else text


def json_pieces(records: Records):
    """``records`` as the contract's JSON document, in pieces of UTF-8: settings, then the records one a line
    (SLICE records, or a Steps block, a piece), then ``extra``'s keys."""
    if records.document is not None:
        yield (json_text(json_value(records.document)) + "\n").encode("utf-8")
        return
    yield ('{\n  "settings": ' + json_text(records.settings or {}).replace("\n", "\n  ")
           + ',\n  "steps": [').encode("utf-8")
    first = True
    for chunk in _slices(records.rows):
        if isinstance(chunk, Steps):
            piece = _json_steps(chunk, records.columns, first=first)
        else:
            piece = "".join(("\n    " if first and not i else ",\n    ") + json_text({k: json_value(v) for k, v in (
                row.items() if isinstance(row, dict) else zip(records.columns, row))}, indent=False)
                for i, row in enumerate(chunk)).encode("utf-8")
        first = first and not piece
        yield piece
    tail = "]" if first else "\n  ]"
    for key, item in (records.extra or {}).items():
        tail += f',\n  "{key}": ' + json_text(json_value(item)).replace("\n", "\n  ")
    yield (tail + "\n}\n").encode("utf-8")


def write_json(out, records: Records, *, binary: bool = False) -> None:
    """``records`` as JSON to ``out`` (a text stream; ``binary``: a binary one, written UTF-8)."""
    _write(out, json_pieces(records), binary=binary)


def json(records: Records) -> str:
    return b"".join(json_pieces(records)).decode("utf-8")
