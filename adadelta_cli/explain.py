"""Each step's arithmetic written out with the numbers substituted, in the article's style:

    E[g²]_2 = ρ·E[g²]_1 + (1−ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475

The formulas and their notations come from the step description (``recurrence``): plain Unicode for terminals and
Markdown, LaTeX for documents.
"""

from __future__ import annotations

from . import recurrence
from .i18n import N_, _

UNICODE = recurrence.UNICODE
LATEX = recurrence.LATEX
Notation = recurrence.Notation


def step_lines(values: dict, previous: dict, settings: dict, t: int, digits: int = 6, notation=UNICODE,
               eg2_given: bool = False, param: str | None = None) -> list[str]:
    """The substituted arithmetic of one step, read from the step description (``recurrence``).

    ``values`` holds the step's record (g, g_eff, eg2, edx2_prev, eta, dx, edx2, x), ``previous`` the state
    before it (eg2, x); ``settings`` the settings in force (rho, eps, lr, weight_decay, weight_decay_mode,
    maximize), one value each for this parameter.
    """
    lines = recurrence.explain_step(values, previous, settings, t, digits, notation, eg2_given=eg2_given,
                                    given_label=_("(given)"))
    if param:
        lines[0] += f" ({param})"
    return lines


def report_lines(report, digits: int = 6, notation: Notation = UNICODE) -> list[tuple[str, list[str]]]:
    """(heading, lines) for every step and parameter of a trace Report."""
    settings = report.settings
    several = len(report.names) > 1
    out = []
    initial = {name: _per_param(settings.get(key, 0.0), len(report.names))
               for name, key in (("eg2", "eg2_init"), ("x", "x0"))}
    previous = {p: {"eg2": initial["eg2"][i], "x": initial["x"][i]} for i, p in enumerate(report.names)}
    i_of = {p: i for i, p in enumerate(report.names)}
    for t, param, values in report.rows():
        if not report.show_g_eff:
            values = {**values, "g_eff": values["g"]}
        heading = (_("Step %(t)d, %(param)s") if several else _("Step %(t)d")) % {"t": t, "param": param}
        out.append((heading, step_lines(values, previous[param], _one_parameter(settings, i_of[param]), t, digits,
                                        notation)))
        previous[param] = {"eg2": values["eg2"], "x": values["x"]}
    return out


def _one_parameter(settings: dict, i: int) -> dict:
    """The settings as one parameter sees them (a per-parameter list gives its own entry)."""
    return {key: (value[i] if isinstance(value, list) and key != "x0" else value) for key, value in settings.items()}


def _per_param(value, size: int) -> list[float]:
    return list(value) if isinstance(value, list) else [value] * size


LEGEND = N_("E[g²]: running average of squared gradients · η: adaptive learning rate · Δx: parameter update · "
            "E[Δx²]: running average of squared updates · ρ, ε, lr: hyperparameters")
