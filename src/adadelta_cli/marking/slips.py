"""The catalogue of slips: each misconception a change to the step description (``recurrence``), with a stable id.

A formula changed (ε left out, the fraction upside down, E[Δx²] never updated ...), a setting changed (another ρ or
ε, found by fitting), or the arithmetic changed (truncation, early rounding, float32, a power of ten). A
``Hypothesis`` is some of them at once, with the values they take.

>>> [m.id for m in CATALOGUE][:4]
['sign_dx', 'x_sign', 'eps_dropped', 'eps_outside_root']
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from adadelta_cli import numfmt
from adadelta_cli.formats.phrases import Num, Phrase, symbols
from adadelta_cli.i18n import N_, _
from adadelta_cli.maths import recurrence as rec
from adadelta_cli.maths import tree

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
    return isinstance(node, tree.Sym) and node.name == name and (prev is None or node.prev == prev)


def _is_hyper(node, name: str) -> bool:
    return isinstance(node, tree.Hyper) and node.name == name


def _one_minus_rho(node) -> bool:
    return (isinstance(node, tree.Sub) and isinstance(node.a, tree.Num) and node.a.value == 1
            and _is_hyper(node.b, "rho"))


def _gradient(mode: rec.Mode) -> tree.Node:
    return tree.Sym("g_eff") if mode.g_eff else tree.Sym("g")


def replace_nodes(node: tree.Node, rule) -> tree.Node:
    """``node`` with every subtree for which ``rule`` returns a replacement replaced (outermost first); ``node``
    itself where nothing is."""
    new = rule(node)
    if new is not None:
        return new
    kids = tree.children(node)
    parts = [replace_nodes(kid, rule) for kid in kids]
    return node if all(a is b for a, b in zip(parts, kids)) else type(node)(*parts)


def changed(node: tree.Node, rule) -> tree.Node | None:
    """``replace_nodes``, or None when the rule changes nothing."""
    new = replace_nodes(node, rule)
    return None if new is node else new


@functools.cache
def formula(name: str, mode: rec.Mode) -> tree.Node:
    return rec.BY_NAME[name].formula(mode)


def _edx2_now(mode: rec.Mode) -> tree.Node:
    """E[Δx²]_t written out with Δx_t and η_t substituted (what TensorFlow 1.0's η read)."""
    eta_now = formula("eta", mode)
    dx_now = replace_nodes(formula("dx", mode), lambda n: eta_now if _is_sym(n, "eta") else None)
    return replace_nodes(formula("edx2", mode), lambda n: dx_now if _is_sym(n, "dx") else None)


RHO_SWAPPED = N_("ρ and 1−ρ swapped")
ORDERING_BUG = N_("%(edx2_t)s used where %(edx2_prev)s belongs (the update order of TensorFlow 1.0, tensorflow#9058)")
STALE_EDX2 = N_("%(edx2)s updated with the previous step's %(dx_prev)s before %(eta_t)s reads it (%(edx2_t)s where "
                "%(edx2_prev)s belongs)")
LR_BEFORE = N_("lr applied before the accumulator (%(edx2)s takes the unscaled %(dx_t)s; lr scales only the step "
               "applied to x)")
EPS_LEFT_OUT = N_("ε left out")

CATALOGUE: tuple[Misconception, ...] = (
    Misconception("sign_dx", N_("the sign: %(dx_t)s = −%(eta_t)s·%(g_t)s"), FORMULA, ("dx",),
                  lambda n, mode: n.a if isinstance(n, tree.Neg) else None, "Zeiler 2012, Algorithm 1, line 5"),
    Misconception("x_sign", N_("the sign: %(x_t)s = %(x_prev)s + lr·%(dx_t)s"), FORMULA, ("x",),
                  lambda n, mode: tree.Sub(n.a, n.b) if isinstance(n, tree.Add) and _is_sym(n.a, "x", prev=True)
                  else None, "Zeiler 2012, Algorithm 1, line 7"),
    Misconception("eps_dropped", EPS_LEFT_OUT, FORMULA, ("eta",),
                  lambda n, mode: tree.Num(0) if _is_hyper(n, "eps") else None,
                  "the article's own second example (Δx ≈ −0.0201 is its value without ε)"),
    Misconception("eps_outside_root", N_("ε outside the roots"), FORMULA, ("eta",),
                  lambda n, mode: tree.Add(tree.Sqrt(n.a.a), n.a.b) if isinstance(n, tree.Sqrt)
                  and isinstance(n.a, tree.Add) and _is_hyper(n.a.b, "eps") else None),
    Misconception("no_sqrt", N_("the square roots forgotten"), FORMULA, ("eta",),
                  lambda n, mode: n.a if isinstance(n, tree.Sqrt) else None),
    Misconception("numerator_root_missing", N_("the square root missing in the numerator"), FORMULA, ("eta",),
                  lambda n, mode: tree.Div(n.a.a, n.b) if isinstance(n, tree.Div) and isinstance(n.a, tree.Sqrt)
                  else None),
    Misconception("fraction_inverted", N_("the fraction upside down"), FORMULA, ("eta",),
                  lambda n, mode: tree.Div(n.b, n.a) if isinstance(n, tree.Div) else None),
    Misconception("rho_swapped", RHO_SWAPPED, FORMULA, ("eg2", "edx2"),
                  lambda n, mode: tree.Hyper("rho") if _one_minus_rho(n) else tree.ONE - tree.Hyper("rho")
                  if _is_hyper(n, "rho") else None),
    Misconception("wrong_rho", N_("ρ = %(value)s%(whose)s instead of %(right)s"), SETTING),
    Misconception("wrong_eps", N_("ε = %(value)s%(whose)s instead of %(right)s"), SETTING),
    Misconception("eg2_previous", N_("%(eg2_prev)s used where %(eg2_t)s belongs (as TensorFlow.js does)"), FORMULA,
                  ("eta",), lambda n, mode: tree.Sym("eg2", prev=True) if _is_sym(n, "eg2", prev=False) else None,
                  "TensorFlow.js tf.train.adadelta"),
    # The mirror, on a sheet of TensorFlow.js's order: Algorithm 1's E[g²]_t where the framework reads E[g²]_{t−1}.
    Misconception("eg2_current", N_("%(eg2_t)s used where TensorFlow.js reads %(eg2_prev)s (Algorithm 1's order)"),
                  FORMULA, ("eta",), lambda n, mode: tree.Sym("eg2") if _is_sym(n, "eg2", prev=True) else None,
                  "Zeiler 2012, Algorithm 1"),
    Misconception("edx2_not_updated", N_("%(edx2)s never updated (it stays at %(edx2_0)s; the article never states "
                                         "its update)"), FORMULA, ("edx2",),
                  lambda n, mode: tree.Sym("edx2", prev=True) if isinstance(n, tree.Add) else None,
                  "the article states no E[Δx²] update"),
    Misconception("edx2_current", ORDERING_BUG, FORMULA, ("eta",),
                  lambda n, mode: _edx2_now(mode) if _is_sym(n, "edx2", prev=True) else None, "tensorflow#9058"),
    Misconception("g_not_squared", N_("%(g_t)s not squared"), FORMULA, ("eg2",),
                  lambda n, mode: n.a if isinstance(n, tree.Square) else None),
    Misconception("edx2_accumulates_g2", N_("g² accumulated into %(edx2)s (it averages the squared updates %(dx_t)s²)"),
                  FORMULA, ("edx2",), lambda n, mode: _gradient(mode) if _is_sym(n, "dx") else None),
    Misconception("lr_in_accumulator", LR_BEFORE, FORMULA, ("edx2",),
                  lambda n, mode: tree.Mul(tree.Hyper("lr"), n) if _is_sym(n, "dx") else None, lr_only=True),
    # The same, with Δx_t itself written scaled by lr (and x_t = x_{t−1} + Δx_t): a program that applies lr first.
    Misconception("lr_in_update", LR_BEFORE, FORMULA, ("dx", "x"),
                  lambda n, mode: tree.Mul(tree.Hyper("lr"), n) if isinstance(n, tree.Neg)
                  else n.b if isinstance(n, tree.Mul) and _is_hyper(n.a, "lr") and _is_sym(n.b, "dx") else None,
                  lr_only=True),
    Misconception("power_of_ten", N_("a power-of-ten slip (%(times)s)"), HABIT),
    Misconception("edx2_stale", STALE_EDX2, FORMULA, ("eta", "edx2"),
                  lambda n, mode: tree.Sym("dx", prev=True) if _is_sym(n, "dx", prev=False) else None),
    Misconception("eg2_decay_dropped", N_("the ρ·%(eg2_prev)s term left out"), FORMULA, ("eg2",),
                  lambda n, mode: n.b if isinstance(n, tree.Add) and isinstance(n.a, tree.Mul)
                  and _is_hyper(n.a.a, "rho") else None),
    Misconception("dx_not_squared", N_("%(dx_t)s not squared"), FORMULA, ("edx2",),
                  lambda n, mode: n.a if isinstance(n, tree.Square) else None),
    Misconception("lr_dropped", N_("the learning rate left out"), FORMULA, ("x",),
                  lambda n, mode: tree.ONE if _is_hyper(n, "lr") else None, lr_only=True),
    Misconception("truncation", N_("values truncated instead of rounded"), HABIT),
    Misconception("early_rounding", N_("intermediate results rounded too early (%(how)s)"), HABIT),
    Misconception("float32", N_("float32 arithmetic (a float32 program's values, checked as float64)"), HABIT),
)
BY_ID = {m.id: m for m in CATALOGUE}
ORDER = {m.id: i for i, m in enumerate(CATALOGUE)}

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
    stale = replace_nodes(formula("edx2", mode), lambda n: tree.Sym("dx", prev=True) if _is_sym(n, "dx") else None)
    return {"edx2_prev": stale, "edx2": tree.Sym("edx2", prev=True)}


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
        return (len(self.ids) + fitted, *sorted(ORDER[i] for i in self.ids))


def formulas(h: Hypothesis, mode: rec.Mode, *, lr_matters: bool) -> dict[str, tree.Node] | None:
    """The formulas ``h`` changes (quantity -> tree), or None where it changes nothing in this mode."""
    out: dict[str, tree.Node] = {}
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
            tree = out.get(name, formula(name, mode))
            new = changed(tree, lambda n, m=m: m.rule(n, mode))
            if new is not None:
                out[name], hit = new, True
        if not hit:
            return None
    return out


@functools.cache
def rounder(how):
    kind, n = how
    if kind == "part":
        return None
    if kind == "sig":
        return lambda v: float(f"{v:.{n - 1}e}") if math.isfinite(v) and v else v
    return lambda v: round(v, n) if math.isfinite(v) else v


def text_of(h: Hypothesis, mid: str, settings) -> str:
    """The sentence of ``mid`` in ``h``, its values in it: "ρ = 0.9 (the default of pytorch, optax, mxnet) instead
    of 0.95", "intermediate results rounded too early (to 3 significant digits)"."""
    value = h.value(mid)
    if mid in ("wrong_rho", "wrong_eps"):
        from adadelta_cli.maths.presets import PRESETS

        key = "rho" if mid == "wrong_rho" else "eps"
        whose = [name for name, preset in PRESETS.items() if preset.get(key) == value and name != "article"]
        whose_text = _(" (the default of %(presets)s)") % {"presets": ", ".join(whose[:3])} if whose else ""
        return Phrase(_(BY_ID[mid].text), value=Num(numfmt.sig(value)), whose=whose_text,
                      right=Num(numfmt.sig(getattr(settings, key))))
    if mid == "early_rounding" and value is not None:
        if value[0] == "part":
            return _("a value rounded too early, part way through a formula")
        how = _("to %(n)d significant digits") if value[0] == "sig" else _("to %(n)d decimal places")
        return Phrase(_(BY_ID[mid].text), how=how % {"n": value[1]})
    if mid == "power_of_ten":
        return _("a power-of-ten slip (one value 10× or 1/10 of what it should be, carried on)")
    if mid == "float32" and settings.dtype == "float32":
        return _("float32 arithmetic in another order of operations than PyTorch's (within a few float32 units)")
    return Phrase(_(BY_ID[mid].text), **symbols())
