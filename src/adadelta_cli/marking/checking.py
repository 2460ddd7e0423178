"""Marking hand calculations (and a student's own implementation): each written value against the computed one.

The judgement rule: a written value is right when it agrees with the computed value at every significant digit
written and carries at least ``sig_digits`` significant digits (trailing zeros written count), unless it is the
exact value (the article's 0.0005 is E[g²]_1 itself). Fewer digits is its own verdict, never "right"; a written 0
for a non-zero value is wrong. ``rel_tol`` is the alternative rule: within that relative distance is right.

A cell is judged twice: against the true trace, and against what the student's own earlier values imply, so
that one early slip does not mark every later cell wrong. A wrong value is first told apart from a rounding (a
truncated last digit, an earlier value rounded too soon); a slip is named only when the written value is closer to
that slip's value than to the right one. The slips are the step description's formulas (``recurrence``) with one
change each: ε left out, the roots forgotten, the fraction upside down, E[g²]_{t−1} for E[g²]_t, the update order
of TensorFlow 1.0, ε outside the roots, lr applied before the accumulator, g² accumulated into E[Δx²] ...
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException, localcontext
from typing import cast

import numpy as np

from adadelta_cli.errors import InputError, SettingsError
from adadelta_cli.formats.readers import parse_number
from adadelta_cli.formats.report import Block, Document, Heading, Para, Phrase, Records
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking import diagnosis
from adadelta_cli.marking.digits import (  # noqa: F401  (the digit rule has its own module; these names are checking's API too)
    _DECIMAL,
    GIVEN,
    RIGHT,
    RIGHT_GIVEN,
    SCORED,
    SIG_DIGITS,
    TOO_FEW,
    UNANSWERED,
    UNREADABLE,
    WRONG,
    _clean,
    _decimal,
    _judged_place,
    agrees,
    judge,
    significant_digits,
    within,
)
from adadelta_cli.maths import core
from adadelta_cli.maths import recurrence as rec
from adadelta_cli.maths.core import Settings

QUANTITIES = diagnosis.CHECKED  # the checkable quantities, in the order a step computes them
NOT_ASKED = ("-", "\u2013", "\u2014")  # a cell written "-" is not asked


def label(name: str, t: int) -> str:
    """The article's notation for a quantity at step t: E[g²]_2, η_2, E[Δx²]_1 (for edx2_prev at t = 2)."""
    if name == "edx2_prev":
        return rec.UNICODE.symbol("edx2", t, prev=True)
    return rec.UNICODE.symbol(name, t)


@dataclass
class Cell:
    """One value written by hand (or by a student's program); ``given``: filled in by the worksheet."""

    text: str
    line: int | None = None
    column: int | None = None
    given: bool = False
    error: str | None = None  # why the cell cannot be read (file:line:col: what was expected), else None
    number: float | None = None  # the value, once read

    @property
    def value(self) -> float:
        if self.number is None:
            self.number = parse_number(_clean(self.text), line=self.line, column=self.column,
                                       what=N_("a written value"))
        return self.number


@dataclass
class Verdict:
    t: int
    param: str
    name: str  # eg2, eta, ...
    written: str | None  # None: unanswered
    computed: float  # the true value
    status: str = UNANSWERED  # right | right_given | wrong | too_few | unanswered | given
    changed: bool = False  # a given cell whose value is not the one the sheet was handed out with
    own: float | None = None  # what the student's own earlier values imply, where that differs
    given: list[str] = field(default_factory=list)  # the earlier values a right_given verdict rests on
    slip: str | None = None  # the likely slip (or implementation bug)
    rounding: str | None = None  # a habit of arithmetic: truncated, rounded too early, float32; or why unreadable
    line: int | None = None
    slip_id: str | None = None  # the misconception (diagnosis.CATALOGUE) that explains a wrong cell

    @property
    def label(self) -> str:
        return label(self.name, self.t)

    @property
    def right(self) -> bool:
        return self.status in (RIGHT, RIGHT_GIVEN)

    def as_dict(self) -> dict:
        return {"t": self.t, "param": self.param, "name": self.name, "written": self.written,
                "computed": self.computed, "status": self.status, "changed": self.changed, "own": self.own,
                "given": self.given,
                "slip": self.slip, "slip_id": self.slip_id, "rounding": self.rounding, "line": self.line}


def check_rel_tol(rel_tol: float | None) -> None:
    if rel_tol is not None and not (math.isfinite(rel_tol) and rel_tol >= 0):
        raise SettingsError(_f('--rel-tol must be a finite number >= 0, got %(value)s', value=rel_tol))


def check_sig_digits(sig_digits: int) -> None:
    if not 1 <= sig_digits <= 17:
        raise SettingsError(_f('--sig-digits must be between 1 and 17, got %(value)s', value=sig_digits))


def _at_place(value: float, place: int, rounding) -> Decimal:
    with localcontext(_DECIMAL):
        return Decimal(value).quantize(Decimal(1).scaleb(place), rounding=rounding)


def _differ_at(text: str, a: float, b: float) -> bool:
    """True when a and b differ at the precision ``text`` was written with."""
    place = cast(int, _decimal(text).as_tuple().exponent)  # a finite number's: an int
    if abs(place) > 400:
        return a != b
    return _at_place(a, place, ROUND_HALF_EVEN) != _at_place(b, place, ROUND_HALF_EVEN)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- Judging a sheet --------------------------------------------------------------------------------------------

def judge_sequence(param: str, rows: list[dict], settings: Settings, initial: core.State, p: int = 0,
                   rel_tol: float | None = None, eg2_given: float | None = None,
                   sig_digits: int = SIG_DIGITS, *, last_digit: bool = False) -> list[Verdict]:
    """Parameter ``p``'s verdicts (see ``mark``)."""
    return mark({param: rows}, settings, initial, rel_tol, eg2_given, sig_digits, last_digit=last_digit, first=p)[0]


def mark(params: dict[str, list[dict]], settings: Settings, initial: core.State, rel_tol: float | None = None,
         eg2_given: float | None = None, sig_digits: int = SIG_DIGITS, *, last_digit: bool = False,
         first: int = 0) -> tuple[list[Verdict], list]:
    """Every parameter's verdicts, and the sheet's diagnosis (``diagnosis.Entry`` list, most likely first).

    The rule, for every cell: a written value is right when it agrees at every written significant digit with the
    value of the right chain (every value worked out from the start), or with the value worked out from the
    student's own written values, taken exactly as written ("right, given your ..."); with fewer than
    ``sig_digits`` significant digits (and not exact), it is too few; else wrong. ``last_digit`` also accepts ±1
    in the last written digit; ``rel_tol`` is the alternative rule (within that relative distance of either).
    A student's values (a negative E[g²], say) may make the arithmetic undefined: the verdict then says wrong,
    without numpy's warnings."""
    try:
        with np.errstate(all="ignore"):
            verdicts: list[Verdict] = []
            models: list[diagnosis.Param] = []
            wrong: list[tuple[diagnosis.Written, Verdict]] = []
            right: list[diagnosis.Written] = []
            for i, (name, rows) in enumerate(params.items()):
                p = first + i
                model = diagnosis.Param(name, rows, _for_parameter(settings, p),
                                        (float(initial.eg2[p]), float(initial.edx2[p]), float(initial.x[p])),
                                        eg2_given)
                models.append(model)
                verdicts += _judge_parameter(model, i, rel_tol, sig_digits, last_digit=last_digit, wrong=wrong,
                                             right=right)
            entries, notes = diagnosis.diagnose(models, [w for w, _v in wrong], right)
    except DecimalException:
        raise InputError(_("a written value is too large or too small to judge")) from None
    _annotate(wrong, entries, notes, models)
    return verdicts, entries


def _for_parameter(settings: Settings, p: int) -> Settings:
    """The settings of parameter ``p`` where lr or the weight decay is given one value per parameter."""
    if not getattr(settings, "per_parameter", False):
        return settings
    from dataclasses import replace

    def pick(value):
        return value[p] if isinstance(value, list) else value

    return replace(settings, lr=pick(settings.lr), weight_decay=pick(settings.weight_decay))


def _inputs_of(name: str, mode: rec.Mode) -> tuple[str, ...]:
    """The values a checked quantity is worked out from (edx2_prev is the state before the step)."""
    if name == "edx2_prev":
        return ("edx2_prev@",)
    return rec.BY_NAME[name].inputs(mode)


def _judge_parameter(model, p: int, rel_tol: float | None, sig_digits: int, *, last_digit: bool,
                     wrong: list, right: list) -> list[Verdict]:
    """Verdicts for one parameter's rows, in order of t. Each row: {"t", "g", "cells": {name: Cell}, "asked":
    the names asked in that row}. A cell not asked gets no verdict; a given cell (Cell.given) gets "given"; a
    cell that cannot be read gets "unreadable" (and is not carried on)."""
    mode = rec.Mode.of(model.settings)
    truth = diagnosis.chain(model, own=False, engine=True)
    own = diagnosis.chain(model, own=True, engine=True)
    # The written values each value rests on: those off at the digits written, and those merely rounded.
    off_prev: dict[str, list[str]] = {"eg2": [], "edx2": [], "x": [], "dx": []}
    rounded_prev = dict(off_prev)
    verdicts = []
    for step, row in enumerate(model.rows):
        t, cells = row["t"], row["cells"]
        asked = row.get("asked", set(cells))
        off: dict[str, list[str]] = {}
        rounded: dict[str, list[str]] = {}
        for name in diagnosis.CHECKED:
            if name == "g_eff" and not mode.g_eff:
                continue
            true, mine = truth[step][name], own[step][name]
            inputs = _inputs_of(name, mode)
            rests_off = _unique([o for k in inputs for o in _origin(k, off, off_prev)])
            rests_rounded = _unique([o for k in inputs for o in _origin(k, rounded, rounded_prev)])
            cell: Cell | None = cells.get(name)
            number = diagnosis.written(cell)
            if number is None or cell is None:  # (a cell not there is not written)
                off[name], rounded[name] = rests_off, rests_rounded
            else:
                off[name] = [] if number == true or agrees(cell.text, true) else [label(name, t)]
                rounded[name] = [] if number == true else [label(name, t)]
            # "right, given your ...": the written values it rests on that are off, else those rounded.
            rests_on = rests_off or rests_rounded
            if cell is None:
                if name in asked:
                    verdicts.append(Verdict(t, model.name, name, None, true, UNANSWERED))
                continue
            verdict = Verdict(t, model.name, name, cell.text, true, line=cell.line)
            verdicts.append(verdict)
            if cell.error:
                verdict.status = UNREADABLE
                verdict.rounding = cell.error
                continue
            if cell.given:
                verdict.status = GIVEN
                # Not scored; but a given value that is not the sheet's own (changed after it was handed out) is
                # said, with the value it was given as: everything after it rests on it.
                verdict.changed = judge(cell.text, true, 1, None) == WRONG
                continue
            verdict.status = judge(cell.text, true, sig_digits, rel_tol, last_digit=last_digit)
            if _decimal(cell.text).is_zero() and mine and abs(mine) <= ZERO_NOISE * _scale(own[step]["@"], inputs):
                mine = 0.0  # 0.0000494 + 0.1·(−0.000494) is 0 by hand; in doubles, a few units of rounding
            if verdict.status in (WRONG, TOO_FEW) and mine != true:
                mine_status = judge(cell.text, mine, sig_digits, rel_tol, last_digit=last_digit)
                if mine_status == RIGHT or (mine_status == TOO_FEW and verdict.status == WRONG):
                    verdict.status = RIGHT_GIVEN if mine_status == RIGHT else TOO_FEW
                    verdict.own, verdict.given = mine, rests_on
            written_text = _decimal(cell.text)
            seen = diagnosis.Written(p, step, t, name, cell.text, written_text, _judged_place(written_text))
            if verdict.status == WRONG:
                if rests_on and math.isfinite(mine) and _differ_at(cell.text, mine, true):
                    verdict.own = mine
                wrong.append((seen, verdict))
            elif agrees(cell.text, true) or agrees(cell.text, mine):
                right.append(seen)  # a hypothesis that does not explain it is contradicted by it
        off_prev = {k: off.get(k, []) for k in ("eg2", "edx2", "x", "dx")}
        rounded_prev = {k: rounded.get(k, []) for k in ("eg2", "edx2", "x", "dx")}
    return verdicts


ZERO_NOISE = 1e-14  # a value this small beside the numbers it comes from is 0 worked by hand


def _scale(values: dict, inputs: tuple[str, ...]) -> float:
    """The largest magnitude among the values a quantity is worked out from."""
    found = [abs(float(values[k])) for k in inputs if k in values and math.isfinite(float(values[k]))]
    return max(found, default=0.0)


def _origin(key: str, now: dict, before: dict) -> list[str]:
    """The written values (labels) that a value read by the formulas rests on, where they differ from the truth."""
    if key == "g":
        return []
    if key == "edx2_prev@" or key == "edx2_prev":
        return now.get("edx2_prev", before["edx2"])
    if key.endswith("_prev"):
        return before.get(key[:-5], [])
    return now.get(key, [])


def _annotate(wrong: list, entries: list, notes: dict, models: list) -> None:
    """Each wrong cell's misconception id and note: a slip (a formula or a setting changed) or a habit of
    arithmetic (truncation, early rounding, float32); a cell nothing explains gets the nearest slip, if one is
    near, as an approximation."""
    texts = {e.id: e.text for e in entries}
    for i, (w, verdict) in enumerate(wrong):
        if i in notes:
            mid, how = notes[i]
            verdict.slip_id = mid
            kind = diagnosis.BY_ID[mid].kind
            if mid == "early_rounding":  # the part rounded, where one part alone explains it
                verdict.rounding = diagnosis.rounded_part(w, models[w.param]) or how or texts.get(mid)
            elif kind == diagnosis.HABIT and mid != "power_of_ten":
                verdict.rounding = how or texts.get(mid)
            else:
                verdict.slip = how or texts.get(mid)
            continue
        verdict.slip = diagnosis.approximate(w, models[w.param])


# --- Scores -----------------------------------------------------------------------------------------------------

def summary(verdicts: list[Verdict]) -> dict:
    """Counts of each verdict and the score: one point per asked cell answered right."""
    count = {status: sum(v.status == status for v in verdicts) for status in (*SCORED, GIVEN)}
    score = count[RIGHT] + count[RIGHT_GIVEN]
    out_of = sum(count[s] for s in SCORED)
    out = {"right": score, "right_given": count[RIGHT_GIVEN], "wrong": count[WRONG], "too_few": count[TOO_FEW],
           "unanswered": count[UNANSWERED], "given": count[GIVEN], "score": score, "out_of": out_of,
           "percent": percent(score, out_of)}
    if count[UNREADABLE]:  # said where there are any (a sheet read whole has none)
        out["unreadable"] = count[UNREADABLE]
    return out


def percent(score: int, out_of: int) -> int:
    """Whole percent, rounded down (so that 199/200 is 99%, never 100%)."""
    return 100 * score // out_of if out_of else 0


def score_text(s: dict) -> str:
    """12/15 (80%)"""
    return f"{s['score']}/{s['out_of']} ({s['percent']}%)"


def all_right(verdicts: list[Verdict]) -> bool:
    s = summary(verdicts)
    return s["out_of"] > 0 and s["score"] == s["out_of"]


def summary_line(verdicts: list[Verdict]) -> str:
    """Score 12/15 (80%): 10 right (2 of them given your own earlier values), 1 wrong, ..."""
    s = summary(verdicts)
    given = _(" (%(count)d of them given your own earlier values)") % {"count": s["right_given"]} \
        if s["right_given"] else ""
    parts = [_("%(right)d right%(given)s") % {"right": s["right"], "given": given},
             _("%(count)d wrong") % {"count": s["wrong"]}]
    if s["too_few"]:
        parts.append(_("%(count)d with too few significant digits") % {"count": s["too_few"]})
    parts.append(_("%(count)d unanswered") % {"count": s["unanswered"]})
    if s.get("unreadable"):
        parts.append(_("%(count)d unreadable") % {"count": s["unreadable"]})
    return _("Score %(score)s: %(parts)s") % {"score": score_text(s), "parts": _(", ").join(parts)}


def diagnosis_line(entries: list, verdicts: list[Verdict]) -> str:
    """The sheet's diagnosis in a sentence: "Most of the wrong cells (5 of 6) follow from ρ = 0.9 (...) instead
    of 0.95; 1 from the sign: Δx_t = −η_t·g_t." ("" when nothing is wrong, or nothing explains it)."""
    if not entries:
        return ""
    total = sum(v.status == WRONG for v in verdicts)
    first, rest = entries[0], entries[1:]
    if len(first.cells) == total:  # (Phrases: each slip's symbols kept apart, for LaTeX)
        head = Phrase(_("the wrong cells follow from %(what)s"), what=first.text)
    elif 2 * len(first.cells) > total:
        head = Phrase(_("most of the wrong cells (%(count)d of %(total)d) follow from %(what)s"),
                      count=len(first.cells), total=total, what=first.text)
    else:
        parts = [Phrase(_("%(count)d from %(what)s"), count=len(e.cells), what=e.text) for e in entries]
        return Phrase(_("Diagnosis of the %(total)d wrong cells: %(parts)s."), total=total,
                      parts=Phrase.joined("; ", parts))
    tail = [Phrase(_("%(count)d from %(what)s"), count=len(e.cells), what=e.text) for e in rest]
    return Phrase(_("Diagnosis: %(text)s"), text=Phrase.joined("", [Phrase.joined("; ", [head, *tail]), "."]))


# --- Reading a worksheet ----------------------------------------------------------------------------------------

# Settings a worksheet may carry in its comment lines, as `adadelta worksheet` writes them: "# rho = 0.95".
WORKSHEET_SETTINGS = {"rho": "rho", "gamma": "rho", "eps": "eps", "lr": "lr", "x0": "x0", "eg2_init": "eg2_init",
                      "edx2_init": "edx2_init", "weight_decay": "weight_decay",
                      "weight_decay_mode": "weight_decay_mode", "maximize": "maximize", "lr_dtype": "lr_dtype",
                      "rate_eg2": "rate_eg2", "dtype": "dtype"}
# What else a worksheet's comment lines say: the columns asked (the others are given), the variant, the student.
WORKSHEET_META = ("asked", "variant", "name", "student", "sig_digits", "seed")


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


YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _short(value: str) -> str:
    from adadelta_cli.safe import one_line

    return one_line(repr(value[:41]), 40)


def _check_sheet_setting(key: str, value, path: str, line: int) -> None:
    """A setting a sheet carries (``# rho = 2``) is checked where it is written: the message names the sheet and
    its line, not an option the user never gave."""
    from adadelta_cli.errors import SettingsError
    from adadelta_cli.maths.settings import DEFAULTS, validate

    if key not in DEFAULTS:
        return
    try:
        validate({**DEFAULTS, key: value})
    except SettingsError as exc:
        raise InputError(_f("'# %(key)s': %(problem)s", key=key, problem=exc.message), source=path,
                         line=line) from None


MAX_SHEET_ROWS = 10_000  # marking takes some 32 KB and 3 ms a row: a class's sheet has tens
def _check_sheet_float32(settings: dict, lines: dict, path: str) -> None:
    """A sheet computed in float32 (``# dtype = float32``) whose own settings float32 cannot hold (``# eps = 1e-50``):
    refused naming the sheet and the setting's line."""
    from adadelta_cli.maths.settings import check_float32

    held = set()
    if settings.get("dtype") == "float32":
        held |= {"rho", "eps", "lr", "weight_decay", "x0", "eg2_init", "edx2_init"}
    if settings.get("lr_dtype") == "float32":
        held.add("lr")
    for key in sorted(held & set(settings)):
        try:
            check_float32(key, settings[key])
        except SettingsError as exc:
            raise InputError(_f("'# %(key)s': %(problem)s", key=key, problem=exc.message), source=path,
                             line=lines.get(key)) from None


WORKSHEET_LIMIT = 64 << 20  # a worksheet is read whole: a class's sheet is a few kB; /dev/zero is refused at once


def _read_bytes(path: str) -> bytes:
    from adadelta_cli.formats.readers import read_bounded, read_path

    if path == "-":  # standard input: `adadelta worksheet ... | adadelta check -`
        import sys

        stream = sys.stdin
        if stream is None:
            return b""
        if hasattr(stream, "buffer"):
            return read_bounded(stream.buffer, b"", "<stdin>", WORKSHEET_LIMIT)
        data = stream.read()
        return data.encode() if isinstance(data, str) else data
    try:
        with open(path, "rb") as handle:
            return read_bounded(handle, b"", path, WORKSHEET_LIMIT)
    except OSError:
        read_path(path)  # raises the reader's message for a missing file, a folder, ...
        raise


COMMA_DECIMAL = re.compile(r"\s*[-+\u2212≈~]?\s*\d*,\d+(?:[eE][-+]?\d+|\s*[×xX*·⋅]\s*10.*)?\s*")
COMMA_DECIMAL_NOTE = N_("read as a spreadsheet writes it in German or French: ';' between cells, ',' before the "
                        "decimals")


def _delimiter(text: str, *, decimal_comma: bool) -> str:
    """',' or ';' between the cells: ';' where the header splits into a g column by ';' and not by ','."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        by_semicolon = [c.strip().lower() for c in stripped.split(";")]
        by_comma = [c.strip().lower() for c in stripped.split(",")]
        if "g" in by_semicolon and "g" not in by_comma:
            return ";"
        return ";" if decimal_comma and ";" in stripped and "," not in stripped else ","
    return ","


def read_worksheet(path: str, *, decimal_comma: bool | None = None) -> Worksheet:
    """A worksheet CSV: a g column, optional t and param, any of the quantities filled by hand.

    Rows are judged by their t, in any order. ``# asked = eta,dx`` (as `adadelta worksheet` writes it) says which
    columns the student fills in: the cells of the other columns are given, not scored. In a sheet without it,
    every quantity column is asked, a cell written ``-`` is not, and a blank cell is unanswered.

    A written cell that cannot be read is one bad cell (``Cell.error`` says where and why): the rest is marked.
    ``decimal_comma``: ',' before the decimals (and ';' between cells, as German and French spreadsheets write
    them); None: so where every number of a ';'-separated sheet is written that way (recognised, and said in
    ``Worksheet.notes``).
    """
    from adadelta_cli.formats.readers import decode

    text = decode(_read_bytes(path), path)
    settings, meta = _sheet_comments(text, path)
    asked_columns = None
    if "asked" in meta:
        asked_columns = {c.strip().lower() for c in meta["asked"].split(",") if c.strip()}
        unknown = sorted(asked_columns - set(QUANTITIES))
        if unknown:
            raise InputError(_f("'# asked' names %(unknown)s; expected some of %(columns)s",
                                unknown=", ".join(unknown), columns=", ".join(QUANTITIES)), source=path)
    sig_digits = None
    if meta.get("sig_digits"):
        sig_digits = int(parse_number(meta["sig_digits"], source=path, what="sig_digits"))
        check_sig_digits(sig_digits)
    rows, notes = _sheet_rows(text, path, decimal_comma=decimal_comma)
    header = _sheet_header(rows[0], path)
    index = {name: header.index(name) for name in ("t", "param", "g", *QUANTITIES) if name in header}
    params: dict[str, list[dict]] = {}
    for n, cells in rows[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise InputError(_f('has %(cells)s cells, expected %(expected)s (one per header column)',
                                cells=len(cells), expected=len(header)), source=path, line=n)
        cells = cells + [""] * (len(header) - len(cells))
        name = cells[index["param"]].strip() if "param" in index else "x"
        params.setdefault(name or "x", []).append(_sheet_row(cells, n, index, asked_columns, path))
    if not params:
        raise InputError(_("has a header but no rows"), source=path)
    for name, entries in params.items():
        params[name] = _in_order(entries, name, path, several=len(params) > 1)
    if not any(row["asked"] for entries in params.values() for row in entries):
        raise InputError(_("asks for nothing: no column of g_eff, eg2, edx2_prev, eta, dx, edx2, x to fill in"),
                         source=path)
    student = meta.get("name", meta.get("student", "")).strip()
    return Worksheet(path, params, settings, header, student=student, variant=meta.get("variant", "").strip(),
                     sig_digits=sig_digits, notes=notes)


def _sheet_comments(text: str, path: str) -> tuple[dict, dict[str, str]]:
    """The settings (checked, each refusal naming its line) and the other facts (``# asked``, ``# name`` …) of a
    sheet's comment lines."""
    settings: dict = {}
    meta: dict[str, str] = {}
    setting_lines: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = _META.match(line.strip())
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in WORKSHEET_META:
            meta[key] = value
        if key not in WORKSHEET_SETTINGS:
            continue
        key = WORKSHEET_SETTINGS[key]
        settings[key] = _sheet_setting(key, value, path, n)
        _check_sheet_setting(key, settings[key], path, n)
        setting_lines[key] = n
    _check_sheet_float32(settings, setting_lines, path)
    return settings, meta


def _sheet_setting(key: str, value: str, path: str, n: int):
    """One setting as a sheet's comment line writes it."""
    if key in ("weight_decay_mode", "lr_dtype", "rate_eg2", "dtype"):
        return value.strip().lower()
    if key == "maximize":
        answer = value.strip().lower()
        if answer not in YES + NO:
            raise InputError(_f("'# maximize' is %(value)s; expected yes or no (also true/false, 1/0, on/off)",
                                value=_short(value)), source=path, line=n)
        return answer in YES
    if key in ("rho", "eps") and COMMA_DECIMAL.fullmatch(value):  # "# rho = 0,95" on a German sheet
        return parse_number(value.replace(",", "."), source=path, line=n, what=key)
    if key in ("x0", "eg2_init", "edx2_init") or (key in ("lr", "weight_decay") and "," in value):
        return [parse_number(v, source=path, line=n, what=key) for v in value.split(",")]
    return parse_number(value, source=path, line=n, what=key)


def _sheet_rows(text: str, path: str, *, decimal_comma: bool | None) -> tuple[list, list[str]]:
    """The sheet's rows as (line, cells), decimal commas made points where the sheet writes them, and the notes
    that say so."""
    from adadelta_cli.formats.readers import content_lines, csv_row

    lines = content_lines(text)
    if not lines:
        raise InputError(_("is empty; expected a worksheet: a CSV with a g column"), source=path)
    if len(lines) - 1 > MAX_SHEET_ROWS:
        raise InputError(_f("has %(count)s rows; a worksheet holds at most %(limit)s (steps × parameters), as each "
                            "is marked on its own; give a shorter sheet", count=f"{len(lines) - 1:,}",
                            limit=f"{MAX_SHEET_ROWS:,}"), source=path)
    delimiter = _delimiter(text, decimal_comma=bool(decimal_comma))
    rows = [(n, csv_row(line, path, n, delimiter)) for n, line in lines]
    notes = []
    if decimal_comma is None:
        numbers = [c for _n, cells in rows[1:] for c in cells if c.strip() and c.strip() not in NOT_ASKED]
        commas = [c for c in numbers if COMMA_DECIMAL.fullmatch(c)]
        decimal_comma = delimiter == ";" and bool(commas) and not any("." in c for c in numbers)
        if decimal_comma:
            notes.append(_(COMMA_DECIMAL_NOTE))
    if decimal_comma:
        rows = [(n, [c.replace(",", ".") if COMMA_DECIMAL.fullmatch(c) else c for c in cells]) for n, cells in rows]
    return rows, notes


def _sheet_header(row: tuple[int, list[str]], path: str) -> list[str]:
    """The header's column names, lower case: each once, g among them."""
    line, names = row
    header = [h.strip().lower() for h in names]
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(_f("the column %(name)s appears twice (columns %(first)s and %(second)s)",
                                name=repr(names[i - 1].strip()), first=seen[name], second=i),
                             source=path, line=line)
        seen[name] = i
    if "g" not in header:
        raise InputError(_f(
            'has no g column (its header is: %(header)s); expected a worksheet with the columns t, g and any of eg2, '
            'edx2_prev, eta, dx, edx2, x',
            header=', '.join(names)), source=path, line=line)
    return header


def _sheet_row(cells: list[str], n: int, index: dict[str, int], asked_columns: set[str] | None, path: str) -> dict:
    """One row: its t (if written), g, and each written cell (a bad one marked unreadable, not refused)."""
    g_col = index["g"]
    g = parse_number(cells[g_col], source=path, line=n, column=g_col + 1)
    t = None
    if "t" in index and cells[index["t"]].strip():
        t_value = parse_number(cells[index["t"]], source=path, line=n, column=index["t"] + 1, what="t")
        if t_value != int(t_value) or not 1 <= t_value <= 10**9:
            raise InputError(_f("t must be a whole number from 1, got %(value)s", value=repr(cells[index["t"]])),
                             source=path, line=n, column=index["t"] + 1)
        t = int(t_value)
    written, asked = {}, set()
    for q in QUANTITIES:
        if q not in index:
            continue
        raw = cells[index[q]].strip()
        if raw in NOT_ASKED:
            continue
        given = asked_columns is not None and q not in asked_columns
        if not given:
            asked.add(q)
        if not raw:
            continue
        cell = Cell(cells[index[q]], n, index[q] + 1, given=given)
        try:
            cell.value  # noqa: B018  (parse now, so a bad cell is reported with its place)
            significant_digits(cell.text)
        except InputError as exc:  # one bad cell: marked unreadable, the rest of the sheet is marked
            exc.source, exc.line, exc.column = path, n, index[q] + 1
            cell.error, cell.number = str(exc), None
        written[q] = cell
    return {"t": t, "g": g, "line": n, "cells": written, "asked": asked}


def who_wrote(path: str) -> tuple[str, str]:
    """(student, variant) as a sheet's comment lines say them, read as far as they can be: the gradebook row of a
    sheet that cannot be marked still carries the student's name."""
    from adadelta_cli.errors import AdadeltaError
    from adadelta_cli.formats.readers import decode

    try:
        text = decode(_read_bytes(path), path)
    except (AdadeltaError, OSError):
        return "", ""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _META.match(line.strip())
        if m and m.group(1).lower() in WORKSHEET_META:
            meta.setdefault(m.group(1).lower(), m.group(2))
    return meta.get("name", meta.get("student", "")).strip(), meta.get("variant", "").strip()


_META = re.compile(r"#\s*([A-Za-z_0-9]+)\s*[=:]\s*(.*)")  # one pass over the line, whatever its length


def _in_order(entries: list[dict], param: str, path: str, *, several: bool) -> list[dict]:
    """A parameter's rows sorted by t (rows without t follow in the order written); each t once, none missing."""
    numbered = [row for row in entries if row["t"] is not None]
    if not numbered:
        for i, row in enumerate(entries, start=1):
            row["t"] = i
        return entries
    if len(numbered) != len(entries):
        row = next(row for row in entries if row["t"] is None)
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
    ordered = sorted(by_t)
    expected = list(range(1, len(ordered) + 1))
    if ordered != expected:
        missing = next(t for t in expected if t not in by_t)
        raise InputError(_f("has no row for t = %(t)s%(where)s; the steps must run 1, 2, 3, ...", t=missing,
                            where=where), source=path)
    return [by_t[t] for t in ordered]


def mark_worksheet(sheet: Worksheet, resolved, rel_tol: float | None = None, sig_digits: int | None = None,
                   *, last_digit: bool = False) -> tuple[list[Verdict], list]:
    """Every asked (and given) cell of every parameter, steps in order of t, and the sheet's diagnosis."""
    initial = resolved.initial(len(sheet.params))
    digits = sig_digits or sheet.sig_digits or SIG_DIGITS
    return mark(sheet.params, resolved.settings, initial, rel_tol, sig_digits=digits, last_digit=last_digit)


def check_worksheet(sheet: Worksheet, resolved, rel_tol: float | None = None, sig_digits: int | None = None,
                    *, last_digit: bool = False) -> list[Verdict]:
    """Every asked (and given) cell's verdict (``mark_worksheet`` gives the diagnosis too)."""
    return mark_worksheet(sheet, resolved, rel_tol, sig_digits, last_digit=last_digit)[0]


EXPECT_NAMES = {"eg2": "eg2", "e[g²]": "eg2", "e[g^2]": "eg2", "edx2": "edx2", "e[δx²]": "edx2",
                "e[dx^2]": "edx2", "edx2_prev": "edx2_prev", "g_eff": "g_eff", "eta": "eta", "η": "eta", "dx": "dx",
                "δx": "dx", "x": "x"}


def parse_expectations(items: list[str]) -> list[tuple[str, Cell]]:
    """--expect NAME=VALUE items as (name, cell) to judge, in the order given (a name may come more than once)."""
    cells: list[tuple[str, Cell]] = []
    for item in items:
        name, sep, value = item.partition("=")
        key = EXPECT_NAMES.get(name.strip().lower())
        if not sep or key is None:
            raise InputError(_f(
                '--expect %(item)s: expected NAME=VALUE with NAME one of g_eff, eg2, eta, dx, edx2, x, edx2_prev (e.g. '
                '--expect dx=-0.0201)',
                item=_short(item)))
        cell = Cell(value, column=None)
        try:
            cell.value  # noqa: B018  (parse now, to report a bad value with its option)
            significant_digits(cell.text)
        except InputError as exc:
            raise InputError(_f('--expect %(item)s: %(message)s', item=_short(item), message=exc.message)) from None
        cells.append((key, cell))
    return cells


def judge_expectations(g: float, t: int, expectations: list[tuple[str, Cell]], settings: Settings,
                       state: core.State, rel_tol: float | None, eg2_given: float | None,
                       sig_digits: int = SIG_DIGITS) -> list[Verdict]:
    """Verdicts for step --expect, one per item: each value of a repeated name is judged on its own."""
    first: dict[str, Cell] = {}
    for name, cell in expectations:
        first.setdefault(name, cell)
    verdicts = []
    for name, cell in expectations:
        cells = {**first, name: cell}
        row = {"t": t, "g": g, "cells": cells, "asked": set(cells)}
        verdicts += [v for v in judge_sequence("x", [row], settings, state, 0, rel_tol, eg2_given, sig_digits)
                     if v.name == name]
    return verdicts


# --- Marked sheets: reports and the gradebook -------------------------------------------------------------------

@dataclass
class Marked:
    """One sheet marked (or the reason it could not be read)."""

    source: str
    settings: dict = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    student: str = ""
    variant: str = ""
    error: str | None = None
    diagnosis: list = field(default_factory=list)  # diagnosis.Entry, most likely first (empty: nothing wrong)
    notes: list[str] = field(default_factory=list)  # what was said of the sheet as read (comma decimals, ...)

    def shown(self, *, only_wrong: bool = False) -> list[Verdict]:
        """The verdicts a report lists: the asked cells (with ``only_wrong``, those not right)."""
        return [v for v in self.verdicts if (v.status != GIVEN or v.changed) and not (only_wrong and v.right)]

    def as_dict(self, *, only_wrong: bool = False) -> dict:
        return {"file": self.source, "student": self.student, "variant": self.variant, "settings": self.settings,
                "summary": summary(self.verdicts), "diagnosis": [e.as_dict() for e in self.diagnosis],
                "notes": self.notes,
                "cells": [v.as_dict() for v in self.verdicts if not (only_wrong and (v.right or v.status == GIVEN))]}


def sheet_paths(items: list[str]) -> list[str]:
    """FILE_OR_DIR arguments as worksheet paths: a folder gives its *.csv files (not its subfolders), sorted."""
    from pathlib import Path

    paths = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()
                           and not p.name.startswith("."))
            if not found:
                raise InputError(_("is a folder with no .csv worksheet in it"), source=item)
            paths += found
        else:
            paths.append(item)
    return paths


def who_line(m: Marked) -> str:
    """Who wrote the sheet and which variant it is (as written: each writer escapes it for its format)."""
    parts = []
    if m.student:
        parts.append(Phrase(_("student: %(name)s"), name=m.student))
    if m.variant:
        parts.append(Phrase(_("variant %(id)s"), id=m.variant))
    return Phrase.joined(", ", parts)


def document(marked: list[Marked], *, only_wrong: bool = False, digits: int = 6) -> Document:
    """check's report for people: for each sheet read, its settings, the verdicts of its asked cells (with
    ``only_wrong``, those not right) and its score."""
    from adadelta_cli.formats import render

    blocks: list[Block] = []
    for m in marked:
        if m.error is not None:
            continue
        if blocks:
            blocks.append("")  # a blank line between one sheet and the next
        blocks += [Heading(Phrase(_("Checking %(source)s"), source=m.source)),
                   Para(render.settings_text(m.settings, digits))]
        if m.student or m.variant:
            blocks.append(Para(who_line(m)))
        for note in m.notes:
            blocks.append(Para(note))
        if m.diagnosis:
            blocks.append(Para(diagnosis_line(m.diagnosis, m.verdicts)))
        shown = m.shown(only_wrong=only_wrong)
        if shown:
            blocks.append(render.verdict_table(shown, digits, several=len({v.param for v in m.verdicts}) > 1))
        blocks.append(Para(summary_line(m.verdicts), strong=True))
    return Document(_("Marked worksheets"), blocks,
                    words=tuple(t for m in marked for t in (m.source, m.student, m.variant)))


CSV_COLUMNS = ("file", "student", "variant", "t", "param", "quantity", "written", "verdict", "computed", "own",
               "slip", "rounding", "slip_id")


def records(marked: list[Marked], *, only_wrong: bool = False) -> Records:
    """check's report for machines: CSV, one row per asked cell of every sheet read; JSON, one sheet's object (or
    ``{"sheets": [...]}`` for several)."""
    read = [m for m in marked if m.error is None]
    docs = [m.as_dict(only_wrong=only_wrong) for m in read]
    rows = ([m.source, m.student, m.variant, v.t, v.param, v.name, v.written or "", v.status, v.computed, v.own,
             v.slip or "", v.rounding or "", v.slip_id or ""] for m in read for v in m.shown(only_wrong=only_wrong))
    return Records(list(CSV_COLUMNS), rows, spreadsheet=True,
                   document=docs[0] if len(marked) == 1 and docs else {"sheets": docs})


GRADEBOOK_COLUMNS = ("file", "student", "variant", "right", "wrong", "too_few", "unanswered", "unreadable", "score",
                     "out_of",
                     "percent", "diagnosis", "diagnosis_text", "error")


def gradebook(marked: list[Marked]) -> Records:
    """One row per sheet: who, which variant, the counts, the score and the diagnosis (ids joined by ';', and in
    words); or, for a sheet that could not be read, who (where it says) and why."""
    def rows():
        for m in marked:
            if m.error is not None:
                yield [m.source, m.student, m.variant] + [None] * 10 + [m.error]
                continue
            s = summary(m.verdicts)
            yield [m.source, m.student, m.variant, s["right"], s["wrong"], s["too_few"], s["unanswered"],
                   s.get("unreadable", 0), s["score"],
                   s["out_of"], s["percent"], ";".join(e.id for e in m.diagnosis),
                   " | ".join(e.text for e in m.diagnosis), None]

    return Records(list(GRADEBOOK_COLUMNS), rows(), spreadsheet=True)
