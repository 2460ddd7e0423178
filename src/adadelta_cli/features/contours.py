"""optimize's picture: the trajectories over the function's contours, the start and the minimum marked."""

from __future__ import annotations

import numpy as np

from adadelta_cli.i18n import _
from adadelta_cli.maths.expr import Function

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


def _grid(function: Function, paths: dict, start: np.ndarray):
    """The view's grid and f on it: every path, unless one runs far away (SGD on a steep function), then Adadelta's,
    the start and the known minima (so that a class sees where the paths are heading)."""
    finite = [p[np.isfinite(p).all(axis=1)] for p in paths.values()]
    everything = np.concatenate(finite)
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    central = np.concatenate([p for name, p in zip(paths, finite) if name == "adadelta"] + [start])
    known = _known_minima(function)
    if known:
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
    return xs, ys, z


def _contours(ax, xs, ys, z, *, large: bool) -> None:
    """Filled and drawn contours at log-spaced heights above the lowest point: the valley shows."""
    good = z[np.isfinite(z)]
    low = float(good.min())
    rise = good - low
    floor = max(float(np.quantile(rise[rise > 0], 0.005)) if np.any(rise > 0) else 1.0, 1e-12)
    levels = low + np.geomspace(floor, max(float(rise.max()), floor * 10), 18)
    ax.contourf(xs, ys, z, levels=np.concatenate([[low], levels]), cmap="Greys", alpha=0.35, extend="max")
    ax.contour(xs, ys, z, levels=levels, colors="#555555", linewidths=0.9 if not large else 1.4)


def contour_figure(function: Function, adadelta, results, x0: np.ndarray, title: str | None = None,
                   *, large: bool = False):
    """The trajectories over log-spaced contours of f, the start and the minimum marked; Adadelta drawn last (on
    top), each path with its own colour, marker and line style. Returns the figure, each path's line with its points
    (for animation) and the number of steps."""
    from adadelta_cli.features import plotting

    steps = adadelta[0]
    start = np.asarray(x0, dtype=np.float64)[None, :]
    paths = {name: np.vstack([start, r["x"]]) for name, r in results.items()}
    paths["adadelta"] = np.vstack([start, steps.x.astype(np.float64)])  # last: drawn over the others
    xs, ys, z = _grid(function, paths, start)
    minima = _minima(function, xs, ys, z)
    figure, ax = plotting.pyplot().subplots(figsize=(12, 9) if large else (9, 7), layout="constrained")
    ax.grid(False)
    _contours(ax, xs, ys, z, large=large)
    drawn = []
    count = steps.x.shape[0]
    for i, (name, p) in enumerate(paths.items()):
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
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="$x$", ylabel="$y$")
    ax.set_title(plotting.plain(title) if title else f"f = {plotting.plain(function.text)}", loc="left")
    ax.legend(**plotting.LEGEND)
    return figure, drawn, count
