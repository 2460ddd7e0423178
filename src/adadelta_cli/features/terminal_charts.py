"""Curves of a trace drawn with text in the terminal (plotext): a mark per series, told apart without colour."""

from __future__ import annotations

import itertools

import numpy as np

from adadelta_cli.features import shown
from adadelta_cli.i18n import N_, _
from adadelta_cli.maths import notation

PANELS = (
    (N_("E[g²]_t and E[Δx²]_t (log scale)"), ("eg2", "edx2"), True),
    ("η_t", ("eta",), False),
    ("Δx_t", ("dx",), False),
    ("x_t", ("x",), False),
)
MARKERS = ("dot", "x", "+", "*", "o", "#", "@", "%")
NO_STATE = N_("no state between steps")  # plain SGD's second panel


def _log_ticks(values: list[np.ndarray], count: int) -> tuple[list[float], list[str]]:
    """Tick positions on a log axis with labels in scientific notation (1e-6, 3.2e-5), not 0.0000010."""
    positive = np.concatenate([v[v > 0] for v in values]) if values else np.array([])
    if positive.size == 0:
        return [], []
    low, high = np.log10(positive.min()), np.log10(positive.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    ticks = [float(10 ** e) for e in np.linspace(low, high, count)]
    return ticks, [f"{tick:.1e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e") for tick in ticks]


def _integer_ticks(plt, low: int, high: int) -> None:
    """Whole-number step ticks from ``low`` to ``high`` (1, 50, 100, never 1.25)."""
    ticks = list(range(low, high + 1)) if high - low < 8 else sorted({int(round(v)) for v in np.linspace(low, high, 5)})
    plt.xticks(ticks, [str(t) for t in ticks])


def _panels(trace) -> list[tuple[str, tuple[str, ...], bool]]:
    """(title, quantities, log scale) of the four panels: Adadelta's (PANELS), or a family member's state (its
    squares on a log scale), η_t, Δx_t and x_t (``shown.panels``)."""
    if isinstance(trace, shown.Adadelta):
        return [(_(title), names, log) for title, names, log in PANELS]
    names, log = shown.panels(trace)[1]
    symbols = _(" and ").join(notation.UNICODE.symbol(name, "t") for name in names)
    title = _("%(quantities)s (log scale)") % {"quantities": symbols} if log else symbols or _(NO_STATE)
    return [(title, names, log), *((notation.UNICODE.symbol(n[0], "t"), n, False) for n, _log in
                                   shown.panels(trace)[2:])]


def terminal_chart(report, width: int = 100, height: int = 30, *, color: bool = True) -> str:
    """Four panels drawn with text: the accumulators (a family member's state) on a log scale, η_t, Δx_t and x_t,
    against t (``report``: Adadelta's Report, or a family member's trace).

    Each series has a mark of its own (•, x, +, …), so they are told apart without colour; ``width`` is honoured
    whatever the terminal says (a chart for a file or a projector may be wider than the window)."""
    trace = shown.of(report)
    plt = _plotext()
    plt.subplots(2, 2)
    first = trace.t_of(0)
    t = np.arange(first, first + trace.total)
    several = len(trace.names) > 1
    for i, (title, names, log) in enumerate(_panels(trace)):
        plt.subplot(i // 2 + 1, i % 2 + 1)
        plt.title(title)
        drawn = []
        for j, (name, p) in enumerate(itertools.product(names, range(len(trace.names)))):
            values = trace.series(name)[:, p]
            keep = values > 0 if log else np.isfinite(values)  # a log scale has no place for 0; η_t undefined: none
            if len(t[keep]):
                label = notation.UNICODE.symbol(name).removesuffix("_t") + (f" ({trace.names[p]})" if several else "")
                plt.plot(t[keep].tolist(), values[keep].tolist(), label=label, marker=MARKERS[j % len(MARKERS)])
                drawn.append(values[keep])
        if log and drawn:  # nothing positive to draw (every value 0): a linear, empty panel
            _log_axis(plt, drawn, height // 2)
        _integer_ticks(plt, int(t[0]), int(t[-1]))
        plt.xlabel("t")
    plt.main().plotsize(width, height)
    return _built(plt, color=color)


def terminal_curves(curves: dict, title: str, width: int = 100, height: int = 25, *, color: bool = True) -> str:
    """One panel: a curve per name against t, on a log scale where every value is positive; a mark per curve."""
    plt = _plotext()
    plt.title(title)
    positive = all((np.asarray(v) > 0).all() for v in curves.values())
    drawn = []
    for j, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(values)
        t = np.arange(1, values.size + 1)[keep]
        plt.plot(t.tolist(), values[keep].tolist(), label=name, marker=MARKERS[j % len(MARKERS)])
        drawn.append(values[keep])
    if positive:
        _log_axis(plt, drawn, height)
    _integer_ticks(plt, 1, max(np.asarray(v).size for v in curves.values()))
    plt.xlabel("t")
    plt.plotsize(width, height)
    return _built(plt, color=color)


def _plotext():
    """plotext with a clear figure, drawn at the size asked for whatever the terminal's."""
    import plotext as plt

    plt.clear_figure()
    plt.limit_size(False, False)
    return plt


def _log_axis(plt, drawn: list[np.ndarray], rows: int) -> None:
    """A log scale with as many ticks as the panel's ``rows`` show apart (title, frame and axis take five)."""
    plt.yscale("log")
    ticks, labels = _log_ticks(drawn, max(2, min(5, (rows - 4) // 2)))
    if ticks:
        plt.yticks(ticks, labels)


def _built(plt, *, color: bool) -> str:
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)
