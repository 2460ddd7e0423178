"""trace --optimizer: an optimizer of Adadelta's family (``maths/family.py``) over a gradient sequence, every step
as ``step --optimizer`` shows one (``stepping``): a row a step and parameter, elided as every table, each shown
step's worked arithmetic, every format."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import NumericError, SettingsError
from adadelta_cli.features import comparing
from adadelta_cli.features.stepping import (
    MEMBERS,
    Member,
    check_finite,
    equals,
    eta_for_machines,
    in_float32,
    refuse_adadelta_options,
    settings_of,
    shown_cells,
    state_of,
)
from adadelta_cli.formats import explain, render, report
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.formats.tables import check_float32 as check_gradients32
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import family, notation, recurrence
from adadelta_cli.safe import one_line


@dataclass
class Traced(Member):
    """trace --optimizer: a family member over a gradient sequence (``grads[t, p]``), every step's values
    (``family.step``'s) for each parameter, computed as they are read (``run``): a long trace needs the memory of a
    step, not of the run."""

    names: list[str]
    grads: Any
    x0: list[float]
    start: dict
    source: str = ""  # where the gradients came from (a file's name, "arguments", ...)
    label: str | None = None  # its name in a table of several, where not its optimizer's (diff's A and B)
    spec: str = ""  # what diff was given for it (keras, beta2=0.99,...)
    notes = ()  # nothing to say beside the table (Adadelta's trace may have notes)

    @classmethod
    def given(cls, name: str, given: dict, sets: list[str], states: list[str]):
        """The trace the command line asks for (``given``: the settings options), its settings and state checked
        now: a function of the gradients and x₀ (one value a parameter) that makes it."""
        refuse_adadelta_options(name, given)
        h = settings_of(name, given, sets)
        return functools.partial(cls.of, name, h, state_of(MEMBERS[name][0], states, h))

    @classmethod
    def of(cls, name: str, h: dict, start: dict, gradients, x0: list[float]) -> Traced:
        traced = cls(name, h, list(gradients.names), gradients.values, x0, start, gradients.source)
        if traced.float32:
            check_gradients32(gradients.values, gradients.source, gradients.names)
            traced.x0 = [in_float32(x, "--x0") for x in x0]
        return traced

    @classmethod
    def beside(cls, text: str | None, main: str, sets: list[str], given: dict) -> tuple[list, list[str]]:
        """--with NAMES: the members to trace beside ``main`` on the same gradients (each a function of the gradients
        and x₀, as ``given`` makes), each with its defaults and its own --set NAME.SETTING=VALUE; and the --set items
        left for ``main``. ``given``: the settings options (--dtype applies to each)."""
        if text is None:
            return [], sets
        dtype = given.get("dtype")
        listed = [n.strip().lower() for n in text.split(",") if n.strip()]
        names = list(dict.fromkeys(listed))
        unknown = [n for n in names if n not in MEMBERS]
        if len(names) < len(listed):
            raise SettingsError(_f("--with %(value)s: %(names)s named twice", value=one_line(repr(text), 80),
                                   names=", ".join(n for n in names if listed.count(n) > 1)))
        if unknown or not names or main in names:
            raise SettingsError(_f("--with %(value)s: expected a comma-separated list of %(known)s, other than "
                                   "--optimizer %(main)s", value=one_line(repr(text), 80),
                                   known=", ".join(MEMBERS), main=main))
        own: dict[str, list[str]] = {n: [] for n in names}
        rest = []
        for item in sets:
            who, dot, setting = item.partition("=")[0].strip().partition(".")
            if not dot or who.lower() == main:  # the --optimizer's own (adam.lr=0.1 as well as lr=0.1)
                rest.append(item)
            elif who.lower() in own:
                own[who.lower()].append(item)
            else:
                raise SettingsError(_f("--set %(item)s: %(name)s is not among --with %(names)s", item=one_line(
                    repr(item), 80), name=one_line(repr(who), 40), names=", ".join(names)))
        if rest and main == "adadelta":
            raise SettingsError(_f("--set %(item)s: name the optimizer it sets, e.g. --set %(example)s (Adadelta's own "
                                   "settings have their options: --lr, --rho, ...)", item=one_line(repr(rest[0]), 80),
                                   example=f"{names[0]}.{one_line(rest[0], 40)}"))
        return [cls.given(n, {"dtype": dtype}, own[n], []) for n in names], rest

    def run(self):
        """Each step's values for each parameter ([values of p] a step), in order, checked finite."""
        states, xs = [dict(self.start) for _ in self.x0], list(self.x0)
        for i, row in enumerate(self.grads.tolist()):
            step = []
            for p, g in enumerate(row):
                values = self.step(states[p], i + 1, g, xs[p])
                try:
                    check_finite(self.quantities, values, self.mode, i + 1)
                except NumericError as exc:  # which optimizer, where several are traced
                    raise NumericError(f"{self.title}: {exc.message}") from None
                xs[p] = values["x"]
                step.append(values)
            yield step

    @functools.cached_property
    def steps(self) -> list:
        """Every step, held (a walk goes back and forth)."""
        return list(self.run())

    @functools.cached_property
    def first(self) -> list:
        return next(self.run())

    def records(self) -> report.Records:
        """For machines: t, param, g, then each quantity by its name, a record a step and parameter."""
        x0 = [values["x_prev"] for values in self.first]
        settings = {"optimizer": self.name, **self.h, "x0": x0[0] if len(set(x0)) == 1 else x0,
                    "state": self.read(self.first[0])}
        return report.Records(["t", "param", "g", *self.shown],
                              ([v["t"], param, v["g"], *(eta_for_machines(v[k]) for k in self.shown)]
                               for step in self.run() for param, v in zip(self.names, step)), settings)

    @property
    def headline(self) -> Phrase:
        """Adam: lr = 0.001, ..., x₀ = 0, m₀ = 0: the settings and where each parameter starts."""
        first = self.first
        start = [Phrase("%(symbol)s (%(param)s) = %(value)s", symbol=Sym("x", 0, compact=True), param=param,
                        value=Num(numfmt.given(v["x_prev"]))) for param, v in zip(self.names, first)
                 ] if len(self.names) > 1 else [equals(Sym("x", 0, compact=True), first[0]["x_prev"])]
        start += [equals(Sym(k, 0, compact=True), v) for k, v in self.read(first[0]).items()]
        return Phrase(_("%(optimizer)s: %(settings)s"), optimizer=self.title,
                      settings=Phrase.joined(", ", self.settings_parts() + start))

    # What a walk reads (as walk.Adadelta gives it of Adadelta's trace).
    @property
    def keys(self) -> list[str]:
        return ["g", *self.shown]

    @property
    def total(self) -> int:
        return len(self.steps)

    def heading(self, name: str) -> str:
        return notation.UNICODE.symbol(name, "t")

    def rows(self):
        for i, step in enumerate(self.steps):
            for param, v in zip(self.names, step):
                yield i + 1, param, dict(zip(self.keys, shown_cells(self.record(v).values())))

    def t_of(self, step: int) -> int:
        return step + 1

    def lines(self, steps: list[int], digits: int, notation: notation.Notation = notation.UNICODE):
        h = family.resolve(self.description, self.h)[0]
        for i in steps:
            for param, v in zip(self.names, self.steps[i]):
                yield i + 1, param, recurrence.explain_step(self.record(v), self.before(v), h, i + 1, digits,
                                                            notation, as_parts=True, description=self.description)

    def series(self, name: str) -> np.ndarray:
        """``name``'s values, a row a step and a column a parameter (η_t NaN where it is undefined)."""
        return np.array([[v[name] for v in step] for step in self.steps], dtype=float).reshape(-1, len(self.names))

    def legend(self) -> list[tuple[str, str]]:
        """(name, meaning) of each quantity a step shows, in order."""
        return [(q.name, _(q.meaning)) for q in self.quantities]

    # What a worksheet reads (as marking.sheet.Exercise gives it of Adadelta's trace).
    @property
    def optimizer(self) -> str:
        return self.name

    def settings_line(self, digits: int) -> str:
        return self.headline

    def formulas(self) -> report.Formulas:
        return report.Formulas(self.mode, self.description)

    def settings_phrase(self, digits: int = 6) -> Phrase:
        """The optimizer, its settings and where each parameter starts, its symbols kept apart (a figure's note)."""
        return self.headline

    def intro(self, digits: int) -> str:
        return f"{self.headline}."

    def states(self):
        """Each row's state before its step (the state its formulas read, x_{t−1}), row by row."""
        for step in self.steps:
            for v in step:
                yield {**self.read(v), "x": v["x_prev"]}

    def worked(self, digits: int, notation):
        """(heading, lines) of every row's worked arithmetic, in ``notation``."""
        several, h = len(self.names) > 1, family.resolve(self.description, self.h)[0]
        return [(explain.heading(v["t"], param, several=several), recurrence.explain_step(
                    self.record(v), self.before(v), h, v["t"], digits, notation, description=self.description))
                for step in self.steps for param, v in zip(self.names, step)]

    def comments(self) -> list[str]:
        """The settings as the CSV's comment lines: the optimizer, each setting, where each parameter starts."""
        def text(value) -> str:
            return str(value).lower() if isinstance(value, bool) else numfmt.full(value)

        x0 = [v["x_prev"] for v in self.first]
        return [f"# optimizer = {self.name}", *([f"# preset = {self.h['convention']}"] if self.framework else []),
                *(f"# {key} = {text(self.h[key])}" for key in self.description.settings if key not in self.lacks),
                f"# x0 = {','.join(text(x) for x in x0) if len(set(x0)) > 1 else text(x0[0])}",
                *(f"# {key}0 = {text(value)}" for key, value in self.read(self.first[0]).items())]

    def document(self, digits: int, *, show_all: bool, explained: bool) -> report.Document:
        """For people: the settings and where each parameter starts, a row a step (and parameter), the elision of
        every table (--all: every row) and, with ``explained``, each shown step's arithmetic."""
        several, count = len(self.names) > 1, self.grads.shape[0]
        worked: list = []  # each shown step's arithmetic, taken as its rows are made

        def rows_of(step, _i) -> list:
            if explained:
                worked.extend(self.explained(explain.heading(v["t"], param, several=several), v)
                              for param, v in zip(self.names, step))
            return [[v["t"], *([param] if several else []), *shown_cells(self.record(v).values())]
                    for param, v in zip(self.names, step)]

        rows = report.step_rows(count, ((i, i + 1, step) for i, step in enumerate(self.run())), rows_of,
                                show_all=show_all, per_step=len(self.names),
                                texts=[*(self.names if several else []), comparing.NO_ETA],
                                widest={0: [count], **({1: list(self.names)} if several else {})})
        blocks: list = [report.Para(self.headline),
                        report.Table(self.columns("t", several=several), list(rows),
                                     notes=render.gap_notes(rows.gaps), sections=several)]
        if explained:
            if rows.gaps:  # the steps the table hides: after the first HEAD_ROWS
                worked.insert(report.HEAD_ROWS * len(self.names), report.LeftOut(
                    explain.left_out_note(report.HEAD_ROWS + 1, count - report.TAIL_ROWS)))
            blocks.append(self.arithmetic(worked, digits, self.names))
        return report.Document(Phrase(_("%(optimizer)s, step by step"), optimizer=self.title), blocks,
                               words=tuple(self.names))

    def emit(self, fmt: str, output_path: Path | None, digits: int = 6, *, show_all: bool = False,
             explained: bool = False, latex_fragment: bool = False) -> None:
        from adadelta_cli.formats import writers

        writers.write_report(fmt, output_path, digits, fragment=latex_fragment, records=self.records,
                             document=lambda: self.document(digits, show_all=show_all or fmt != "table",
                                                            explained=explained))


def trace_beside(tokens: list[str], resolved, member, beside: list, fmt: str, output_path, digits: int, *,
                 show_all: bool, explain: bool, export_svg, export_html, latex_fragment: bool) -> None:
    """trace --with: the --optimizer (Adadelta's trace, or ``member``'s) and the ``beside`` members on the same
    gradients: their η_t and x_t side by side, then each one's trace; in a terminal, a chart of each one's η_t."""
    from adadelta_cli import messages, outfiles, terminal
    from adadelta_cli.features import shown, tracing
    from adadelta_cli.formats import writers

    gradients = tracing.opened(tokens, fmt, output_path, explain=explain, exports=(export_svg, export_html)).collect()
    x0 = resolved.initial(len(gradients.names)).x.tolist()
    if member is None:
        made = tracing.compute(gradients, resolved)
        main, own = shown.Adadelta(made, digits), [{"optimizer": "adadelta", **render.records(made).settings}]
    else:
        main = member(gradients, x0)
        own = [main.records().settings]
    traces = [main, *(make(gradients, x0) for make in beside)]
    own += [one.records().settings for one in traces[1:]]
    for note in main.notes:
        messages.warn(note)

    def document(*, every: bool, explained: bool) -> report.Document:
        """Each one's document (the table, and with ``explained`` the arithmetic), together."""
        return shown.together(traces, [render.document(one.report, digits, show_all=every, explain=explained)
                                 if isinstance(one, shown.Adadelta) else one.document(digits, show_all=every,
                                                                                explained=explained)
                                 for one in traces], show_all=every)

    writers.write_report(fmt, output_path, digits, fragment=latex_fragment, records=lambda: shown.records(traces, own),
                         document=lambda: document(every=show_all or fmt != "table", explained=explain))
    tracing.export(lambda explained: document(every=show_all, explained=explain and explained), digits, svg=export_svg,
                   html=export_html)
    if fmt == "table" and (output_path is None or outfiles.is_stdout(output_path)):
        from adadelta_cli.features import terminal_charts

        console = terminal.stdout_console()
        several = len(main.names) > 1
        curves = {one.title + (f" ({param})" if several else ""): one.series("eta")[:, p]
                  for one in traces for p, param in enumerate(main.names)}
        console.file.write(terminal_charts.terminal_curves(
            curves, _("η_t of each optimizer"), min(console.width, 100),
            20, color=console.is_terminal and not console.no_color) + "\n")
