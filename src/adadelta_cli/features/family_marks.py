"""check on a family member's worksheet (``# optimizer = adam``, as ``worksheet --optimizer`` writes it): each
written cell judged by the digit rule against the member's trace of the sheet's gradients (its settings and start as
the sheet says them), else against what the student's own earlier written values imply, and a wrong one given the
named slip that explains it. Each slip is a change to the member's formulas (``SLIPS``), worked out from the
student's own values of that step, as Adadelta's catalogue is."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from adadelta_cli.errors import AdadeltaError, InputError, SettingsError
from adadelta_cli.features.family_trace import Traced
from adadelta_cli.features.stepping import MEMBERS
from adadelta_cli.formats import phrases
from adadelta_cli.formats.phrases import Phrase
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking.digits import (
    EXACT,
    GIVEN,
    RIGHT,
    RIGHT_GIVEN,
    SIG_DIGITS,
    TOO_FEW,
    UNANSWERED,
    UNREADABLE,
    WRONG,
    as_decimal,
    judge,
    significant_digits,
    within,
)
from adadelta_cli.marking.gradebook import Marked
from adadelta_cli.marking.replay import ten_text, truncated_text
from adadelta_cli.marking.slips import BY_ID, replace_nodes
from adadelta_cli.marking.verdicts import Cell, Verdict
from adadelta_cli.maths import family, recurrence, tree
from adadelta_cli.maths.tree import ONE, Add, Div, Hyper, Mul, Pow, Sqrt, Sub, Sym

# --- The slips: each a rewrite of some of a member's formulas (a node -> its replacement, or None) -----------------


def _eps_inside(node):
    """√a + ε written √(a + ε); Adam's √v/√(1 − β₂^t) + ε written √(v̂_t + ε)."""
    if isinstance(node, Add) and isinstance(node.b, Hyper) and node.b.name == "eps":
        if isinstance(node.a, Sqrt):
            return Sqrt(node.a.a + node.b)
        if isinstance(node.a, Div) and isinstance(node.a.a, Sqrt) and isinstance(node.a.b, Sqrt):
            return Sqrt(Sym("vhat") + node.b)
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
    """x_{t−1} − u written x_{t−1} + u (x_{t−1}·(1 − lr·wd) − u too)."""
    start = node.a.a if isinstance(node, Sub) and isinstance(node.a, Mul) else getattr(node, "a", None)
    if isinstance(node, Sub) and isinstance(start, Sym) and start.name == "x" and start.prev:
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
    ("betas_swapped", N_("β₁ and β₂ swapped"), _swap("beta1", "beta2"), ("m", "v", "mhat", "vhat", "d", "x"),
     ("adam", "adamw")),
    ("weights_swapped", N_("the average's weights swapped (w and 1 − w)"), _weights_swapped, ("m", "v", "gbar"),
     ("rmsprop", "adam", "adamw")),
    ("not_summed", N_("the squares not summed (%(G_t)s = %(g_t)s²)"), _not_summed, ("G",), ("adagrad",)),
    ("lr_in_buffer", N_("the momentum applied to the update instead of the gradient (%(b_t)s = μ·%(b_prev)s + "
                        "lr·%(g_t)s)"), _lr_in_buffer, ("b", "x"), ("sgd",)),
    ("sign", N_("the sign: %(x_t)s = %(x_prev)s + …"), _sign, ("x",), ("adagrad", "rmsprop", "sgd", "adam", "adamw")),
)
# The symbols a slip's sentence names, each writer spelling them in its notation.
SYMBOLS = {"G_t": phrases.Sym("G"), "g_t": phrases.Sym("g"), "b_t": phrases.Sym("b"),
           "b_prev": phrases.Sym("b", prev=True), "x_t": phrases.Sym("x"), "x_prev": phrases.Sym("x", prev=True)}


def _first_in_buffer(node):
    """The first buffer, b₁ = g₁, written lr·g₁ (lr_in_buffer's, before there is a buffer)."""
    return Hyper("lr") * node if isinstance(node, Sym) and node.name in ("g", "g_eff") else None


FIRST = {"lr_in_buffer": _first_in_buffer}  # a slip's rewrite of a quantity's first formula, where it has one


# --- The sheet's trace -------------------------------------------------------------------------------------------

SETTINGS_OPTIONS = ("rho", "eps", "lr", "weight_decay", "maximize", "preset", "dtype", "eg2_init", "edx2_init")


def traced(sheet, given: dict | None = None) -> Traced:
    """The member's trace of the sheet's gradients, from its settings, start and state as its comment lines say
    (the settings options, ``given``, are Adadelta's sheets': refused here, not silently ignored)."""
    name, comments = sheet.optimizer, sheet.comments
    if name not in MEMBERS:
        raise InputError(_f("'# optimizer = %(name)s': expected one of adadelta, %(known)s", name=name[:20],
                            known=", ".join(MEMBERS)), source=sheet.source)
    found = [key for key in SETTINGS_OPTIONS if (given or {}).get(key) is not None]
    if found:
        raise InputError(_f("is a worksheet of %(optimizer)s, which carries its own settings: the settings options "
                            "(%(options)s) are for Adadelta's sheets", optimizer=name,
                            options=", ".join("--" + key.replace("_", "-") for key in found)), source=sheet.source)
    description = MEMBERS[name][0]
    convention = family.CONVENTIONS.get(comments.get("preset", "").lower())
    unset = ("0", "0.0", "false")  # (a Keras sheet may still write torch's settings Keras lacks, unset)
    settings = [key for key in description.settings if key.lower() in comments
                and not (convention and key in family.lacking(comments["preset"].lower(), description.name)
                         and comments[key.lower()].lower() in unset)]
    states = [key for key in description.state if f"{key}0".lower() in comments]
    params = list(sheet.params)
    grads = np.array([[sheet.params[p][i]["g"] for p in params] for i in range(len(sheet.params[params[0]]))])
    x0_text = comments.get("x0", "0")
    try:
        lr = [f"lr={comments['lr']}"] if "lr" in settings else []  # (a framework may have no default lr)
        for key in settings:  # each read alone first (with lr): the message names the one that is bad
            Traced.given(name, {"preset": comments.get("preset")}, [f"{key}={comments[key.lower()]}",
                                                                    *(lr if key != "lr" else [])], [])
        make = Traced.given(name, {"preset": comments.get("preset")},
                            [f"{key}={comments[key.lower()]}" for key in settings],
                            [f"{key}={comments[f'{key}0'.lower()]}" for key in states])
        x0 = [float(v) for v in x0_text.split(",")]
    except (SettingsError, InputError) as exc:
        raise InputError(_f("its settings cannot be read: %(why)s", why=exc.message.removeprefix("--set ")),
                         source=sheet.source) from None
    except ValueError:
        raise InputError(_f("'# x0 = %(value)s': expected a number, or one a parameter", value=x0_text[:40]),
                         source=sheet.source) from None
    if len(x0) not in (1, len(params)):
        raise InputError(_f("'# x0 = %(value)s' gives %(count)s values for %(params)s parameters; expected one, or "
                            "one a parameter", value=x0_text[:40], count=len(x0), params=len(params)),
                         source=sheet.source)
    try:
        member = make(Gradients(grads, params, sheet.source), x0 * len(params) if len(x0) == 1 else x0)
        member.steps  # noqa: B018  (computed now: a value that is not finite is this sheet's error)
    except AdadeltaError as exc:
        raise InputError(exc.message, source=sheet.source) from None
    unknown = [c for c in sheet.columns if c not in ("t", "param", "g", "", *member.shown)]
    asked = comments.get("asked", "")
    unknown += [c.strip() for c in asked.split(",") if c.strip() and c.strip() not in member.shown]
    if unknown:
        raise InputError(_f("%(columns)s: not a quantity of %(optimizer)s, whose sheet has %(known)s",
                            columns=", ".join(dict.fromkeys(unknown)), optimizer=member.title,
                            known=", ".join(member.shown)), source=sheet.source)
    return member


# --- Marking -----------------------------------------------------------------------------------------------------


def _own_step(member: Traced, h: dict, before: dict, g: float, t: int, cells: dict, trees: dict,
              firsts: dict | None = None) -> tuple[dict, dict]:
    """Step ``t`` worked out from the state the student carried (``before``: their written values where written),
    each quantity by its formula (``trees``, ``firsts`` replacing some), a written value carried on in place of the
    one worked out: the values worked out by name, and every value the step's formulas read."""
    values = recurrence.step_values({"g": g}, before, h, member.description, t)
    out = {}
    for q in member.quantities:
        out[q.name] = _evaluate(_formula(member, q, values, trees, firsts), values)
        cell = cells.get(q.name)
        values[q.name] = out[q.name] if cell is None or cell.error else cell.number
    return out, values


def _formula(member: Traced, q, values: dict, trees: dict | None = None, firsts: dict | None = None):
    """The formula ``q`` is worked out by at this step: its first one while its state holds nothing yet (SGD's
    b₁ = g₁), a slip's rewrite (``trees``, ``firsts``) in place of either."""
    if q.first is not None and values.get(f"{q.name}_prev") is None:
        return (firsts or {}).get(q.name) or q.first(member.mode)
    return (trees or {}).get(q.name) or q.formula(member.mode)


def _evaluate(formula, values: dict) -> float:
    with np.errstate(all="ignore"):
        try:
            return tree.evaluate(formula, values)
        except (ZeroDivisionError, OverflowError, ValueError):
            return float("nan")


def _half_unit(cell) -> float:
    """Half a unit in the last digit a cell is written to: how far a value carried as written may be off (a value
    the sheet gives is its key's, to at least six significant digits, shorter only where it is exact)."""
    written = as_decimal(cell.text)
    place = int(written.as_tuple().exponent)
    if cell.given and not written.is_zero():
        place = min(place, written.adjusted() - 5)
    return 0.5 * 10.0 ** place


def _spread(member: Traced, name: str, values: dict, units: dict) -> float:
    """How far ``name`` worked out from the student's written values may move as each of them moves by its half
    unit: a difference of two rounded values (x_t − x_{t−1}) is known to fewer digits than either."""
    q = next(q for q in member.quantities if q.name == name)
    formula = _formula(member, q, values)
    base = _evaluate(formula, values)
    spread = 0.0
    for key in q.inputs(member.mode):
        if key in units:
            moved = _evaluate(formula, {**values, key: values[key] + units[key]})
            spread += abs(moved - base) if moved == moved and base == base else 0.0
    return spread


def mark(sheet, sig_digits: int | None = None, rel_tol: float | None = None, *, last_digit: bool = False,
         given: dict | None = None) -> Marked:
    """Every cell of a member's ``sheet`` (``marking.sheet.Worksheet``) judged, steps in order of t."""
    member = traced(sheet, given)
    h = family.resolve(member.description, member.h)[0]
    digits = sig_digits or sheet.sig_digits or SIG_DIGITS
    slips = [s for s in SLIPS if member.description.name in s[4]]
    inputs = {q.name: q.inputs(member.mode) for q in member.quantities}
    # The values by the settings as written, none rounded to float32 as the framework holds them: a hand's exact
    # 0.29 (0.9·0.1 + 0.2) is exact, however few its digits, though μ held in float32 makes it 0.2899999976.
    nominal = replace(member, h={**member.h, "nominal": True}).steps if member.framework else member.steps
    verdicts: list[Verdict] = []
    for p, param in enumerate(member.names):
        carried: dict = {}  # the student's written values of the step before, by name
        prior: tuple[dict, dict] = ({}, {})  # the step before's cells and right values
        for row, step, exact in zip(sheet.params[param], member.steps, nominal):
            values, t, cells = step[p], row["t"], row["cells"]
            before = {k: carried.get(k, v) for k, v in member.before(values).items()}
            own, read = _own_step(member, h, before, row["g"], t, cells, {})
            # how far each value carried as written (the student's, or the sheet's given to its key's digits) may be off
            units = {**{f"{k}_prev": _half_unit(c) for k, c in prior[0].items() if k in carried},
                     **{k: _half_unit(c) for k, c in cells.items() if not c.error}}
            for q in member.shown:
                spread = _spread(member, q, read, units)
                verdict = _verdict(q, row, param, values[q], own[q], spread, digits, rel_tol, last_digit)
                if verdict.status == TOO_FEW and within(as_decimal(verdict.written or "0"), exact[p][q], EXACT):
                    verdict.status = RIGHT  # exact by the settings as written
                if verdict.status == RIGHT_GIVEN:  # the written values it rests on, where they are not right
                    verdict.given = [(k.removesuffix("_prev"), t - 1 if k.endswith("_prev") else t) for k in inputs[q]
                                     if _off(prior[0] if k.endswith("_prev") else cells,
                                             prior[1] if k.endswith("_prev") else values, k.removesuffix("_prev"))]
                elif verdict.status == WRONG:
                    verdict.own = own[q] if verdict.own is None else verdict.own
                    _name_slip(verdict, slips, member,
                               lambda trees, firsts, **changed: _own_step(member, {**h, **changed}, before, row["g"],
                                                                          t, cells, trees, firsts)[0],
                               digits, rel_tol, last_digit, spread)
                verdicts.append(verdict)
            prior = (cells, values)
            carried = {k: cells[k].number for k in member.before(values) if k in cells and not cells[k].error}
    return Marked(sheet.source, member.records().settings or {}, verdicts, sheet.student, sheet.variant,
                  notes=sheet.notes, headline=member.headline, diagnosis_text=_diagnosis(verdicts))


def _diagnosis(verdicts: list[Verdict]) -> str:
    """The slips named on the sheet, the most cells first: what a teacher reads first."""
    counts: dict[str, int] = {}
    truncation = BY_ID["truncation"].text  # apart: Babel before 2.19 takes the key inside _() for a message
    for v in verdicts:
        slip = v.slip or (_(truncation) if v.slip_id == "truncation" else None)
        if slip:
            counts[slip] = counts.get(slip, 0) + 1
    if not counts:
        return ""
    return _("Diagnosis: %(slips)s") % {"slips": "; ".join(
        _f("%(slip)s (%(count)s cells)", slip=slip, count=count) if count > 1 else slip
        for slip, count in sorted(counts.items(), key=lambda item: -item[1]))}


def _off(cells: dict, right: dict, name: str) -> bool:
    """Whether the student's written ``name`` differs from the right value."""
    cell = cells.get(name)
    return cell is not None and not cell.error and name in right and cell.number != right[name]


def _verdict(name: str, row: dict, param: str, right: float, own: float, spread: float, digits: int, rel_tol,
             last_digit) -> Verdict:
    """A cell's verdict by the digit rule: against the right value, else against what the student's own earlier
    values imply (right_given; within how far those, rounded as written, let it move: ``spread``)."""
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
    if verdict.status in (WRONG, TOO_FEW) and own == own and own != right:
        mine = judge(cell.text, own, digits, rel_tol, last_digit=last_digit)
        if mine == WRONG and abs(cell.number - own) <= spread + _half_unit(cell):
            mine = RIGHT if significant_digits(cell.text) >= digits else TOO_FEW
        if mine == RIGHT or (mine == TOO_FEW and verdict.status == WRONG):
            verdict.status = RIGHT_GIVEN if mine == RIGHT else TOO_FEW
            verdict.own = own
        elif verdict.status == WRONG:
            verdict.own = own
    return verdict


def _name_slip(verdict: Verdict, slips, member, replay, digits: int, rel_tol, last_digit, spread: float) -> None:
    """The first slip whose changed formulas, worked from the student's own values, give the written value (to all
    its digits, within how far those values, rounded as written, let it move: a value that agrees only to fewer
    digits is not explained by it)."""
    def fits(verdict: Verdict, value) -> bool:
        assert verdict.written is not None
        if value is None or value != value:
            return False
        if judge(verdict.written, value, digits, rel_tol, last_digit=last_digit) == RIGHT:
            return True
        written = Cell(verdict.written)
        return significant_digits(verdict.written) >= digits and abs(written.value - value) <= spread + _half_unit(
            written)

    if verdict.own is not None and truncated_text(as_decimal(verdict.written or "0"), verdict.own):
        return _name_habit(verdict, fits)  # a value cut off below a unit: no formula's slip is needed to explain it
    for slip_id, text, rule, quantities, _members in slips:
        trees = {q.name: replace_nodes(q.formula(member.mode), rule) for q in member.quantities
                 if q.name in quantities}
        firsts = {q.name: replace_nodes(q.first(member.mode), FIRST[slip_id]) for q in member.quantities
                  if q.first is not None and q.name in quantities and slip_id in FIRST}
        if all(trees[q.name] is q.formula(member.mode) for q in member.quantities if q.name in trees) and not firsts:
            continue  # the rule changes nothing in this mode
        value = replay(trees, firsts).get(verdict.name)
        if value in (verdict.own, verdict.computed):
            continue  # the slip does not touch this quantity: it explains nothing here
        if fits(verdict, value) and not (slip_id.startswith("eps_") and fits(verdict, replay(trees, firsts, eps=0.0)
                                                                           .get(verdict.name))):
            # (where ε is too small to tell inside from outside the root, its place explains nothing)
            verdict.slip, verdict.slip_id = Phrase(_(text), **SYMBOLS), slip_id
            return
    _name_habit(verdict, fits)


def _name_habit(verdict: Verdict, fits) -> None:
    """A habit of arithmetic that explains the written value where no formula's slip does: the value (the
    student's own, else the right one) truncated instead of rounded, or written 10× or 1/10 of itself."""
    assert verdict.written is not None
    values = [v for v in (verdict.own, verdict.computed) if v is not None]
    for value in values:
        text = truncated_text(as_decimal(verdict.written), value)
        if text:
            verdict.rounding, verdict.slip_id = text, "truncation"
            return
    for value in values:
        for k in (1, -1):
            if fits(verdict, value * 10.0 ** k):
                verdict.slip, verdict.slip_id = ten_text(k), "power_of_ten"
                return
