"""Curves of a trace drawn with text in the terminal (plotext): a mark per series, told apart without colour."""

from __future__ import annotations

import numpy as np

from adadelta_cli.features.plotting import LABELS
from adadelta_cli.formats.render import Report
from adadelta_cli.i18n import N_, _

PANELS = (
    (N_("E[g²]_t and E[Δx²]_t (log scale)"), ("eg2", "edx2"), True),
    ("η_t", ("eta",), False),
    ("Δx_t", ("dx",), False),
    ("x_t", ("x",), False),
)
MARKERS = ("dot", "x", "+", "*", "o", "#", "@", "%")


def _series(report: Report):
    """(t, values, label) for each quantity and parameter."""
    t = np.arange(report.first_t, report.first_t + report.steps.g.shape[0])
    several = len(report.names) > 1
    for title, names, log in PANELS:
        lines = []
        for name in names:
            column = getattr(report.steps, name).astype(np.float64)
            for p, param in enumerate(report.names):
                label = LABELS[name] + (f" ({param})" if several else "")
                lines.append((t, column[:, p], label))
        yield _(title), lines, log


def _tick_count(panel_height: int) -> int:
    """As many log ticks as the panel has rows to show them apart (title, frame and axis take five)."""
    return max(2, min(5, (panel_height - 5 + 1) // 2))


def _log_ticks(values: list[np.ndarray], count: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions on a log axis with labels in scientific notation (1e-6, 3.2e-5), not 0.0000010."""
    positive = np.concatenate([v[v > 0] for v in values]) if values else np.array([])
    if positive.size == 0:
        return [], []
    low, high = np.log10(positive.min()), np.log10(positive.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    ticks = [float(10 ** e) for e in np.linspace(low, high, count)]
    return ticks, [f"{tick:.1e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e") for tick in ticks]


def _integer_ticks(plt, lines, count: int = 5) -> None:
    """Whole-number step ticks (1, 50, 100, never 1.25)."""
    ts = [int(t) for line in lines for t in (line[0][[0, -1]] if len(line[0]) else [])]
    if not ts:
        return
    low, high = min(ts), max(ts)
    if high - low < 8:
        ticks = list(range(low, high + 1))
    else:
        ticks = sorted({int(round(v)) for v in np.linspace(low, high, count)})
    plt.xticks(ticks, [str(t) for t in ticks])


def terminal_chart(report: Report, width: int = 100, height: int = 30, *, color: bool = True) -> str:
    """Four panels drawn with text: the accumulators on a log scale, η_t, Δx_t and x_t, against t.

    Each series has a mark of its own (•, x, +, …), so they are told apart without colour; ``width`` is honoured
    whatever the terminal says (a chart for a file or a projector may be wider than the window)."""
    plt = _plotext()
    plt.subplots(2, 2)
    for i, (title, lines, log) in enumerate(_series(report)):
        plt.subplot(i // 2 + 1, i % 2 + 1)
        plt.title(title)
        drawn = []
        for j, (t, values, label) in enumerate(lines):
            if log:
                keep = values > 0  # a log scale has no place for 0
                t, values = t[keep], values[keep]
            if len(t):
                plt.plot(t.tolist(), values.tolist(), label=label, marker=MARKERS[j % len(MARKERS)])
                drawn.append(values)
        if log and drawn:  # nothing positive to draw (every value 0): a linear, empty panel
            _log_axis(plt, drawn, height // 2)
        _integer_ticks(plt, lines)
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
    _integer_ticks(plt, [(np.arange(1, np.asarray(v).size + 1), None, None) for v in curves.values()])
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
    plt.yscale("log")
    ticks, labels = _log_ticks(drawn, _tick_count(rows))
    if ticks:
        plt.yticks(ticks, labels)


def _built(plt, *, color: bool) -> str:
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)
