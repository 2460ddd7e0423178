"""check on a family member's worksheet (``# optimizer = adam``, as ``worksheet --optimizer`` writes it): each
written cell judged by the digit rule against the member's trace of the sheet's gradients (its settings and start as
the sheet says them), else against what the student's own earlier written values imply, and a wrong one given the
named slip that explains it. Each slip is a change to the member's formulas (``SLIPS``), worked out from the
student's own values of that step, as Adadelta's catalogue is."""

from __future__ import annotations

import numpy as np

from adadelta_cli.errors import AdadeltaError, InputError
from adadelta_cli.features.family_trace import Traced
from adadelta_cli.features.stepping import MEMBERS
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking.digits import GIVEN, RIGHT, RIGHT_GIVEN, SIG_DIGITS, UNANSWERED, UNREADABLE, WRONG, judge
from adadelta_cli.marking.gradebook import Marked
from adadelta_cli.marking.slips import replace_nodes
from adadelta_cli.marking.verdicts import Verdict
from adadelta_cli.maths import family, recurrence, tree
from adadelta_cli.maths.tree import ONE, Add, Div, Hyper, Mul, Pow, Sqrt, Sub, Sym

# --- The slips: each a rewrite of some of a member's formulas (a node -> its replacement, or None) -----------------


def _eps_inside(node):
    """√a + ε written √(a + ε)."""
    if isinstance(node, Add) and isinstance(node.a, Sqrt) and isinstance(node.b, Hyper) and node.b.name == "eps":
        return Sqrt(node.a.a + node.b)
    return None


def _eps_outside(node):
    """√(a + ε) written √a + ε (the mirror, on a sheet of Keras's formulas)."""
    if isinstance(node, Sqrt) and isinstance(node.a, Add) and isinstance(node.a.b, Hyper) and node.a.b.name == "eps":
        return Sqrt(node.a.a) + node.a.b
    return None


def _no_sqrt(node):
    return node.a if isinstance(node, Sqrt) else None


def _bias(node):
    """a / (1 − β^t) written a; a / √(1 − β^t) written a: the bias correction forgotten."""
    if isinstance(node, Div) and isinstance(node.b, (Sub, Sqrt)) and isinstance(
            node.b.a if isinstance(node.b, Sqrt) else node.b.b, (Pow, Sub)):
        inner = node.b.a if isinstance(node.b, Sqrt) else node.b
        if isinstance(inner, Sub) and isinstance(inner.b, Pow):
            return node.a
    return None


def _swap(one: str, other: str):
    def rule(node):
        if isinstance(node, Hyper) and node.name in (one, other):
            return Hyper(other if node.name == one else one)
        return None
    return rule


def _weights_swapped(node):
    """w·a_{t−1} + (1 − w)·b written (1 − w)·a_{t−1} + w·b."""
    if isinstance(node, Add) and isinstance(node.a, Mul) and isinstance(node.b, Mul) and isinstance(node.a.a, Hyper) \
            and isinstance(node.b.a, Sub) and node.b.a.b == node.a.a:
        return (ONE - node.a.a) * node.a.b + node.a.a * node.b.b
    return None


def _sign(node):
    """x_{t−1} − u written x_{t−1} + u."""
    if isinstance(node, Sub) and isinstance(node.a, Sym) and node.a.name == "x" and node.a.prev:
        return node.a + node.b
    return None


def _not_summed(node):
    """G_{t−1} + g² written g²: the squares not accumulated."""
    if isinstance(node, Add) and isinstance(node.a, Sym) and node.a.name == "G" and node.a.prev:
        return node.b
    return None


def _lr_in_buffer(node):
    """SGD's buffer μ·b + (1 − τ)·g written μ·b + lr·g, and x − lr·b written x − b (the update's momentum, as
    Keras writes it)."""
    if isinstance(node, Add) and isinstance(node.b, Mul) and isinstance(node.b.a, Sub) and \
            isinstance(node.b.a.b, Hyper) and node.b.a.b.name == "dampening":
        return node.a + Hyper("lr") * node.b.b
    if isinstance(node, Mul) and isinstance(node.a, Hyper) and node.a.name == "lr" and isinstance(node.b, Sym) \
            and node.b.name == "b":
        return node.b
    return None


# id, what the student did (a sentence), the rewrite, the quantities it touches, the optimizers it belongs to
SLIPS = (
    ("eps_inside_root", N_("ε inside the square root"), _eps_inside, ("d",), ("adagrad", "rmsprop", "adam", "adamw")),
    ("eps_outside_root", N_("ε outside the square root"), _eps_outside, ("d",), ("adagrad", "rmsprop")),
    ("no_sqrt", N_("the square root forgotten"), _no_sqrt, ("d",), ("adagrad", "rmsprop", "adam", "adamw")),
    ("no_bias_correction", N_("the bias correction forgotten"), _bias, ("mhat", "vhat", "d", "x"), ("adam", "adamw")),
    ("betas_swapped", N_("β₁ and β₂ swapped"), _swap("beta1", "beta2"), ("m", "v"), ("adam", "adamw")),
    ("weights_swapped", N_("the average's weights swapped (w and 1 − w)"), _weights_swapped, ("m", "v", "gbar"),
     ("rmsprop", "adam", "adamw")),
    ("not_summed", N_("the squares not summed (G_t = g_t²)"), _not_summed, ("G",), ("adagrad",)),
    ("lr_in_buffer", N_("the momentum applied to the update instead of the gradient (b_t = μ·b_{t−1} + lr·g_t)"),
     _lr_in_buffer, ("b", "x"), ("sgd",)),
    ("sign", N_("the sign: x_t = x_{t−1} + …"), _sign, ("x",), ("adagrad", "rmsprop", "sgd", "adam", "adamw")),
)


# --- The sheet's trace -------------------------------------------------------------------------------------------


def traced(sheet) -> Traced:
    """The member's trace of the sheet's gradients, from its settings, start and state as its comment lines say."""
    name, comments = sheet.optimizer, sheet.comments
    if name not in MEMBERS:
        raise InputError(_f("'# optimizer = %(name)s': expected one of adadelta, %(known)s", name=name[:20],
                            known=", ".join(MEMBERS)), source=sheet.source)
    description = MEMBERS[name][0]
    sets = [f"{key}={comments[key.lower()]}" for key in description.settings if key.lower() in comments]
    states = [f"{key}={comments[f'{key}0'.lower()]}" for key in description.state if f"{key}0".lower() in comments]
    params = list(sheet.params)
    grads = np.array([[sheet.params[p][i]["g"] for p in params] for i in range(len(sheet.params[params[0]]))])
    try:
        x0 = [float(v) for v in comments.get("x0", "0").split(",")]
        make = Traced.given(name, {"preset": comments.get("preset")}, sets, states)
        return make(Gradients(grads, params, sheet.source), x0 * len(params) if len(x0) == 1 else x0)
    except (AdadeltaError, ValueError) as exc:
        raise InputError(_f("its settings cannot be read: %(why)s", why=getattr(exc, "message", str(exc))),
                         source=sheet.source) from None


# --- Marking -----------------------------------------------------------------------------------------------------


def _own_step(member: Traced, h: dict, before: dict, g: float, t: int, cells: dict, trees: dict) -> dict:
    """Step ``t`` worked out from the state the student carried (``before``: their written values where written),
    each quantity by its formula (``trees`` replacing some), a written value carried on in place of the one worked
    out; the values worked out, by name."""
    values = recurrence.step_values({"g": g}, before, h, member.description, t)
    out = {}
    for q in member.quantities:
        formula = trees.get(q.name) or q.formula(member.mode)
        if q.first is not None and values.get(f"{q.name}_prev") is None:
            formula = q.first(member.mode)
        with np.errstate(all="ignore"):
            try:
                out[q.name] = tree.evaluate(formula, values)
            except (ZeroDivisionError, OverflowError, ValueError):
                out[q.name] = float("nan")
        cell = cells.get(q.name)
        values[q.name] = out[q.name] if cell is None or cell.error else cell.number
    return out


def mark(sheet, sig_digits: int | None = None, rel_tol: float | None = None, *, last_digit: bool = False) -> Marked:
    """Every cell of a member's ``sheet`` (``marking.sheet.Worksheet``) judged, steps in order of t."""
    member = traced(sheet)
    h = family.resolve(member.description, member.h)[0]
    digits = sig_digits or sheet.sig_digits or SIG_DIGITS
    slips = [s for s in SLIPS if member.description.name in s[4]]
    inputs = {q.name: q.inputs(member.mode) for q in member.quantities}
    verdicts: list[Verdict] = []
    for p, param in enumerate(member.names):
        carried: dict = {}  # the student's written values of the step before, by name
        prior: tuple[dict, dict] = ({}, {})  # the step before's cells and right values
        for row, step in zip(sheet.params[param], member.steps):
            values, t, cells = step[p], row["t"], row["cells"]
            before = {k: carried.get(k, v) for k, v in member.before(values).items()}
            own = _own_step(member, h, before, row["g"], t, cells, {})
            for q in member.shown:
                verdict = _verdict(q, row, param, values[q], own[q], digits, rel_tol, last_digit)
                if verdict.status == RIGHT_GIVEN:  # the written values it rests on, where they are not right
                    verdict.given = [(k.removesuffix("_prev"), t - 1 if k.endswith("_prev") else t) for k in inputs[q]
                                     if _off(prior[0] if k.endswith("_prev") else cells,
                                             prior[1] if k.endswith("_prev") else values, k.removesuffix("_prev"))]
                elif verdict.status == WRONG:
                    _name_slip(verdict, slips, member,
                               lambda trees: _own_step(member, h, before, row["g"], t, cells, trees), digits,
                               rel_tol, last_digit)
                verdicts.append(verdict)
            prior = (cells, values)
            carried = {k: cells[k].number for k in member.before(values) if k in cells and not cells[k].error}
    return Marked(sheet.source, member.records().settings or {}, verdicts, sheet.student, sheet.variant,
                  notes=sheet.notes, headline=member.headline)


def _off(cells: dict, right: dict, name: str) -> bool:
    """Whether the student's written ``name`` differs from the right value."""
    cell = cells.get(name)
    return cell is not None and not cell.error and name in right and cell.number != right[name]


def _verdict(name: str, row: dict, param: str, right: float, own: float, digits: int, rel_tol, last_digit) -> Verdict:
    """A cell's verdict by the digit rule: against the right value, else (right_given) against what the student's
    own earlier values imply."""
    cell = row["cells"].get(name)
    verdict = Verdict(row["t"], param, name, None if cell is None else cell.text, right, line=row["line"])
    if cell is None:
        verdict.status = UNANSWERED if name in row["asked"] else GIVEN
        return verdict
    if cell.error:
        verdict.status, verdict.rounding = UNREADABLE, cell.error
        return verdict
    if cell.given:
        verdict.status = GIVEN
        verdict.changed = judge(cell.text, right, digits, rel_tol, last_digit=last_digit) == WRONG
        return verdict
    verdict.status = judge(cell.text, right, digits, rel_tol, last_digit=last_digit)
    if verdict.status == WRONG and own == own and own != right:
        verdict.own = own
        if judge(cell.text, own, digits, rel_tol, last_digit=last_digit) == RIGHT:
            verdict.status = RIGHT_GIVEN
    return verdict


def _name_slip(verdict: Verdict, slips, member, replay, digits: int, rel_tol, last_digit) -> None:
    """The first slip whose changed formulas, worked from the student's own values, give the written value."""
    for slip_id, text, rule, quantities, _members in slips:
        trees = {q.name: replace_nodes(q.formula(member.mode), rule) for q in member.quantities
                 if q.name in quantities}
        if all(trees[q.name] is q.formula(member.mode) for q in member.quantities if q.name in trees):
            continue  # the rule changes nothing in this mode
        value = replay(trees).get(verdict.name)
        assert verdict.written is not None
        if value is not None and value == value and judge(verdict.written, value, digits, rel_tol,
                                                         last_digit=last_digit) != WRONG:
            verdict.slip, verdict.slip_id = _(text), slip_id
            return
