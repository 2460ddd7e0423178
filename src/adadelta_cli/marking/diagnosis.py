"""What the student did: a model of the whole sheet, tested against every cell they wrote.

A *misconception* is a change to the step description (``recurrence``): a formula changed (ε left out, the
fraction upside down, E[Δx²] never updated ...), a setting changed (another ρ or ε, found by fitting), or the
arithmetic changed (values truncated instead of rounded, intermediates rounded too early, float32 arithmetic, one
cell off by a power of ten). Each has a stable id, a sentence, and where there is one, a source.

A sheet is replayed under each hypothesis (one misconception, then pairs of them): every written cell is worked out
by the changed description twice, from scratch and from the student's own written values taken exactly as written,
and a cell is *explained* when its written digits agree with either. The hypotheses are ranked by how many of the
wrong cells (those the right formulas do not explain) each explains, ties going to the simpler one and then to the
catalogue's order; one is named only when it explains a wrong cell nothing named before it explains. A sheet whose
every cell is right names nothing.

>>> [m.id for m in CATALOGUE][:4]
['sign_dx', 'x_sign', 'eps_dropped', 'eps_outside_root']
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any, cast

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.formats.report import Num, Phrase, symbols
from adadelta_cli.i18n import N_, _
from adadelta_cli.marking.digits import _DECIMAL, agrees_at
from adadelta_cli.maths import core
from adadelta_cli.maths import recurrence as rec

# --- The catalogue ----------------------------------------------------------------------------------------------

FORMULA, SETTING, HABIT = "formula", "setting", "habit"


@dataclass(frozen=True)
class Misconception:
    id: str
    text: str  # N_(...): what the student did, in a sentence (translated where shown)
    kind: str  # formula (a formula changed), setting (another ρ or ε) or habit (the arithmetic changed)
    quantities: tuple[str, ...] = ()  # the formulas a formula change touches
    rule: object = None  # the rewrite of a formula's nodes: node -> replacement or None
    source: str = ""  # where the misconception is documented or seen, if anywhere
    lr_only: bool = False  # visible only where lr ≠ 1


def _is_sym(node, name: str, *, prev: bool | None = None) -> bool:
    return isinstance(node, rec.Sym) and node.name == name and (prev is None or node.prev == prev)


def _is_hyper(node, name: str) -> bool:
    return isinstance(node, rec.Hyper) and node.name == name


def _one_minus_rho(node) -> bool:
    return isinstance(node, rec.Sub) and isinstance(node.a, rec.Num) and node.a.value == 1 and _is_hyper(node.b, "rho")


def _gradient(mode: rec.Mode) -> rec.Node:
    return rec.Sym("g_eff") if mode.g_eff else rec.Sym("g")


def replace_nodes(node: rec.Node, rule) -> rec.Node:
    """``node`` with every subtree for which ``rule`` returns a replacement replaced (outermost first)."""
    new = rule(node)
    if new is not None:
        return new
    kids = rec.children(node)
    if not kids:
        return node
    return type(node)(*(replace_nodes(kid, rule) for kid in kids))


def changed(node: rec.Node, rule) -> rec.Node | None:
    """``replace_nodes``, or None when the rule changes nothing."""
    hit = []

    def counting(n):
        new = rule(n)
        if new is not None:
            hit.append(n)
        return new

    new = replace_nodes(node, counting)
    return new if hit else None


@functools.cache
def _formula(name: str, mode: rec.Mode) -> rec.Node:
    return rec.BY_NAME[name].formula(mode)


def _edx2_now(mode: rec.Mode) -> rec.Node:
    """E[Δx²]_t written out with Δx_t and η_t substituted (what TensorFlow 1.0's η read)."""
    eta_now = _formula("eta", mode)
    dx_now = replace_nodes(_formula("dx", mode), lambda n: eta_now if _is_sym(n, "eta") else None)
    return replace_nodes(_formula("edx2", mode), lambda n: dx_now if _is_sym(n, "dx") else None)


RHO_SWAPPED = N_("ρ and 1−ρ swapped")
ORDERING_BUG = N_("%(edx2_t)s used where %(edx2_prev)s belongs (the update order of TensorFlow 1.0, tensorflow#9058)")
STALE_EDX2 = N_("%(edx2)s updated with the previous step's %(dx_prev)s before %(eta_t)s reads it (%(edx2_t)s where "
                "%(edx2_prev)s belongs)")
LR_BEFORE = N_("lr applied before the accumulator (%(edx2)s takes the unscaled %(dx_t)s; lr scales only the step "
               "applied to x)")
EPS_LEFT_OUT = N_("ε left out")

CATALOGUE: tuple[Misconception, ...] = (
    Misconception("sign_dx", N_("the sign: %(dx_t)s = −%(eta_t)s·%(g_t)s"), FORMULA, ("dx",),
                  lambda n, mode: n.a if isinstance(n, rec.Neg) else None, "Zeiler 2012, Algorithm 1, line 5"),
    Misconception("x_sign", N_("the sign: %(x_t)s = %(x_prev)s + lr·%(dx_t)s"), FORMULA, ("x",),
                  lambda n, mode: rec.Sub(n.a, n.b) if isinstance(n, rec.Add) and _is_sym(n.a, "x", prev=True)
                  else None, "Zeiler 2012, Algorithm 1, line 7"),
    Misconception("eps_dropped", EPS_LEFT_OUT, FORMULA, ("eta",),
                  lambda n, mode: rec.Num(0) if _is_hyper(n, "eps") else None,
                  "the article's own second example (Δx ≈ −0.0201 is its value without ε)"),
    Misconception("eps_outside_root", N_("ε outside the roots"), FORMULA, ("eta",),
                  lambda n, mode: rec.Add(rec.Sqrt(n.a.a), n.a.b) if isinstance(n, rec.Sqrt)
                  and isinstance(n.a, rec.Add) and _is_hyper(n.a.b, "eps") else None),
    Misconception("no_sqrt", N_("the square roots forgotten"), FORMULA, ("eta",),
                  lambda n, mode: n.a if isinstance(n, rec.Sqrt) else None),
    Misconception("numerator_root_missing", N_("the square root missing in the numerator"), FORMULA, ("eta",),
                  lambda n, mode: rec.Div(n.a.a, n.b) if isinstance(n, rec.Div) and isinstance(n.a, rec.Sqrt)
                  else None),
    Misconception("fraction_inverted", N_("the fraction upside down"), FORMULA, ("eta",),
                  lambda n, mode: rec.Div(n.b, n.a) if isinstance(n, rec.Div) else None),
    Misconception("rho_swapped", RHO_SWAPPED, FORMULA, ("eg2", "edx2"),
                  lambda n, mode: rec.Hyper("rho") if _one_minus_rho(n) else rec.ONE - rec.Hyper("rho")
                  if _is_hyper(n, "rho") else None),
    Misconception("wrong_rho", N_("ρ = %(value)s%(whose)s instead of %(right)s"), SETTING),
    Misconception("wrong_eps", N_("ε = %(value)s%(whose)s instead of %(right)s"), SETTING),
    Misconception("eg2_previous", N_("%(eg2_prev)s used where %(eg2_t)s belongs (as TensorFlow.js does)"), FORMULA,
                  ("eta",), lambda n, mode: rec.Sym("eg2", prev=True) if _is_sym(n, "eg2", prev=False) else None,
                  "TensorFlow.js tf.train.adadelta"),
    # The mirror, on a sheet of TensorFlow.js's order: Algorithm 1's E[g²]_t where the framework reads E[g²]_{t−1}.
    Misconception("eg2_current", N_("%(eg2_t)s used where TensorFlow.js reads %(eg2_prev)s (Algorithm 1's order)"),
                  FORMULA, ("eta",), lambda n, mode: rec.Sym("eg2") if _is_sym(n, "eg2", prev=True) else None,
                  "Zeiler 2012, Algorithm 1"),
    Misconception("edx2_not_updated", N_("%(edx2)s never updated (it stays at %(edx2_0)s; the article never states "
                                         "its update)"), FORMULA, ("edx2",),
                  lambda n, mode: rec.Sym("edx2", prev=True) if isinstance(n, rec.Add) else None,
                  "the article states no E[Δx²] update"),
    Misconception("edx2_current", ORDERING_BUG, FORMULA, ("eta",),
                  lambda n, mode: _edx2_now(mode) if _is_sym(n, "edx2", prev=True) else None, "tensorflow#9058"),
    Misconception("g_not_squared", N_("%(g_t)s not squared"), FORMULA, ("eg2",),
                  lambda n, mode: n.a if isinstance(n, rec.Square) else None),
    Misconception("edx2_accumulates_g2", N_("g² accumulated into %(edx2)s (it averages the squared updates %(dx_t)s²)"),
                  FORMULA, ("edx2",), lambda n, mode: _gradient(mode) if _is_sym(n, "dx") else None),
    Misconception("lr_in_accumulator", LR_BEFORE, FORMULA, ("edx2",),
                  lambda n, mode: rec.Mul(rec.Hyper("lr"), n) if _is_sym(n, "dx") else None, lr_only=True),
    # The same, with Δx_t itself written scaled by lr (and x_t = x_{t−1} + Δx_t): a program that applies lr first.
    Misconception("lr_in_update", LR_BEFORE, FORMULA, ("dx", "x"),
                  lambda n, mode: rec.Mul(rec.Hyper("lr"), n) if isinstance(n, rec.Neg)
                  else n.b if isinstance(n, rec.Mul) and _is_hyper(n.a, "lr") and _is_sym(n.b, "dx") else None,
                  lr_only=True),
    Misconception("power_of_ten", N_("a power-of-ten slip (%(times)s)"), HABIT),
    Misconception("edx2_stale", STALE_EDX2, FORMULA, ("eta", "edx2"),
                  lambda n, mode: rec.Sym("dx", prev=True) if _is_sym(n, "dx", prev=False) else None),
    Misconception("eg2_decay_dropped", N_("the ρ·%(eg2_prev)s term left out"), FORMULA, ("eg2",),
                  lambda n, mode: n.b if isinstance(n, rec.Add) and isinstance(n.a, rec.Mul)
                  and _is_hyper(n.a.a, "rho") else None),
    Misconception("dx_not_squared", N_("%(dx_t)s not squared"), FORMULA, ("edx2",),
                  lambda n, mode: n.a if isinstance(n, rec.Square) else None),
    Misconception("lr_dropped", N_("the learning rate left out"), FORMULA, ("x",),
                  lambda n, mode: rec.ONE if _is_hyper(n, "lr") else None, lr_only=True),
    Misconception("truncation", N_("values truncated instead of rounded"), HABIT),
    Misconception("early_rounding", N_("intermediate results rounded too early (%(how)s)"), HABIT),
    Misconception("float32", N_("float32 arithmetic (a float32 program's values, checked as float64)"), HABIT),
)
BY_ID = {m.id: m for m in CATALOGUE}
ORDER = {m.id: i for i, m in enumerate(CATALOGUE)}
TIES = ORDER  # between two explanations of the same cells, the catalogue's order

# Values of ρ and ε that students and programs use instead of the ones in force (the frameworks' defaults first).
RHOS = (0.9, 0.95, 0.99, 0.999, 0.5, 0.8, 0.85, 0.1, 0.05)
EPSILONS = (1e-7, 1e-8, 1e-5, 1e-6, 1e-4, 1e-3, 1e-2)  # smaller ones are ε left out, which says so better
# One part of a formula rounded; every intermediate result to n significant digits, or to n decimal places.
EARLY_ROUNDINGS = (("part", 0), ("sig", 2), ("sig", 3), ("sig", 4), ("sig", 5), ("dp", 2), ("dp", 3), ("dp", 4),
                   ("dp", 5), ("dp", 6))
FLOAT32_ULPS = 8  # a float32 program's values lie within this many float32 units of the float64 ones


def _edx2_stale_formulas(mode: rec.Mode) -> dict:
    """The stale-update bug: E[Δx²] brought up to date with Δx_{t−1} before η_t reads it (the E[Δx²] η reads, and
    the student writes as E[Δx²]_{t−1}), and not again after (E[Δx²]_t is that same value)."""
    stale = replace_nodes(_formula("edx2", mode), lambda n: rec.Sym("dx", prev=True) if _is_sym(n, "dx") else None)
    return {"edx2_prev": stale, "edx2": rec.Sym("edx2", prev=True)}


# --- Hypotheses -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hypothesis:
    """A changed description: some misconceptions, with the values they take (ρ = 0.9, 4 decimal places)."""

    ids: tuple[str, ...]
    changes: tuple = ()  # ((misconception id, value), ...) for parameterised ones

    def value(self, mid: str):
        return dict(self.changes).get(mid)

    def __add__(self, other: Hypothesis) -> Hypothesis:
        return Hypothesis(self.ids + other.ids, self.changes + other.changes)

    @property
    def rank(self) -> tuple:
        """Simpler first: fewer changes, each value fitted to the sheet (a ρ solved from it, 4 significant digits,
        the cell that slipped; not a framework's default ρ or ε) counting as one more; then the catalogue's order
        (a changed formula that every written digit fits before a truncation: 0.201 is η with ε left out)."""
        fitted = sum(1 for mid, value in self.changes if not (mid == "wrong_rho" and value in RHOS)
                     and not (mid == "wrong_eps" and value in EPSILONS))
        return (len(self.ids) + fitted, *sorted(TIES[i] for i in self.ids))


def formulas(h: Hypothesis, mode: rec.Mode, *, lr_matters: bool) -> dict[str, rec.Node] | None:
    """The formulas ``h`` changes (quantity -> tree), or None where it changes nothing in this mode."""
    out: dict[str, rec.Node] = {}
    for mid in h.ids:
        m = BY_ID[mid]
        if m.kind != FORMULA:
            continue
        if m.lr_only and not lr_matters:
            return None
        if mid == "edx2_stale":
            out.update(_edx2_stale_formulas(mode))
            continue
        hit = False
        for name in m.quantities:
            if name == "g_eff" and not mode.g_eff:
                continue
            tree = out.get(name, _formula(name, mode))
            new = changed(tree, lambda n, m=m: m.rule(n, mode))
            if new is not None:
                out[name], hit = new, True
        if not hit:
            return None
    return out


@functools.cache
def _rounder(how):
    kind, n = how
    if kind == "part":
        return None
    if kind == "sig":
        return lambda v: float(f"{v:.{n - 1}e}") if math.isfinite(v) and v else v
    return lambda v: round(v, n) if math.isfinite(v) else v


# --- Replaying a sheet ------------------------------------------------------------------------------------------

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
    if not own and trees is None and settings is None and rounding is None and slip is None:
        key = ("scratch", engine)
    elif own and trees is None and settings is None and rounding is None and slip is None:
        key = ("own", engine)
    else:
        key = None
    if key is not None and key in p.cache:
        return p.cache[key]
    s = settings or p.settings
    mode = rec.Mode.of(s)
    trees = trees or {}
    hyper = rec.hyper_values(s)
    steps = [(q, trees.get(q.name) or _formula(q.name, mode), q.inputs(mode)) for q in rec.quantities(mode)]
    ops = (s.ops() if isinstance(s, core.Settings) else core.arithmetic(s.dtype)) if engine else None
    eg2, edx2, x = p.initial
    dx = 0.0
    out: list[dict[str, Any]] = []
    for row in p.rows:
        cells = row["cells"] if own else {}
        v = {**hyper, "g": row["g"], "eg2_prev": eg2, "edx2_prev": edx2, "x_prev": x, "dx_prev": dx}
        worked: dict[str, Any] = {
            "edx2_prev": edx2 if "edx2_prev" not in trees else rec.evaluate(trees["edx2_prev"], v, rounding)}
        v["edx2_prev"] = worked["edx2_prev"]
        w = written(cells.get("edx2_prev"))
        if w is not None:
            v["edx2_prev"] = w
        for q, tree, inputs in steps:
            name = q.name
            if name == "eg2" and p.eg2_given is not None:
                value = p.eg2_given
            elif ops is not None and name not in trees:  # (ops: with engine)
                value = float(q.compute(*(ops.cast([v[k]]) for k in inputs), settings=s, ops=ops)[0])
            else:
                value = rec.evaluate(tree, v, rounding)
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
    with localcontext(_DECIMAL):
        cut = Decimal(value).quantize(Decimal(1).scaleb(place), rounding=ROUND_DOWN)
        rounded = Decimal(value).quantize(Decimal(1).scaleb(place), rounding=ROUND_HALF_EVEN)
    return (cut, rounded) if cut == written_text and rounded != written_text else None


def _ulp32(value: float) -> float:
    if not value or not math.isfinite(value):
        return 0.0
    return 2.0 ** (math.frexp(abs(value))[1] - 24)


def near32(written_text: Decimal, place: int, value: float) -> bool:
    """Within FLOAT32_ULPS float32 units of ``value``, at the digits written."""
    if not math.isfinite(value) or written_text.is_zero():
        return False
    with localcontext(_DECIMAL):
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


@dataclass
class Entry:
    """One named misconception of a sheet: its id, its sentence and the wrong cells it explains."""

    id: str
    text: str
    cells: list = field(default_factory=list)  # [(t, name, param)]

    def as_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "cells": [[t, name] for t, name, _p in self.cells]}


# --- The diagnosis ----------------------------------------------------------------------------------------------

def _settings_text(mid: str, value: float, right: float) -> str:
    """"ρ = 0.9 (the default of pytorch, optax, mxnet) instead of 0.95"."""
    from adadelta_cli.maths.presets import PRESETS

    key = "rho" if mid == "wrong_rho" else "eps"
    whose = [name for name, preset in PRESETS.items() if preset.get(key) == value and name not in ("article",)]
    whose_text = _(" (the default of %(presets)s)") % {"presets": ", ".join(whose[:3])} if whose else ""
    return Phrase(_(BY_ID[mid].text), value=Num(numfmt.sig(value)), whose=whose_text, right=Num(numfmt.sig(right)))


def _rounding_text(how) -> str:
    kind, n = how
    return (_("to %(n)d significant digits") if kind == "sig" else _("to %(n)d decimal places")) % {"n": n}


def text_of(h: Hypothesis, mid: str, p: Param | None = None) -> str:
    m = BY_ID[mid]
    value = h.value(mid)
    if mid in ("wrong_rho", "wrong_eps") and p is not None:
        right = p.settings.rho if mid == "wrong_rho" else p.settings.eps
        return _settings_text(mid, value, right)
    if mid == "early_rounding" and value is not None:
        if value[0] == "part":
            return _("a value rounded too early, part way through a formula")
        return Phrase(_(m.text), how=_rounding_text(value))
    if mid == "power_of_ten":
        return _("a power-of-ten slip (one value 10× or 1/10 of what it should be, carried on)")
    if mid == "float32" and p is not None and p.settings.dtype == "float32":
        return _("float32 arithmetic in another order of operations than PyTorch's (within a few float32 units)")
    return Phrase(_(m.text), **symbols())


class Sheet:
    """The wrong cells of a sheet and every hypothesis's replay of it."""

    def __init__(self, params: list[Param], wrong: list[Written], right: list[Written]) -> None:
        self.params = params
        self.wrong = wrong
        self.cells = wrong + right  # the wrong cells first: index i < len(wrong) is a wrong cell
        self.by_param: dict[int, list[int]] = {}
        for i, w in enumerate(self.cells):
            self.by_param.setdefault(w.param, []).append(i)
        # hypothesis -> ({wrong cell index: note}, right cells refuted, misfit of the cells explained)
        self.notes: dict[tuple, tuple[dict, int, float]] = {}

    def explained(self, h: Hypothesis) -> dict[int, str]:
        """The wrong cells ``h`` explains (index into ``wrong``) -> a note on how ("" for plain agreement)."""
        return self._replay(h)[0]

    def contradicted(self, h: Hypothesis) -> int:
        """How many of the cells the right formulas explain ``h`` does not: a changed formula or setting that
        the student's own right values refute."""
        return self._replay(h)[1]

    def misfit(self, h: Hypothesis) -> float:
        """How far the wrong cells ``h`` explains lie from its values, in units of their last written digit
        (summed): between two hypotheses that explain the same cells, the one that fits them closer."""
        return self._replay(h)[2]

    def _replay(self, h: Hypothesis) -> tuple[dict, int, float]:
        key = (h.ids, h.changes)
        if key not in self.notes:
            self.notes[key] = self._work_out(h)
        return self.notes[key]

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
            replay = _replay(h, self.params[pi], pi)
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


def _replay(h: Hypothesis, p: Param, p_index: int = 0):
    """The chains a hypothesis predicts for one parameter (from scratch and from the written values), and the
    habits it allows; None where it changes nothing in this parameter's mode."""
    key = ("replay", h.ids, h.changes, p_index)
    if key not in p.cache:
        p.cache[key] = _replay_once(h, p, p_index)
    return p.cache[key]


def _replay_once(h: Hypothesis, p: Param, p_index: int):
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
    rounding = _rounder(h.value("early_rounding")) if h.value("early_rounding") else None
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
            cut = truncated_to(w.decimal, value)
            if cut:
                return _("truncated: %(written)s; rounded it is %(rounded)s") % {
                    "written": _show(cut[0]), "rounded": _show(cut[1])}
    if "power_of_ten" in habits:
        for value in values:
            for k in (1, -1):
                if agrees_at(w.decimal, w.place, value * 10.0 ** k):
                    times = (_("%(factor)d× the value") % {"factor": 10} if k > 0
                             else _("1/%(factor)d of the value") % {"factor": 10})
                    return _("a power-of-ten slip (%(times)s)") % {"times": times}
    if "float32" in habits:
        for value in values:
            if near32(w.decimal, w.place, value):
                return _("float32 arithmetic: %(value)s in float64") % {"value": numfmt.sig(value, 9)}
    return None


def _units_off(w: Written, value: float) -> float:
    """|written − value| in units of the written value's last judged digit."""
    if not math.isfinite(value):
        return math.inf
    with localcontext(_DECIMAL):
        return float(abs(Decimal(value) - w.decimal).scaleb(-w.place))


def _show(value: Decimal) -> str:
    return format(value, "f") if -12 <= value.adjusted() <= 12 else format(value, "e")


def _fitted_rhos(sheet: Sheet) -> list[float]:
    """ρ solved from each wrong E[g²] or E[Δx²] cell and the student's own earlier values, rounded."""
    found = []
    for pi, indices in sheet.by_param.items():
        p = sheet.params[pi]
        own = chain(p, own=True)
        for w in (sheet.cells[i] for i in indices if i < len(sheet.wrong)):
            if w.name not in ("eg2", "edx2"):
                continue
            row = p.rows[w.step]
            before = _carried(p, own, w.step, w.name)
            square = _square_input(p, own, w.step, w.name, row)
            if square is None or square == before:
                continue
            rho = (square - float(w.decimal)) / (square - before)
            if 0 <= rho <= 1 and math.isfinite(rho):
                for digits in (1, 2):
                    found.append(float(f"{rho:.{digits - 1}e}"))
    return found


def _slipped_cells(sheet: Sheet) -> list[tuple]:
    """The wrong cells written 10× or 1/10 of what the right formulas give (from scratch or from the written
    values): the candidates for one slip carried on."""
    out = []
    chains = {pi: (chain(p, own=True), chain(p, own=False)) for pi, p in enumerate(sheet.params)
              if pi in sheet.by_param}
    for w in sheet.wrong:
        for factor in (10.0, 0.1):
            if any(agrees_at(w.decimal, w.place, c[w.step][w.name] * factor) for c in chains[w.param]):
                out.append((w.param, w.step, w.name, factor))
    return out


def _carried(p: Param, own: list[dict], step: int, name: str) -> float:
    """The student's value of ``name`` at the step before ``step`` (written, else worked out)."""
    if step == 0:
        return p.initial[0] if name == "eg2" else p.initial[1]
    w = written(p.rows[step - 1]["cells"].get(name))
    return own[step - 1][name] if w is None else w


def _square_input(p: Param, own: list[dict], step: int, name: str, row: dict) -> float | None:
    if name == "eg2":
        w = written(row["cells"].get("g_eff"))
        g = own[step]["g_eff"] if w is None else w
        return g * g
    w = written(row["cells"].get("dx"))
    dx = own[step]["dx"] if w is None else w
    return dx * dx


def _best(sheet: Sheet, family: str, values, fitted=()) -> Hypothesis | None:
    """The value of a parameterised misconception that explains the most wrong cells, refuting the fewest right
    ones (the first such value). A ``fitted`` value (solved from the sheet, not a known one) must explain two."""
    best, best_key = None, None
    seen = set()
    for value in (*values, *fitted):
        if value in seen:
            continue
        seen.add(value)
        h = Hypothesis((family,), ((family, value),))
        count = len(sheet.explained(h))
        if count == 0 or (value not in values and count < 2):
            continue
        key = (-count, sheet.contradicted(h), sheet.misfit(h))
        if best_key is None or key < best_key:
            best, best_key = h, key
    return best


def diagnose(params: list[Param], wrong: list[Written],
             right: Sequence[Written] = ()) -> tuple[list[Entry], dict[int, tuple[str, str]]]:
    """The sheet's diagnosis, most likely first, and for each wrong cell (index into ``wrong``) the id of the
    misconception that explains it and the note on how. ``right``: the cells the right formulas explain (a
    hypothesis that they refute counts against it)."""
    if not wrong:
        return [], {}
    if len(wrong) > RANKED_CELLS:
        # A long sheet (a program's output) is diagnosed on its first steps, and every wrong cell is then
        # explained by what was named there: the replays grow with the sheet, the hypotheses do not.
        last = wrong[RANKED_CELLS - 1].step
        head = [replace(p, rows=p.rows[:last + 1], cache={}) for p in params]
        chosen = _rank(Sheet(head, [w for w in wrong if w.step <= last],
                             [w for w in right if w.step <= last]), head)
        return _label(Sheet(params, wrong, list(right)), params, chosen)
    sheet = Sheet(params, wrong, list(right))
    return _label(sheet, params, _rank(sheet, params))


RANKED_CELLS = 60  # the wrong cells a sheet's hypotheses are ranked on (the first ones, step by step)


def _rank(sheet: Sheet, params: list[Param]) -> list[Hypothesis]:
    """The hypotheses named for a sheet, in the order they are taken (see ``diagnose``)."""
    wrong = sheet.wrong
    singles: list[Hypothesis] = []
    for m in CATALOGUE:
        if m.id == "wrong_rho":
            # 1 − ρ is ρ and 1 − ρ swapped (rho_swapped says so better).
            rights = {v for p in params for v in (p.settings.rho, round(1 - p.settings.rho, 12))}
            fitted = Counter(r for r in _fitted_rhos(sheet) if r not in rights)
            h = _best(sheet, m.id, [r for r in RHOS if r not in rights], [r for r, _n in fitted.most_common(3)])
        elif m.id == "wrong_eps":
            rights = {p.settings.eps for p in params}
            h = _best(sheet, m.id, [e for e in EPSILONS if e not in rights and e != 0])
        elif m.id == "early_rounding":
            h = _best(sheet, m.id, EARLY_ROUNDINGS)
        elif m.id == "power_of_ten":
            # One value slipped by a power of ten, carried on from scratch as well (the cell that explains the
            # most); and any cell off by one, as a habit (two slips on one sheet).
            slipped = _best(sheet, m.id, _slipped_cells(sheet))
            if slipped is not None:
                singles.append(slipped)
            h = Hypothesis((m.id,))
        else:
            h = Hypothesis((m.id,))
        if h is not None:
            singles.append(h)
    chosen: list[Hypothesis] = []
    remaining = set(range(len(wrong)))

    def take(candidates: list[Hypothesis]) -> None:
        while remaining:
            # The most wrong cells explained that nothing named explains; then the fewest right cells refuted
            # (ρ = 1 explains a stale E[Δx²] too, but refutes every right E[g²]); then the simpler (a truncation
            # before a rounding fitted to the sheet); then the closer fit; then the catalogue's order.
            scored = [(len(remaining & set(sheet.explained(h))), h) for h in candidates]
            scored = [(n, h) for n, h in scored if n]
            if not scored:
                return
            n, h = min(scored, key=lambda item: (-item[0], sheet.contradicted(item[1]), _changes(sheet, item[1]),
                                                 sheet.misfit(item[1]), item[1].rank))
            chosen.append(h)
            remaining.difference_update(sheet.explained(h))

    take(singles)
    if remaining:
        take(_pairs(sheet, singles))
    return chosen


def _changes(sheet: Sheet, h: Hypothesis) -> int:
    """How many changes ``h`` makes: a power of ten off in any cell is one slip per cell it explains (two cells off
    by ten are two slips, where another ε is one change)."""
    slips = len(sheet.explained(h)) - 1 if "power_of_ten" in h.ids and h.value("power_of_ten") is None else 0
    return h.rank[0] + max(slips, 0)


def _label(sheet: Sheet, params: list[Param], chosen: list[Hypothesis]) -> tuple[list[Entry], dict]:
    """The entries of the hypotheses ``chosen``, in turn, and each wrong cell's id and note."""
    wrong = sheet.wrong
    named: dict[str, Entry] = {}
    notes: dict[int, tuple[str, str]] = {}
    remaining = set(range(len(wrong)))
    for h in chosen:
        explained = sheet.explained(h)
        new = remaining & set(explained)
        if not new:
            continue
        for mid in h.ids:
            entry = named.setdefault(mid, Entry(mid, text_of(h, mid, params[0])))
            for i in sorted(explained):
                cell = (wrong[i].t, wrong[i].name, wrong[i].param)
                if cell not in entry.cells:
                    entry.cells.append(cell)
        for i in new:
            notes[i] = (h.ids[0] if len(h.ids) == 1 else _lead(h), explained[i])
        remaining.difference_update(new)
    entries = sorted(named.values(), key=lambda e: -len(e.cells))
    return entries, notes


def _lead(h: Hypothesis) -> str:
    """The id a pair's cells are filed under: its formula or setting change before its habit."""
    return min(h.ids, key=lambda mid: (BY_ID[mid].kind == HABIT, ORDER[mid]))


def _pairs(sheet: Sheet, singles: list[Hypothesis]) -> list[Hypothesis]:
    """Two misconceptions at once: a formula or setting change with a habit, or two changes one of which explains
    something alone."""
    changes = [h for h in singles if BY_ID[h.ids[0]].kind != HABIT]
    habits = [h for h in singles if BY_ID[h.ids[0]].kind == HABIT]
    useful = [h for h in changes if sheet.explained(h)]
    out = [a + b for a in changes for b in habits]
    for a in useful:
        for b in changes:
            if b is not a and BY_ID[b.ids[0]].kind == FORMULA and (b not in useful or singles.index(b) >
                                                                   singles.index(a)):
                out.append(a + b)
    return out


# --- A cell nothing explains, and a part rounded too early ------------------------------------------------------

APPROX = 5e-3  # relative distance within which a slip is named as "about" that value


def _near(value: float, target: float) -> float:
    if not (math.isfinite(value) and math.isfinite(target)):
        return math.inf
    return abs(value - target) / max(abs(target), 1e-300)


def approximate(w: Written, p: Param) -> str | None:
    """The slip nearest a wrong value that no hypothesis explains exactly, said as an approximation: "ε left out
    (approximately)", "a power-of-ten slip (about 1/10 of the value), with ε left out". Named only when the
    written value is within APPROX of it and nearer to it than to the right value."""
    written_value = float(w.decimal)
    truths = [c[w.step][w.name] for c in (chain(p, own=False), chain(p, own=True))]
    trials = []  # (simplicity, slip text, power of ten, value, right value)
    for truth in truths:
        for k in (-1, 1, -2, 2, -3, 3):
            trials.append((1, "", k, truth * 10.0 ** k, truth))
    for m in CATALOGUE:
        if m.kind != FORMULA:
            continue
        replay = _replay(Hypothesis((m.id,)), p)
        if replay is None:
            continue
        # From the student's own written values only: a changed formula touches the cells it computes, so a slip
        # of x_t is never offered for a Δx_t.
        for c, truth in zip(replay[0][:1], truths[1:]):
            value = c[w.step][w.name]
            trials.append((0, _(m.text), 0, value, truth))
            if m.id == "eps_dropped":
                trials += [(2, _(m.text), k, value * 10.0 ** k, truth) for k in (-1, 1, -2, 2, -3, 3)]
    best: tuple[float, str] | None = None
    for simplicity, slip, k, value, truth in trials:
        if _near(value, truth) <= 1e-9 or not abs(written_value - value) < abs(written_value - truth):
            continue
        distance = _near(written_value, value) * (1 + simplicity / 4)
        if distance <= APPROX and (best is None or distance < best[0]):
            best = (distance, _slip_text(slip, k))
    return best[1] if best else None


def _slip_text(slip: str, k: int) -> str:
    if not k:
        return _("%(slip)s (approximately)") % {"slip": slip}
    times = (_("%(factor)d× the value") % {"factor": 10 ** k} if k > 0
             else _("1/%(factor)d of the value") % {"factor": 10 ** -k})
    ten = _("a power-of-ten slip (about %(times)s)") % {"times": times}
    return _("%(ten)s, with %(slip)s") % {"ten": ten, "slip": slip} if slip else ten


def _subtrees(node: rec.Node):
    """Every part of a formula that holds a quantity of the step (not only constants)."""
    if not rec.constant(node):
        yield node
    for child in rec.children(node):
        yield from _subtrees(child)


@functools.cache
def _with_part(tree: rec.Node, part: rec.Node) -> rec.Node:
    """``tree`` with ``part`` read from the value ``@part`` (compiled once, whatever it is rounded to)."""
    return replace_nodes(tree, lambda n: rec.Sym("@part") if n is part else None)


def rounded_part(w: Written, p: Param) -> str | None:
    """"rounded too early: with √(E[g²]_1 + ε) rounded to 0.0224 it is 0.0446429" when the written value follows
    from the formula with one part of it rounded to a few significant digits (the student's own values carried)."""
    if w.name in ("edx2_prev", "g_eff"):
        return None
    mode = rec.Mode.of(p.settings)
    tree = _formula(w.name, mode)
    for c in (chain(p, own=True), chain(p, own=False)):
        values = c[w.step]["@"]
        for part in _subtrees(tree):
            if part is tree:
                continue
            exact = rec.evaluate(part, values)
            for digits in range(6, 1, -1):
                rounded = float(f"{exact:.{digits - 1}e}") if math.isfinite(exact) and exact else exact
                if rounded == exact:
                    continue
                value = rec.evaluate(_with_part(tree, part), {**values, "@part": rounded})
                if agrees_at(w.decimal, w.place, value):
                    return _("rounded too early: with %(part)s rounded to %(rounded)s it is %(value)s") % {
                        "part": rec.render(part, rec.UNICODE, w.t), "rounded": numfmt.sig(rounded, digits),
                        "value": numfmt.sig(value)}
    return None
