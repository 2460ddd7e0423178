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


SYMLOG_DECADES = 3  # a symmetric log scale shows at most this many decades below the largest magnitude


def terminal_curves(curves: dict, title: str, width: int = 100, height: int = 25, *, color: bool = True) -> str:
    """One panel: a curve per name against t, a mark per curve; on a log scale where every value is positive, else
    on a symmetric log scale (sign·log₁₀(1 + |v|/c), linear within ±c: the smallest magnitude, at most
    SYMLOG_DECADES decades below the largest) where the magnitudes span more than a decade, else linear. The scale
    is said after ``title``."""
    plt = _plotext()
    arrays = [np.asarray(v, dtype=np.float64) for v in curves.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in arrays]) if arrays else np.array([])
    positive = finite.size > 0 and bool((finite > 0).all())
    nonzero = np.abs(finite[finite != 0])
    c = max(float(nonzero.min()), float(nonzero.max()) * 10.0 ** -SYMLOG_DECADES) if nonzero.size else 0.0
    symlog = not positive and nonzero.size > 0 and float(nonzero.max()) > 10 * c
    scale = _("log scale") if positive else _("symmetric log scale, linear within ±%(c)s") % {
        "c": _tick(c)} if symlog else ""
    plt.title(_("%(title)s (%(scale)s)") % {"title": title, "scale": scale} if scale else title)
    drawn = []
    for j, (name, values) in enumerate(zip(curves, arrays)):
        keep = np.isfinite(values)
        t = np.arange(1, values.size + 1)[keep]
        shown_values = np.sign(values[keep]) * np.log10(1 + np.abs(values[keep]) / c) if symlog else values[keep]
        plt.plot(t.tolist(), shown_values.tolist(), label=name, marker=MARKERS[j % len(MARKERS)])
        drawn.append(values[keep])
    if positive:
        _log_axis(plt, drawn, height)
    elif symlog:
        top = int(np.ceil(np.log10(float(nonzero.max()))))
        marks = [0.0] + [s * 10.0 ** e for e in range(top - SYMLOG_DECADES, top + 1) for s in (1, -1)
                         if (finite.min() <= -10.0 ** e * 0.5 if s < 0 else finite.max() >= 10.0 ** e * 0.5)]
        plt.yticks([float(np.sign(m) * np.log10(1 + abs(m) / c)) for m in marks], [_tick(m) for m in marks])
    _integer_ticks(plt, 1, max(np.asarray(v).size for v in curves.values()))
    plt.xlabel("t")
    plt.plotsize(width, height)
    return _built(plt, color=color)


def _tick(value: float) -> str:
    """A tick's label: 0, 0.1, -1e-3 (short, a power of ten mostly)."""
    return "0" if value == 0 else f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e") \
        if abs(value) < 0.01 or abs(value) >= 1000 else f"{value:g}"


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
