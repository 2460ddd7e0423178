"""Exercises: a worksheet with some columns left blank for the student, or its answer key with every cell filled.

The CSV layout is the one `adadelta check` reads back, settings included (as "# rho = 0.95" comment lines), so a
filled-in worksheet is marked with no flags at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.formats.render import HEADINGS as RENDER_HEADINGS
from adadelta_cli.formats.render import Report, settings_text
from adadelta_cli.formats.report import Block, Document, Records
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import recurrence

HIDEABLE = recurrence.ORDER
COLUMNS = ("t", "g", *recurrence.ORDER)
HEADINGS = {name: heading for name, (heading, _latex) in RENDER_HEADINGS.items()}  # E[g²]_t ...


@dataclass
class Meta:
    """What a sheet says beside its numbers: its variant id and seed, the digits check asks for, and (on a sheet, not
    a key) a line for the student's name."""

    variant: str = ""
    seed: int | None = None
    sig_digits: int = 3
    name_line: bool = True
    working_space: bool = False  # room to write each step's working, under the table (a printed sheet)


def asked(report: Report, hide: list[str]) -> list[str]:
    """The columns the student fills in (the others are given), in the sheet's order."""
    return [c for c in columns(report.settings)[2:] if c in hide]


def formulas(settings, notation=None) -> list[str]:
    """The sheet's formulas, from the step description, for the mode its settings put the recurrence in."""
    from adadelta_cli.formats import writers
    from adadelta_cli.maths import recurrence

    return writers.formula_lines(recurrence.Mode.of(settings), notation)


def columns(settings) -> list[str]:
    """The sheet's columns: g_eff only where the recurrence uses a gradient other than g_t."""
    from adadelta_cli.maths import recurrence

    shown = recurrence.Mode.of(settings).g_eff
    return [c for c in COLUMNS if c != "g_eff" or shown]


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


def rows(report: Report, hide: list[str], *, answers: bool, digits: int) -> tuple[list[str], list[list[str]]]:
    """The worksheet's header and cells as written (g in full, the asked values to ``digits`` significant digits,
    trailing zeros kept where check needs them); hidden cells are blank unless this is the answer key."""
    several = len(report.names) > 1
    names = columns(report.settings)
    header = ["t"] + (["param"] if several else []) + names[1:]
    out = []
    for t, param, values in report.rows():
        cells = [str(t)] + ([param] if several else []) + [numfmt.full(values["g"])]
        for name in names[2:]:
            cells.append("" if name in hide and not answers else key_number(values[name], digits))
        out.append(cells)
    return header, out


def key_number(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros dropped only where what is left is the value itself
    (0.0005 for 0.0005000000000000004), else kept (1.60000e-5): a key's cell always passes check's digit rule.

    >>> key_number(0.0005000000000000004, 6), key_number(1.6000001e-05, 6), key_number(-0.004467670516, 6)
    ('0.0005', '1.60000e-5', '-0.00446767')
    """
    text = numfmt.sig(value, digits)
    if value == 0 or not np.isfinite(value) or abs(float(text) - value) <= 1e-12 * abs(value):
        return text
    mantissa, marker, exponent = format(value, f"#.{digits}g").partition("e")
    return f"{mantissa.rstrip('.')}e{int(exponent)}" if marker else mantissa.rstrip(".")


def settings_comments(settings: dict) -> list[str]:
    """The settings as comment lines that `adadelta check` reads back."""
    def value(v):
        return ",".join(numfmt.full(u) for u in v) if isinstance(v, list) else numfmt.full(v)

    lines = [f"# {key} = {value(settings[key])}" for key in ("rho", "eps", "lr", "x0", "eg2_init", "edx2_init")]
    if settings.get("weight_decay"):
        lines += [f"# weight_decay = {value(settings['weight_decay'])}",
                  f"# weight_decay_mode = {settings['weight_decay_mode']}"]
    if settings.get("maximize"):
        lines.append("# maximize = true")
    if settings.get("lr_dtype", "float64") != "float64":
        lines.append(f"# lr_dtype = {settings['lr_dtype']}")
    # A framework's conventions (TensorFlow.js's E[g²]_{t−1}, float32 arithmetic), so that check computes the same.
    for key, default in (("rate_eg2", "current"), ("dtype", "float64")):
        if settings.get(key, default) != default:
            lines.append(f"# {key} = {settings[key]}")
    return lines


def title(*, answers: bool) -> str:
    return _("Adadelta answer key") if answers else _("Adadelta worksheet")


def records(report: Report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Records:
    """The CSV that check reads back: settings, the asked columns (the others are given), variant and name lines."""
    meta = meta or Meta()
    # A key's cell carries at least the digits check asks for: the key passes its own check at any --digits.
    header, body = rows(report, hide, answers=answers, digits=max(digits, meta.sig_digits))
    what = _("every cell filled") if answers else _("fill in the blank cells, then: adadelta check THIS_FILE")
    lines = [f"# {title(answers=answers)} ({what})"]
    if meta.name_line and not answers:
        lines.append("# name = ")
    if meta.variant:
        lines.append(f"# variant = {meta.variant}")
    if meta.seed is not None:
        lines.append(f"# seed = {meta.seed}")
    lines += [*settings_comments(report.settings), f"# sig_digits = {meta.sig_digits}",
              f"# asked = {','.join(asked(report, hide))}"]
    return Records(header, body, comments=lines)


def document(report: Report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Document:
    """The sheet for people: a line for the name, the variant, what to fill in, the settings, the formulas of the
    sheet's mode (from the step description), and the table, its asked columns in bold with room to write."""
    from adadelta_cli.formats.report import COUNT, TEXT, Column, Formulas, Para, Table, Working, WriteIn
    from adadelta_cli.maths import recurrence

    meta = meta or Meta()
    blocks: list[Block] = []
    if meta.name_line and not answers:
        blocks.append(WriteIn(_("Name:")))
    names = [HEADINGS[c] for c in asked(report, hide)]
    if answers:  # the key: which sheet it marks, never the students' instructions
        blocks.append(Para(key_label(meta), strong=True))
        blocks.append(Para(_("The answers: %(columns)s; a student's value is right when it agrees with the key's to "
                             "at least %(digits)s significant digits.") % {"columns": ", ".join(names),
                                                                            "digits": meta.sig_digits}))
    else:
        if meta.variant:
            blocks.append(Para(_("Variant %(id)s") % {"id": meta.variant}))
        blocks.append(Para(_("Fill in: %(columns)s (the other columns are given), each to at least %(digits)s "
                             "significant digits.") % {"columns": ", ".join(names), "digits": meta.sig_digits}))
    blocks += [Para(settings_text(report.settings, digits)), Formulas(recurrence.Mode.of(report.settings))]
    several = len(report.names) > 1
    shown = columns(report.settings)
    table_columns = [Column("t", latex="t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several
                                                          else [])
    table_columns.append(Column("g", *RENDER_HEADINGS["g"], spell=lambda v, d: numfmt.full(v)))
    for name in shown[2:]:
        blank = name in hide and not answers
        table_columns.append(Column(name, *RENDER_HEADINGS[name], spell=lambda v, d: key_number(v, max(
            d, meta.sig_digits)),
                                    strong=name in hide, room=12 if blank else 0))
    body = [[t] + ([param] if several else []) + [values["g"]] + [
        None if name in hide and not answers else values[name] for name in shown[2:]]
        for t, param, values in report.rows()]
    blocks += ["", Table(table_columns, body, ruled=True)]
    if meta.working_space and not answers:
        several = len(report.names) > 1
        for t, param, values in report.rows():
            where = f" ({param})" if several else ""
            blocks.append(Working(_("Working, step %(t)s%(where)s: g_%(t)s = %(g)s") % {
                "t": t, "where": where, "g": numfmt.full(values["g"])}, height=working_height(report)))
    return Document(title(answers=answers), blocks, words=tuple(report.names), headed=True)


def working_height(report: Report) -> float:
    """Centimetres of room for each step's working: a three-step sheet still fits one A4 page."""
    return max(2.2, min(4.5, 7.5 / (report.steps.g.shape[0] * len(report.names))))


def key_label(meta: Meta) -> str:
    """What an answer key says of itself: Answer key, variant 02, seed 123 (what is known of it)."""
    if meta.variant and meta.seed is not None:
        return _("Answer key: variant %(id)s, seed %(seed)s") % {"id": meta.variant, "seed": meta.seed}
    if meta.variant:
        return _("Answer key: variant %(id)s") % {"id": meta.variant}
    if meta.seed is not None:
        return _("Answer key: seed %(seed)s") % {"seed": meta.seed}
    return _("Answer key")
