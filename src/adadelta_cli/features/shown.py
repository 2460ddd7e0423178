"""What a trace shows, whichever optimizer made it: its parameters' names, its columns and rows, each step's worked
arithmetic in a notation, a quantity's values over the steps, its settings in a line. ``walk`` and the lesson page
read it; Adadelta's trace gives it by ``Adadelta`` (over ``render.Report``), a family member's by
``family_trace.Traced``."""

from __future__ import annotations

import math

import numpy as np

from adadelta_cli.features import comparing
from adadelta_cli.formats import explain, render, report
from adadelta_cli.formats.phrases import Phrase, Sym
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import notation, recurrence


class Adadelta:
    """What Adadelta's trace (a render.Report) shows."""

    title, name, label = "Adadelta", "adadelta", None

    def __init__(self, report: render.Report, digits: int) -> None:
        self.report, self.names, self.keys = report, report.names, report.table_columns
        self.total, self.headline = report.steps.g.shape[0], render.settings_line(report.settings, digits)
        self.source, self.notes = report.settings.get("input", ""), report.notes

    def heading(self, name: str) -> str:
        return render.HEADINGS[name][0]

    def rows(self):
        return self.report.rows()

    def t_of(self, step: int) -> int:
        return self.report.t_of(step)

    def lines(self, steps: list[int], digits: int, notation: notation.Notation = notation.UNICODE):
        return explain.steps(self.report, digits, steps, notation, as_parts=True)

    def series(self, name: str) -> np.ndarray:
        """``name``'s values, a row a step and a column a parameter."""
        return np.asarray(getattr(self.report.steps, name), dtype=float)

    def legend(self) -> list[tuple[str, str]]:
        """(name, meaning) of each quantity a step shows, in order."""
        return [(q.name, _(q.meaning) % {"dx": notation.UNICODE.symbol("dx")})
                for q in recurrence.quantities(recurrence.Mode.of(self.report.settings))]

    def settings_phrase(self, digits: int = 6) -> str:
        """The settings, its symbols kept apart (a Phrase: a figure's note)."""
        return render.settings_text(self.report.settings, digits)


# The panels of a trace's chart: (quantities, log scale). Adadelta's accumulators; a family member's sums or
# averages of squares (else its other state), on a log scale where they are squares.
PANELS = (("g",), ("eg2", "edx2"), ("eta",), ("dx",), ("x",))
SQUARES = ("G", "v", "vmax", "vhat")


def panels(trace) -> list[tuple[tuple[str, ...], bool]]:
    """g_t, the state (log scale where it holds squares), η_t, Δx_t, x_t: what the chart of ``trace`` draws."""
    if isinstance(trace, Adadelta):
        return [(names, names == PANELS[1]) for names in PANELS]
    squares = tuple(k for k in trace.shown if k in SQUARES)
    state = squares or tuple(k for k in trace.description.state if k in trace.shown)
    return [(PANELS[0], False), (state, bool(squares)), *((names, False) for names in PANELS[2:])]


def latex(name: str) -> str:
    """A quantity's symbol at step t in LaTeX: Adadelta's as every trace heads it, a member's by its notation."""
    return render.HEADINGS[name][1] if name in render.HEADINGS else notation.LATEX.symbol(name, "t")


def of(trace, digits: int = 6):
    """What ``trace`` shows: Adadelta's Report wrapped, a member's trace as it is."""
    return Adadelta(trace, digits) if isinstance(trace, render.Report) else trace


# --- Several optimizers on the same gradients (trace --with, lesson --with) -------------------------------------

SIDE_BY_SIDE = ("eta", "x")  # the quantities every optimizer has: side by side in the table of several


def title(traces: list) -> str:
    """Adadelta, or "Adadelta beside Adagrad, RMSprop": the optimizers a page or a document shows."""
    if len(traces) == 1:
        return traces[0].title
    return _f("%(optimizer)s beside %(others)s", optimizer=traces[0].title,
              others=", ".join(one.title for one in traces[1:]))


def label(trace) -> str:
    """A trace's name in a table of several: its optimizer's, or its side's (A, B) in a diff."""
    return getattr(trace, "label", None) or trace.title


def undefined(value: float):
    """A value for people: η_t where g_t = 0 leaves it undefined is "—", as in every table."""
    return notation.UNICODE.undefined if math.isnan(value) else float(value)


def side_by_side(traces: list, *, show_all: bool) -> report.Table:
    """t, g_t, then each optimizer's η_t and x_t under its name (kept together when a wide table is shown in
    parts), elided as every table (``show_all``: every step)."""
    main = traces[0]
    several, count = len(main.names) > 1, main.total
    columns = [report.Column("t", latex="t", kind=report.COUNT)] + (
        [report.Column("param", _("param"), kind=report.TEXT)] if several else []) + [
        report.Column("g", notation.UNICODE.symbol("g", "t"), notation.LATEX.symbol("g", "t"))]
    for i, one in enumerate(traces):
        who = label(one)
        columns += [report.Column(f"{name}_{i}", Phrase("%(symbol)s %(optimizer)s", symbol=Sym(name), optimizer=who),
                                  rf"{notation.LATEX.symbol(name, 't')}\ \text{{{who}}}", group=who)
                    for name in SIDE_BY_SIDE]
    g = main.series("g")
    series = [[one.series(name) for name in SIDE_BY_SIDE] for one in traces]

    def rows_of(_block, i: int) -> list:
        return [[main.t_of(i), *([param] if several else []), float(g[i, p]),
                 *(undefined(values[i, p]) for each in series for values in each)]
                for p, param in enumerate(main.names)]

    rows = report.step_rows(count, [(0, count, None)], rows_of, show_all=show_all, per_step=len(main.names),
                            texts=[*(main.names if several else []), notation.UNICODE.undefined],
                            widest={0: [main.t_of(count - 1)], **({1: list(main.names)} if several else {})})
    return report.Table(columns, list(rows), notes=render.gap_notes(rows.gaps), sections=several)


def rates(traces: list) -> report.Chart:
    """η_t of each optimizer (and parameter) against t, on a log scale where every η_t is positive: for print."""
    names = traces[0].names
    series = [(label(one) + (f" ({param})" if len(names) > 1 else ""), one.series("eta")[:, p].tolist())
              for one in traces for p, param in enumerate(names)]
    finite = [v for _name, values in series for v in values if math.isfinite(v)]
    return report.Chart(Phrase(_("%(eta)s of each optimizer"), eta=Sym("eta")), notation.LATEX.symbol("eta", "t"),
                        [traces[0].t_of(i) for i in range(traces[0].total)], series,
                        log=bool(finite) and min(finite) > 0)


def together(traces: list, documents: list[report.Document], *, show_all: bool) -> report.Document:
    """Several optimizers' traces of the same gradients (``documents``: each one's own): their η_t and x_t side by
    side, what η_t is, then each one's document (its settings first) under its name."""
    caption = comparing.eta_caption(adadelta=any(isinstance(one, Adadelta) for one in traces))
    blocks: list = [side_by_side(traces, show_all=show_all), report.Para(caption, quiet=True),
                    report.Para(_("Each optimizer's settings are under its name below: the settings options (--lr, "
                                  "--maximize, --preset, ...) apply to the first, the --optimizer; --set "
                                  "NAME.SETTING=VALUE to the others."), quiet=True)]
    blocks.append(rates(traces))
    for one, document in zip(traces, documents):
        blocks += ["", report.Heading(one.title), *document.blocks]
    return report.Document(_("%(optimizer)s, step by step") % {"optimizer": title(traces)}, blocks,
                           words=tuple(traces[0].names))


COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x")  # trace --with for machines (compare's columns)


def records(traces: list, settings: list[dict]) -> report.Records:
    """For machines: each optimizer's η_t, Δx_t and x_t, a record a step, parameter and optimizer (η_t null where
    it is undefined); ``settings``: each optimizer's, as its own trace records them."""
    main = traces[0]
    g = main.series("g")
    series = [(getattr(one, "label", None) or one.name, [one.series(name) for name in COLUMNS[4:]]) for one in traces]

    def rows():
        for i in range(main.total):
            for p, param in enumerate(main.names):
                for name, (eta, dx, x) in series:
                    yield (main.t_of(i), param, name, float(g[i, p]), None if math.isnan(eta[i, p]) else
                           float(eta[i, p]), float(dx[i, p]), float(x[i, p]))

    return report.Records(list(COLUMNS), rows(), {"optimizers": settings})
