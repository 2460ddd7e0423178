"""A step-through for class: one step per key press, the table so far above the current step's arithmetic."""

from __future__ import annotations

from . import explain, render
from .i18n import N_, _

KEYS_NEXT = {"n", " ", "\r", "\n", "l", "j", "\x1b[C", "\x1b[B", "\x1bOC", "\x1bOB"}
KEYS_BACK = {"b", "p", "h", "k", "\x1b[D", "\x1b[A", "\x1bOD", "\x1bOA", "\x7f"}
KEYS_QUIT = {"q", "\x1b", "\x03", "\x04"}
HELP = N_("n, space, → next · b, ← back · q quit")


def _partial(report: render.Report, steps: int) -> render.Report:
    from .core import Step

    return render.Report(Step(*(c[:steps] for c in report.steps)), report.names, report.settings,
                         show_g_eff=report.show_g_eff, first_t=report.first_t)


def screen(report: render.Report, step: int, digits: int):
    """What the class sees at ``step`` (0-based): the table up to it, then its arithmetic."""
    from rich.console import Group
    from rich.text import Text

    total = report.steps.g.shape[0]
    explained = explain.report_lines(_partial(report, step + 1), digits)
    current = explained[-len(report.names):]
    parts = [render.table(_partial(report, step + 1), digits, show_all=True), Text("")]
    for heading, lines in current:
        parts.append(Text(_("%(step)s of %(total)d") % {"step": heading, "total": total}, style="bold"))
        parts.extend(Text("  " + line) for line in lines)
    return Group(*parts)


def walk(report: render.Report, console, digits: int, interactive: bool, getkey) -> None:
    """Interactive: redraw on each key. Otherwise (no terminal): every step's screen in turn, then the end."""
    from rich.text import Text

    total = report.steps.g.shape[0]
    if not interactive:
        for step in range(total):
            console.print(screen(report, step, digits), soft_wrap=True)
            console.print()
        return
    step = 0
    while True:
        console.clear()
        console.print(screen(report, step, digits), soft_wrap=True)
        console.print(Text("\n" + _(HELP), style="dim"))
        key = getkey()
        if key in KEYS_QUIT:
            return
        if key in KEYS_BACK:
            step = max(step - 1, 0)
        elif key in KEYS_NEXT:
            if step == total - 1:
                return
            step += 1
