"""adadelta optimize: closed loop, each step's gradient taken (exactly) from a function at the current x."""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from adadelta_cli.errors import SettingsError
from adadelta_cli.features import comparing
from adadelta_cli.formats import render, report
from adadelta_cli.formats.render import settings_line
from adadelta_cli.formats.report import COUNT, Block, Column, Document, Para, Records, Table
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import core
from adadelta_cli.maths.expr import Function

TRACE_COLUMNS = ("t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x", "f")
# With other optimizers: Adadelta's accumulators come last (the first eight columns keep their places), blank in the
# other optimizers' rows (the JSON leaves them out there).
OTHER_COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x", "f", "eg2", "edx2_prev", "edx2")


def run_all(function_text: str, resolved, x0_text: str, steps: int, with_: str | None, sets: list[str] | None):
    """Parse the function, then run Adadelta and each --with optimizer from --x0: what optimize and plot share."""
    function, start, chosen, hyper = prepare(function_text, x0_text, steps, with_, sets)
    adadelta = run_adadelta(function, resolved, steps)
    results = {name: run_other(name, hyper[name], function, start, steps) for name in chosen}
    return function, start, adadelta, results, {name: hyper[name] for name in chosen}


def prepare(function_text: str, x0_text: str, steps: int, with_: str | None, sets: list[str] | None):
    """The function, the start, the --with optimizers and their hyperparameters, the run's size checked."""
    from adadelta_cli.features.resolved import number_list
    from adadelta_cli.maths import expr

    start = np.array(number_list(x0_text, "--x0"), dtype=np.float64)
    function = expr.parse(function_text, start.size)
    chosen = comparing.parse_with(with_) if with_ else []
    hyper = comparing.parse_sets(sets, chosen)
    check_size(steps, function.dimensions, len(chosen))
    return function, start, chosen, hyper


def recorded(resolved, function: Function, steps: int, hyper: dict) -> dict:
    """The settings a report records: Adadelta's, the function, the steps and each --with optimizer's own."""
    return {**resolved.as_dict(), "function": function.text, "steps": steps, "with": list(hyper), "others": hyper}


BLOCK_STEPS = 2_000  # steps run (and written) at a time into CSV and JSON


def run_blocks(function: Function, resolved, start: np.ndarray, steps: int, chosen: list[str], hyper: dict,
               size: int = BLOCK_STEPS):
    """run_all's runs ``size`` steps at a time, made as they are read: (first row, Adadelta's (Step, f), the
    others' results) for each block."""
    adadelta = adadelta_blocks(function, resolved, steps, size)
    runs = {name: other_blocks(name, hyper[name], function, start, steps, size) for name in chosen}
    for first in range(0, steps, size):
        yield first, next(adadelta), {name: next(run) for name, run in runs.items()}


MAX_VALUES = 100_000_000  # numbers one optimize run may hold (steps × dimensions × quantities): about 800 MB


def check_size(steps: int, dimensions: int, others_count: int) -> None:
    """Refuse up front a run whose trajectories would not fit in memory, naming the limit."""
    held = steps * (dimensions * (len(core.FIELDS) + 5 * others_count) + 1 + others_count)
    if held > MAX_VALUES:
        raise SettingsError(_f(
            '--steps %(steps)s over %(dimensions)s dimensions would hold %(held)s numbers; the limit is %(limit)s: '
            'give fewer --steps or fewer --with optimizers', steps=steps, dimensions=dimensions,
            held=f"{held:,}", limit=f"{MAX_VALUES:,}"))


def run_adadelta(function: Function, resolved, steps: int) -> tuple[core.Step, np.ndarray]:
    """The Adadelta trajectory: every quantity per step, and f(x_t). Memory: the arrays of the result, filled in
    place, plus O(dimensions) per step; the gradient at x_t is taken once, with f(x_t)."""
    (out, fs), = adadelta_blocks(function, resolved, steps, steps)
    return out, fs


def adadelta_blocks(function: Function, resolved, steps: int, size: int):
    """run_adadelta's trajectory ``size`` steps at a time, each block (Step, f) checked for non-finite values."""
    n = function.dimensions
    state = resolved.initial(n)
    settings = resolved.settings
    advance = _python_step(settings, state) if _in_python(settings, n) else _numpy_step(settings, state)
    stepped = _closed_loop(function, state.x.astype(np.float64).tolist(), steps, advance, keep_gradient=True)
    for first in range(0, steps, size):
        fields, fs = _filled(stepped, min(size, steps - first))
        out = core.Step(*fields)
        core.check_finite(out, settings, first_step=first + 1)
        yield out, fs


CHUNK = 1024  # steps held as Python values before they go into their block's arrays


def _filled(stepped, count: int) -> tuple[list[np.ndarray], np.ndarray]:
    """The next ``count`` steps of a closed loop, (record, f(x_t)) each: each field of the records as an array
    (steps × dimensions; float64 unless the field has a dtype of its own) and f, filled CHUNK steps at a time."""
    out: list[np.ndarray] = []
    fs = np.empty(count)
    for start in range(0, count, CHUNK):
        stop = min(count, start + CHUNK)
        records = []
        for t in range(start, stop):
            record, fs[t] = next(stepped)
            records.append(record)
        fields = [np.array(values, dtype=None if hasattr(values[0], "dtype") else np.float64)
                  for values in zip(*records)]
        out = out or [np.empty((count,) + field.shape[1:], field.dtype) for field in fields]
        for column, field in zip(out, fields):
            column[start:stop] = field
    return out, fs


def _in_python(settings, dimensions: int) -> bool:
    """Whether Adadelta's closed loop steps in Python floats (``scalar.step``, the same doubles as ``core.update``):
    as trace's plain Python engine, where its fast paths apply, one lr and weight decay for every parameter, up to
    core.SCALAR_MAX_PARAMS parameters, and ADADELTA_ENGINE not numpy."""
    return (dimensions <= core.SCALAR_MAX_PARAMS and not settings.per_parameter and core.fast_paths_apply(settings)
            and core.engine_setting() != "numpy")


def _closed_loop(function: Function, x: list, steps: int, advance, *, keep_gradient: bool = False):
    """``steps`` steps from ``x``, each ``advance(gradient at x_{t−1})`` giving the step's record and x_t: yields
    (record, f(x_t)). f(x_t) is taken with the next step's gradient, in one pass over the formula (the last step's f
    alone). Past a non-finite x_t the next gradient is taken there, or the last one kept (``keep_gradient``)."""
    grad = None
    for t in range(1, steps + 1):
        if grad is None:
            _value, grad = function.value_and_grad(x)
        record, x = advance(grad)
        if not all(map(math.isfinite, x)):
            f = float("nan")
            grad = grad if keep_gradient else None
        elif t == steps:
            f = function.value(x)
        else:
            f, grad = function.value_and_grad(x)
        yield record, f


def _python_step(settings, state):
    """Adadelta's step in Python floats (``scalar.step``): its record (g, g_eff, E[g²]_t, E[Δx²]_{t−1}, η_t, Δx_t,
    E[Δx²]_t, x_t, one list each) and x_t."""
    from adadelta_cli.maths import scalar

    k = scalar.Constants(settings.rho, 1.0 - settings.rho, settings.eps, float(settings.lr_value),
                         float(settings.weight_decay), float(settings.decay_factor), bool(settings.maximize),
                         settings.coupled, settings.decoupled)
    held = [state.eg2.tolist(), state.edx2.tolist(), state.x.astype(np.float64).tolist()]

    def advance(grad: list):
        eg2, edx2, x = held
        g_eff, eg2_t, eta, dx, edx2_t, x_t = zip(*map(scalar.step, [k] * len(x), grad, eg2, edx2, x))
        held[:] = eg2_t, edx2_t, x_t
        return (grad, g_eff, eg2_t, edx2, eta, dx, edx2_t, x_t), x_t
    return advance


def _numpy_step(settings, state):
    """Adadelta's step through core.update (any dtype, arithmetic or number of parameters): its Step and x_t."""
    held = [state]

    def advance(grad: list):
        step, held[0] = core.update(np.array(grad), held[0], settings)
        return step, held[0].x.astype(np.float64).tolist()
    return advance


def run_other(name: str, hyper: dict, function: Function, x0: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    (out,) = other_blocks(name, hyper, function, x0, steps, steps)
    return out


def other_blocks(name: str, hyper: dict, function: Function, x0: np.ndarray, steps: int, size: int):
    """run_other's run ``size`` steps at a time, Optimizer.step's closed loop: each step's record (g, η, Δx, x_t)."""
    opt = comparing.Optimizer(name, hyper)

    def advance(grad: list):
        g, x = np.array(grad), np.array(held[0])
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            eta, new = opt.step(g, x)
            held[0] = new.tolist()
            return (g, eta, new - x, new), held[0]

    held = [x0.astype(np.float64).tolist()]
    stepped = _closed_loop(function, held[0], steps, advance)
    for first in range(0, steps, size):
        (g, eta, dx, x), f = _filled(stepped, min(size, steps - first))
        yield {"g": g, "eta": eta, "dx": dx, "x": x, "f": f}


def _num(v: float):
    return None if v != v else float(v)


def records(function: Function, adadelta: tuple, results: dict, *, with_optimizer: bool, first: int = 0):
    steps, fs = adadelta
    names = function.variables
    for t in range(steps.g.shape[0]):
        for p, param in enumerate(names):
            record = {"t": first + t + 1, "param": param}
            if with_optimizer:
                record["optimizer"] = "adadelta"
            record.update({name: float(getattr(steps, name)[t, p]) for name in core.FIELDS if name != "g_eff"})
            record["f"] = float(fs[t])
            yield record
        for name, r in results.items():
            for p, param in enumerate(names):
                yield {"t": first + t + 1, "param": param, "optimizer": name, "g": float(r["g"][t, p]),
                       "eta": _num(r["eta"][t, p]), "dx": float(r["dx"][t, p]), "x": float(r["x"][t, p]),
                       "f": _num(r["f"][t])}


def data(function, adadelta, results, settings: dict, blocks=None) -> Records:
    """Every step of every optimizer, for CSV and JSON (written a slice at a time, never held whole). ``blocks``
    (run_blocks'), in place of ``adadelta`` and ``results``: made as they are read."""
    import itertools

    several = bool(results) if blocks is None else bool(settings.get("with"))
    blocks = [(0, adadelta, results)] if blocks is None else blocks
    return Records(list(OTHER_COLUMNS if several else TRACE_COLUMNS), itertools.chain.from_iterable(
        records(function, block, found, with_optimizer=several, first=first) for first, block, found in blocks),
        settings)


def document(function, adadelta, results, settings: dict, digits: int, *, show_all: bool, runs=None,
             steps: int | None = None) -> Document:
    """Per optimizer: f(x_t) and the coordinates of x_t, the first and last steps of a long run. ``runs``
    (table_runs'), in place of ``adadelta`` and ``results``, with ``steps``: each table's rows made as they are
    read (``report.Rows``), a long run written as it is computed."""
    if runs is None:
        step, fs = adadelta
        runs = {"adadelta": [(0, len(fs), (step.x.astype(np.float64), fs))]}
        runs.update({name: [(0, len(r["f"]), (r["x"], r["f"]))] for name, r in results.items()})
        steps = len(fs)
    assert steps is not None  # (given with runs)
    blocks: list[Block] = [Para(_("minimising f ="), code=function.text), Para(settings_line(settings, digits))]
    columns = [Column("t", kind=COUNT), Column("f", "f(x_t)", r"f(\mathbf{x}_t)")] + [
        Column(v, f"{v}_t", rf"\mathit{{{v}}}_t" if re.fullmatch("[A-Za-z][A-Za-z0-9]*", v) else None)
        for v in function.variables]

    for name, run in runs.items():
        rows = report.step_rows(steps, ((first, stop, (first, xs, f)) for first, stop, (xs, f) in run),
                                _row, show_all=show_all, widest={0: [steps]})
        blocks.append(Table(columns, list(rows) if adadelta is not None else rows, title=name,
                            notes=render.gap_notes(rows.gaps)))
    return Document(_("Minimising a function"), blocks, words=(function.text,))


def _row(block, i: int) -> list:
    """The table's row of a block's step i: t, f(x_t), x_t."""
    first, xs, f = block
    return [[first + i + 1, float(f[i]), *map(float, xs[i])]]


TABLE_BLOCK_STEPS = 20_000  # steps run at a time for the tables for people; the first block before the first line


def table_runs(function: Function, resolved, start: np.ndarray, steps: int, chosen: list[str], hyper: dict,
               size: int = TABLE_BLOCK_STEPS) -> dict:
    """Each optimizer's run for document(runs=...), ``size`` steps at a time: {name: blocks of (first step, stop,
    (x_t, f(x_t)))}, the first block of each run now (a failure there leaves every output untouched), the others
    as they are read."""
    import itertools

    adadelta = adadelta_blocks(function, resolved, steps, size)
    runs = {"adadelta": ((out.x.astype(np.float64), fs) for out, fs in adadelta),
            **{name: ((out["x"], out["f"]) for out in other_blocks(name, hyper[name], function, start, steps, size))
               for name in chosen}}
    spans = {name: ((first, first + len(f), (xs, f)) for first, (xs, f) in zip(range(0, steps, size), run))
             for name, run in runs.items()}
    return {name: itertools.chain([next(run)], run) for name, run in spans.items()}


def draw_contours(function: Function, adadelta, results, x0: np.ndarray, *, plot=None, animate=None,
                  title: str | None = None, large: bool = False) -> None:
    """The trajectories over the function's contours (two dimensions; needs the plot extra): to ``plot`` (a .png,
    .svg or .pdf file, ``--plot``) and drawn step by step to ``animate`` (``--animate``, its ending checked by the
    caller)."""
    from adadelta_cli.features import animation, contours, plotting

    if function.dimensions != 2:
        raise SettingsError(_("--plot draws contours of functions of x and y (two dimensions)") if plot is not None
                            else _("--animate draws paths over contours of functions of x and y (two dimensions)"))
    figure = functools.partial(contours.contour_figure, function, adadelta, results, x0, title, large=large)
    if plot is not None:
        plotting.check_suffix(plot, plotting.FILE_FORMATS, "--plot")
        plotting.draw(plot, figure, lambda drawn, *_rest: plotting.save(drawn, plot), large=large, texts=(title,))
    if animate is not None:
        plotting.draw(animate, figure, lambda drawn, paths, count: animation.animate(drawn, paths, count, animate),
                      large=large, texts=(title,))

