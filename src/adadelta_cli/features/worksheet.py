"""Exercises: the gradients drawn for worksheets and their variants, the sheet (or its answer key) for people, and
its questions for a school's LMS (Moodle XML, GIFT). The CSV that `adadelta check` reads back is ``marking.sheet``'s.
"""

from __future__ import annotations

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.features import tracing
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.formats.render import HEADINGS, Report, settings_text
from adadelta_cli.formats.report import COUNT, TEXT, Block, Column, Document, Formulas, Para, Table, Working, WriteIn
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import _, _f
from adadelta_cli.marking.sheet import Meta, asked, columns, key_number, title
from adadelta_cli.maths import recurrence

HIDEABLE = recurrence.ORDER


# The gradients drawn for an exercise: one or two significant digits, pleasant to square by hand.
PLEASANT = tuple(round(0.05 * i, 2) for i in range(1, 11)) + (0.6, 0.8, 1.0)


def parse_hide(text: str | None) -> list[str]:
    """--hide eg2,eta,...: which quantities the student computes (all five when not given)."""
    if text is None:
        return list(HIDEABLE)
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown:
        raise SettingsError(_f(
            '--hide %(value)s: unknown column %(unknown)s; expected a comma-separated list of %(columns)s',
            value=repr(text), unknown=', '.join(unknown), columns=', '.join(HIDEABLE)))
    return names


def pleasant_gradients(steps: int, seed: int) -> np.ndarray:
    """``steps`` gradients such as 0.1, -0.25, 0.3: the same seed gives the same exercise.

    >>> pleasant_gradients(4, seed=1).ravel().tolist() == pleasant_gradients(4, seed=1).ravel().tolist()
    True
    """
    if steps < 1:
        raise SettingsError(_f('--steps must be at least 1, got %(steps)s', steps=steps))
    rng = np.random.default_rng(seed)
    magnitudes = rng.choice(PLEASANT, size=steps)
    signs = np.where(rng.random(steps) < 0.3, -1.0, 1.0)
    return (magnitudes * signs)[:, None]


def drawn(steps: int, seed: int, resolved) -> Report:
    """The trace of the exercise ``--steps N --seed S`` draws: ``steps`` pleasant gradients of one parameter, x."""
    return tracing.compute(Gradients(pleasant_gradients(steps, seed), ["x"], f"--steps {steps} --seed {seed}"),
                           resolved)


def document(report: Report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Document:
    """The sheet for people: a line for the name, the variant, what to fill in, the settings, the formulas of the
    sheet's mode (from the step description), and the table, its asked columns in bold with room to write."""
    meta = meta or Meta()
    blocks: list[Block] = []
    if meta.name_line and not answers:
        blocks.append(WriteIn(_("Name:")))
    names = Phrase.joined(", ", [Sym(c) for c in asked(report, hide)])
    if answers:  # the key: which sheet it marks, never the students' instructions
        blocks.append(Para(key_label(meta), strong=True))
        blocks.append(Para(Phrase(_("The answers: %(columns)s; a student's value is right when it agrees with the "
                                    "key's to at least %(digits)s significant digits."), columns=names,
                                  digits=meta.sig_digits)))
    else:
        if meta.variant:
            blocks.append(Para(_("Variant %(id)s") % {"id": meta.variant}))
        blocks.append(Para(Phrase(_("Fill in: %(columns)s (the other columns are given), each to at least "
                                    "%(digits)s significant digits."), columns=names, digits=meta.sig_digits)))
    blocks += [Para(settings_text(report.settings, digits)), Formulas(recurrence.Mode.of(report.settings))]
    several = len(report.names) > 1
    shown = columns(report.settings)[2:]  # after t and g: the quantities, given or asked
    blank = set() if answers else set(hide)

    def key(value, digits: int) -> str:
        return key_number(value, max(digits, meta.sig_digits))

    table_columns = [Column("t", latex="t", kind=COUNT), *([Column("param", _("param"), kind=TEXT)] if several else []),
                     Column("g", *HEADINGS["g"], spell=lambda v, d: numfmt.full(v))]
    table_columns += [Column(name, *HEADINGS[name], spell=key, strong=name in hide,
                             room=12 if name in blank else 0) for name in shown]
    body = [[t, *([param] if several else []), values["g"], *(None if c in blank else values[c] for c in shown)]
            for t, param, values in report.rows()]
    blocks += ["", Table(table_columns, body, ruled=True)]
    if meta.working_space and not answers:
        height = max(2.2, min(4.5, 7.5 / (report.steps.g.shape[0] * len(report.names))))  # cm: 3 steps fit one A4
        for t, param, values in report.rows():
            where = f" ({param})" if several else ""
            blocks.append(Working(Phrase(_("Working, step %(t)s%(where)s: %(g_t)s = %(g)s"), t=t, where=where,
                                         g_t=Sym("g", t), g=Num(numfmt.full(values["g"]))), height=height))
    return Document(title(answers=answers), blocks, words=tuple(report.names), headed=True)


def key_label(meta: Meta) -> str:
    """What an answer key says of itself: Answer key, variant 02, seed 123 (what is known of it)."""
    if meta.variant and meta.seed is not None:
        return _("Answer key: variant %(id)s, seed %(seed)s") % {"id": meta.variant, "seed": meta.seed}
    if meta.variant:
        return _("Answer key: variant %(id)s") % {"id": meta.variant}
    if meta.seed is not None:
        return _("Answer key: seed %(seed)s") % {"seed": meta.seed}
    return _("Answer key")
