"""adadelta optimize: closed loop, each step's gradient taken (exactly) from a function at the current x."""

from __future__ import annotations

import json

import numpy as np

from . import core, numfmt, others
from .expr import Function
from .i18n import _, _f
from .render import _csv_cell, settings_line

TRACE_COLUMNS = ("t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x", "f")
OTHER_COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x", "f")


def run_all(function_text: str, resolved, x0_text: str, steps: int, with_: str | None, sets: list[str] | None):
    """Parse the function, then run Adadelta and each --with optimizer from --x0: what optimize and plot share."""
    from . import expr
    from .options import number_list

    start = np.array(number_list(x0_text, "--x0"), dtype=np.float64)
    function = expr.parse(function_text, start.size)
    chosen = others.parse_with(with_) if with_ else []
    hyper = others.parse_sets(sets, chosen)
    check_size(steps, function.dimensions, len(chosen))
    adadelta = run_adadelta(function, resolved, steps)
    results = {name: run_other(name, hyper[name], function, start, steps) for name in chosen}
    return function, start, adadelta, results, {name: hyper[name] for name in chosen}


MAX_VALUES = 100_000_000  # numbers one optimize run may hold (steps × dimensions × quantities): about 800 MB


def check_size(steps: int, dimensions: int, others_count: int) -> None:
    """Refuse up front a run whose trajectories would not fit in memory, naming the limit."""
    from .errors import SettingsError

    held = steps * (dimensions * (len(core.FIELDS) + 5 * others_count) + 1 + others_count)
    if held > MAX_VALUES:
        raise SettingsError(_f(
            '--steps %(steps)s over %(dimensions)s dimensions would hold %(held)s numbers; the limit is %(limit)s: '
            'give fewer --steps or fewer --with optimizers', steps=steps, dimensions=dimensions,
            held=f"{held:,}", limit=f"{MAX_VALUES:,}"))


def run_adadelta(function: Function, resolved, steps: int) -> tuple[core.Step, np.ndarray]:
    """The Adadelta trajectory: every quantity per step, and f(x_t). Memory: the arrays of the result, filled in
    place, plus O(dimensions) per step; the gradient at x_t is taken once, with f(x_t)."""
    n = function.dimensions
    state = resolved.initial(n)
    x = state.x.astype(np.float64)
    _value, grad = function.value_and_grad(x.tolist())
    out = None
    fs = np.empty(steps)
    for t in range(steps):
        step, state = core.update(np.array(grad), state, resolved.settings)
        if out is None:
            out = core.Step(*(np.empty((steps,) + np.shape(v), dtype=np.asarray(v).dtype) for v in step))
        for column, value in zip(out, step):
            column[t] = value
        x = state.x.astype(np.float64)
        fs[t], grad = function.value_and_grad(x.tolist()) if np.isfinite(x).all() else (float("nan"), grad)
    core.check_finite(out, resolved.settings)
    return out, fs


def run_other(name: str, hyper: dict, function: Function, x0: np.ndarray, steps: int) -> dict[str, np.ndarray]:
    opt = others.Optimizer(name, hyper)
    x = x0.astype(np.float64).copy()
    n = x.size
    out = {key: np.empty((steps, n)) for key in ("g", "eta", "dx", "x")}
    out["f"] = np.empty(steps)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps):
            _value, grad = function.value_and_grad(x.tolist())
            g = np.array(grad)
            eta, new = opt.step(g, x)
            out["g"][t] = g
            out["eta"][t] = eta
            out["dx"][t] = new - x
            out["x"][t] = new
            x = new
            out["f"][t] = function.value(x.tolist()) if np.isfinite(x).all() else float("nan")
    return out


def _num(v: float):
    return None if v != v else float(v)


def records(function: Function, adadelta: tuple, results: dict, with_optimizer: bool):
    steps, fs = adadelta
    names = function.variables
    for t in range(steps.g.shape[0]):
        for p, param in enumerate(names):
            record = {"t": t + 1, "param": param}
            if with_optimizer:
                record["optimizer"] = "adadelta"
            record.update({name: float(getattr(steps, name)[t, p]) for name in core.FIELDS if name != "g_eff"})
            record["f"] = float(fs[t])
            yield record
        for name, r in results.items():
            for p, param in enumerate(names):
                yield {"t": t + 1, "param": param, "optimizer": name, "g": float(r["g"][t, p]),
                       "eta": _num(r["eta"][t, p]), "dx": float(r["dx"][t, p]), "x": float(r["x"][t, p]),
                       "f": _num(r["f"][t])}


def to_json(function, adadelta, results, settings: dict) -> str:
    lines = ["    " + json.dumps(r, ensure_ascii=False) for r in records(function, adadelta, results, bool(results))]
    head = json.dumps(settings, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    return f'{{\n  "settings": {head},\n  "steps": [\n' + ",\n".join(lines) + "\n  ]\n}\n"


def to_csv(function, adadelta, results) -> str:
    if results:
        columns = OTHER_COLUMNS
    else:
        columns = TRACE_COLUMNS
    rows = [",".join(columns)]
    for r in records(function, adadelta, results, bool(results)):
        rows.append(",".join("" if r.get(c) is None else (_csv_cell(r[c]) if isinstance(r[c], str) else
                                                          repr(r[c])) for c in columns))
    return "\n".join(rows) + "\n"


def table(function, adadelta, results, settings: dict, digits: int, show_all: bool):
    """Per optimizer: f(x_t) and the coordinates of x_t, the first and last steps of a long run."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    steps, fs = adadelta
    runs = {"adadelta": (steps.x.astype(np.float64), fs)}
    runs.update({name: (r["x"], r["f"]) for name, r in results.items()})
    parts = [Text(_("minimising f = %(f)s") % {"f": function.text}), Text(settings_line(settings, digits))]
    count = len(fs)
    shown = list(range(count)) if show_all or count <= 25 else list(range(10)) + [-1] + list(range(count - 10,
                                                                                                  count))
    for name, (xs, f) in runs.items():
        t = Table(title=Text(name), title_justify="left", box=box.SIMPLE_HEAD)
        for heading in ["t", "f(x_t)"] + [f"{v}_t" for v in function.variables]:
            t.add_column(Text(heading), justify="right", no_wrap=True)
        for i in shown:
            if i < 0:
                t.add_row(*(Text("⋮", style="dim") for _ in range(2 + function.dimensions)))
                continue
            t.add_row(Text(str(i + 1)), Text(numfmt.sig(f[i], digits)),
                      *(Text(numfmt.sig(v, digits)) for v in xs[i]))
        parts.append(t)
    return Group(*parts)


def contour_plot(function: Function, adadelta, results, x0: np.ndarray, path, write) -> None:
    """The trajectories over the function's contours (two dimensions; needs the plot extra)."""
    from .errors import SettingsError

    if function.dimensions != 2:
        raise SettingsError(_("--plot draws contours of functions of x and y (two dimensions)"))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise SettingsError(_("--plot needs matplotlib: pip install 'adadelta-cli[plot]'")) from None
    steps = adadelta[0]
    start = np.asarray(x0, dtype=np.float64)[None, :]
    paths = {"adadelta": np.vstack([start, steps.x.astype(np.float64)])}
    paths.update({name: np.vstack([start, r["x"]]) for name, r in results.items()})
    everything = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in paths.values()])
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    pad = np.maximum((hi - lo) * 0.25, 0.5)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 160)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 160)
    z = np.array([[function.value_and_grad([a, b])[0] for a in xs] for b in ys])
    figure, ax = pyplot.subplots(figsize=(8, 6.5), layout="constrained")
    levels = np.quantile(z[np.isfinite(z)], np.linspace(0.0, 1.0, 25) ** 2)
    ax.contour(xs, ys, z, levels=np.unique(levels), cmap="Greys", linewidths=0.7)
    for name, p in paths.items():
        ax.plot(p[:, 0], p[:, 1], marker=".", markersize=3, linewidth=1.2, label=name)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"f = {function.text}")
    ax.legend()
    suffix = path.suffix.lower().lstrip(".")

    def writer(handle) -> None:
        figure.savefig(handle, format=suffix, dpi=120, metadata={"Date": None} if suffix in ("svg", "pdf") else None)

    try:
        write(path, writer)
    finally:
        pyplot.close(figure)
