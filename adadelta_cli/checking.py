"""Marking hand calculations: each written value against the computed one, to the digits that were written.

A cell is judged twice: against the true trace, and against what the student's own earlier values imply, so
that one early slip does not mark every later cell wrong. Where a wrong value fits a common slip (ε left out,
a power of ten, a sign, the ordering bug, a forgotten square root ...), the slip is named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from . import core
from .core import Settings
from .errors import InputError
from .i18n import N_, _, _f
from .readers import EXPECTED_NUMBER, parse_number

# The checkable quantities, in the order a step computes them.
QUANTITIES = ("edx2_prev", "eg2", "eta", "dx", "edx2", "x")
LABELS = {"eg2": "E[g²]_{t}", "edx2_prev": "E[Δx²]_{p}", "eta": "η_{t}", "dx": "Δx_{t}", "edx2": "E[Δx²]_{t}",
          "x": "x_{t}"}
APPROX = 5e-3
EPS_LEFT_OUT = N_("ε left out")  # relative distance within which a slip is named as "about" that value


def label(name: str, t: int) -> str:
    """The article's notation for a quantity at step t: E[g²]_2, η_2, E[Δx²]_1 (for edx2_prev at t = 2)."""
    return LABELS[name].format(t=t, p=t - 1)


@dataclass
class Cell:
    """One value written by hand."""

    text: str
    line: int | None = None
    column: int | None = None

    @property
    def value(self) -> float:
        return parse_number(_clean(self.text), line=self.line, column=self.column, what=N_("a written value"))


@dataclass
class Verdict:
    t: int
    param: str
    name: str  # eg2, eta, ...
    written: str | None  # None: blank, not checked
    computed: float  # the true value
    status: str = "blank"  # right | right_given | wrong | blank
    own: float | None = None  # what the student's own earlier values imply, where that differs
    given: list[str] = field(default_factory=list)  # the earlier values a right_given verdict rests on
    slip: str | None = None
    line: int | None = None

    @property
    def label(self) -> str:
        return label(self.name, self.t)

    @property
    def right(self) -> bool:
        return self.status in ("right", "right_given")

    def as_dict(self) -> dict:
        return {"t": self.t, "param": self.param, "name": self.name, "written": self.written,
                "computed": self.computed, "status": self.status, "own": self.own, "given": self.given,
                "slip": self.slip, "line": self.line}


def _clean(text: str) -> str:
    """A written value without the marks people add: ≈, ~, spaces."""
    return text.strip().lstrip("≈~").strip()


def last_place(text: str) -> int:
    """The decimal exponent of the last digit written: -4 for 0.0005, -5 for 1.0e-4, 0 for 12."""
    try:
        return Decimal(_clean(text).replace("\u2212", "-")).as_tuple().exponent
    except InvalidOperation:
        raise InputError(_f('%(text)s is not a number; %(expected)s',
                            text=repr(text), expected=_(EXPECTED_NUMBER))) from None


def agrees(text: str, computed: float, rel_tol: float | None = None) -> bool:
    """True when ``computed``, rounded at the last digit written in ``text``, is what was written.

    >>> agrees("0.0005", 0.0005000000000000004), agrees("-0.0201", -0.0201969302998739)
    (True, False)
    >>> agrees("-0.0201", -0.02010075630518424), agrees("0.201", 0.2019693, rel_tol=0.01)
    (True, True)
    """
    if not math.isfinite(computed):
        return False
    written = Decimal(_clean(text).replace("\u2212", "-"))
    exact = Decimal(computed)
    half = Decimal(5).scaleb(last_place(text) - 1)
    if abs(exact - written) <= half:
        return True
    return rel_tol is not None and abs(exact - written) <= Decimal(rel_tol) * abs(exact)


def _near(value: float, target: float) -> float:
    """Relative distance, for ranking candidate slips."""
    if not (math.isfinite(value) and math.isfinite(target)):
        return math.inf
    return abs(value - target) / max(abs(target), 1e-300)


@dataclass
class Context:
    """The inputs of one step's formulas, as the student had them (or as they truly are)."""

    g_eff: float
    eg2_prev: float
    edx2_prev: float
    x_prev: float
    eg2: float
    eta: float
    dx: float


def _candidates(name: str, c: Context, s: Settings, true_value: float) -> list[tuple[str, float]]:
    """(slip, the value that slip gives) for the quantity ``name``."""
    rho, eps, lr = s.rho, s.eps, s.lr
    root = math.sqrt
    out: list[tuple[str, float]] = [("", true_value)]
    if name == "eg2":
        out += [(N_("ρ and 1−ρ swapped"), (1 - rho) * c.eg2_prev + rho * c.g_eff ** 2),
                (N_("g_t not squared"), rho * c.eg2_prev + (1 - rho) * c.g_eff),
                (N_("the ρ·E[g²]_{t−1} term left out"), (1 - rho) * c.g_eff ** 2)]
    if name in ("eta", "dx"):
        edx2_now = rho * c.edx2_prev + (1 - rho) * (core.rate(c.edx2_prev, c.eg2, eps) * c.g_eff) ** 2
        etas = [(EPS_LEFT_OUT, _safe(lambda: root(c.edx2_prev) / root(c.eg2))),
                (N_("E[Δx²]_t used where E[Δx²]_{t−1} belongs (the ordering bug TensorFlow once shipped)"),
                 root(edx2_now + eps) / root(c.eg2 + eps)),
                (N_("E[g²]_{t−1} used where E[g²]_t belongs"),
                 _safe(lambda: root(c.edx2_prev + eps) / root(c.eg2_prev + eps))),
                (N_("the square roots forgotten"), (c.edx2_prev + eps) / (c.eg2 + eps)),
                (N_("the fraction upside down"), _safe(lambda: root(c.eg2 + eps) / root(c.edx2_prev + eps)))]
        if name == "eta":
            out += etas
        else:
            out += [(slip, -eta * c.g_eff) for slip, eta in etas]
            out += [(N_("the sign: Δx_t = −η_t·g_t"), c.eta * c.g_eff)]
            if lr != 1:
                out += [(N_("lr applied to Δx_t (it scales only the step applied to x)"), -lr * c.eta * c.g_eff)]
    if name == "edx2":
        out += [(N_("ρ and 1−ρ swapped"), (1 - rho) * c.edx2_prev + rho * c.dx ** 2),
                (N_("Δx_t not squared"), rho * c.edx2_prev + (1 - rho) * abs(c.dx))]
        if lr != 1:
            out += [(N_("the learning rate applied to the accumulator (it takes the unscaled Δx_t)"),
                     rho * c.edx2_prev + (1 - rho) * (lr * c.dx) ** 2)]
    if name == "x":
        out += [(N_("the sign: x_t = x_{t−1} + lr·Δx_t"), c.x_prev - lr * c.dx)]
        if lr != 1:
            out += [(N_("the learning rate left out"), c.x_prev + c.dx)]
    return out


def _safe(compute) -> float:
    try:
        return compute()
    except (ZeroDivisionError, ValueError):
        return math.nan


def diagnose(name: str, text: str, contexts: list[Context], s: Settings, true_values: list[float]) -> str | None:
    """The likely slip behind a wrong written value, or None when nothing fits."""
    written = float(Decimal(_clean(text).replace("\u2212", "-")))
    best: tuple[float, str] | None = None
    trials = []  # (simplicity, slip, power of ten, value): single slips first, then powers of ten, then both
    for context, true_value in zip(contexts, true_values):
        for slip, value in _candidates(name, context, s, true_value):
            for k in (0, -1, 1, -2, 2, -3, 3):
                if (not slip and k == 0) or (k and slip and slip != EPS_LEFT_OUT):
                    continue
                trials.append((0 if not k else 1 if not slip else 2, slip, k, value * 10.0 ** k))
    trials.sort(key=lambda trial: trial[0])
    for _simplicity, slip, k, value in trials:
        if agrees(text, value):
            return _slip_text(slip, k, approximate=False)
    for simplicity, slip, k, value in trials:
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


def judge_sequence(param: str, rows: list[dict], settings: Settings, initial: core.State, p: int = 0,
                   rel_tol: float | None = None, eg2_given: float | None = None) -> list[Verdict]:
    """See _judge_sequence; a student's values (a negative E[g²], say) may make the arithmetic undefined: the
    verdict then says wrong, without numpy's warnings."""
    with np.errstate(all="ignore"):
        return _judge_sequence(param, rows, settings, initial, p, rel_tol, eg2_given)


def _judge_sequence(param: str, rows: list[dict], settings: Settings, initial: core.State, p: int = 0,
                    rel_tol: float | None = None, eg2_given: float | None = None) -> list[Verdict]:
    """Verdicts for one parameter's rows. Each row: {"t", "g", "cells": {name: Cell}}.

    ``initial`` holds E[g²]_0, E[Δx²]_0 and x_0 (entry ``p`` is this parameter's). ``eg2_given`` replaces the
    computed E[g²]_t of a single step (the article's second example gives it as is).

    Each cell is compared with the true value and with ``own``: the value the student's own earlier numbers
    imply (their written values where they wrote one, else what follows from those). A cell that matches only
    ``own`` is "right, given your ..." naming the earlier values, different from the true ones, it rests on.
    """
    true_prev = {"eg2": float(initial.eg2[p]), "edx2": float(initial.edx2[p]), "x": float(initial.x[p])}
    own_prev = dict(true_prev)
    origin_prev: dict[str, list[str]] = {"eg2": [], "edx2": [], "x": []}
    verdicts = []
    for row in rows:
        t, g, cells = row["t"], row["g"], row["cells"]
        state = core.State(*(np.array([true_prev[k]]) for k in ("eg2", "edx2", "x")))
        step, _state = core.update(np.array([g]), state, settings,
                              eg2=None if eg2_given is None else np.array([eg2_given]))
        true = {name: float(getattr(step, name)[0]) for name in core.FIELDS}
        true["edx2_prev"] = true_prev["edx2"]
        true_ctx = Context(true["g_eff"], true_prev["eg2"], true_prev["edx2"], true_prev["x"], true["eg2"],
                           true["eta"], true["dx"])
        g_eff = float(core.effective_gradient(g, own_prev["x"], settings))
        used: dict[str, float] = {}
        origin: dict[str, list[str]] = {}

        def own_value(name: str) -> tuple[float, list[str]]:
            """What the student's own numbers imply for ``name``, and the off values that rests on."""
            if name == "edx2_prev":
                return own_prev["edx2"], origin_prev["edx2"]
            if name == "eg2":
                if eg2_given is not None:
                    return eg2_given, []
                return float(core.next_eg2(own_prev["eg2"], g_eff, settings.rho)), origin_prev["eg2"]
            if name == "eta":
                value = _safe(lambda: float(core.rate(used["edx2_prev"], used["eg2"], settings.eps)))
                return value, origin["edx2_prev"] + origin["eg2"]
            if name == "dx":
                return float(core.delta(used["eta"], g_eff)), origin["eta"]
            if name == "edx2":
                return (float(core.next_edx2(used["edx2_prev"], used["dx"], settings.rho)),
                        origin["edx2_prev"] + origin["dx"])
            return float(core.next_x(own_prev["x"], used["dx"], settings)), origin_prev["x"] + origin["dx"]

        for name in QUANTITIES:
            own, rests_on = own_value(name)
            truth = true[name]
            cell: Cell | None = cells.get(name)
            verdict = Verdict(t, param, name, cell.text if cell else None, truth, line=cell.line if cell else None)
            if cell is None:
                used[name], origin[name] = own, rests_on
            else:
                used[name] = cell.value
                origin[name] = [] if _same(cell.value, truth) else [label(name, t)]
                if agrees(cell.text, truth, rel_tol):
                    verdict.status = "right"
                elif rests_on and agrees(cell.text, own, rel_tol):
                    verdict.status, verdict.own, verdict.given = "right_given", own, _unique(rests_on)
                else:
                    verdict.status = "wrong"
                    if rests_on and math.isfinite(own) and _differ_at(cell.text, own, truth):
                        verdict.own = own
                    own_ctx = Context(g_eff, own_prev["eg2"], used.get("edx2_prev", own_prev["edx2"]),
                                      own_prev["x"], used.get("eg2", own), used.get("eta", own), used.get("dx", own))
                    verdict.slip = diagnose(name, cell.text, [true_ctx, own_ctx], settings, [truth, own])
            verdicts.append(verdict)
        own_prev = {"eg2": used["eg2"], "edx2": used["edx2"], "x": used["x"]}
        origin_prev = {"eg2": origin["eg2"], "edx2": origin["edx2"], "x": origin["x"]}
        true_prev = {"eg2": true["eg2"], "edx2": true["edx2"], "x": true["x"]}
    return verdicts


def _same(a: float, b: float) -> bool:
    """Equal for the purpose of later steps: a value copied with six or more correct significant digits."""
    return a == b or abs(a - b) <= 1e-5 * max(abs(a), abs(b))


def _differ_at(text: str, a: float, b: float) -> bool:
    """True when a and b differ at the precision ``text`` was written with."""
    place = Decimal(1).scaleb(last_place(text))
    return Decimal(a).quantize(place) != Decimal(b).quantize(place)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def summary(verdicts: list[Verdict]) -> dict:
    right = sum(v.status == "right" for v in verdicts)
    given = sum(v.status == "right_given" for v in verdicts)
    wrong = sum(v.status == "wrong" for v in verdicts)
    blank = sum(v.status == "blank" for v in verdicts)
    return {"right": right + given, "right_given": given, "wrong": wrong, "not_checked": blank}


def summary_line(verdicts: list[Verdict]) -> str:
    s = summary(verdicts)
    given = _(" (%(count)d of them given your own earlier values)") % {"count": s["right_given"]} \
        if s["right_given"] else ""
    return _("%(right)d right%(given)s, %(wrong)d wrong, %(blank)d not checked") % {
        "right": s["right"], "given": given, "wrong": s["wrong"], "blank": s["not_checked"]}


# Settings a worksheet may carry in its comment lines, as `adadelta worksheet` writes them: "# rho = 0.95".
WORKSHEET_SETTINGS = {"rho": "rho", "gamma": "rho", "eps": "eps", "lr": "lr", "x0": "x0", "eg2_init": "eg2_init",
                      "edx2_init": "edx2_init", "weight_decay": "weight_decay",
                      "weight_decay_mode": "weight_decay_mode", "maximize": "maximize", "lr_dtype": "lr_dtype"}


@dataclass
class Worksheet:
    source: str
    params: dict[str, list[dict]]  # param -> rows {"t", "g", "line", "cells": {name: Cell}}
    settings: dict  # what the worksheet itself says (option names)
    columns: list[str]


def read_worksheet(path: str) -> Worksheet:
    """A worksheet CSV: a g column, optional t and param, any of the quantities filled by hand."""
    import re

    from .readers import content_lines, decode, read_path  # noqa: F401  (read_path for its error messages)

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        read_path(path)  # raises the reader's message for a missing file, a folder, ...
        raise
    text = decode(data, path)
    settings: dict = {}
    pattern = re.compile(r"#\s*([A-Za-z_0-9]+)\s*[=:]\s*(.*?)\s*$")
    for n, line in enumerate(text.splitlines(), start=1):
        m = pattern.match(line.strip())
        if m and m.group(1).lower() in WORKSHEET_SETTINGS:
            key = WORKSHEET_SETTINGS[m.group(1).lower()]
            value = m.group(2)
            if key in ("weight_decay_mode", "lr_dtype"):
                settings[key] = value.strip().lower()
            elif key == "maximize":
                settings[key] = value.strip().lower() in ("1", "true", "yes", "on")
            elif key in ("x0", "eg2_init", "edx2_init"):
                settings[key] = [parse_number(v, source=path, line=n, what=key) for v in value.split(",")]
            else:
                settings[key] = parse_number(value, source=path, line=n, what=key)
    import csv

    lines = content_lines(text)
    if not lines:
        raise InputError(_("is empty; expected a worksheet: a CSV with a g column"), source=path)
    rows = [(n, next(csv.reader([line]))) for n, line in lines]
    header = [h.strip().lower() for h in rows[0][1]]
    if "g" not in header:
        raise InputError(_f(
            'has no g column (its header is: %(header)s); expected a worksheet with the columns t, g and any of eg2, '
            'edx2_prev, eta, dx, edx2, x',
            header=', '.join(rows[0][1])), source=path,
                         line=rows[0][0])
    index = {name: header.index(name) for name in ("t", "param", "g", *QUANTITIES) if name in header}
    params: dict[str, list[dict]] = {}
    for n, cells in rows[1:]:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise InputError(_f(
                'has %(found)s cells, expected %(expected)s (one per header column)',
                found=len(cells), expected=len(header)),
                             source=path, line=n)
        cells = cells + [""] * (len(header) - len(cells))
        g_col = index["g"]
        g = parse_number(cells[g_col], source=path, line=n, column=g_col + 1)
        name = cells[index["param"]].strip() if "param" in index else "x"
        entries = params.setdefault(name or "x", [])
        t = len(entries) + 1
        if "t" in index and cells[index["t"]].strip():
            t = int(parse_number(cells[index["t"]], source=path, line=n, column=index["t"] + 1, what="t"))
        written = {}
        for q in QUANTITIES:
            if q in index and cells[index[q]].strip():
                cell = Cell(cells[index[q]], n, index[q] + 1)
                try:
                    cell.value  # noqa: B018  (parse now, so a bad cell is reported with its place)
                except InputError as exc:
                    exc.source = path
                    raise
                written[q] = cell
        entries.append({"t": t, "g": g, "line": n, "cells": written})
    if not params:
        raise InputError(_("has a header but no rows"), source=path)
    return Worksheet(path, params, settings, [h for h in header])


def check_worksheet(sheet: Worksheet, resolved, rel_tol: float | None = None) -> list[Verdict]:
    """Every cell of every parameter, in the worksheet's order; only the columns the worksheet has."""
    names = list(sheet.params)
    initial = resolved.initial(len(names))
    verdicts = []
    for p, name in enumerate(names):
        for v in judge_sequence(name, sheet.params[name], resolved.settings, initial, p, rel_tol):
            if v.name in sheet.columns:
                verdicts.append(v)
    return verdicts


EXPECT_NAMES = {"eg2": "eg2", "e[g²]": "eg2", "e[g^2]": "eg2", "edx2": "edx2", "e[δx²]": "edx2",
                "e[dx^2]": "edx2", "edx2_prev": "edx2_prev", "eta": "eta", "η": "eta", "dx": "dx", "δx": "dx",
                "x": "x"}


def parse_expectations(items: list[str]) -> dict[str, Cell]:
    """--expect NAME=VALUE items as cells to judge."""
    cells: dict[str, Cell] = {}
    for item in items:
        name, sep, value = item.partition("=")
        key = EXPECT_NAMES.get(name.strip().lower())
        if not sep or key is None:
            raise InputError(_f(
                '--expect %(item)s: expected NAME=VALUE with NAME one of eg2, eta, dx, edx2, x, edx2_prev (e.g. '
                '--expect dx=-0.0201)',
                item=repr(item)))
        cell = Cell(value, column=None)
        try:
            cell.value  # noqa: B018  (parse now, to report a bad value with its option)
        except InputError as exc:
            raise InputError(_f('--expect %(item)s: %(reason)s', item=repr(item), reason=exc.message)) from None
        cells[key] = cell
    return cells
