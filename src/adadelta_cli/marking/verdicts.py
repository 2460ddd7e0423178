"""Each written cell's verdict: judged by the digit rule (``digits``) against the right chain, and against what the
student's own earlier written values imply, so that one early slip does not mark every later cell wrong; then each
wrong cell given the slip (``diagnosis``) or the habit of arithmetic that explains it. ``step --expect`` too."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException, localcontext
from typing import cast

import numpy as np

from adadelta_cli.errors import InputError, SettingsError
from adadelta_cli.formats.cells import parse_number, shown
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking import diagnosis
from adadelta_cli.marking.digits import (
    DECIMAL,
    GIVEN,
    RIGHT,
    RIGHT_GIVEN,
    SIG_DIGITS,
    TOO_FEW,
    UNANSWERED,
    UNREADABLE,
    WRONG,
    agrees,
    as_decimal,
    clean,
    judge,
    judged_place,
    significant_digits,
)
from adadelta_cli.marking.replay import CHECKED, Param, Written, chain, rounded_part, written
from adadelta_cli.marking.slips import BY_ID, HABIT
from adadelta_cli.maths import core, notation
from adadelta_cli.maths import recurrence as rec
from adadelta_cli.maths.core import Settings

ZERO_NOISE = 1e-14  # a value this small beside the numbers it comes from is 0 worked by hand
CARRIED = ("eg2", "edx2", "x", "dx")  # the values a step hands the next


def label(name: str, t: int) -> str:
    """The article's notation for a quantity at step t: E[g²]_2, η_2, E[Δx²]_1 (for edx2_prev at t = 2)."""
    if name == "edx2_prev":
        return notation.UNICODE.symbol("edx2", t, prev=True)
    return notation.UNICODE.symbol(name, t)


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
            self.number = parse_number(clean(self.text), line=self.line, column=self.column,
                                       what=N_("a written value"))
        return self.number


@dataclass
class Verdict:
    t: int
    param: str
    name: str  # eg2, eta, ...
    written: str | None  # None: unanswered
    computed: float  # the true value
    status: str = UNANSWERED  # right | right_given | wrong | too_few | unanswered | given | unreadable
    changed: bool = False  # a given cell whose value is not the one the sheet was handed out with
    own: float | None = None  # what the student's own earlier values imply, where that differs
    given: list[tuple[str, int]] = field(default_factory=list)  # (quantity, t) a right_given verdict rests on
    slip: str | None = None  # the likely slip (or implementation bug)
    slip_id: str | None = None  # the misconception (slips.CATALOGUE) that explains a wrong cell
    rounding: str | None = None  # a habit of arithmetic: truncated, rounded too early, float32; or why unreadable
    line: int | None = None

    @property
    def right(self) -> bool:
        return self.status in (RIGHT, RIGHT_GIVEN)

    def as_dict(self) -> dict:
        """The verdict for machines: ``given`` as the article's notation (["E[g²]_2", "η_2"])."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"given": [label(*g) for g in self.given]}


def check_rel_tol(rel_tol: float | None) -> None:
    if rel_tol is not None and not (math.isfinite(rel_tol) and rel_tol >= 0):
        raise SettingsError(_f('--rel-tol must be a finite number >= 0, got %(value)s', value=rel_tol))


def check_sig_digits(sig_digits: int | None) -> None:
    if sig_digits is not None and not 1 <= sig_digits <= 17:
        raise SettingsError(_f('--sig-digits must be between 1 and 17, got %(value)s', value=sig_digits))


def _differ_at(text: str, a: float, b: float) -> bool:
    """True when a and b differ at the precision ``text`` was written with."""
    place = cast(int, as_decimal(text).as_tuple().exponent)  # a finite number's: an int
    if abs(place) > 400:
        return a != b
    with localcontext(DECIMAL):
        unit = Decimal(1).scaleb(place)
        return Decimal(a).quantize(unit, ROUND_HALF_EVEN) != Decimal(b).quantize(unit, ROUND_HALF_EVEN)


# --- Judging a sheet --------------------------------------------------------------------------------------------

def mark(params: dict[str, list[dict]], settings: Settings, initial: core.State, rel_tol: float | None = None,
         eg2_given: float | None = None, sig_digits: int = SIG_DIGITS, *,
         last_digit: bool = False) -> tuple[list[Verdict], list]:
    """Every parameter's verdicts, and the sheet's diagnosis (``diagnosis.Entry`` list, most likely first).

    A written value is right when it agrees at every written significant digit with the right chain, or with the
    value worked out from the student's own written values taken exactly as written ("right, given your ...");
    with fewer than ``sig_digits`` significant digits (and not exact), too few; else wrong. ``last_digit`` also
    accepts ±1 in the last written digit; ``rel_tol`` is the alternative rule. Arithmetic a student's values make
    undefined (a negative E[g²]) gives wrong, without numpy's warnings."""
    judging = functools.partial(judge, sig_digits=sig_digits, rel_tol=rel_tol, last_digit=last_digit)
    try:
        with np.errstate(all="ignore"):
            verdicts: list[Verdict] = []
            models: list[Param] = []
            wrong: list[tuple[Written, Verdict]] = []
            right: list[Written] = []
            for p, (name, rows) in enumerate(params.items()):
                models.append(Param(name, rows, _for_parameter(settings, p),
                                    (float(initial.eg2[p]), float(initial.edx2[p]), float(initial.x[p])), eg2_given))
                verdicts += _judge_parameter(models[-1], p, judging, wrong=wrong, right=right)
            entries, notes = diagnosis.diagnose(models, [w for w, _v in wrong], right)
    except DecimalException:
        raise InputError(_("a written value is too large or too small to judge")) from None
    _annotate(wrong, entries, notes, models)
    return verdicts, entries


def _for_parameter(settings: Settings, p: int) -> Settings:
    """The settings of parameter ``p`` where lr or the weight decay is given one value per parameter."""
    if not getattr(settings, "per_parameter", False):
        return settings

    def pick(value):
        return value[p] if isinstance(value, list) else value

    return replace(settings, lr=pick(settings.lr), weight_decay=pick(settings.weight_decay))


def _inputs_of(name: str, mode: rec.Mode) -> tuple[str, ...]:
    """The values a checked quantity is worked out from (edx2_prev is the state before the step)."""
    if name == "edx2_prev":
        return ("edx2_prev@",)
    return rec.BY_NAME[name].inputs(mode)


def _judge_parameter(model: Param, p: int, judging, *, wrong: list, right: list) -> list[Verdict]:
    """Verdicts for one parameter's rows, in order of t. Each row: {"t", "g", "cells": {name: Cell}, "asked":
    the names asked in that row}. A cell not asked gets no verdict; a given cell (Cell.given) gets "given"; a
    cell that cannot be read gets "unreadable" (and is not carried on)."""
    mode = rec.Mode.of(model.settings)
    truth = chain(model, own=False, engine=True)
    own = chain(model, own=True, engine=True)
    # The written values each value rests on: those off at the digits written, and those merely rounded.
    off_prev: dict[str, list[tuple[str, int]]] = {k: [] for k in CARRIED}
    rounded_prev = dict(off_prev)
    verdicts = []
    for step, row in enumerate(model.rows):
        t, cells = row["t"], row["cells"]
        asked = row.get("asked", set(cells))
        off: dict[str, list[tuple[str, int]]] = {}
        rounded: dict[str, list[tuple[str, int]]] = {}
        for name in CHECKED:
            if name == "g_eff" and not mode.g_eff:
                continue
            true, inputs = truth[step][name], _inputs_of(name, mode)
            rests_off = list(dict.fromkeys(o for k in inputs for o in _origin(k, off, off_prev)))
            rests_rounded = list(dict.fromkeys(o for k in inputs for o in _origin(k, rounded, rounded_prev)))
            cell: Cell | None = cells.get(name)
            number = written(cell)
            if number is None or cell is None:  # (a cell not there is not written)
                off[name], rounded[name] = rests_off, rests_rounded
            else:
                off[name] = [] if number == true or agrees(cell.text, true) else [(name, t)]
                rounded[name] = [] if number == true else [(name, t)]
            if cell is None:
                if name in asked:
                    verdicts.append(Verdict(t, model.name, name, None, true, UNANSWERED))
                continue
            verdicts.append(Verdict(t, model.name, name, cell.text, true, line=cell.line))
            # "right, given your ...": the written values it rests on that are off, else those rounded.
            is_wrong = _judge_cell(verdicts[-1], cell, own[step][name], _scale(own[step]["@"], inputs),
                                   rests_off or rests_rounded, judging)
            if is_wrong is not None:
                place = as_decimal(cell.text)
                seen = Written(p, step, t, name, cell.text, place, judged_place(place))
                (wrong.append((seen, verdicts[-1])) if is_wrong else right.append(seen))
        off_prev = {k: off.get(k, []) for k in CARRIED}
        rounded_prev = {k: rounded.get(k, []) for k in CARRIED}
    return verdicts


def _judge_cell(verdict: Verdict, cell: Cell, mine: float, scale: float, rests_on: list[tuple[str, int]],
                judging) -> bool | None:
    """``verdict``'s status: True where the cell is wrong, False where its digits agree with a chain (a hypothesis
    that does not explain it is contradicted by it), None where it tells the diagnosis nothing."""
    true = verdict.computed
    if cell.error:
        verdict.status, verdict.rounding = UNREADABLE, cell.error
        return None
    if cell.given:
        # Not scored; but a given value that is not the sheet's own (changed after it was handed out) is said,
        # with the value it was given as: everything after it rests on it.
        verdict.status, verdict.changed = GIVEN, judge(cell.text, true, 1, None) == WRONG
        return None
    verdict.status = judging(cell.text, true)
    if as_decimal(cell.text).is_zero() and mine and abs(mine) <= ZERO_NOISE * scale:
        mine = 0.0  # 0.0000494 + 0.1·(−0.000494) is 0 by hand; in doubles, a few units of rounding
    if verdict.status in (WRONG, TOO_FEW) and mine != true:
        mine_status = judging(cell.text, mine)
        if mine_status == RIGHT or (mine_status == TOO_FEW and verdict.status == WRONG):
            verdict.status = RIGHT_GIVEN if mine_status == RIGHT else TOO_FEW
            verdict.own, verdict.given = mine, rests_on
    if verdict.status == WRONG:
        if rests_on and math.isfinite(mine) and _differ_at(cell.text, mine, true):
            verdict.own = mine
        return True
    return False if agrees(cell.text, true) or agrees(cell.text, mine) else None


def _scale(values: dict, inputs: tuple[str, ...]) -> float:
    """The largest magnitude among the values a quantity is worked out from."""
    found = [abs(float(values[k])) for k in inputs if k in values and math.isfinite(float(values[k]))]
    return max(found, default=0.0)


def _origin(key: str, now: dict, before: dict) -> list[tuple[str, int]]:
    """The written values, as (quantity, t), that a value read by the formulas rests on, where they differ from the
    truth."""
    if key == "g":
        return []
    if key in ("edx2_prev@", "edx2_prev"):
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
        if i not in notes:
            verdict.slip = diagnosis.approximate(w, models[w.param])
            continue
        mid, how = notes[i]
        verdict.slip_id = mid
        if mid == "early_rounding":  # the part rounded, where one part alone explains it
            verdict.rounding = rounded_part(w, models[w.param]) or how or texts.get(mid)
        elif BY_ID[mid].kind == HABIT and mid != "power_of_ten":
            verdict.rounding = how or texts.get(mid)
        else:
            verdict.slip = how or texts.get(mid)


def mark_worksheet(sheet, resolved, rel_tol: float | None = None, sig_digits: int | None = None,
                   *, last_digit: bool = False) -> tuple[list[Verdict], list]:
    """Every asked (and given) cell of a ``sheet.Worksheet``, steps in order of t, and the sheet's diagnosis."""
    initial = resolved.initial(len(sheet.params))
    digits = sig_digits or sheet.sig_digits or SIG_DIGITS
    return mark(sheet.params, resolved.settings, initial, rel_tol, sig_digits=digits, last_digit=last_digit)


# --- step --expect ----------------------------------------------------------------------------------------------

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
                item=shown(item, 40)))
        cell = Cell(value, column=None)
        try:
            cell.value  # noqa: B018  (parse now, to report a bad value with its option)
            significant_digits(cell.text)
        except InputError as exc:
            raise InputError(_f('--expect %(item)s: %(message)s', item=shown(item, 40), message=exc.message)) from None
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
        verdicts += [v for v in mark({"x": [row]}, settings, state, rel_tol, eg2_given, sig_digits)[0]
                     if v.name == name]
    return verdicts
