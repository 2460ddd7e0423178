"""Each step's arithmetic written out with the numbers substituted, in the article's style:

    E[g²]_2 = ρ·E[g²]_1 + (1−ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475

The formulas and their notations come from the step description (``recurrence``): plain Unicode for terminals and
Markdown, LaTeX for documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adadelta_cli import safe
from adadelta_cli.formats import spelling
from adadelta_cli.formats.phrases import Phrase
from adadelta_cli.formats.report import Arithmetic, Explained, LeftOut, shown_steps
from adadelta_cli.i18n import N_, _
from adadelta_cli.maths import notation, recurrence
from adadelta_cli.maths.core import FIELDS


def _given_label(notation_) -> str:
    return rf"\quad\text{{{safe.latex(_('(given)'))}}}" if notation_ is notation.LATEX else _("(given)")


def _step_data(report, indices: Sequence[int]):
    """(t, parameter, record, previous state, settings for that parameter) for each row index and parameter."""
    for i in indices:
        for p, param in enumerate(report.names):
            per = _one_parameter(report.settings, p)
            record = {name: float(np.float64(getattr(report.steps, name)[i, p])) for name in FIELDS}
            if i == 0:
                previous = {"eg2": float(per.get("eg2_init", 0.0) or 0.0), "x": float(per.get("x0", 0.0) or 0.0),
                            "edx2": float(per.get("edx2_init", 0.0) or 0.0)}
            else:
                previous = {name: float(getattr(report.steps, name)[i - 1, p]) for name in ("eg2", "x", "edx2")}
            if not report.show_g_eff:
                record["g_eff"] = record["g"]
            yield report.t_of(i), param, record, previous, per


def steps(report, digits: int, indices: Sequence[int], notation=notation.UNICODE, *, eg2_given: bool = False,
          as_parts: bool = False):
    """(t, parameter, substituted lines) for each row index and parameter of a trace ``report``, in ``notation``.
    Only the rows asked for are worked out: a long trace's elided middle costs nothing."""
    given = _given_label(notation)
    for t, param, record, previous, per in _step_data(report, indices):
        lines = recurrence.explain_step(record, previous, per, t, digits, notation, eg2_given=eg2_given,
                                        given_label=given, as_parts=as_parts)
        yield t, param, lines


class _Shown:
    """The shown steps of a trace as ``report.Explained`` and ``report.LeftOut`` items, made as they are read
    (each reading afresh): a long trace's worked arithmetic never held whole."""

    def __init__(self, report, *, show_all: bool, eg2_given: bool) -> None:
        self.report, self.show_all, self.eg2_given = report, show_all, eg2_given

    def __iter__(self):
        report = self.report
        indices = [i for i in shown_steps(report.steps.g.shape[0], show_all=self.show_all or bool(report.hidden))
                   if i is not None]  # the table's own elision
        left_out = report.steps.g.shape[0] - len(indices)
        several = len(report.names) > 1
        before = None
        for t, param, record, previous, per in _step_data(report, indices):
            if left_out and before is not None and t > before + 1:
                yield LeftOut(left_out_note(before + 1, t - 1))
            before = t
            yield Explained(heading(t, param, several=several), t, record, previous, per, self.eg2_given)


def arithmetic(report, digits: int, *, show_all: bool = False, eg2_given: bool = False):
    """The worked arithmetic of a trace's shown steps as a document block (``report.Arithmetic``): the steps' data,
    made as they are written."""
    return Arithmetic(_Shown(report, show_all=show_all, eg2_given=eg2_given), digits,
                      recurrence.Mode.of(report.settings), tuple(report.names), _(LEGEND))


def heading(t: int, param: str, *, several: bool) -> str:
    return Phrase(_("Step %(t)d, %(param)s") if several else _("Step %(t)d"), t=t, param=param)


def left_out_note(first: int, last: int) -> str:
    return _("Steps %(first)d to %(last)d are left out here; --all explains every step.") % {"first": first,
                                                                                            "last": last}


def blocks(report, digits: int, *, show_all: bool = False, eg2_given: bool = False) -> list:
    """(heading, lines) in Unicode for each step (and parameter) whose arithmetic is shown, with (None, [note])
    where the middle of a long trace is left out: the table's own elision (--all: every step); the lines
    ``arithmetic``'s block gives every writer."""
    return list(spelling.arithmetic_lines(arithmetic(report, digits, show_all=show_all, eg2_given=eg2_given)))


def report_lines(report, digits: int = 6, notation=notation.UNICODE, *, as_parts: bool = False) -> list:
    """(heading, lines) for every step and parameter of a trace Report (``as_parts``: each line as its parts)."""
    several = len(report.names) > 1
    return [(heading(t, param, several=several), lines)
            for t, param, lines in steps(report, digits, range(report.steps.g.shape[0]), notation, as_parts=as_parts)]


def _one_parameter(settings: dict, i: int) -> dict:
    """The settings as one parameter sees them (a per-parameter list gives its own entry)."""
    return {key: (value[i] if isinstance(value, list) and key != "input" else value) for key, value in settings.items()}


LEGEND = N_("E[g²]: running average of squared gradients · η: adaptive learning rate · Δx: parameter update · "
            "E[Δx²]: running average of squared updates · ρ, ε, lr: hyperparameters")
