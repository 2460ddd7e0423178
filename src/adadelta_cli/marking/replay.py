"""A sheet replayed: each step's values worked out by a (changed) description, from scratch and from the student's
own written values taken exactly as written, and which written cells each replay explains.

A cell is *explained* when its written digits agree with either chain (or follow from it by a habit of arithmetic:
a truncation, a power of ten, float32).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any, cast

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.i18n import _
from adadelta_cli.marking.digits import DECIMAL, agrees_at
from adadelta_cli.marking.slips import BY_ID, FLOAT32_ULPS, HABIT, Hypothesis, formula, formulas, replace_nodes, rounder
from adadelta_cli.maths import arith, core, notation, tree
from adadelta_cli.maths import recurrence as rec

# The quantities a sheet can hold, in the order a step works them out: the description's, with E[Δx²]_{t−1} (the
# state the step starts from) after the gradient in use.
CHECKED = ("g_eff", "edx2_prev") + tuple(name for name in rec.ORDER if name != "g_eff")


@dataclass
class Param:
    """One parameter's rows as marking sees them: g_t, the written values (as floats) and their texts."""

    name: str
    rows: list  # {"t", "g", "cells": {name: Cell}, ...}
    settings: core.Settings
    initial: tuple[float, float, float]  # E[g²]_0, E[Δx²]_0, x_0
    eg2_given: float | None = None
    cache: dict = field(default_factory=dict, repr=False)  # the right formulas' chains and each replay, once


def written(cell) -> float | None:
    """A cell's value where it is read and may be carried on (an unreadable cell is not)."""
    if cell is None or getattr(cell, "error", None):
        return None
    return cell.number


def chain(p: Param, *, own: bool, trees: dict | None = None, settings=None, rounding=None,
          engine: bool = False, slip: tuple | None = None) -> list[dict]:
    """Each step's values as worked out by the description (``trees`` replacing some formulas, ``settings`` some
    settings, ``rounding`` applied to every intermediate result): ``own`` carries the student's written values,
    exactly as written, in place of those worked out; else everything from scratch. ``engine``: the right
    formulas computed by the engine's own functions in the settings' dtype (the same bits as ``trace``).
    ``slip``: (step index, quantity, factor): that one value off by a power of ten, and carried on.

    Each step's entry maps every checked quantity to the value worked out *before* a written one replaces it."""
    plain = trees is None and settings is None and rounding is None and slip is None
    key = ("own" if own else "scratch", engine) if plain else None
    if key is not None and key in p.cache:
        return p.cache[key]
    s = settings or p.settings
    mode = rec.Mode.of(s)
    trees = trees or {}
    hyper = rec.hyper_values(s)
    steps = [(q, trees.get(q.name) or formula(q.name, mode), q.inputs(mode)) for q in rec.quantities(mode)]
    ops = (s.ops() if isinstance(s, core.Settings) else arith.arithmetic(s.dtype)) if engine else None
    eg2, edx2, x = p.initial
    dx = 0.0
    out: list[dict[str, Any]] = []
    for row in p.rows:
        cells = row["cells"] if own else {}
        v = {**hyper, "g": row["g"], "eg2_prev": eg2, "edx2_prev": edx2, "x_prev": x, "dx_prev": dx}
        worked: dict[str, Any] = {
            "edx2_prev": tree.evaluate(trees["edx2_prev"], v, rounding) if "edx2_prev" in trees else edx2}
        w = written(cells.get("edx2_prev"))
        v["edx2_prev"] = worked["edx2_prev"] if w is None else w
        for q, formula_tree, inputs in steps:
            name = q.name
            if name == "eg2" and p.eg2_given is not None:
                value = p.eg2_given
            elif ops is not None and name not in trees:  # (ops: with engine)
                value = float(q.compute(*(ops.cast([v[k]]) for k in inputs), settings=s, ops=ops)[0])
            else:
                value = tree.evaluate(formula_tree, v, rounding)
            if slip is not None and slip[0] == len(out) and slip[1] == name:
                value *= slip[2]
            worked[name] = value
            w = written(cells.get(name))
            v[name] = value if w is None else w
        if "g_eff" not in worked:
            worked["g_eff"] = v["g_eff"] = row["g"]
        worked["@"] = v  # every value the step's formulas read, as carried
        out.append(worked)
        eg2, edx2, x, dx = v["eg2"], v["edx2"], v["x"], v["dx"]
    if key is not None:
        p.cache[key] = out
    return out


# --- When a written value is explained --------------------------------------------------------------------------

def truncated_to(written_text: Decimal, value: float) -> tuple[Decimal, Decimal] | None:
    """(cut, rounded) when ``value`` cut off at the written place is what was written and rounded it is not."""
    if not math.isfinite(value) or written_text.is_zero():
        return None
    place = cast(int, written_text.as_tuple().exponent)  # a finite number's: an int
    if abs(place) > 400:
        return None
    with localcontext(DECIMAL):
        cut = Decimal(value).quantize(Decimal(1).scaleb(place), rounding=ROUND_DOWN)
        rounded = Decimal(value).quantize(Decimal(1).scaleb(place), rounding=ROUND_HALF_EVEN)
    return (cut, rounded) if cut == written_text and rounded != written_text else None


def truncated_text(written_text: Decimal, value: float) -> str | None:
    """"truncated: 0.0020; rounded it is 0.0021" where ``value`` cut off at the written place is what was written."""
    cut = truncated_to(written_text, value)
    return None if cut is None else _("truncated: %(written)s; rounded it is %(rounded)s") % {
        "written": _show(cut[0]), "rounded": _show(cut[1])}


def ten_text(k: int) -> str:
    """A value written 10× (k = 1) or 1/10 (k = −1) of what it should be."""
    times = _("%(factor)d× the value") % {"factor": 10} if k > 0 else _("1/%(factor)d of the value") % {"factor": 10}
    return _("a power-of-ten slip (%(times)s)") % {"times": times}


def _ulp32(value: float) -> float:
    if not value or not math.isfinite(value):
        return 0.0
    return 2.0 ** (math.frexp(abs(value))[1] - 24)


def near32(written_text: Decimal, place: int, value: float) -> bool:
    """Within FLOAT32_ULPS float32 units of ``value``, at the digits written."""
    if not math.isfinite(value) or written_text.is_zero():
        return False
    with localcontext(DECIMAL):
        bound = Decimal(5).scaleb(place - 1) + Decimal(FLOAT32_ULPS * _ulp32(value))
        return abs(Decimal(value) - written_text) <= bound


@dataclass
class Written:
    """A cell the diagnosis looks at: where it is, what was written (as a decimal, judged at ``place``)."""

    param: int
    step: int  # index into the parameter's rows
    t: int
    name: str
    text: str
    decimal: Decimal
    place: int


class Sheet:
    """The wrong cells of a sheet (then the right ones) and each hypothesis's replay of them, worked out once:
    ``explained``, the wrong cells it explains (index into ``wrong``) -> a note on how ("" for plain agreement);
    ``contradicted``, how many cells the right formulas explain it does not (the student's own right values refute
    it); ``misfit``, how far the cells it explains lie from its values in units of their last written digit (the
    closer fit wins between two that explain the same cells)."""

    def __init__(self, params: list[Param], wrong: list[Written], right: list[Written]) -> None:
        self.params, self.wrong = params, wrong
        self.cells = wrong + right  # index i < len(wrong) is a wrong cell
        self.by_param: dict[int, list[int]] = {}
        for i, w in enumerate(self.cells):
            self.by_param.setdefault(w.param, []).append(i)
        self.notes: dict[Hypothesis, tuple[dict, int, float]] = {}  # (a Hypothesis is its ids and changes)

    def explained(self, h: Hypothesis) -> dict[int, str]:
        return self._scored(h)[0]

    def contradicted(self, h: Hypothesis) -> int:
        return self._scored(h)[1]

    def misfit(self, h: Hypothesis) -> float:
        return self._scored(h)[2]

    def _scored(self, h: Hypothesis) -> tuple[dict, int, float]:
        if h not in self.notes:
            self.notes[h] = self._work_out(h)
        return self.notes[h]

    def _work_out(self, h: Hypothesis) -> tuple[dict, int, float]:
        found: dict[int, str] = {}
        n_wrong = len(self.wrong)
        if h.value("early_rounding") == ("part", 0):  # one part of a formula rounded: a cell at a time
            if len(h.ids) == 1:
                for i, w in enumerate(self.wrong):
                    note = rounded_part(w, self.params[w.param])
                    if note is not None:
                        found[i] = note
            return found, 0, 0.5 * len(found)
        contradicted, misfit = 0, 0.0
        for pi, indices in self.by_param.items():
            replay = replayed(h, self.params[pi], pi)
            if replay is None:
                return {}, 0, 0.0
            chains, habits = replay
            for i in indices:
                w = self.cells[i]
                values = [c[w.step][w.name] for c in chains]
                note = _explains(w, values, habits)
                if i < n_wrong and note is not None:
                    found[i] = note
                    misfit += min(_units_off(w, v) for v in values) if note == "" else 0.5
                elif i >= n_wrong and note is None:
                    contradicted += 1
        return found, contradicted, round(misfit, 2)  # a closer fit by float noise alone is no closer


def replayed(h: Hypothesis, p: Param, p_index: int = 0):
    """The chains a hypothesis predicts for one parameter (from scratch and from the written values), and the
    habits it allows; None where it changes nothing in this parameter's mode. Worked out once."""
    key = ("replay", h.ids, h.changes, p_index)
    if key not in p.cache:
        p.cache[key] = _replayed(h, p, p_index)
    return p.cache[key]


def _replayed(h: Hypothesis, p: Param, p_index: int):
    s = p.settings
    mode = rec.Mode.of(s)
    lr_matters = bool(np.any(np.asarray(s.lr_value) != 1))
    trees = formulas(h, mode, lr_matters=lr_matters)
    if trees is None:
        return None
    settings = s
    try:
        if "wrong_rho" in h.ids:
            settings = replace(settings, rho=h.value("wrong_rho"))
        if "wrong_eps" in h.ids:
            settings = replace(settings, eps=h.value("wrong_eps"))
    except Exception:  # noqa: BLE001  (a fitted value the settings refuse is no hypothesis)
        return None
    rounding = rounder(h.value("early_rounding")) if h.value("early_rounding") else None
    slip = h.value("power_of_ten")  # (parameter, step, quantity, factor): one value slipped, carried on
    if slip is not None and slip[0] != p_index:
        slip = None
    with np.errstate(all="ignore"):
        try:
            chains = [chain(p, own=True, trees=trees, settings=settings, rounding=rounding,
                            slip=slip and slip[1:]),
                      chain(p, own=False, trees=trees, settings=settings, rounding=rounding,
                            slip=slip and slip[1:])]
        except (ArithmeticError, ValueError):
            return None
    habits = {mid for mid in h.ids if BY_ID[mid].kind == HABIT and mid != "early_rounding"
              and not (mid == "power_of_ten" and h.value(mid) is not None)}
    return chains, habits


def _explains(w: Written, values: list[float], habits: set) -> str | None:
    """How ``w`` follows from one of ``values`` under ``habits`` (None: it does not): "" for plain agreement."""
    for value in values:
        if agrees_at(w.decimal, w.place, value):
            return ""
    if "truncation" in habits:
        for value in values:
            text = truncated_text(w.decimal, value)
            if text:
                return text
    if "power_of_ten" in habits:
        for value in values:
            for k in (1, -1):
                if agrees_at(w.decimal, w.place, value * 10.0 ** k):
                    return ten_text(k)
    if "float32" in habits:
        for value in values:
            if near32(w.decimal, w.place, value):
                return _("float32 arithmetic: %(value)s in float64") % {"value": numfmt.sig(value, 9)}
    return None


def _units_off(w: Written, value: float) -> float:
    """|written − value| in units of the written value's last judged digit."""
    if not math.isfinite(value):
        return math.inf
    with localcontext(DECIMAL):
        return float(abs(Decimal(value) - w.decimal).scaleb(-w.place))


def _show(value: Decimal) -> str:
    return format(value, "f") if -12 <= value.adjusted() <= 12 else format(value, "e")



def _subtrees(node: tree.Node):
    """Every part of a formula that holds a quantity of the step (not only constants)."""
    if not tree.constant(node):
        yield node
    for child in tree.children(node):
        yield from _subtrees(child)


@functools.cache
def _with_part(whole: tree.Node, part: tree.Node) -> tree.Node:
    """``whole`` with ``part`` read from the value ``@part`` (compiled once, whatever it is rounded to)."""
    return replace_nodes(whole, lambda n: tree.Sym("@part") if n is part else None)


def rounded_part(w: Written, p: Param) -> str | None:
    """"rounded too early: with √(E[g²]_1 + ε) rounded to 0.0224 it is 0.0446429" when the written value follows
    from the formula with one part of it rounded to a few significant digits (the student's own values carried)."""
    if w.name in ("edx2_prev", "g_eff"):
        return None
    mode = rec.Mode.of(p.settings)
    whole = formula(w.name, mode)
    for c in (chain(p, own=True), chain(p, own=False)):
        values = c[w.step]["@"]
        for part in _subtrees(whole):
            if part is whole:
                continue
            exact = tree.evaluate(part, values)
            for digits in range(6, 1, -1):
                rounded = float(f"{exact:.{digits - 1}e}") if math.isfinite(exact) and exact else exact
                if rounded == exact:
                    continue
                value = tree.evaluate(_with_part(whole, part), {**values, "@part": rounded})
                if agrees_at(w.decimal, w.place, value):
                    return _("rounded too early: with %(part)s rounded to %(rounded)s it is %(value)s") % {
                        "part": notation.render(part, notation.UNICODE, w.t), "rounded": numfmt.sig(rounded, digits),
                        "value": numfmt.sig(value)}
    return None
