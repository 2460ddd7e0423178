"""adadelta compare: Adadelta beside Adagrad, RMSprop, SGD, momentum and Adam on the same gradients."""

from __future__ import annotations

import itertools
import math

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import NumericError, SettingsError
from adadelta_cli.formats import render, report
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.formats.render import HEADINGS, settings_line
from adadelta_cli.formats.report import COUNT, TEXT, Column, Document, Para, Records, Table
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths import core, family, notation
from adadelta_cli.safe import one_line

COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x")

# compare's optimizers: each a family description (maths/family.py), the settings compare offers (--set's names, in
# order) and compare's own defaults where they are not torch's.
OFFERED = {"adagrad": (family.ADAGRAD, ("lr", "eps", "lr_decay", "initial_accumulator_value"), {}),
           "rmsprop": (family.RMSPROP, ("lr", "alpha", "eps"), {}),
           "sgd": (family.SGD, ("lr",), {}),
           "momentum": (family.SGD, ("lr", "momentum", "dampening"), {"momentum": 0.9}),
           "adam": (family.ADAM, ("lr", "beta1", "beta2", "eps"), {})}
DEFAULTS: dict[str, dict[str, float]] = {name: {k: {**d.defaults, **own}[k] for k in keys}
                                         for name, (d, keys, own) in OFFERED.items()}
NAMES = tuple(DEFAULTS)
SCALAR_PARAMETERS = 64  # up to this many parameters, a step is taken one parameter at a time in Python floats


def parse_with(text: str | None) -> list[str]:
    """--with adagrad,rmsprop,...: the optimizers to run beside Adadelta."""
    if not text:
        return list(NAMES)
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise SettingsError(_f(
            '--with: unknown optimizer %(unknown)s; expected some of %(known)s',
            unknown=', '.join(unknown), known=', '.join(NAMES)))
    return list(dict.fromkeys(names))


def parse_sets(items: list[str] | None, chosen: list[str]) -> dict[str, dict[str, float]]:
    """--set adagrad.lr=0.1 (repeatable) over the defaults, each within its description's range."""
    from adadelta_cli.formats.cells import parse_number

    hyper = {name: dict(DEFAULTS[name]) for name in chosen}
    for item in items or []:
        key, sep, value = item.partition("=")
        name, dot, param = key.strip().lower().partition(".")
        if not sep or not dot or name not in DEFAULTS or param not in DEFAULTS[name]:
            known = "; ".join(f"{n}.{{{','.join(DEFAULTS[n])}}}" for n in NAMES)
            raise SettingsError(_f(
                '--set %(item)s: expected OPTIMIZER.PARAMETER=VALUE, one of %(known)s',
                item=one_line(repr(item), 80), known=known))
        number = parse_number(value, source="--set", what=N_("a value"))
        family.check_range(OFFERED[name][0], param, number, f"--set {one_line(repr(item), 80)}", f"{name}.{param}")
        hyper.setdefault(name, dict(DEFAULTS[name]))[param] = number
    return hyper


def _stepper(name: str):
    description = OFFERED[name][0]

    def step1(state: dict, hyper: dict, t: int, g, x):
        """(η_t, x_t) of one step; ``state`` (the parameter's own) advances."""
        values = family.step(description, hyper, state, t, g, x)
        return values["eta"], values["x"]
    return step1


STEPS1 = {name: _stepper(name) for name in NAMES}  # one parameter's step in Python floats


class Optimizer:
    """One of compare's optimizers stepped along (optimize's closed loop): ``step(g, x)`` gives (η_t, x_t)."""

    def __init__(self, name: str, hyper: dict[str, float]) -> None:
        self.name, self.hyper, self.t = name, hyper, 0
        self.states: list[dict] = []
        self.state: dict = {}

    def step(self, g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.t += 1
        if g.size <= SCALAR_PARAMETERS:  # each parameter in Python floats: the same doubles, quicker
            self.states = self.states or [{} for _ in range(g.size)]
            pairs = [STEPS1[self.name](s, self.hyper, self.t, gi, xi)
                     for s, gi, xi in zip(self.states, g.tolist(), x.tolist())]
            return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            values = family.step(OFFERED[self.name][0], self.hyper, self.state, self.t, g, x, family.ARRAYS)
            return np.broadcast_to(values["eta"], g.shape), values["x"]  # (SGD's η: lr, one for every parameter)


def run(name: str, hyper: dict[str, float], grads: np.ndarray, x0: np.ndarray) -> dict[str, np.ndarray]:
    """An open-loop run over given gradients: eta, dx, x shaped (steps, parameters)."""
    return Run(name, hyper, x0).block(grads)


class Run:
    """An open-loop run continued a block of steps at a time, each optimizer's state carried from one block to the
    next: the blocks together hold the values one run() over every step gives."""

    def __init__(self, name: str, hyper: dict[str, float], x0: np.ndarray) -> None:
        self.opt = Optimizer(name, hyper)
        self.x = np.asarray(x0, dtype=np.float64).copy()

    def block(self, grads: np.ndarray) -> dict[str, np.ndarray]:
        """eta, dx, x for the next ``grads`` (steps, parameters)."""
        out = {key: np.empty_like(grads) for key in ("eta", "dx", "x")}
        opt = self.opt
        if grads.shape[1] <= SCALAR_PARAMETERS:  # each parameter's run on its own, in Python floats
            opt.states = opt.states or [{} for _ in range(grads.shape[1])]
            for p, x_p in enumerate(self.x.tolist()):
                for i, g in enumerate(grads[:, p].tolist()):
                    eta, new = STEPS1[opt.name](opt.states[p], opt.hyper, opt.t + 1 + i, g, x_p)
                    out["eta"][i, p], out["dx"][i, p], out["x"][i, p] = eta, new - x_p, new
                    x_p = new
                self.x[p] = x_p
            opt.t += grads.shape[0]
            return out
        x = self.x
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for t, g in enumerate(grads):
                eta, new = self.opt.step(g, x)
                out["eta"][t], out["dx"][t], out["x"][t] = eta, new - x, new
                x = new
        self.x = x
        return out


def compute(grads: np.ndarray, resolved, chosen: list[str], hyper: dict) -> dict[str, dict[str, np.ndarray]]:
    """eta, dx and x per optimizer, each shaped (steps, parameters); Adadelta's are trace's."""
    (_start, results), = compute_blocks(grads, resolved, chosen, hyper, size=max(1, grads.shape[0]))
    return results


BLOCK_STEPS = 20_000  # steps of the other optimizers computed (and written) at a time into CSV and JSON


def compute_blocks(grads: np.ndarray, resolved, chosen: list[str], hyper: dict, size: int = BLOCK_STEPS):
    """compute()'s results ``size`` steps at a time, each (its first row, its results), made as they are read: a
    long comparison is written as it is computed. An optimizer that stops being finite is refused at its block."""
    state = resolved.initial(grads.shape[1])
    steps = core.run(grads, resolved.settings, state)
    runs = {name: Run(name, hyper[name], state.x.astype(np.float64)) for name in chosen}
    for start in range(0, grads.shape[0], size):
        stop = start + size
        results = {"adadelta": {"eta": steps.eta[start:stop].astype(np.float64),
                                "dx": steps.dx[start:stop].astype(np.float64),
                                "x": steps.x[start:stop].astype(np.float64)}}
        for name, run in runs.items():
            results[name] = run.block(grads[start:stop])
            if not np.isfinite(results[name]["x"]).all():
                t = start + int(np.argwhere(~np.isfinite(results[name]["x"]))[0][0]) + 1
                raise NumericError(_f(
                    '%(optimizer)s stops being a finite number at step %(step)s; scale the gradients down or lower '
                    'its learning rate (--set %(optimizer)s.lr=...)',
                    optimizer=name, step=t))
        yield start, results


def records(grads: np.ndarray, names: list[str], results: dict | None, settings: dict, blocks=None) -> Records:
    """Every optimizer's η_t, Δx_t and x_t, one record per step, parameter and optimizer (η_t is null where
    g_t = 0 leaves it undefined). ``blocks`` (compute_blocks'), in place of ``results``: made as they are read."""
    def rows():
        for start, block in blocks if blocks is not None else [(0, results)]:
            for i in range(len(block["adadelta"]["x"])):
                t = start + i
                for p, param in enumerate(names):
                    for optimizer, r in block.items():
                        eta = float(r["eta"][i, p])
                        yield (t + 1, param, optimizer, float(grads[t, p]), None if math.isnan(eta) else eta,
                               float(r["dx"][i, p]), float(r["x"][i, p]))

    return Records(list(COLUMNS), rows(), settings)


def document(grads, names, results, settings: dict, digits: int, *, show_all: bool = False,
             blocks=None) -> Document:
    """One row per step (and parameter): g, then η_t and x_t of each optimizer side by side (kept together when a
    wide table is shown in parts). ``blocks`` (compute_blocks'), in place of ``results``: the table's rows are made
    as they are read (``report.Rows``), a long comparison written as it is computed."""
    several = len(names) > 1
    items = iter([(0, results)] if blocks is None else blocks)
    first = next(items)
    columns = [Column("t", latex="t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several else [])
    columns.append(Column("g", *HEADINGS["g"]))
    for optimizer in first[1]:  # the optimizers' names are the program's own (DEFAULTS)
        columns += [Column(f"{q}_{optimizer}", f"{HEADINGS[q][0]} {optimizer}",
                           rf"{HEADINGS[q][1]}\ \text{{{optimizer}}}", group=optimizer) for q in ("eta", "x")]
    count = grads.shape[0]

    def rows_of(block, i: int) -> list:
        start, found = block
        t = start + i
        rows = []
        for p, param in enumerate(names):
            row = [t + 1] + ([param] if several else []) + [float(grads[t, p])]
            for r in found.values():
                eta = float(r["eta"][i, p])
                row += [NO_ETA if math.isnan(eta) else eta, float(r["x"][i, p])]
            rows.append(row)
        return rows

    made = itertools.chain([first], items)
    rows = report.step_rows(count, ((start, start + len(found["adadelta"]["x"]), (start, found))
                                    for start, found in made), rows_of, show_all=show_all, per_step=len(names),
                            texts=[*(names if several else []), NO_ETA],
                            widest={0: [count], **({1: list(names)} if several else {})})
    hypers = Phrase.joined("; ", [Phrase("%(name)s %(values)s", name=name, values=Phrase.joined(", ", [
        Phrase("%(key)s %(value)s", key=k, value=Num(numfmt.given(v))) for k, v in h.items()]))
        for name, h in settings["others"].items()])
    return Document(_("Adadelta beside other optimizers"),
                    [Para(settings_line(settings, digits)), Para(hypers),
                     Table(columns, list(rows) if blocks is None else rows, notes=render.gap_notes(rows.gaps),
                           sections=several),
                     Para(eta_caption(), quiet=True)],
                    words=tuple(names))


def eta_caption(*, adadelta: bool = True) -> Phrase:
    """What η_t is, under a table of several optimizers' (compare's, trace --with's); ``adadelta``: Adadelta is
    among them (its η_t excludes lr)."""
    if not adadelta:
        return Phrase(_("%(eta)s: the factor that multiplies %(g)s in the step (where the step follows an average, "
                        "−%(dx)s/%(g)s; — where %(g)s = 0)."), eta=Sym("eta"), g=Sym("g"), dx=Sym("dx"))
    return Phrase(_("%(eta)s: the factor that multiplies %(g)s in the step (where the step follows an average, "
                    "−%(dx)s/%(g)s; — where %(g)s = 0). Adadelta's %(eta)s excludes lr."), eta=Sym("eta"), g=Sym("g"),
                  dx=Sym("dx"))


NO_ETA = notation.UNICODE.undefined  # η_t's cell where g_t = 0 leaves it undefined
