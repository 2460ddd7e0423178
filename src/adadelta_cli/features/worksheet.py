"""Exercises: the gradients drawn for worksheets and their variants, the sheet (or its answer key) for people, and
its questions for a school's LMS (Moodle XML, GIFT). The CSV that `adadelta check` reads back is ``marking.sheet``'s.
"""

from __future__ import annotations

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.features import tracing
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.formats.render import HEADINGS, Report
from adadelta_cli.formats.report import COUNT, TEXT, Block, Column, Document, Para, Table, Working, WriteIn
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import _, _f
from adadelta_cli.marking.sheet import Meta, asked, exercise, key_number, title
from adadelta_cli.maths import notation, recurrence

HIDEABLE = recurrence.ORDER


# The gradients drawn for an exercise: one or two significant digits, pleasant to square by hand.
PLEASANT = tuple(round(0.05 * i, 2) for i in range(1, 11)) + (0.6, 0.8, 1.0)


def parse_hide(text: str | None, member=None) -> list[str]:
    """--hide eg2,eta,...: which quantities the student computes (all five when not given; a family ``member``'s
    own quantities: m, v, x …)."""
    hideable = list(HIDEABLE) if member is None else member.shown
    if text is None:
        return hideable
    names = [n.strip() for n in text.split(",") if n.strip()]
    names = [n if n in hideable else n.lower() for n in names]
    unknown = [n for n in names if n not in hideable]
    if not names:
        raise SettingsError(_f('--hide %(value)s: name at least one column for the student to fill in, from '
                               '%(columns)s', value=repr(text), columns=', '.join(hideable)))
    if unknown:
        raise SettingsError(_f(
            '--hide %(value)s: unknown column %(unknown)s; expected a comma-separated list of %(columns)s',
            value=repr(text), unknown=', '.join(unknown), columns=', '.join(hideable)))
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


def drawn(steps: int, seed: int, resolved, member=None):
    """The trace of the exercise ``--steps N --seed S`` draws: ``steps`` pleasant gradients of one parameter, x
    (Adadelta's Report, or ``member``'s trace)."""
    gradients = Gradients(pleasant_gradients(steps, seed), ["x"], f"--steps {steps} --seed {seed}")
    return tracing.compute(gradients, resolved) if member is None else member(gradients, resolved.initial(1).x.tolist())


def document(report: Report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Document:
    """The sheet for people: a line for the name, the variant, what to fill in, the settings, the formulas of the
    sheet's mode (from the step description), and the table, its asked columns in bold with room to write."""
    meta = meta or Meta()
    sheet = exercise(report)
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
    blocks += [Para(sheet.settings_line(digits)), sheet.formulas()]
    several = len(sheet.names) > 1
    shown = sheet.shown  # after t and g: the quantities, given or asked
    blank = set() if answers else set(hide)

    def key(value, digits: int) -> str:
        return key_number(value, max(digits, meta.sig_digits))

    table_columns = [Column("t", latex="t", kind=COUNT), *([Column("param", _("param"), kind=TEXT)] if several else []),
                     Column("g", *HEADINGS["g"], spell=lambda v, d: numfmt.full(v))]
    table_columns += [Column(name, *heading(name), spell=key, strong=name in hide, room=12 if name in blank else 0)
                      for name in shown]
    body = [[t, *([param] if several else []), values["g"], *(None if c in blank else values[c] for c in shown)]
            for t, param, values in sheet.rows()]
    blocks += ["", Table(table_columns, body, ruled=True)]
    if meta.working_space and not answers:
        # cm: 3 steps of Adadelta's six quantities fit one A4; more room where more quantities are asked (Adam's 8)
        height = max(2.2, min(4.5, 7.5 / len(body))) * max(1.0, len(blank) / 6)
        for t, param, values in sheet.rows():
            where = f" ({param})" if several else ""
            blocks.append(Working(Phrase(_("Working, step %(t)s%(where)s: %(g_t)s = %(g)s"), t=t, where=where,
                                         g_t=Sym("g", t), g=Num(numfmt.full(values["g"]))), height=height))
    return Document(title(answers=answers, optimizer=sheet.title), blocks, words=tuple(sheet.names), headed=True)


def heading(name: str) -> tuple[str, str]:
    """A column's heading (Unicode, LaTeX): Adadelta's quantities as every trace heads them, a family member's as
    its notation writes them."""
    return HEADINGS.get(name) or (notation.UNICODE.symbol(name, "t"), notation.LATEX.symbol(name, "t"))


def key_label(meta: Meta) -> str:
    """What an answer key says of itself: Answer key, variant 02, seed 123 (what is known of it)."""
    if meta.variant and meta.seed is not None:
        return _("Answer key: variant %(id)s, seed %(seed)s") % {"id": meta.variant, "seed": meta.seed}
    if meta.variant:
        return _("Answer key: variant %(id)s") % {"id": meta.variant}
    if meta.seed is not None:
        return _("Answer key: seed %(seed)s") % {"seed": meta.seed}
    return _("Answer key")
