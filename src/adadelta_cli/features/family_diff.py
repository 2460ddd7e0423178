"""diff --optimizer NAME: one member of Adadelta's family under two settings (pytorch against keras, or
NAME=VALUE,... sets) on the same gradients: what differs (each setting, each formula), where the traces part, both
side by side (``shown.side_by_side``)."""

from __future__ import annotations

import math

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.features import shown
from adadelta_cli.features.family_trace import Traced
from adadelta_cli.formats import report
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import family, notation
from adadelta_cli.safe import one_line

PRESETS = ("pytorch", *family.CONVENTIONS)


def side(spec: str, name: str) -> tuple[str | None, list[str]]:
    """A side's preset and --set items: ``keras``, ``pytorch``, or ``beta2=0.99,preset=keras,...``."""
    if spec.strip().lower() in PRESETS:
        return spec.strip().lower(), []
    preset: str | None = None
    sets: list[str] = []
    items = [i.strip() for i in spec.split(",") if i.strip()]
    for item in items:
        key, _sep, value = item.partition("=")
        if key.strip() == "preset":
            preset = value.strip().lower()
        else:
            sets.append(item)
    if items and all("=" in item for item in items):
        return preset, sets
    raise SettingsError(_f("%(spec)s: expected %(presets)s or NAME=VALUE,... settings of %(optimizer)s",
                           spec=one_line(repr(spec), 60), presets=", ".join(PRESETS), optimizer=name))


def traces(a: str, b: str, name: str, given: dict, gradients, x0: list[float]) -> list[Traced]:
    """Both sides' traces of ``gradients`` from ``x0``, labelled A and B."""
    out = []
    for label, spec in (("A", a), ("B", b)):
        preset, sets = side(spec, name)
        traced = Traced.given(name, {"preset": preset, "dtype": given.get("dtype")}, sets, [])(gradients, x0)
        traced.label, traced.spec = label, spec
        out.append(traced)
    return out


def differences(a: Traced, b: Traced) -> list[list[str]]:
    """(what, A, B) for each setting in force that differs, then each formula that differs."""
    rows = [[key, _text(a.h.get(key, "pytorch" if key == "convention" else None)),
             _text(b.h.get(key, "pytorch" if key == "convention" else None))]
            for key in dict.fromkeys([*a.h, *b.h]) if a.h.get(key) != b.h.get(key)]
    mode_a, mode_b = a.mode, b.mode
    for q in dict.fromkeys([*a.shown, *b.shown]):
        fa, fb = (next((x.equation(m) for x in one.quantities if x.name == q), "—")
                  for one, m in ((a, mode_a), (b, mode_b)))
        if fa != fb:
            rows.append([notation.UNICODE.symbol(q, "t"), fa, fb])
    return rows


def _text(value) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value).lower()
    return numfmt.given(value) if isinstance(value, float) else str(value)


def parting(a: Traced, b: Traced) -> Phrase | None:
    """Where the traces first differ: the step, the parameter, the quantity (in the order a step computes them)."""
    common = [q for q in a.shown if q in b.shown]
    for step_a, step_b in zip(a.steps, b.steps):
        for param, va, vb in zip(a.names, step_a, step_b):
            for q in common:
                x, y = va[q], vb[q]
                if x != y and not (math.isnan(x) and math.isnan(y)):
                    where = f" ({param})" if len(a.names) > 1 else ""
                    return Phrase(_("The traces part at step %(t)s%(where)s, in %(symbol)s: %(a)s (A) against "
                                    "%(b)s (B)."), t=va["t"], where=where, symbol=Sym(q, va["t"]),
                                  a=Num(repr(x)), b=Num(repr(y)))
    return None


def document(a: Traced, b: Traced, digits: int, *, show_all: bool) -> report.Document:
    """Both settings lines, what differs (settings and formulas), where the traces part, both side by side."""
    blocks: list = [report.Para(Phrase("%(letter)s: %(label)s — %(settings)s", letter=one.label, label=one.spec,
                                       settings=one.headline)) for one in (a, b)]
    rows = differences(a, b)
    if rows:
        columns = [report.Column("what", _("setting or formula"), kind=report.TEXT),
                   report.Column("a", "A", kind=report.TEXT, wrap=True),
                   report.Column("b", "B", kind=report.TEXT, wrap=True)]
        blocks += [report.Heading(_("What differs (A, B)")), report.Table(columns, rows, edge=False)]
    else:
        blocks.append(report.Para(_("The settings in force are the same.")))
    parted = parting(a, b)
    blocks.append(report.Para(parted or _("The traces are the same, every value to the last bit.")))
    blocks.append(shown.side_by_side([a, b], show_all=show_all))
    return report.Document(f"adadelta diff --optimizer {a.name}: {a.spec} / {b.spec}", blocks,
                           words=(a.spec, b.spec, *a.names))


def records(a: Traced, b: Traced) -> report.Records:
    """For machines: both sides' η_t, Δx_t and x_t, a record a step, parameter and side (A, B)."""
    settings = [{"side": one.label, "spec": one.spec, **(one.records().settings or {})} for one in (a, b)]
    return shown.records([a, b], settings)
