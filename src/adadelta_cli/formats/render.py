"""A trace as a document for people (a table, the worked arithmetic) and as records for machines (CSV, JSON): the
writers (``writers``) spell both."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.formats.report import shown_spans
from adadelta_cli.i18n import N_, _
from adadelta_cli.maths import recurrence
from adadelta_cli.maths.core import FIELDS, Step

# Column name -> (plain-text heading in the article's notation, LaTeX heading): every table's, worksheets' and
# messages' one home for them.
HEADINGS = {
    "t": ("t", "t"),
    "param": ("param", r"\text{param}"),
    "g": ("g_t", "g_t"),
    "g_eff": ("g_eff,t", r"g^{\mathrm{eff}}_t"),
    "eg2": ("E[g²]_t", "E[g^2]_t"),
    "edx2_prev": ("E[Δx²]_t−1", r"E[\Delta x^2]_{t-1}"),
    "eta": ("η_t", r"\eta_t"),
    "dx": ("Δx_t", r"\Delta x_t"),
    "edx2": ("E[Δx²]_t", r"E[\Delta x^2]_t"),
    "x": ("x_t", "x_t"),
}
TABLE_COLUMNS = ("g", *recurrence.ORDER)


@dataclass(eq=False, repr=False)
class Report:
    """A computed trace with what is needed to present it."""

    steps: Step  # each field shaped (steps, parameters)
    names: list[str]  # parameter names
    settings: dict  # every setting in force, by its option's name
    show_g_eff: bool = False
    first_t: int = 1
    notes: list[str] = field(default_factory=list)
    hidden: int = 0  # steps left out after the first `head` ones (a long trace read as a stream keeps only its ends)
    head: int = 0

    @property
    def columns(self) -> list[str]:
        """The machine columns, in the contract's order."""
        return machine_columns(show_g_eff=self.show_g_eff)

    @property
    def table_columns(self) -> list[str]:
        """The values a table for people shows, in order: g_eff only where it can differ from g."""
        return [name for name in TABLE_COLUMNS if name != "g_eff" or self.show_g_eff]

    def __len__(self) -> int:
        """The number of steps traced (including any hidden ones)."""
        return self.steps.g.shape[0] + self.hidden

    def t_of(self, row: int) -> int:
        return self.first_t + row + (self.hidden if self.hidden and row >= self.head else 0)

    def rows(self, start: int = 0, stop: int | None = None, params: list[int] | None = None):
        """(t, param, values by column) for each step and parameter held, steps in order; ``params``: only
        these parameters (by index), so that only what is shown is read."""
        columns = slice(None) if params is None else params
        names = self.names if params is None else [self.names[p] for p in params]
        block = {name: getattr(self.steps, name)[start:stop, columns].astype(np.float64).tolist()
                 for name in FIELDS}
        for i in range(len(block["g"])):
            for p, param in enumerate(names):
                yield self.t_of(start + i), param, {name: block[name][i][p] for name in FIELDS}


ARITHMETIC_TITLES = {"unfused": N_("each operation rounded on its own (unfused)"),
                     "foreach": N_("torch's foreach roundings")}
MODES = {"coupled": N_("coupled"), "decoupled": N_("decoupled")}
HYPER_SYMBOLS = {"rho": "ρ", "eps": "ε", "lr": "lr", "weight_decay": "wd"}
VERDICT_HEADINGS = (N_("quantity"), N_("written"), N_("verdict"), N_("computed"), N_("note"))


def settings_text(settings: dict, digits: int = 6, *, before: int = 0) -> str:
    """The settings in force, as given (never rounded to ``digits``, never longer than they are): ρ = 0.95,
    ε = 1e-6, lr = 1, x₀ = 0 ... ``before``: the index of the state they start from (x₂ for a step 3). A
    ``phrases.Phrase``: its symbols and numbers kept apart, for each writer's notation."""
    def num(v):
        return Phrase.joined(", ", [Num(numfmt.given(u)) for u in v]) if isinstance(v, list) else Num(numfmt.given(v))

    def equals(symbol, value):
        return Phrase("%(symbol)s = %(value)s", symbol=symbol, value=num(value))

    parts = [equals(Sym("rho"), settings["rho"]), equals(Sym("eps"), settings["eps"]),
             Phrase("lr = %(value)s", value=num(settings["lr"])),
             equals(Sym("x", before, compact=True), settings["x0"])]
    if settings.get("eg2_init"):
        parts.append(equals(Sym("eg2", before, compact=True), settings["eg2_init"]))
    if settings.get("edx2_init"):
        parts.append(equals(Sym("edx2", before, compact=True), settings["edx2_init"]))
    if settings.get("weight_decay"):
        mode = MODES[settings["weight_decay_mode"]]  # apart: Babel before 2.19 takes the key inside _() for a message
        parts.append(Phrase(_("weight decay = %(wd)s (%(mode)s)"), wd=num(settings["weight_decay"]), mode=_(mode)))
    if settings.get("maximize"):
        parts.append(_("maximize"))
    if settings.get("dtype", "float64") != "float64":
        parts.append(settings["dtype"])
    if settings.get("arithmetic", "fused") != "fused":
        parts.append(_(ARITHMETIC_TITLES.get(settings["arithmetic"], settings["arithmetic"])))
    if settings.get("subnormals", "keep") != "keep":
        parts.append(_("subnormals flushed to zero"))
    if settings.get("hyper_float32"):
        names = [Sym(name) if name in ("rho", "eps") else HYPER_SYMBOLS.get(name, name)
                 for name in settings["hyper_float32"].split(",")]
        parts.append(Phrase(_("%(names)s held in float32"), names=Phrase.joined(", ", names)))
    if settings.get("rate_eg2", "current") != "current":
        parts.append(Phrase(_("%(eta)s divides by %(eg2_prev)s (TensorFlow.js), not %(eg2)s"), eta=Sym("eta", None),
                            eg2_prev=Sym("eg2", prev=True), eg2=Sym("eg2")))
    if settings.get("nonfinite", "stop") != "stop":
        parts.append(_("non-finite values carried on"))
    if settings.get("preset"):
        parts.append(Phrase(_("preset %(name)s"), name=settings["preset"]))
    return Phrase.joined(", ", parts)


def settings_line(settings: dict, digits: int = 6, *, before: int = 0) -> str:
    """The table's title: Adadelta: ρ = 0.95, ε = 1e-6, lr = 1, x₀ = 0 ..."""
    return Phrase(_("Adadelta: %(settings)s"), settings=settings_text(settings, digits, before=before))


def machine_columns(*, show_g_eff: bool) -> list[str]:
    return ["t", "param", "g"] + (["g_eff"] if show_g_eff else []) + [f for f in FIELDS if f not in ("g", "g_eff")]


def records(report: Report):
    """The trace for machines as ``report.Records``, a row per step and parameter, given as one Steps block (whole
    columns): what ``writers`` writes as CSV and JSON, for trace and for every command that shows a trace."""
    from adadelta_cli.formats.report import Records, Steps

    columns = report.columns
    return Records(columns, [Steps(report.first_t, report.names, [getattr(report.steps, c) for c in columns[2:]])],
                   report.settings)


HEAD_PARAMS = TAIL_PARAMS = 3  # a wide trace's table shows these first and last parameters of each step


def shown_params(report: Report, *, show_all: bool) -> list[int] | None:
    """The parameters a table shows (by index), or None for all of them."""
    size = len(report.names)
    if show_all or size <= HEAD_PARAMS + TAIL_PARAMS + 2:
        return None
    return list(range(HEAD_PARAMS)) + list(range(size - TAIL_PARAMS, size))


def hidden_note(count: int) -> str:
    """What a table says under it when it hides steps."""
    return _("%(count)d steps hidden; --all shows every step") % {"count": count}


def gap_notes(rows: list) -> list[str]:
    """The notes of a table whose rows hold Gaps for hidden steps."""
    from adadelta_cli.formats.report import Gap

    return [hidden_note(row.count) for row in rows if isinstance(row, Gap) and row.t is None]


def columns(report: Report, t: int | None = None) -> list:
    """The table's columns; with ``t``, headings carry the step's own index (g_3, η_3 for ``step --t 3``)."""
    from adadelta_cli.formats.report import COUNT, TEXT, Column

    out = [Column("t", latex="t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if len(report.names) > 1
                                                  else [])
    for name in report.table_columns:
        heading, latex = HEADINGS[name]
        if t is not None:  # g_3, g_eff,3, E[g²]_3
            heading, latex = heading[:-1] + str(t), latex[:-1] + "{" + str(t) + "}"
        out.append(Column(name, heading, latex))
    return out


def trace_table(report: Report, *, show_all: bool = False, t: int | None = None):
    """The steps shown (the first and last of a long trace, the first and last parameters of a wide one, unless
    ``show_all``), a Gap for the hidden middle steps and for each step's middle parameters, with a note saying what
    is hidden: only the values shown are read, so a table takes time for what it shows."""
    from adadelta_cli.formats.report import Gap, Table

    several, held, shown = len(report.names) > 1, report.steps.g.shape[0], report.table_columns
    params = shown_params(report, show_all=show_all)
    spans = [(0, report.head), None, (report.head, held)] if report.hidden else shown_spans(held, show_all=show_all)
    rows: list = []
    for span in spans:
        if span is None:
            rows.append(Gap())
            continue
        for i, (step, param, values) in enumerate(report.rows(span[0], span[1], params=params)):
            if params is not None and i % len(params) == HEAD_PARAMS:
                rows.append(Gap(len(report.names) - len(params), step))
            rows.append([step] + ([param] if several else []) + [values[name] for name in shown])
    hidden = len(report) - sum(span[1] - span[0] for span in spans if span is not None)
    notes = [hidden_note(hidden)] if hidden else []
    if params is not None and held:
        notes.append(_("%(count)d of %(total)d parameters hidden in each step; --all shows every parameter")
                     % {"count": len(report.names) - len(params), "total": len(report.names)})
    return Table(columns(report, t), rows, notes=notes, sections=several)


def document(report: Report, digits: int = 6, *, show_all: bool = False, explain: bool = False,
             eg2_given: bool = False, title: str | None = None, every_row: bool = False):
    """A trace for people: the settings in force, the table of its steps and, with ``explain``, each shown step's
    arithmetic (the first and last steps of a long trace unless ``show_all``). ``every_row``: the table holds every
    step held (a document to print, Markdown or LaTeX). The settings line stands above the table, not as its title,
    so that it is never wrapped to the table's width."""
    from adadelta_cli.formats import explain as explaining
    from adadelta_cli.formats.report import Document, Para

    blocks = [Para(settings_line(report.settings, digits)), trace_table(report, show_all=show_all or every_row)]
    if explain:
        blocks.append(explaining.arithmetic(report, digits, show_all=show_all, eg2_given=eg2_given))
    return Document(title or _("Adadelta trace"), blocks, words=tuple(report.names))


VERDICT_MARKS = {"right": N_("✓ right"), "right_given": N_("✓ right"), "wrong": N_("✗ wrong"),
                 "too_few": N_("✗ too few digits"), "unanswered": N_("· unanswered"),
                 "given": N_("· given"), "unreadable": N_("✗ unreadable")}


def verdict_note(v) -> str:
    """What to say beside a verdict: the earlier values it rests on, a rounding, the likely slip, the student's own
    value (a ``phrases.Phrase``: the symbols and numbers apart)."""
    parts: list = []
    if v.status == "given" and getattr(v, "changed", False):
        parts.append(Phrase(_("changed: the sheet gave %(value)s (not scored; what follows rests on the value "
                              "written)"), value=Num(numfmt.sig(v.computed))))
    if v.status == "right_given" or (v.status == "too_few" and v.given):
        parts.append(Phrase(_("given your %(values)s"), values=Phrase.joined(", ", [_quantity(*g) for g in v.given])))
    if v.status == "unreadable":
        parts.append(v.rounding or "")
    if v.status == "wrong":
        if v.rounding:
            parts.append(v.rounding)
        if v.slip:
            parts.append(Phrase(_("likely slip: %(slip)s"), slip=v.slip))
        if v.own is not None:
            parts.append(Phrase(_("from your own earlier values: %(value)s"), value=Num(numfmt.sig(v.own))))
    return Phrase.joined("; ", parts)


def _quantity(name: str, t: int):
    """A verdict's quantity as a symbol: η_3; E[Δx²]_2 for edx2_prev at step 3."""
    return Sym("edx2", t, prev=True) if name == "edx2_prev" else Sym(name, t)


VERDICT_STYLES = {"right": "green", "right_given": "green", "wrong": "bold red", "too_few": "bold red",
                  "unanswered": "dim", "given": "dim", "unreadable": "bold red"}


def verdict_table(verdicts, digits: int = 6, *, several: bool = False, title: str | None = None):
    """One row per asked cell: the written value, the verdict, the computed value beside one not right, a note."""
    from adadelta_cli.formats.report import COUNT, TEXT, Column, Styled, Table

    quantity, written, verdict, computed, note = VERDICT_HEADINGS
    columns = [Column("t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several else [])
    # The note wraps at words; everything else keeps to one line (the verdicts are short, to leave it room).
    columns += [Column("quantity", _(quantity), kind=TEXT), Column("written", _(written)),
                Column("verdict", _(verdict), kind=TEXT), Column("computed", _(computed), room=8),
                Column("note", _(note), kind=TEXT, wrap=True)]
    rows = [[v.t] + ([v.param] if several else []) + [
        _quantity(v.name, v.t), v.written or "", Styled(_(VERDICT_MARKS[v.status]), VERDICT_STYLES[v.status]),
        v.computed if v.status in ("wrong", "too_few") else None, verdict_note(v)] for v in verdicts]
    return Table(columns, rows, title=title)
