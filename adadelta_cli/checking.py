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

import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, DecimalException, localcontext

import numpy as np

from . import core, numfmt
from . import recurrence as rec
from .core import Settings
from .errors import InputError, SettingsError
from .i18n import N_, _, _f
from .readers import EXPECTED_NUMBER, parse_number
from .report import Document, Heading, Para, Records

# The checkable quantities, in the order a step computes them.
QUANTITIES = ("g_eff", "edx2_prev", "eg2", "eta", "dx", "edx2", "x")
LABELS = {"g_eff": "g_eff,{t}", "eg2": "E[g²]_{t}", "edx2_prev": "E[Δx²]_{p}", "eta": "η_{t}", "dx": "Δx_{t}",
          "edx2": "E[Δx²]_{t}", "x": "x_{t}"}
SIG_DIGITS = 3  # significant digits a written value must carry, by default
MAX_JUDGED_DIGITS = 12  # digits beyond the 12th (a program's float noise) are not judged
EXACT = 1e-12  # a value this close (relatively) to the computed one is the exact value, however few its digits
APPROX = 5e-3  # relative distance within which a slip is named as "about" that value
NOT_ASKED = ("-", "\u2013", "\u2014")  # a cell written "-" is not asked
# Verdicts: the scored ones, and "given" (a cell the worksheet filled in for the student: not scored).
RIGHT, RIGHT_GIVEN, WRONG, TOO_FEW, UNANSWERED, GIVEN = (
    "right", "right_given", "wrong", "too_few", "unanswered", "given")
SCORED = (RIGHT, RIGHT_GIVEN, WRONG, TOO_FEW, UNANSWERED)
EPS_LEFT_OUT = N_("ε left out")

_DECIMAL = Context(prec=80, Emax=999_999_999_999_999_999, Emin=-999_999_999_999_999_999)


def label(name: str, t: int) -> str:
    """The article's notation for a quantity at step t: E[g²]_2, η_2, E[Δx²]_1 (for edx2_prev at t = 2)."""
    return LABELS[name].format(t=t, p=t - 1)


@dataclass
class Cell:
    """One value written by hand (or by a student's program); ``given``: filled in by the worksheet."""

    text: str
    line: int | None = None
    column: int | None = None
    given: bool = False

    @property
    def value(self) -> float:
        return parse_number(_clean(self.text), line=self.line, column=self.column, what=N_("a written value"))


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
    rounding: str | None = None  # a near miss by rounding: truncated, or an earlier value rounded too soon
    line: int | None = None

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
                "slip": self.slip, "rounding": self.rounding, "line": self.line}


def _clean(text: str) -> str:
    """A written value without the marks people add: ≈, ~, spaces; any minus sign as '-'."""
    return text.strip().lstrip("≈~").strip().replace("\u2212", "-")


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(_clean(text))
    except DecimalException:
        raise InputError(_f('%(value)s is not a number; %(expected)s', value=repr(text),
                            expected=_(EXPECTED_NUMBER))) from None
    if not value.is_finite():
        raise InputError(_f('%(value)s is not a finite number; %(expected)s', value=repr(text),
                            expected=_(EXPECTED_NUMBER)))
    return value




def significant_digits(text: str) -> int:
    """Significant digits written, trailing zeros included: 1 for 0.0005, 4 for 0.2000, 3 for 1.00e-3, 0 for 0."""
    digits = _decimal(text).as_tuple().digits
    return len(digits) - next((i for i, d in enumerate(digits) if d), len(digits))


def _judged_place(written: Decimal) -> int:
    """The place a written value is judged at: its last digit, but no finer than its 12th significant digit."""
    return max(written.as_tuple().exponent, written.adjusted() - (MAX_JUDGED_DIGITS - 1))


def agrees(text: str, computed: float, rel_tol: float | None = None) -> bool:
    """True when ``computed``, rounded at the last digit written in ``text``, is what was written.

    >>> agrees("0.0005", 0.0005000000000000004), agrees("-0.0201", -0.0201969302998739)
    (True, False)
    >>> agrees("-0.0201", -0.02010075630518424), agrees("0.201", 0.2019693, rel_tol=0.01)
    (True, True)
    """
    if not math.isfinite(computed):
        return False
    written = _decimal(text)
    with localcontext(_DECIMAL):
        exact = Decimal(computed)
        if written.is_zero():
            return computed == 0 or (rel_tol is not None and rel_tol >= 1)
        distance = abs(exact - written)
        if distance <= Decimal(5).scaleb(_judged_place(written) - 1):
            return True
        return rel_tol is not None and distance <= Decimal(rel_tol) * abs(exact)


def judge(text: str, computed: float, sig_digits: int = SIG_DIGITS, rel_tol: float | None = None) -> str:
    """right, too_few (agrees, but with fewer than ``sig_digits`` significant digits) or wrong.

    >>> judge("0.0005", 0.0005000000000000004), judge("0.2", 0.2019693), judge("0.0000", 9.98e-7)
    ('right', 'too_few', 'wrong')
    >>> judge("0.2020", 0.2019693), judge("0.2019", 0.2019693), judge("0.2", 0.2019693, rel_tol=0.02)
    ('right', 'wrong', 'right')
    """
    if not math.isfinite(computed):
        return WRONG
    written = _decimal(text)
    if written.is_zero():
        return RIGHT if computed == 0 else WRONG
    if agrees(text, computed):
        if significant_digits(text) >= sig_digits or _exact(written, computed):
            return RIGHT
        return RIGHT if within(written, computed, rel_tol) else TOO_FEW
    return RIGHT if within(written, computed, rel_tol) else WRONG


def within(written: Decimal, computed: float, rel_tol: float | None) -> bool:
    """The --rel-tol rule alone: |written − computed| ≤ rel_tol·|computed| (no rule given: False).

    >>> within(Decimal("0.04"), 0.0446767, 0.001), within(Decimal("0.0447"), 0.0446767, 0.001)
    (False, True)
    """
    if rel_tol is None or not math.isfinite(computed):
        return False
    with localcontext(_DECIMAL):
        exact = Decimal(computed)
        return abs(exact - written) <= Decimal(rel_tol) * abs(exact)


def _exact(written: Decimal, computed: float) -> bool:
    with localcontext(_DECIMAL):
        exact = Decimal(computed)
        return abs(exact - written) <= Decimal(EXACT) * abs(exact)


def check_rel_tol(rel_tol: float | None) -> None:
    if rel_tol is not None and not (math.isfinite(rel_tol) and rel_tol >= 0):
        raise SettingsError(_f('--rel-tol must be a finite number >= 0, got %(value)s', value=rel_tol))


def check_sig_digits(sig_digits: int) -> None:
    if not 1 <= sig_digits <= 17:
        raise SettingsError(_f('--sig-digits must be between 1 and 17, got %(value)s', value=sig_digits))


# --- Rounding told from slips -----------------------------------------------------------------------------------

def _at_place(value: float, place: int, rounding) -> Decimal:
    with localcontext(_DECIMAL):
        return Decimal(value).quantize(Decimal(1).scaleb(place), rounding=rounding)


def _show(value: Decimal) -> str:
    return format(value, "f") if -12 <= value.adjusted() <= 12 else format(value, "e")


def truncation(text: str, computed: float) -> str | None:
    """"truncated: 0.2019; rounded it is 0.2020" when the written value is the computed one cut off, not rounded."""
    if not math.isfinite(computed):
        return None
    written = _decimal(text)
    place = written.as_tuple().exponent
    if abs(place) > 400:
        return None
    cut, rounded = _at_place(computed, place, ROUND_DOWN), _at_place(computed, place, ROUND_HALF_EVEN)
    if cut == written and rounded != written:
        return _f("truncated: %(written)s; rounded it is %(rounded)s", written=_show(written), rounded=_show(rounded))
    return None


def _round_sig(value: float, digits: int) -> float:
    return float(f"{value:.{digits - 1}e}") if math.isfinite(value) and value else value


def _subtrees(node: rec.Node):
    """Every part of a formula that holds a quantity of the step (not only constants)."""
    if not rec.constant(node):
        yield node
    for child in rec.children(node):
        yield from _subtrees(child)


def early_rounding(text: str, tree: rec.Node, values: dict, t: int, computed: float) -> str | None:
    """"rounded too early: with √(E[Δx²]_0 + ε) rounded to 0.001 it is ..." when the written value follows from the
    formula with one earlier value (or part of the formula) rounded to a few significant digits."""
    for part in _subtrees(tree):
        if part is tree:
            continue
        exact = rec.evaluate(part, values)
        for digits in range(6, 1, -1):
            rounded = _round_sig(exact, digits)
            if rounded == exact:
                continue
            value = rec.evaluate(_replace(tree, lambda n, part=part, rounded=rounded: rec.Val(rounded)
                                          if n is part else None), values)
            if agrees(text, value) and not agrees(text, computed):
                return _f("rounded too early: with %(part)s rounded to %(rounded)s it is %(value)s",
                          part=rec.render(part, rec.UNICODE, t), rounded=numfmt.sig(rounded, digits),
                          value=numfmt.sig(value))
    return None


# --- Slips: the step description's formulas with one change ----------------------------------------------------

def _replace(node: rec.Node, rule) -> rec.Node:
    """``node`` with every subtree for which ``rule`` returns a replacement replaced (outermost first)."""
    new = rule(node)
    if new is not None:
        return new
    kids = rec.children(node)
    if not kids:
        return node
    return type(node)(*(_replace(kid, rule) for kid in kids))


def _changes(node: rec.Node, rule) -> rec.Node | None:
    """``_replace``, or None when the rule changes nothing."""
    hit = []

    def counting(n):
        new = rule(n)
        if new is not None:
            hit.append(n)
        return new

    new = _replace(node, counting)
    return new if hit else None


def _is_sym(node, name: str, prev: bool | None = None) -> bool:
    return isinstance(node, rec.Sym) and node.name == name and (prev is None or node.prev == prev)


def _is_hyper(node, name: str) -> bool:
    return isinstance(node, rec.Hyper) and node.name == name


def _one_minus_rho(node) -> bool:
    return isinstance(node, rec.Sub) and isinstance(node.a, rec.Num) and node.a.value == 1 and _is_hyper(node.b, "rho")


def _gradient(mode: rec.Mode) -> rec.Node:
    return rec.Sym("g_eff") if mode.g_eff else rec.Sym("g")


def _formula(name: str, mode: rec.Mode) -> rec.Node:
    return rec.BY_NAME[name].formula(mode)


# Each slip: (quantities it changes, what it is called, the rewrite of the formula's nodes).
RHO_SWAPPED = N_("ρ and 1−ρ swapped")
ORDERING_BUG = N_("E[Δx²]_t used where E[Δx²]_{t−1} belongs (the update order of TensorFlow 1.0, tensorflow#9058)")
STALE_EDX2 = N_("E[Δx²] updated with the previous step's Δx_{t−1} before η_t reads it (E[Δx²]_t where E[Δx²]_{t−1} "
                "belongs)")
LR_BEFORE = N_("lr applied before the accumulator (E[Δx²] takes the unscaled Δx_t; lr scales only the step applied "
               "to x)")


def _slip_rules(mode: rec.Mode, lr_matters: bool) -> list[tuple[tuple[str, ...], str, object]]:
    eta_now = _formula("eta", mode)
    dx_now = _replace(_formula("dx", mode), lambda n: eta_now if _is_sym(n, "eta") else None)
    edx2_now = _replace(_formula("edx2", mode), lambda n: dx_now if _is_sym(n, "dx") else None)
    edx2_stale = _replace(_formula("edx2", mode), lambda n: rec.Sym("dx", prev=True) if _is_sym(n, "dx") else None)
    rules = [
        (("eta",), EPS_LEFT_OUT, lambda n: rec.Num(0) if _is_hyper(n, "eps") else None),
        (("eta",), N_("E[g²]_{t−1} used where E[g²]_t belongs (as TensorFlow.js does)"),
         lambda n: rec.Sym("eg2", prev=True) if _is_sym(n, "eg2", prev=False) else None),
        (("eta",), ORDERING_BUG, lambda n: edx2_now if _is_sym(n, "edx2", prev=True) else None),
        (("eta",), STALE_EDX2, lambda n: edx2_stale if _is_sym(n, "edx2", prev=True) else None),
        (("edx2",), STALE_EDX2, lambda n: rec.Sym("dx", prev=True) if _is_sym(n, "dx", prev=False) else None),
        (("eta",), N_("the square roots forgotten"), lambda n: n.a if isinstance(n, rec.Sqrt) else None),
        (("eta",), N_("the square root missing in the numerator"),
         lambda n: rec.Div(n.a.a, n.b) if isinstance(n, rec.Div) and isinstance(n.a, rec.Sqrt) else None),
        (("eta",), N_("the fraction upside down"), lambda n: rec.Div(n.b, n.a) if isinstance(n, rec.Div) else None),
        (("eta",), N_("ε outside the roots"),
         lambda n: rec.Add(rec.Sqrt(n.a.a), n.a.b) if isinstance(n, rec.Sqrt) and isinstance(n.a, rec.Add)
         and _is_hyper(n.a.b, "eps") else None),
        (("eg2", "edx2"), RHO_SWAPPED,
         lambda n: rec.Hyper("rho") if _one_minus_rho(n) else rec.ONE - rec.Hyper("rho") if _is_hyper(n, "rho")
         else None),
        (("eg2",), N_("g_t not squared"), lambda n: n.a if isinstance(n, rec.Square) else None),
        (("eg2",), N_("the ρ·E[g²]_{t−1} term left out"),
         lambda n: n.b if isinstance(n, rec.Add) and isinstance(n.a, rec.Mul) and _is_hyper(n.a.a, "rho") else None),
        (("edx2",), N_("Δx_t not squared"), lambda n: n.a if isinstance(n, rec.Square) else None),
        (("edx2",), N_("g² accumulated into E[Δx²] (it averages the squared updates Δx_t²)"),
         lambda n: _gradient(mode) if _is_sym(n, "dx") else None),
        (("dx",), N_("the sign: Δx_t = −η_t·g_t"), lambda n: n.a if isinstance(n, rec.Neg) else None),
        (("x",), N_("the sign: x_t = x_{t−1} + lr·Δx_t"),
         lambda n: rec.Sub(n.a, n.b) if isinstance(n, rec.Add) and _is_sym(n.a, "x", prev=True) else None),
    ]
    if lr_matters:
        rules += [
            (("edx2",), LR_BEFORE, lambda n: rec.Mul(rec.Hyper("lr"), n) if _is_sym(n, "dx") else None),
            (("dx",), LR_BEFORE, None),  # the whole Δx_t scaled by lr
            (("x",), N_("the learning rate left out"), lambda n: rec.ONE if _is_hyper(n, "lr") else None),
        ]
    return rules


@functools.cache
def slip_formulas(name: str, mode: rec.Mode, lr_matters: bool = False) -> tuple[tuple[str, rec.Node], ...]:
    """(slip, the formula with that slip) for quantity ``name``; a Δx_t also takes every slip of η_t.

    >>> for slip, _tree in slip_formulas("eta", rec.Mode())[:3]:
    ...     print(slip)
    ε left out
    E[g²]_{t−1} used where E[g²]_t belongs (as TensorFlow.js does)
    E[Δx²]_t used where E[Δx²]_{t−1} belongs (the update order of TensorFlow 1.0, tensorflow#9058)
    """
    key = "eg2" if name == "eg2" else "edx2" if name in ("edx2", "edx2_prev") else name
    if name == "edx2_prev":
        return ()
    tree = _formula(key, mode)
    out = []
    for names, slip, rule in _slip_rules(mode, lr_matters):
        if key not in names:
            continue
        changed = rec.Mul(rec.Hyper("lr"), tree) if rule is None else _changes(tree, rule)
        if changed is not None:
            out.append((slip, changed))
    if key == "dx":
        for slip, eta in slip_formulas("eta", mode, lr_matters):
            out.append((slip, _replace(tree, lambda n, eta=eta: eta if _is_sym(n, "eta") else None)))
    return tuple(out)


def _candidates(name: str, values: dict, mode: rec.Mode, lr_matters: bool) -> list[tuple[str, float]]:
    """(slip, the value that slip gives) for the quantity ``name``, from the step's ``values``."""
    out = []
    for slip, tree in slip_formulas(name, mode, lr_matters):
        try:
            out.append((slip, rec.evaluate(tree, values)))
        except (ArithmeticError, ValueError):
            continue
    return out


def _near(value: float, target: float) -> float:
    """Relative distance, for ranking candidate slips."""
    if not (math.isfinite(value) and math.isfinite(target)):
        return math.inf
    return abs(value - target) / max(abs(target), 1e-300)


def diagnose(name: str, text: str, contexts: list[tuple[dict, float]], mode: rec.Mode,
             lr_matters: bool, approximate: bool | None = None) -> str | None:
    """The likely slip behind a wrong written value, or None when nothing fits.

    ``contexts``: (the step's values, the right value) as they truly are and as the student's own earlier values
    make them. A slip is named only when the written value is closer to that slip's value than to the right one.
    ``approximate``: False looks only for a slip the written value agrees with, True only for one it is near.
    """
    written = float(_decimal(text))
    trials = []  # (simplicity, slip, power of ten, value, right value): single slips first, then powers of ten
    for values, truth in contexts:
        for k in (-1, 1, -2, 2, -3, 3):
            trials.append((1, "", k, truth * 10.0 ** k, truth))
        for slip, value in _candidates(name, values, mode, lr_matters):
            trials.append((0, slip, 0, value, truth))
            if slip == EPS_LEFT_OUT:
                trials += [(2, slip, k, value * 10.0 ** k, truth) for k in (-1, 1, -2, 2, -3, 3)]
    trials.sort(key=lambda trial: trial[0])
    for _simplicity, slip, k, value, truth in trials:
        if _near(value, truth) > 1e-9 and agrees(text, value) and abs(written - value) < abs(written - truth):
            if approximate is not True:
                return _slip_text(slip, k, approximate=False)
    if approximate is False:
        return None
    best: tuple[float, str] | None = None
    for simplicity, slip, k, value, truth in trials:
        if _near(value, truth) <= 1e-9 or not abs(written - value) < abs(written - truth):
            continue
        distance = _near(written, value) * (1 + simplicity / 4)
        if distance <= APPROX and (best is None or distance < best[0]):
            best = (distance, _slip_text(slip, k, approximate=True))
    return best[1] if best else None


def _slip_text(slip: str, k: int, approximate: bool) -> str:
    if not k:
        return _("%(slip)s (approximately)") % {"slip": _(slip)} if approximate else _(slip)
    times = (_("%(factor)d× the value") % {"factor": 10 ** k} if k > 0
             else _("1/%(factor)d of the value") % {"factor": 10 ** -k})
    ten = (_("a power-of-ten slip (about %(times)s)") if approximate
           else _("a power-of-ten slip (%(times)s)")) % {"times": times}
    return _("%(ten)s, with %(slip)s") % {"ten": ten, "slip": _(slip)} if slip else ten


# --- Judging a parameter's steps --------------------------------------------------------------------------------

def judge_sequence(param: str, rows: list[dict], settings: Settings, initial: core.State, p: int = 0,
                   rel_tol: float | None = None, eg2_given: float | None = None,
                   sig_digits: int = SIG_DIGITS) -> list[Verdict]:
    """See _judge_sequence; a student's values (a negative E[g²], say) may make the arithmetic undefined: the
    verdict then says wrong, without numpy's warnings."""
    try:
        with np.errstate(all="ignore"):
            return _judge_sequence(param, rows, settings, initial, p, rel_tol, eg2_given, sig_digits)
    except DecimalException:
        raise InputError(_("a written value is too large or too small to judge")) from None


def _for_parameter(settings: Settings, p: int) -> Settings:
    """The settings of parameter ``p`` where lr or the weight decay is given one value per parameter."""
    if not getattr(settings, "per_parameter", False):
        return settings
    from dataclasses import replace

    def pick(value):
        return value[p] if isinstance(value, list) else value

    return replace(settings, lr=pick(settings.lr), weight_decay=pick(settings.weight_decay))


def _step_values(settings: Settings, g: float, g_eff: float, prev: dict, now: dict) -> dict:
    """What the step's formulas read: the hyperparameters, g, the state before the step, the step's values."""
    values = rec.hyper_values(settings)
    values.update(g=g, g_eff=g_eff, eg2_prev=prev["eg2"], edx2_prev=now.get("edx2_prev", prev["edx2"]),
                  dx_prev=prev.get("dx", 0.0),
                  x_prev=prev["x"])
    values.update({k: v for k, v in now.items() if k in ("eg2", "eta", "dx")})
    return values


def _judge_sequence(param: str, rows: list[dict], settings: Settings, initial: core.State, p: int,
                    rel_tol: float | None, eg2_given: float | None, sig_digits: int) -> list[Verdict]:
    """Verdicts for one parameter's rows, in order of t. Each row: {"t", "g", "cells": {name: Cell}, "asked":
    the names asked in that row}. A cell not asked gets no verdict; a given cell (Cell.given) gets "given".

    ``initial`` holds E[g²]_0, E[Δx²]_0 and x_0 (entry ``p`` is this parameter's). ``eg2_given`` replaces the
    computed E[g²]_t of a single step (the article's second example gives it as is).

    Each cell is compared with the true value and with ``own``: the value the student's own earlier numbers
    imply (their written values where they wrote one, else what follows from those). A cell that matches only
    ``own`` is "right, given your ..." naming the earlier values, different from the true ones, it rests on.
    """
    settings = _for_parameter(settings, p)
    mode = rec.Mode.of(settings)
    lr_matters = bool(settings.lr_value != 1)
    true_prev = {"eg2": float(initial.eg2[p]), "edx2": float(initial.edx2[p]), "x": float(initial.x[p]),
                 "dx": 0.0}
    own_prev = dict(true_prev)
    prev_spread: dict[str, float] = {}
    origin_prev: dict[str, list[str]] = {"eg2": [], "edx2": [], "x": []}
    verdicts = []
    for row in rows:
        t, g, cells = row["t"], row["g"], row["cells"]
        asked = row.get("asked", set(cells))
        state = core.State(*(np.array([true_prev[k]]) for k in ("eg2", "edx2", "x")))
        step, _state = core.update(np.array([g]), state, settings,
                                   eg2=None if eg2_given is None else np.array([eg2_given]))
        true = {name: float(getattr(step, name)[0]) for name in core.FIELDS}
        true["edx2_prev"] = true_prev["edx2"]
        true_values = _step_values(settings, g, true["g_eff"], true_prev, true)
        g_eff = _one(core.effective_gradient, g, own_prev["x"], settings=settings)
        used: dict[str, float] = {}
        origin: dict[str, list[str]] = {}
        spread: dict[str, float] = {}  # half a unit in the last place of each value the student wrote

        def own_value(name: str) -> tuple[float, list[str]]:
            """What the student's own numbers imply for ``name``, and the off values that rests on."""
            if name == "g_eff":
                return g_eff, origin_prev["x"] if mode.weight_decay == "coupled" else []
            if name == "edx2_prev":
                return own_prev["edx2"], origin_prev["edx2"]
            if name == "eg2":
                if eg2_given is not None:
                    return eg2_given, []
                return _one(core.next_eg2, own_prev["eg2"], g_eff, rho=settings.rho), origin_prev["eg2"]
            if name == "eta":
                value = _one(core.rate, used["edx2_prev"], used["eg2"], eps=settings.eps)
                return value, origin["edx2_prev"] + origin["eg2"]
            if name == "dx":
                return _one(core.delta, used["eta"], g_eff), origin["eta"]
            if name == "edx2":
                return (_one(core.next_edx2, used["edx2_prev"], used["dx"], rho=settings.rho),
                        origin["edx2_prev"] + origin["dx"])
            return _one(core.next_x, own_prev["x"], used["dx"], settings=settings), origin_prev["x"] + origin["dx"]

        def own_range(name: str, own: float) -> tuple[float, float]:
            """The values the student's own earlier numbers allow for ``name``, each anywhere within the half unit
            of its last written digit (a student who carries more digits than they write is not marked down)."""
            inputs = [(box, key) for box, key in OWN_INPUTS[name] if (prev_spread if box == "prev" else spread)
                      .get(key, 0.0) > 0]
            if not inputs or not math.isfinite(own):
                return own, own
            seen = [own]
            for signs in itertools.product((-1.0, 1.0), repeat=len(inputs)):
                saved = []
                for (box, key), sign in zip(inputs, signs):
                    values, half = (own_prev, prev_spread) if box == "prev" else (used, spread)
                    saved.append((values, key, values[key]))
                    values[key] = values[key] + sign * half[key]
                try:
                    seen.append(own_value(name)[0])
                finally:
                    for values, key, value in saved:
                        values[key] = value
            finite = [v for v in seen if math.isfinite(v)]
            return min(finite), max(finite)

        for name in QUANTITIES:
            own, rests_on = own_value(name)
            truth = true[name]
            cell: Cell | None = cells.get(name)
            if cell is None:
                used[name], origin[name] = own, rests_on
                if name in asked:
                    verdicts.append(Verdict(t, param, name, None, truth, UNANSWERED))
                continue
            verdict = Verdict(t, param, name, cell.text, truth, line=cell.line)
            used[name] = cell.value
            spread[name] = _half_unit(cell.text)
            origin[name] = [] if _same(cell.value, truth) else [label(name, t)]
            if name == "g_eff":
                g_eff = cell.value  # the student's own gradient feeds their E[g²] and Δx
            verdicts.append(verdict)
            if cell.given:
                verdict.status = GIVEN
                # Not scored; but a given value that is not the sheet's own (changed after it was handed out) is
                # said, with the value it was given as: everything after it rests on it.
                verdict.changed = judge(cell.text, truth, 1, None) == WRONG
                continue
            verdict.status = judge(cell.text, truth, sig_digits, rel_tol)
            if verdict.status != WRONG:
                continue
            # A written 0 for a non-zero value is wrong, whatever led to it.
            written_zero = _decimal(cell.text).is_zero()
            nearest = own
            if rests_on:  # the nearest value the student's own earlier numbers allow, at the digits they wrote
                low, high = own_range(name, own)
                nearest = min(max(cell.value, low), high)
            if rests_on and not written_zero and judge(cell.text, nearest, sig_digits, rel_tol) != WRONG:
                verdict.own, verdict.given = nearest, _unique(rests_on)
                verdict.status = RIGHT_GIVEN if judge(cell.text, nearest, sig_digits, rel_tol) == RIGHT else TOO_FEW
                continue
            if rests_on and math.isfinite(own) and _differ_at(cell.text, own, truth):
                verdict.own = own
            own_now = {"eg2": used.get("eg2", own), "eta": used.get("eta", own), "dx": used.get("dx", own),
                       "edx2_prev": used.get("edx2_prev", own_prev["edx2"])}
            own_values = _step_values(settings, g, g_eff, own_prev, own_now)
            contexts = [(true_values, truth)] + ([(own_values, own)] if math.isfinite(own) else [])
            # A slip whose value the written one agrees with at every digit written is named first (0.201 is η
            # with ε left out, 0.2010076, though it is also 0.2019693 cut short); else a near miss by truncation.
            verdict.slip = diagnose(name, cell.text, contexts, mode, lr_matters, approximate=False)
            if verdict.slip is None:
                verdict.rounding = truncation(cell.text, truth) or (
                    verdict.own is not None and truncation(cell.text, own)) or None
            if verdict.rounding is None and verdict.slip is None and name not in ("edx2_prev", "g_eff"):
                verdict.rounding = early_rounding(cell.text, _formula(name, mode), true_values, t, truth)
            if verdict.rounding is None and verdict.slip is None:
                verdict.slip = diagnose(name, cell.text, contexts, mode, lr_matters, approximate=True)
        own_prev = {"eg2": used["eg2"], "edx2": used["edx2"], "x": used["x"], "dx": used["dx"]}
        prev_spread = {key: spread.get(key, 0.0) for key in ("eg2", "edx2", "x")}
        origin_prev = {"eg2": origin["eg2"], "edx2": origin["edx2"], "x": origin["x"]}
        true_prev = {"eg2": true["eg2"], "edx2": true["edx2"], "x": true["x"], "dx": true["dx"]}
    return verdicts


# What each quantity's own value is worked out from: ("prev", key) the state before the step, ("used", key) this
# step's values as the student has them.
OWN_INPUTS = {"g_eff": [], "edx2_prev": [("prev", "edx2")], "eg2": [("prev", "eg2")],
              "eta": [("used", "edx2_prev"), ("used", "eg2")], "dx": [("used", "eta")],
              "edx2": [("used", "edx2_prev"), ("used", "dx")], "x": [("prev", "x"), ("used", "dx")]}


def _half_unit(text: str) -> float:
    """Half a unit in the last place written: 0.00005 for 0.0224 (0.02246 stands for anything in ±0.000005)."""
    with localcontext(_DECIMAL):
        return float(Decimal(5).scaleb(_judged_place(_decimal(text)) - 1))


def _one(compute, *values: float, **settings) -> float:
    """A step function of the engine (``recurrence``'s ``compute``) on single values: numbers in, a float out."""
    arrays = [np.array([v], dtype=np.float64) for v in values]
    return float(np.asarray(compute(*arrays, **settings)).reshape(-1)[0])


def _same(a: float, b: float) -> bool:
    """Equal for the purpose of later steps: a value copied with six or more correct significant digits."""
    return a == b or abs(a - b) <= 1e-5 * max(abs(a), abs(b))


def _differ_at(text: str, a: float, b: float) -> bool:
    """True when a and b differ at the precision ``text`` was written with."""
    place = _decimal(text).as_tuple().exponent
    if abs(place) > 400:
        return a != b
    return _at_place(a, place, ROUND_HALF_EVEN) != _at_place(b, place, ROUND_HALF_EVEN)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- Scores -----------------------------------------------------------------------------------------------------

def summary(verdicts: list[Verdict]) -> dict:
    """Counts of each verdict and the score: one point per asked cell answered right."""
    count = {status: sum(v.status == status for v in verdicts) for status in (*SCORED, GIVEN)}
    score = count[RIGHT] + count[RIGHT_GIVEN]
    out_of = sum(count[s] for s in SCORED)
    return {"right": score, "right_given": count[RIGHT_GIVEN], "wrong": count[WRONG], "too_few": count[TOO_FEW],
            "unanswered": count[UNANSWERED], "given": count[GIVEN], "score": score, "out_of": out_of,
            "percent": percent(score, out_of)}


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
    return _("Score %(score)s: %(parts)s") % {"score": score_text(s), "parts": _(", ").join(parts)}


def first_slip(verdicts: list[Verdict]) -> str:
    """The first wrong cell's slip (or rounding), as a gradebook names it: 'η_2: ε left out'."""
    for v in verdicts:
        if v.status == WRONG and (v.slip or v.rounding):
            return f"{v.label}: {v.slip or v.rounding}"
    return ""


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


WORKSHEET_LIMIT = 64 << 20  # a worksheet is read whole: a class's sheet is a few kB; /dev/zero is refused at once


def _read_bytes(path: str) -> bytes:
    from .readers import read_bounded, read_path

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


def read_worksheet(path: str) -> Worksheet:
    """A worksheet CSV: a g column, optional t and param, any of the quantities filled by hand.

    Rows are judged by their t, in any order. ``# asked = eta,dx`` (as `adadelta worksheet` writes it) says which
    columns the student fills in: the cells of the other columns are given, not scored. In a sheet without it,
    every quantity column is asked, a cell written ``-`` is not, and a blank cell is unanswered.
    """
    from .readers import content_lines, csv_row, decode

    text = decode(_read_bytes(path), path)
    settings: dict = {}
    meta: dict[str, str] = {}
    pattern = re.compile(r"#\s*([A-Za-z_0-9]+)\s*[=:]\s*(.*?)\s*$")
    for n, line in enumerate(text.splitlines(), start=1):
        m = pattern.match(line.strip())
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2)
        if key in WORKSHEET_META:
            meta[key] = value
        if key not in WORKSHEET_SETTINGS:
            continue
        key = WORKSHEET_SETTINGS[key]
        if key in ("weight_decay_mode", "lr_dtype", "rate_eg2", "dtype"):
            settings[key] = value.strip().lower()
        elif key == "maximize":
            settings[key] = value.strip().lower() in ("1", "true", "yes", "on")
        elif key in ("x0", "eg2_init", "edx2_init") or (key in ("lr", "weight_decay") and "," in value):
            settings[key] = [parse_number(v, source=path, line=n, what=key) for v in value.split(",")]
        else:
            settings[key] = parse_number(value, source=path, line=n, what=key)
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

    lines = content_lines(text)
    if not lines:
        raise InputError(_("is empty; expected a worksheet: a CSV with a g column"), source=path)
    rows = [(n, csv_row(line, path, n)) for n, line in lines]
    header = [h.strip().lower() for h in rows[0][1]]
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(_f("the column %(name)s appears twice (columns %(first)s and %(second)s)",
                                name=repr(rows[0][1][i - 1].strip()), first=seen[name], second=i),
                             source=path, line=rows[0][0])
        seen[name] = i
    if "g" not in header:
        raise InputError(_f(
            'has no g column (its header is: %(header)s); expected a worksheet with the columns t, g and any of eg2, '
            'edx2_prev, eta, dx, edx2, x',
            header=', '.join(rows[0][1])), source=path, line=rows[0][0])
    index = {name: header.index(name) for name in ("t", "param", "g", *QUANTITIES) if name in header}
    params: dict[str, list[dict]] = {}
    for n, cells in rows[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise InputError(_f('has %(cells)s cells, expected %(expected)s (one per header column)',
                                cells=len(cells), expected=len(header)), source=path, line=n)
        cells = cells + [""] * (len(header) - len(cells))
        g_col = index["g"]
        g = parse_number(cells[g_col], source=path, line=n, column=g_col + 1)
        name = cells[index["param"]].strip() if "param" in index else "x"
        entries = params.setdefault(name or "x", [])
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
            except InputError as exc:
                exc.source, exc.line, exc.column = path, n, index[q] + 1
                raise
            written[q] = cell
        entries.append({"t": t, "g": g, "line": n, "cells": written, "asked": asked})
    if not params:
        raise InputError(_("has a header but no rows"), source=path)
    for name, entries in params.items():
        params[name] = _in_order(entries, name, path, several=len(params) > 1)
    if not any(row["asked"] for entries in params.values() for row in entries):
        raise InputError(_("asks for nothing: no column of g_eff, eg2, edx2_prev, eta, dx, edx2, x to fill in"),
                         source=path)
    student = meta.get("name", meta.get("student", "")).strip()
    return Worksheet(path, params, settings, header, student=student, variant=meta.get("variant", "").strip(),
                     sig_digits=sig_digits)


def _in_order(entries: list[dict], param: str, path: str, several: bool) -> list[dict]:
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


def check_worksheet(sheet: Worksheet, resolved, rel_tol: float | None = None,
                    sig_digits: int | None = None) -> list[Verdict]:
    """Every asked (and given) cell of every parameter, steps in order of t."""
    names = list(sheet.params)
    initial = resolved.initial(len(names))
    digits = sig_digits or sheet.sig_digits or SIG_DIGITS
    verdicts = []
    for p, name in enumerate(names):
        verdicts += judge_sequence(name, sheet.params[name], resolved.settings, initial, p, rel_tol,
                                   sig_digits=digits)
    return verdicts


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
                item=repr(item)))
        cell = Cell(value, column=None)
        try:
            cell.value  # noqa: B018  (parse now, to report a bad value with its option)
            significant_digits(cell.text)
        except InputError as exc:
            raise InputError(_f('--expect %(item)s: %(message)s', item=repr(item), message=exc.message)) from None
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

    def shown(self, only_wrong: bool = False) -> list[Verdict]:
        """The verdicts a report lists: the asked cells (with ``only_wrong``, those not right)."""
        return [v for v in self.verdicts if (v.status != GIVEN or v.changed) and not (only_wrong and v.right)]

    def as_dict(self, only_wrong: bool = False) -> dict:
        return {"file": self.source, "student": self.student, "variant": self.variant, "settings": self.settings,
                "summary": summary(self.verdicts),
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
        parts.append(_("student: %(name)s") % {"name": m.student})
    if m.variant:
        parts.append(_("variant %(id)s") % {"id": m.variant})
    return ", ".join(parts)


def document(marked: list[Marked], only_wrong: bool = False, digits: int = 6) -> Document:
    """check's report for people: for each sheet read, its settings, the verdicts of its asked cells (with
    ``only_wrong``, those not right) and its score."""
    from . import render

    blocks = []
    for m in marked:
        if m.error is not None:
            continue
        if blocks:
            blocks.append("")  # a blank line between one sheet and the next
        blocks += [Heading(_("Checking %(source)s") % {"source": m.source}),
                   Para(render.settings_text(m.settings, digits))]
        if m.student or m.variant:
            blocks.append(Para(who_line(m)))
        shown = m.shown(only_wrong)
        if shown:
            blocks.append(render.verdict_table(shown, digits, several=len({v.param for v in m.verdicts}) > 1))
        blocks.append(Para(summary_line(m.verdicts), strong=True))
    return Document(_("Marked worksheets"), blocks,
                    words=tuple(t for m in marked for t in (m.source, m.student, m.variant)))


CSV_COLUMNS = ("file", "student", "variant", "t", "param", "quantity", "written", "verdict", "computed", "own",
               "slip", "rounding")


def records(marked: list[Marked], only_wrong: bool = False) -> Records:
    """check's report for machines: CSV, one row per asked cell of every sheet read; JSON, one sheet's object (or
    ``{"sheets": [...]}`` for several)."""
    read = [m for m in marked if m.error is None]
    docs = [m.as_dict(only_wrong) for m in read]
    rows = ([m.source, m.student, m.variant, v.t, v.param, v.name, v.written or "", v.status, v.computed, v.own,
             v.slip or "", v.rounding or ""] for m in read for v in m.shown(only_wrong))
    return Records(list(CSV_COLUMNS), rows, spreadsheet=True,
                   document=docs[0] if len(marked) == 1 and docs else {"sheets": docs})


GRADEBOOK_COLUMNS = ("file", "student", "variant", "right", "wrong", "too_few", "unanswered", "score", "out_of",
                     "percent", "first_slip", "error")


def gradebook(marked: list[Marked]) -> Records:
    """One row per sheet: who, which variant, the counts, the score and the first slip; or why it was not read."""
    def rows():
        for m in marked:
            if m.error is not None:
                yield [m.source] + [None] * 10 + [m.error]
                continue
            s = summary(m.verdicts)
            yield [m.source, m.student, m.variant, s["right"], s["wrong"], s["too_few"], s["unanswered"], s["score"],
                   s["out_of"], s["percent"], first_slip(m.verdicts), None]

    return Records(list(GRADEBOOK_COLUMNS), rows(), spreadsheet=True)
