"""The trace command's work: read the gradients, run the recurrence, present the result."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import core, output, render
from .options import Resolved
from .readers import Gradients, read_input


def compute(gradients: Gradients, resolved: Resolved) -> render.Report:
    """Run the recurrence over ``gradients`` with ``resolved`` settings; the Report carries any warnings."""
    settings = resolved.settings
    state = resolved.initial(gradients.values.shape[1])
    steps = core.run(gradients.values, settings, state)
    notes = []
    if settings.eps == 0 and not np.any(state.edx2):
        notes.append("ε = 0 with E[Δx²]_0 = 0 makes η_t = √(E[Δx²]_{t−1}) / √(E[g²]_t) = 0 at every step: "
                     "nothing ever moves (ε is what starts Adadelta); give --eps > 0 or --edx2-init > 0")
    show_g_eff = bool(settings.maximize or settings.weight_decay)
    return render.Report(steps, gradients.names, {**resolved.as_dict(), "input": gradients.source},
                         show_g_eff=show_g_eff, notes=notes)


def trace_input(tokens: list[str], resolved: Resolved) -> tuple[render.Report, Gradients]:
    gradients = read_input(tokens)
    return compute(gradients, resolved), gradients


def format_report(report: render.Report, fmt: str, digits: int = 6, show_all: bool = False) -> str:
    """The whole output as text, for a file or a pipe."""
    if fmt == "json":
        return render.to_json(report)
    if fmt == "csv":
        return render.to_csv(report)
    if fmt == "markdown":
        return render.to_markdown(report, digits)
    if fmt == "latex":
        return render.to_latex(report, digits)
    table = render.table(report, digits, show_all=show_all)
    return output.render_text(table, width=render.table_width(table))


def emit(report: render.Report, fmt: str, output_path: Path | None, digits: int = 6,
         show_all: bool = False) -> None:
    if fmt == "table" and output_path is None:
        table = render.table(report, digits, show_all=show_all)
        console = output.stdout_console()
        console.width = max(console.width, render.table_width(table))
        console.print(table)
        return
    output.emit(format_report(report, fmt, digits, show_all=show_all), output_path)
