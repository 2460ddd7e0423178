"""The worksheet, read and written: the CSV `adadelta worksheet` writes (settings and what is asked in ``#``
comment lines, a g column, the asked columns blank) and `adadelta check` reads back, each mistake with its line."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import AdadeltaError, InputError, SettingsError
from adadelta_cli.formats.blocks import read_bounded
from adadelta_cli.formats.cells import parse_number, shown
from adadelta_cli.formats.readers import file_bytes
from adadelta_cli.formats.report import Formulas, Records
from adadelta_cli.formats.tables import content_lines, csv_row, decode
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking.digits import significant_digits
from adadelta_cli.marking.replay import CHECKED
from adadelta_cli.marking.verdicts import Cell, check_sig_digits
from adadelta_cli.maths import recurrence
from adadelta_cli.maths.settings import DEFAULTS, check_float32, validate

# --- Reading a worksheet ----------------------------------------------------------------------------------------

# What a worksheet's comment lines may say ("# rho = 0.95"): its settings; the columns asked (the others are given),
# the variant, the student.
SETTINGS = ("rho", "gamma", "eps", "lr", "x0", "eg2_init", "edx2_init", "weight_decay", "weight_decay_mode",
            "maximize", "lr_dtype", "rate_eg2", "dtype")
META = ("asked", "variant", "name", "student", "sig_digits", "seed", "optimizer")
_COMMENT = re.compile(r"#\s*([A-Za-z_0-9]+)\s*[=:]\s*(.*)")  # one pass over the line, whatever its length
NOT_ASKED = ("-", "\u2013", "\u2014")  # a cell written "-" is not asked
MAX_SHEET_ROWS = 10_000  # marking takes some 32 KB and 3 ms a row: a class's sheet has tens
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
COMMA_DECIMAL = re.compile(r"\s*[-+\u2212≈~]?\s*\d*,\d+(?:[eE][-+]?\d+|\s*[×xX*·⋅]\s*10.*)?\s*")
COMMA_DECIMAL_NOTE = N_("read as a spreadsheet writes it in German or French: ';' between cells, ',' before the "
                        "decimals")


@dataclass
class Worksheet:
    source: str
    params: dict[str, list[dict]]  # param -> rows {"t", "g", "line", "cells": {name: Cell}, "asked": set}
    settings: dict  # what the worksheet itself says (option names)
    columns: list[str]
    student: str = ""
    variant: str = ""
    sig_digits: int | None = None
    notes: list[str] = field(default_factory=list)  # how the sheet was read, where that is worth saying
    optimizer: str = "adadelta"  # a family member's sheet says its own (# optimizer = adam)
    comments: dict[str, str] = field(default_factory=dict)  # a member's sheet: its comment lines as written


def _text(path: str) -> str:
    """The sheet's text, read whole (bounded: /dev/zero is refused at once); ``-``: standard input."""
    if path == "-":  # `adadelta worksheet ... | adadelta check -`
        if sys.stdin is None or not hasattr(sys.stdin, "buffer"):
            return "" if sys.stdin is None else sys.stdin.read()
        return decode(read_bounded(sys.stdin.buffer, b"", "<stdin>"), path)
    return decode(file_bytes(path), path)


def _comments(text: str):
    """(line, key, value) of each ``# key = value`` line."""
    for n, line in enumerate(text.splitlines(), start=1):
        m = _COMMENT.match(line.strip())
        if m:
            yield n, m.group(1).lower(), m.group(2)


def read_worksheet(path: str, *, decimal_comma: bool | None = None) -> Worksheet:
    """A worksheet CSV: a g column, optional t and param, any of the quantities filled by hand; rows in any order of
    t. ``# asked = eta,dx`` says which columns the student fills in (the others are given, not scored); without it
    every quantity column is asked, a cell written ``-`` is not, a blank cell is unanswered. A cell that cannot be
    read is one bad cell (``Cell.error``). ``decimal_comma``: ',' before the decimals and ';' between cells (as
    German and French spreadsheets write them); None: so where every number of a ';' sheet is written that way."""
    text = _text(path)
    optimizer = next((value.strip().lower() for _n, key, value in _comments(text) if key == "optimizer"),
                     "adadelta")
    member = optimizer != "adadelta"  # a family member's sheet: its columns and settings are its own
    settings, meta = ({}, {}) if member else _sheet_comments(text, path)
    comments = {key: value.strip() for _n, key, value in _comments(text)} if member else {}
    if member:
        meta = {key: comments[key] for key in META if key in comments}
    asked_columns = None
    if "asked" in meta:
        asked_columns = {c.strip() if member else c.strip().lower() for c in meta["asked"].split(",") if c.strip()}
        unknown = [] if member else sorted(asked_columns - set(CHECKED))
        if unknown:
            raise InputError(_f("'# asked' names %(unknown)s; expected some of %(columns)s",
                                unknown=", ".join(unknown), columns=", ".join(CHECKED)), source=path)
    sig_digits = None
    if meta.get("sig_digits"):
        sig_digits = int(parse_number(meta["sig_digits"], source=path, what="sig_digits"))
        check_sig_digits(sig_digits)
    rows, notes = _sheet_rows(text, path, decimal_comma=decimal_comma)
    header = _sheet_header(rows[0], path, exact=member)
    checked = [h for h in header if h and h not in ("t", "param", "g")] if member else CHECKED
    index = {name: header.index(name) for name in ("t", "param", "g", *checked) if name in header}
    params: dict[str, list[dict]] = {}
    for n, cells in rows[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise InputError(_f('has %(cells)s cells, expected %(expected)s (one per header column)',
                                cells=len(cells), expected=len(header)), source=path, line=n)
        cells = cells + [""] * (len(header) - len(cells))
        name = cells[index["param"]].strip() if "param" in index else "x"
        params.setdefault(name or "x", []).append(_sheet_row(cells, n, index, asked_columns, path, checked))
    if not params:
        raise InputError(_("has a header but no rows"), source=path)
    for name, entries in params.items():
        params[name] = _in_order(entries, name, path, several=len(params) > 1)
    if not any(row["asked"] for entries in params.values() for row in entries):
        raise InputError(_f("asks for nothing: no column of %(columns)s to fill in",
                            columns=", ".join(checked)), source=path)
    student = meta.get("name", meta.get("student", "")).strip()
    return Worksheet(path, params, settings, header, student=student, variant=meta.get("variant", "").strip(),
                     sig_digits=sig_digits, notes=notes, optimizer=optimizer, comments=comments)


def _sheet_comments(text: str, path: str) -> tuple[dict, dict[str, str]]:
    """The settings and the other facts (``# asked``, ``# name`` …) of a sheet's comment lines. A setting is checked
    where it is written (``# rho = 2``; ``# eps = 1e-50`` on a float32 sheet): the message names the sheet's line,
    not an option the user never gave."""
    settings: dict = {}
    meta: dict[str, str] = {}
    lines: dict[str, int] = {}
    key = ""
    try:
        for n, key, value in _comments(text):
            if key in META:
                meta[key] = value.strip()
            if key in SETTINGS:
                key = "rho" if key == "gamma" else key
                settings[key], lines[key] = _sheet_setting(key, value.strip(), path, n), n
                if key in DEFAULTS:
                    validate({**DEFAULTS, key: settings[key]})
        held = {"lr"} if settings.get("lr_dtype") == "float32" else set()
        if settings.get("dtype") == "float32":
            held |= {"rho", "eps", "lr", "weight_decay", "x0", "eg2_init", "edx2_init"}
        for key in sorted(held & set(settings)):
            check_float32(key, settings[key])
    except SettingsError as exc:
        raise InputError(_f("'# %(key)s': %(problem)s", key=key, problem=exc.message), source=path,
                         line=lines.get(key)) from None
    return settings, meta


def _sheet_setting(key: str, value: str, path: str, n: int):
    """One setting as a sheet's comment line writes it."""
    if key in ("weight_decay_mode", "lr_dtype", "rate_eg2", "dtype"):
        return value.lower()
    if key == "maximize":
        if value.lower() not in YES + NO:
            raise InputError(_f("'# maximize' is %(value)s; expected yes or no (also true/false, 1/0, on/off)",
                                value=shown(value, 40)), source=path, line=n)
        return value.lower() in YES
    if key in ("rho", "eps") and COMMA_DECIMAL.fullmatch(value):  # "# rho = 0,95" on a German sheet
        return parse_number(value.replace(",", "."), source=path, line=n, what=key)
    if key in ("x0", "eg2_init", "edx2_init") or (key in ("lr", "weight_decay") and "," in value):
        return [parse_number(v, source=path, line=n, what=key) for v in value.split(",")]
    return parse_number(value, source=path, line=n, what=key)


def _sheet_rows(text: str, path: str, *, decimal_comma: bool | None) -> tuple[list, list[str]]:
    """The sheet's rows as (line, cells), decimal commas made points where the sheet writes them, and the notes
    that say so. ';' between the cells where the header splits into a g column by ';' and not by ','."""
    lines = content_lines(text)
    if not lines:
        raise InputError(_("is empty; expected a worksheet: a CSV with a g column"), source=path)
    if len(lines) - 1 > MAX_SHEET_ROWS:
        raise InputError(_f("has %(count)s rows; a worksheet holds at most %(limit)s (steps × parameters), as each "
                            "is marked on its own; give a shorter sheet", count=f"{len(lines) - 1:,}",
                            limit=f"{MAX_SHEET_ROWS:,}"), source=path)
    first = lines[0][1].strip()
    semicolon = "g" in [c.strip().lower() for c in first.split(";")] and \
        "g" not in [c.strip().lower() for c in first.split(",")]
    delimiter = ";" if semicolon or (decimal_comma and ";" in first and "," not in first) else ","
    rows = [(n, csv_row(line, path, n, delimiter)) for n, line in lines]
    notes = []
    if decimal_comma is None:
        numbers = [c for _n, cells in rows[1:] for c in cells if c.strip() and c.strip() not in NOT_ASKED]
        decimal_comma = delimiter == ";" and any(COMMA_DECIMAL.fullmatch(c) for c in numbers) and \
            not any("." in c for c in numbers)
        if decimal_comma:
            notes.append(_(COMMA_DECIMAL_NOTE))
    if decimal_comma:
        rows = [(n, [c.replace(",", ".") if COMMA_DECIMAL.fullmatch(c) else c for c in cells]) for n, cells in rows]
    return rows, notes


def _sheet_header(row: tuple[int, list[str]], path: str, *, exact: bool = False) -> list[str]:
    """The header's column names, lower case (``exact``: as written, a family member's G beside g): each once, g
    among them."""
    line, names = row
    header = [h.strip() if exact else h.strip().lower() for h in names]
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(_f("the column %(name)s appears twice (columns %(first)s and %(second)s)",
                                name=repr(names[i - 1].strip()), first=seen[name], second=i), source=path, line=line)
        seen[name] = i
    if "g" not in header:
        raise InputError(_f(
            'has no g column (its header is: %(header)s); expected a worksheet with the columns t, g and any of eg2, '
            'edx2_prev, eta, dx, edx2, x', header=', '.join(names)), source=path, line=line)
    return header


def _sheet_row(cells: list[str], n: int, index: dict[str, int], asked_columns: set[str] | None, path: str,
               checked=CHECKED) -> dict:
    """One row: its t (if written), g, and each written cell of the ``checked`` columns (a bad one marked unreadable,
    not refused)."""
    g = parse_number(cells[index["g"]], source=path, line=n, column=index["g"] + 1)
    t = None
    if "t" in index and cells[index["t"]].strip():
        t = parse_number(cells[index["t"]], source=path, line=n, column=index["t"] + 1, what="t")
        if t != int(t) or not 1 <= t <= 10**9:
            raise InputError(_f("t must be a whole number from 1, got %(value)s", value=repr(cells[index["t"]])),
                             source=path, line=n, column=index["t"] + 1)
    written, asked = {}, set()
    for q in (q for q in checked if q in index and cells[index[q]].strip() not in NOT_ASKED):
        given = asked_columns is not None and q not in asked_columns
        if not given:
            asked.add(q)
        if not cells[index[q]].strip():
            continue
        cell = written[q] = Cell(cells[index[q]], n, index[q] + 1, given=given)
        try:
            cell.value  # noqa: B018  (parse now, so a bad cell is reported with its place)
            significant_digits(cell.text)
        except InputError as exc:  # one bad cell: marked unreadable, the rest of the sheet is marked
            exc.source, exc.line, exc.column = path, n, index[q] + 1
            cell.error, cell.number = str(exc), None
    return {"t": None if t is None else int(t), "g": g, "line": n, "cells": written, "asked": asked}


def who_wrote(path: str) -> tuple[str, str]:
    """(student, variant) as a sheet's comment lines say them, read as far as they can be: the gradebook row of a
    sheet that cannot be marked still carries the student's name."""
    try:
        text = _text(path)
    except (AdadeltaError, OSError):
        return "", ""
    meta: dict[str, str] = {}
    for _n, key, value in _comments(text):
        if key in META:
            meta.setdefault(key, value)
    return meta.get("name", meta.get("student", "")).strip(), meta.get("variant", "").strip()


def _in_order(entries: list[dict], param: str, path: str, *, several: bool) -> list[dict]:
    """A parameter's rows sorted by t; each t once, none missing (or no row with a t: in the order written)."""
    if all(row["t"] is None for row in entries):
        for i, row in enumerate(entries, start=1):
            row["t"] = i
        return entries
    for row in entries:
        if row["t"] is None:
            raise InputError(_("has no t, while other rows have one; give every row its t, or none"),
                             source=path, line=row["line"])
    where = _(" for %(param)s") % {"param": param} if several else ""
    by_t: dict[int, dict] = {}
    for row in entries:
        if row["t"] in by_t:
            raise InputError(_f("t = %(t)s appears twice%(where)s (lines %(first)s and %(second)s)", t=row["t"],
                                where=where, first=by_t[row["t"]]["line"], second=row["line"]),
                             source=path, line=row["line"])
        by_t[row["t"]] = row
    missing = next((t for t in range(1, len(by_t) + 1) if t not in by_t), None)
    if missing is not None:
        raise InputError(_f("has no row for t = %(t)s%(where)s; the steps must run 1, 2, 3, ...", t=missing,
                            where=where), source=path)
    return [by_t[t] for t in sorted(by_t)]


# --- Writing a worksheet ----------------------------------------------------------------------------------------

COLUMNS = ("t", "g", *recurrence.ORDER)


@dataclass
class Meta:
    """What a sheet says beside its numbers: its variant id and seed, the digits check asks for, and (on a sheet, not
    a key) a line for the student's name."""

    variant: str = ""
    seed: int | None = None
    sig_digits: int = 3
    name_line: bool = True
    working_space: bool = False  # room to write each step's working, under the table (a printed sheet)


def columns(settings) -> list[str]:
    """The sheet's columns: g_eff only where the recurrence uses a gradient other than g_t."""
    shown_g_eff = recurrence.Mode.of(settings).g_eff
    return [c for c in COLUMNS if c != "g_eff" or shown_g_eff]


class Exercise:
    """What a worksheet asks about, Adadelta's trace (a ``render.Report``) here; a family member's trace
    (``features/family_trace.Traced``) reads the same: its optimizer, its parameters, the quantities a step shows
    (``shown``), its rows, its settings for people and as the CSV's comment lines, its formulas."""

    optimizer, title = "adadelta", "Adadelta"

    def __init__(self, report) -> None:
        self.report, self.names = report, report.names
        self.shown = columns(report.settings)[2:]  # after t and g

    def rows(self):
        return self.report.rows()

    def settings_line(self, digits: int) -> str:
        from adadelta_cli.formats.render import settings_text

        return settings_text(self.report.settings, digits)

    def formulas(self) -> Formulas:
        return Formulas(recurrence.Mode.of(self.report.settings))

    def comments(self) -> list[str]:
        return settings_comments(self.report.settings)

    def intro(self, digits: int) -> str:
        from adadelta_cli.formats.render import settings_text

        return _("Adadelta with %(settings)s.") % {"settings": settings_text(self.report.settings, digits)}

    def states(self):
        """Each row's state before its step (E[g²]_{t−1}, E[Δx²]_{t−1}, x_{t−1}), row by row."""
        settings = self.report.settings
        start = {k: settings.get(key, 0.0) for k, key in (("eg2", "eg2_init"), ("edx2", "edx2_init"), ("x", "x0"))}
        state = {param: {k: v[p] if isinstance(v, list) else v for k, v in start.items()}
                 for p, param in enumerate(self.names)}
        for _t, param, values in self.rows():
            yield state[param]
            state[param] = {k: values[k] for k in recurrence.STATE}

    def worked(self, digits: int, notation):
        """(heading, lines) of every row's worked arithmetic, in ``notation``."""
        from adadelta_cli.formats import explain

        return explain.report_lines(self.report, digits, notation=notation)


def exercise(report):
    """``report`` as a worksheet reads it: Adadelta's Report wrapped (``Exercise``), a member's trace as it is."""
    return report if hasattr(report, "shown") else Exercise(report)


def asked(report, hide: list[str]) -> list[str]:
    """The columns the student fills in (the others are given), in the sheet's order."""
    return [c for c in exercise(report).shown if c in hide]


def title(*, answers: bool, optimizer: str = "Adadelta") -> str:
    if optimizer == "Adadelta":
        return _("Adadelta answer key") if answers else _("Adadelta worksheet")
    return (_("%(optimizer)s answer key") if answers else _("%(optimizer)s worksheet")) % {"optimizer": optimizer}


def key_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros dropped only where what is left is the value itself
    (0.0005 for 0.0005000000000000004), else kept (1.60000e-5): a key's cell always passes check's digit rule.

    >>> key_number(0.0005000000000000004, 6), key_number(1.6000001e-05, 6), key_number(-0.004467670516, 6)
    ('0.0005', '1.60000e-5', '-0.00446767')
    """
    if isinstance(value, str):  # a value a formula leaves undefined (a family's η where g_t = 0): "—"
        return value
    text = numfmt.sig(value, digits)
    if value == 0 or not np.isfinite(value) or abs(float(text) - value) <= 1e-12 * abs(value):
        return text
    mantissa, marker, exponent = format(value, f"#.{digits}g").partition("e")
    return f"{mantissa.rstrip('.')}e{int(exponent)}" if marker else mantissa.rstrip(".")


def rows(report, hide: list[str], *, answers: bool, digits: int) -> tuple[list[str], list[list[str]]]:
    """The worksheet's header and cells as written (g in full, the asked values to ``digits`` significant digits,
    trailing zeros kept where check needs them); hidden cells are blank unless this is the answer key."""
    sheet = exercise(report)
    several = len(sheet.names) > 1
    header = ["t"] + (["param"] if several else []) + ["g", *sheet.shown]
    out = []
    for t, param, values in sheet.rows():
        cells = [str(t)] + ([param] if several else []) + [numfmt.full(values["g"])]
        for name in sheet.shown:
            cells.append("" if name in hide and not answers else key_number(values[name], digits))
        out.append(cells)
    return header, out


def settings_comments(settings: dict) -> list[str]:
    """The settings as comment lines that `adadelta check` reads back."""
    def value(v):
        return ",".join(numfmt.full(u) for u in v) if isinstance(v, list) else numfmt.full(v)

    lines = [f"# {key} = {value(settings[key])}" for key in ("rho", "eps", "lr", "x0", "eg2_init", "edx2_init")]
    if settings.get("weight_decay"):
        lines += [f"# weight_decay = {value(settings['weight_decay'])}",
                  f"# weight_decay_mode = {settings['weight_decay_mode']}"]
    if settings.get("maximize"):
        lines.append("# maximize = true")
    # A framework's conventions (float32 lr, TensorFlow.js's E[g²]_{t−1}, float32 arithmetic): check computes the same.
    for key, default in (("lr_dtype", "float64"), ("rate_eg2", "current"), ("dtype", "float64")):
        if settings.get(key, default) != default:
            lines.append(f"# {key} = {settings[key]}")
    return lines


def records(report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Records:
    """The CSV that check reads back: settings, the asked columns (the others are given), variant and name lines."""
    meta = meta or Meta()
    # A key's cell carries at least the digits check asks for: the key passes its own check at any --digits.
    header, body = rows(report, hide, answers=answers, digits=max(digits, meta.sig_digits))
    sheet = exercise(report)
    what = _("every cell filled") if answers else _("fill in the blank cells, then: adadelta check THIS_FILE")
    lines = [f"# {title(answers=answers, optimizer=sheet.title)} ({what})"]
    if meta.name_line and not answers:
        lines.append("# name = ")
    if meta.variant:
        lines.append(f"# variant = {meta.variant}")
    if meta.seed is not None:
        lines.append(f"# seed = {meta.seed}")
    lines += [*sheet.comments(), f"# sig_digits = {meta.sig_digits}",
              f"# asked = {','.join(asked(report, hide))}"]
    return Records(header, body, comments=lines)
