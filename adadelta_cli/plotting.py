"""Curves of a trace: in the terminal for everyone (plotext), or to a PNG, SVG or PDF file (matplotlib, optional)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import SettingsError
from .i18n import N_, _, _f
from .render import Report

PANELS = (
    (N_("E[g²]_t and E[Δx²]_t (log scale)"), ("eg2", "edx2"), True),
    ("η_t", ("eta",), False),
    ("Δx_t", ("dx",), False),
    ("x_t", ("x",), False),
)
LABELS = {"eg2": "E[g²]", "edx2": "E[Δx²]", "eta": "η", "dx": "Δx", "x": "x"}
FILE_FORMATS = (".png", ".svg", ".pdf")


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


def terminal_chart(report: Report, width: int = 100, height: int = 30, color: bool = True) -> str:
    """Four panels drawn with text: the accumulators on a log scale, η_t, Δx_t and x_t, against t."""
    import plotext as plt

    plt.clear_figure()
    plt.subplots(2, 2)
    for i, (title, lines, log) in enumerate(_series(report)):
        plt.subplot(i // 2 + 1, i % 2 + 1)
        plt.title(title)
        for t, values, label in lines:
            if log:
                keep = values > 0  # a log scale has no place for 0
                t, values = t[keep], values[keep]
            if len(t):
                plt.plot(t.tolist(), values.tolist(), label=label, marker="braille")
        if log:
            plt.yscale("log")
        plt.xlabel("t")
    plt.main().plotsize(width, height)
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)


def save_figure(report: Report, path: Path, write) -> None:
    """The four panels through matplotlib, to ``path`` (its ending chooses PNG, SVG or PDF).

    ``write(path, writer)`` writes the file whole or not at all.
    """
    suffix = path.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise SettingsError(_f('-o %(path)s: the file must end in %(suffixes)s',
                               path=path, suffixes=', '.join(FILE_FORMATS)))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except ImportError:
        raise SettingsError(_("drawing to a file needs matplotlib: pip install 'adadelta-cli[plot]' "
                            "(without -o the chart is drawn in the terminal)")) from None
    figure, axes = pyplot.subplots(2, 2, figsize=(11, 7), sharex=True, layout="constrained")
    for ax, (title, lines, log) in zip(axes.ravel(), _series(report)):
        for t, values, label in lines:
            if log:
                keep = values > 0
                t, values = t[keep], values[keep]
            ax.plot(t, values, label=label, linewidth=1.4, marker="o" if len(t) <= 30 else None, markersize=3)
        if log:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        if len(lines) > 1:
            ax.legend(fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("t")
    from .render import settings_line

    figure.suptitle(settings_line(report.settings))
    metadata = {"Date": None} if suffix in (".svg", ".pdf") else None  # no timestamp: the same file each time

    def writer(handle) -> None:
        figure.savefig(handle, format=suffix[1:], dpi=120, metadata=metadata)

    try:
        write(path, writer)
    finally:
        pyplot.close(figure)


def terminal_curves(curves: dict, title: str, width: int = 100, height: int = 25, color: bool = True) -> str:
    """One panel: a curve per name against t, on a log scale where every value is positive."""
    import plotext as plt

    plt.clear_figure()
    plt.title(title)
    positive = all((np.asarray(v) > 0).all() for v in curves.values())
    for name, values in curves.items():
        values = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(values)
        t = np.arange(1, values.size + 1)[keep]
        plt.plot(t.tolist(), values[keep].tolist(), label=name, marker="braille")
    if positive:
        plt.yscale("log")
    plt.xlabel("t")
    plt.plotsize(width, height)
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)
