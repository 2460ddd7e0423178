"""adadelta optimize: closed loop, each step's gradient taken (exactly) from a function at the current x."""

from __future__ import annotations

import re

import numpy as np

from adadelta_cli.features import others
from adadelta_cli.formats import render
from adadelta_cli.formats.render import settings_line
from adadelta_cli.formats.report import COUNT, Block, Column, Document, Gap, Para, Records, Table
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
    chosen = others.parse_with(with_) if with_ else []
    hyper = others.parse_sets(sets, chosen)
    check_size(steps, function.dimensions, len(chosen))
    return function, start, chosen, hyper


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
    from adadelta_cli.errors import SettingsError

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
    x = state.x.astype(np.float64)
    _value, grad = function.value_and_grad(x.tolist())
    for first in range(0, steps, size):
        count = min(size, steps - first)
        out = None
        fs = np.empty(count)
        for t in range(count):
            step, state = core.update(np.array(grad), state, resolved.settings)
            if out is None:
                out = core.Step(*(np.empty((count,) + np.shape(v), dtype=np.asarray(v).dtype) for v in step))
            for column, value in zip(out, step):
                column[t] = value
            x = state.x.astype(np.float64)
            fs[t], grad = function.value_and_grad(x.tolist()) if np.isfinite(x).all() else (float("nan"), grad)
        assert out is not None  # (count ≥ 1)
        core.check_finite(out, resolved.settings, first_step=first + 1)
        yield out, fs


def run_other(name: str, hyper: dict, function: Function, x0: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    (out,) = other_blocks(name, hyper, function, x0, steps, steps)
    return out


def other_blocks(name: str, hyper: dict, function: Function, x0: np.ndarray, steps: int, size: int):
    """run_other's run ``size`` steps at a time."""
    opt = others.Optimizer(name, hyper)
    x = x0.astype(np.float64).copy()
    n = x.size
    for first in range(0, steps, size):
        count = min(size, steps - first)
        out = {key: np.empty((count, n)) for key in ("g", "eta", "dx", "x")}
        out["f"] = np.empty(count)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for t in range(count):
                _value, grad = function.value_and_grad(x.tolist())
                g = np.array(grad)
                eta, new = opt.step(g, x)
                out["g"][t] = g
                out["eta"][t] = eta
                out["dx"][t] = new - x
                out["x"][t] = new
                x = new
                out["f"][t] = function.value(x.tolist()) if np.isfinite(x).all() else float("nan")
        yield out


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

    if blocks is None:
        return Records(list(OTHER_COLUMNS if results else TRACE_COLUMNS),
                       records(function, adadelta, results, with_optimizer=bool(results)), settings)
    several = bool(settings.get("with"))
    return Records(list(OTHER_COLUMNS if several else TRACE_COLUMNS), itertools.chain.from_iterable(
        records(function, block, found, with_optimizer=several, first=first) for first, block, found in blocks),
        settings)


def document(function, adadelta, results, settings: dict, digits: int, *, show_all: bool) -> Document:
    """Per optimizer: f(x_t) and the coordinates of x_t, the first and last steps of a long run."""
    steps, fs = adadelta
    runs = {"adadelta": (steps.x.astype(np.float64), fs)}
    runs.update({name: (r["x"], r["f"]) for name, r in results.items()})
    blocks: list[Block] = [Para(_("minimising f ="), code=function.text), Para(settings_line(settings, digits))]
    count = len(fs)
    shown = render.shown_steps(count, show_all=show_all)
    columns = [Column("t", kind=COUNT), Column("f", "f(x_t)", r"f(\mathbf{x}_t)")] + [
        Column(v, f"{v}_t", rf"\mathit{{{v}}}_t" if re.fullmatch("[A-Za-z][A-Za-z0-9]*", v) else None)
        for v in function.variables]
    for name, (xs, f) in runs.items():
        rows = [Gap(count - len(shown) + 1) if i is None else [i + 1, float(f[i]), *map(float, xs[i])]
                for i in shown]
        blocks.append(Table(columns, rows, title=name, notes=render.gap_notes(rows)))
    return Document(_("Minimising a function"), blocks, words=(function.text,))


# Where the built-in functions are lowest (Himmelblau's four minima are all equally low).
KNOWN_MINIMA = {"rosenbrock": [(1.0, 1.0)], "beale": [(3.0, 0.5)], "quadratic": [(0.0, 0.0)],
                "himmelblau": [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]}


def _known_minima(function: Function) -> list[tuple[float, float]]:
    from adadelta_cli.maths.expr import BUILTINS

    for name, points in KNOWN_MINIMA.items():
        if function.text == name or function.text == BUILTINS.get(name):
            return points
    return []


def _minima(function: Function, xs, ys, z) -> list[tuple[float, float]]:
    known = _known_minima(function)
    if known:
        return known
    i, j = np.unravel_index(np.nanargmin(z), z.shape)
    return [(float(xs[j]), float(ys[i]))]  # the lowest point of the grid drawn


def contour_figure(function: Function, adadelta, results, x0: np.ndarray, title: str | None = None,
                   *, large: bool = False):
    """The trajectories over log-spaced contours of f, the start and the minimum marked; Adadelta drawn last (on
    top), each path with its own colour, marker and line style. Returns the figure, each path's line with its points
    (for animation) and the number of steps."""
    from adadelta_cli.features import plotting

    plt = plotting.pyplot()
    steps = adadelta[0]
    start = np.asarray(x0, dtype=np.float64)[None, :]
    paths = {name: np.vstack([start, r["x"]]) for name, r in results.items()}
    paths["adadelta"] = np.vstack([start, steps.x.astype(np.float64)])  # last: drawn over the others
    finite = [p[np.isfinite(p).all(axis=1)] for p in paths.values()]
    everything = np.concatenate(finite)
    # The view: every path, unless one runs far away (SGD on a steep function), then the others and the start.
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    central = np.concatenate([p for name, p in zip(paths, finite) if name == "adadelta"] + [start])
    known = _known_minima(function)
    if known:  # the target in view too, so that a class sees where the paths are heading
        central = np.concatenate([central, np.array(known)])
        lo, hi = np.minimum(lo, np.min(known, axis=0)), np.maximum(hi, np.max(known, axis=0))
    span = np.maximum(central.max(axis=0) - central.min(axis=0), 1e-9)
    if np.any((hi - lo) > 50 * span):
        lo = np.maximum(lo, central.min(axis=0) - 5 * span)
        hi = np.minimum(hi, central.max(axis=0) + 5 * span)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 200)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 200)
    with np.errstate(all="ignore"):
        z = np.array([[function.value_and_grad([a, b])[0] for a in xs] for b in ys])
    minima = _minima(function, xs, ys, z)
    size = (12, 9) if large else (9, 7)
    figure, ax = plt.subplots(figsize=size, layout="constrained")
    ax.grid(False)
    good = z[np.isfinite(z)]
    low = float(good.min())
    rise = good - low
    floor = max(float(np.quantile(rise[rise > 0], 0.005)) if np.any(rise > 0) else 1.0, 1e-12)
    levels = low + np.geomspace(floor, max(float(rise.max()), floor * 10), 18)  # log-spaced: the valley shows
    ax.contourf(xs, ys, z, levels=np.concatenate([[low], levels]), cmap="Greys", alpha=0.35, extend="max")
    ax.contour(xs, ys, z, levels=levels, colors="#555555", linewidths=0.9 if not large else 1.4)
    drawn = []
    count = steps.x.shape[0]
    names = list(paths)
    for i, name in enumerate(names):
        p = paths[name]
        look = plotting.style(0 if name == "adadelta" else i + 1)
        # The others hollow and larger, Adadelta filled, thinner and on top: a path under another still shows.
        own = ({"markersize": 5 if large else 3.5, "linewidth": 2.4 if large else 1.6} if name == "adadelta" else
               {"markerfacecolor": "none", "markersize": 12 if large else 8, "linewidth": 3.0 if large else 2.0,
                "markeredgewidth": 1.6})
        line, = ax.plot(p[:, 0], p[:, 1], label=name, zorder=3 + (name == "adadelta"),
                        markevery=max(count // 15, 1), **look, **own)
        drawn.append((line, p[:, 0], p[:, 1], np.arange(p.shape[0])))
    ax.plot(*start[0], marker="s", color="black", markersize=11 if large else 8, linestyle="none", zorder=6,
            label=_("start"))
    ax.plot([m[0] for m in minima], [m[1] for m in minima], marker="*", color="#E69F00", markeredgecolor="black",
            markersize=18 if large else 14, linestyle="none", zorder=6, label=_("minimum"))
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(plotting.plain(title) if title else f"f = {plotting.plain(function.text)}", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, handlelength=3.0)
    return figure, drawn, count


def contour_plot(function: Function, adadelta, results, x0: np.ndarray, path, write, title: str | None = None,
                 *, large: bool = False) -> None:
    """The trajectories over the function's contours (two dimensions; needs the plot extra)."""
    from adadelta_cli.errors import SettingsError
    from adadelta_cli.features import plotting

    if function.dimensions != 2:
        raise SettingsError(_("--plot draws contours of functions of x and y (two dimensions)"))
    plotting.check_suffix(path, plotting.FILE_FORMATS, "--plot")
    plt = plotting.pyplot()
    with plotting.figure_style(large=large, texts=(title,)):
        figure, _drawn, _count = contour_figure(function, adadelta, results, x0, title, large=large)
        try:
            plotting.save(figure, path, write)
        finally:
            plt.close(figure)
    plotting.confirm(path)


def contour_animation(function: Function, adadelta, results, x0: np.ndarray, path, title: str | None = None,
                      *, large: bool = False) -> None:
    """``--animate``: the paths drawn step by step over the contours."""
    from adadelta_cli.errors import SettingsError
    from adadelta_cli.features import animation, plotting

    if function.dimensions != 2:
        raise SettingsError(_("--animate draws paths over contours of functions of x and y (two dimensions)"))
    animation.check_animation(path)
    plt = plotting.pyplot()
    with plotting.figure_style(large=large, texts=(title,)):
        figure, drawn, count = contour_figure(function, adadelta, results, x0, title, large=large)
        try:
            animation.animate(figure, drawn, count, path)
        finally:
            plt.close(figure)
    plotting.confirm(path)
