"""adadelta diff: two settings (presets, or key=value,... sets) on the same gradients: which settings and
conventions differ and why each matters, the first step and quantity where the traces part, both side by side."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.formats.cells import parse_number
from adadelta_cli.formats.phrases import Num, Phrase, Sym, symbols
from adadelta_cli.formats.render import gap_notes, settings_text
from adadelta_cli.formats.report import (
    COUNT,
    TEXT,
    Block,
    Column,
    Document,
    Gap,
    Heading,
    Para,
    Records,
    Table,
    shown_steps,
)
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths import core, recurrence
from adadelta_cli.maths.presets import PRESETS
from adadelta_cli.maths.settings import DEFAULTS, check_width, fold, resolve
from adadelta_cli.safe import one_line

TOLERANCE = 1e-12  # float64 traces part where a value differs by more than this times its parameter's scale
# Where either trace is narrower than float64, any difference in a value as the type holds it parts them: a last
# bit that differs is the arithmetic's own doing (fused or not, a scalar rounded or not), and frameworks that agree
# there agree bit for bit.
QUANTITIES = recurrence.ORDER  # in the order a step computes them

# Why a difference in each setting matters, in one sentence.
WHY = {
    "rho": N_("ρ sets how long both running averages remember: a smaller ρ forgets sooner."),
    "eps": N_("ε starts Adadelta: the first steps are about √ε/√%(eg2)s times g."),
    "lr": N_("lr scales every step applied to x, never the accumulators."),
    "weight_decay": N_("weight decay pulls x toward 0 at every step, in proportion to x."),
    "weight_decay_mode": N_("coupled decay enters %(eg2)s through the gradient; decoupled decay shrinks x outside it."),
    "maximize": N_("maximize negates the gradient: x climbs instead of descending."),
    "dtype": N_("float32 rounds every operation to 24 bits (float16 11, bfloat16 8): the traces part near %(near32)s "
                "relative (float16 %(near16)s, bfloat16 %(near_b16)s)."),
    "lr_dtype": N_("Keras keeps lr in float32: 0.001 steps as 0.0010000000474974513."),
    "hyper_float32": N_("hyperparameters held in float32 are not the values given: 0.95 becomes 0.949999988."),
    "rate_eg2": N_("TensorFlow.js divides by %(eg2_prev)s: its first step is −lr·g exactly."),
    "subnormals": N_("XLA flushes subnormal numbers to zero: with gradients or squares below %(tiny32)s (float32) the "
                     "traces part, one giving 0 or NaN where the other keeps a tiny value."),
}
# Why two arithmetics differ, by the pair (in either order).
WHY_ARITHMETIC = {
    frozenset({"fused", "unfused"}): N_(
        "torch's CPU kernels round ((1 − ρ)·g)·g + ρ·E once (a fused multiply-add); optax and XLA do not contract to "
        "fused multiply-adds: (1 − ρ)·(g·g), ρ·E and their sum are each rounded. Below float64 the last bit differs "
        "from step 1; in float64 the two stay within about %(within_fused)s."),
    frozenset({"fused", "foreach"}): N_(
        "torch's foreach kernels round ρ to the parameter's type before _foreach_mul_: the same as single-tensor in "
        "float32 and float64, a different last bit in float16 and bfloat16."),
    frozenset({"foreach", "unfused"}): N_(
        "torch's foreach kernels fuse a·b + c as its single-tensor ones do; optax and XLA round every operation on "
        "its own."),
}
# What each arithmetic does, for a pair WHY_ARITHMETIC does not name.
ARITHMETIC_MEANS = {
    "fused": N_("torch's eager CPU kernels: ρ·E + ((1 − ρ)·g)·g and x + lr·%(dx)s each with one fused multiply-add"),
    "foreach": N_("torch with foreach=True: as fused, ρ rounded to the type first in float16 and bfloat16"),
    "unfused": N_("optax, numpy: every operation rounded on its own, (1 − ρ)·(g·g) + ρ·E"),
    "inductor": N_("torch.compile: fma(1 − ρ, g·g, ρ·E), g·g rounded first; g + wd·x and x + lr·%(dx)s rounded twice"),
    "keras": N_("Keras 3 on JAX and TensorFlow: unfused, %(dx)s = −(√(%(edx2)s + ε)·g)/√(%(eg2)s + ε), weight decay as "
                "x − x·wd·lr"),
    "keras-torch": N_("Keras 3 on torch: fma(1 − ρ, g·g, ρ·E), Keras's %(dx)s, weight decay as x·(1 − lr·wd) with a "
                      "float32 factor"),
    "tf-keras": N_("tf.keras 2: as Keras 3 on TensorFlow, with ρ·E + ((1 − ρ)·g)·g"),
}
ARITHMETIC_PAIR = N_("A rounds as %(a)s; B as %(b)s. Below float64 the last bit differs; in float64 they stay "
                     "within about %(within_pair)s, unless the weight decay's form differs.")


# The symbols and numbers in these sentences, apart from their words: each format spells them in its notation.
NUMBERS = {"near32": Num("6e-8"), "near16": Num("5e-4"), "near_b16": Num("4e-3"), "tiny32": Num("1.2e-38"),
           "within_fused": Num("1e-16"), "within_pair": Num("1e-15")}


def _phrase(message: str, **values) -> Phrase:
    """A marked sentence, translated, its symbols (phrases.symbols) and numbers (NUMBERS) kept apart."""
    return Phrase(_(message), **symbols(), **NUMBERS, **values)


def why_arithmetic(a: str, b: str) -> str:
    """Why two arithmetics give different traces, in one or two sentences."""
    named = WHY_ARITHMETIC.get(frozenset({a, b}))
    if named:
        return _phrase(named)
    return _phrase(ARITHMETIC_PAIR, a=_phrase(ARITHMETIC_MEANS.get(a, a)), b=_phrase(ARITHMETIC_MEANS.get(b, b)))


@dataclass
class Side:
    """One of the two runs: what was asked for, the settings in force, and its trace."""

    spec: str
    preset: str | None
    settings: core.Settings
    steps: core.Step | None = None
    explains: list | None = None  # the differing settings that alone part the traces where they part (``cause``)

    def as_dict(self) -> dict:
        return {"spec": self.spec, "preset": self.preset, **dataclasses.asdict(self.settings)}


def _value(key: str, text: str):
    """A key=value item's value, as the setting takes it."""
    default = DEFAULTS[key]
    if isinstance(default, bool):
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise SettingsError(_f("%(key)s takes true or false, got %(value)s", key=key, value=repr(text)))
    if isinstance(default, (int, float)):
        items = text.split("/")  # one value per parameter: 0.1/0.2
        values = [parse_number(item, source=key, what=N_("a value")) for item in items]
        return values[0] if len(values) == 1 else values
    return fold(text.strip().replace("+", ","))  # hyper_float32=rho+eps; dtype=FLOAT32


def parse_side(spec: str) -> tuple[str | None, dict]:
    """A preset name, or ``key=value,...`` (``preset=NAME`` among them starts from that preset; so does a preset's
    name as the first item: ``optax,lr=1``)."""
    text = spec.strip()
    if fold(text) in PRESETS:
        return fold(text), {}
    first, comma, rest = text.partition(",")
    if comma and fold(first.strip()) in PRESETS and "=" not in first:
        text = f"preset={fold(first.strip())},{rest}"
    if "=" not in text:
        raise SettingsError(_f(
            "%(spec)s is neither a preset (%(presets)s) nor a set of settings such as rho=0.9,lr=0.5",
            spec=repr(spec), presets=", ".join(PRESETS)))
    preset, given = None, {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key = fold(key.strip().replace("-", "_"))
        if not sep or not key:
            raise SettingsError(_f("%(item)s in %(spec)s is not key=value", item=one_line(repr(item), 80),
                                   spec=one_line(repr(spec), 80)))
        if key == "preset":
            preset = fold(value.strip())
            continue
        if key not in DEFAULTS:
            raise SettingsError(_f("%(key)s in %(spec)s is not a setting; settings: %(keys)s", key=repr(key),
                                   spec=repr(spec), keys=", ".join(("preset", *DEFAULTS))))
        given[key] = _value(key, value)
    return preset, given


def side(spec: str, common: dict | None = None, notes: list | None = None) -> Side:
    """One side from its spec; ``common``: settings given to both (diff's --dtype, --arithmetic), which the spec's
    own keys override. A preset without a default learning rate (optax, mlx) runs with lr 1, said in ``notes``."""
    preset, given = parse_side(spec)
    given = {**{k: v for k, v in (common or {}).items() if v is not None}, **given}
    if preset in PRESETS and PRESETS[preset].get("lr", 1.0) is None and given.get("lr") is None:
        given["lr"] = 1.0
        if notes is not None:
            notes.append(_f("%(side)s: %(preset)s has no default learning rate; lr = 1 is used (give %(preset)s,"
                            "lr=... to choose)", side=spec, preset=preset))
    chosen = resolve(preset, given)
    chosen["nonfinite"] = "continue"  # both traces are shown whole: an overflow is part of the difference
    return Side(spec, preset, core.Settings(**chosen))


def run(a: Side, b: Side, grads: np.ndarray, initial) -> None:
    """Both traces, from the same initial state (``initial(size, dtype)``), kept whole (η and Δx included)."""
    for s in (a, b):
        check_width(dataclasses.asdict(s.settings), grads.shape[1])
    for s in (a, b):
        with np.errstate(all="ignore"):
            s.steps = core.run(grads, s.settings, initial(grads.shape[1], s.settings.dtype))
    a.explains = b.explains = cause(a, b, grads, initial)


def differences(a: Side, b: Side) -> list[dict]:
    """The settings in force that differ, each with why it matters."""
    da, db = dataclasses.asdict(a.settings), dataclasses.asdict(b.settings)
    out = []
    no_decay = not any(_each(da["weight_decay"])) and not any(_each(db["weight_decay"]))
    for key in da:
        if key == "nonfinite" or _same(da[key], db[key]) or (key == "weight_decay_mode" and no_decay):
            continue
        if key == "arithmetic":
            why = why_arithmetic(da[key], db[key])
        else:
            why = _phrase(WHY[key]) if key in WHY else ""
        out.append({"setting": key, "a": da[key], "b": db[key], "why": why})
    return out


def tolerance(a: Side, b: Side) -> float:
    """How far apart two values may be, times their parameter's scale, and still agree: TOLERANCE where both
    traces are float64, else 0 (a different last bit parts them)."""
    return TOLERANCE if a.settings.dtype == b.settings.dtype == "float64" else 0.0


def cause(a: Side, b: Side, grads: np.ndarray, initial) -> list[str]:
    """The settings that explain where the traces part: each differing setting of B put alone into A's settings
    (A's trace replayed) that parts from A at the same step and quantity. Empty where none does alone."""
    part = parting(a, b)
    if part is None:
        return []
    found = []
    for d in differences(a, b):
        key = d["setting"]
        try:
            changed = dataclasses.replace(a.settings, **{key: d["b"]})
        except (SettingsError, TypeError, ValueError):
            continue
        trial = Side(a.spec, a.preset, changed)
        with np.errstate(all="ignore"):
            trial.steps = core.run(grads, changed, initial(grads.shape[1], changed.dtype))
        alone = parting(a, trial, tolerance(a, b))
        if alone is not None and (alone["t"], alone["quantity"]) == (part["t"], part["quantity"]):
            found.append(key)
    return found


def _each(value) -> list:
    return value if isinstance(value, list) else [value]


def _same(u, v) -> bool:
    return u == v or (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v))


def parting(a: Side, b: Side, tol: float | None = None) -> dict | None:
    """The first step where the traces' state differs (g_eff where it can differ, E[g²], E[Δx²], x: what a
    framework carries from step to step), and in that step the first quantity (in the order a step computes them,
    η and Δx included) and parameter that differ, by more than ``tol`` (``tolerance``: TOLERANCE for two float64
    traces, else 0) times that parameter's scale (the largest |value| of the quantity over both traces); a value
    finite in one trace and not in the other parts them too. None: they agree. (A last-bit difference in Δx that
    x absorbs, and that never reaches E[Δx²], leaves the two runs the same: they agree.)"""
    tol = tolerance(a, b) if tol is None else tol
    apart = {}
    for name in QUANTITIES:
        if name == "g_eff" and not any(s.settings.g_eff_differs for s in (a, b)):
            continue  # g_eff is g itself (rounded to the dtype): E[g²] shows any difference first
        u = np.asarray(getattr(a.steps, name), dtype=np.float64)
        v = np.asarray(getattr(b.steps, name), dtype=np.float64)
        finite = np.isfinite(u) & np.isfinite(v)
        both = np.where(finite, np.maximum(np.abs(u), np.abs(v)), 0.0)
        scale = np.maximum(both.max(axis=0) if both.size else 0.0, np.finfo(float).tiny)
        with np.errstate(invalid="ignore"):
            apart[name] = (np.where(finite, np.abs(u - v) > tol * scale, ~((np.isnan(u) & np.isnan(v)) | (u == v))),
                           u, v)
    state_rows = [m.any(axis=1) for name, (m, _u, _v) in apart.items() if name not in ("eta", "dx")]
    if not state_rows or not np.any(state_rows):
        return None
    t = int(np.argmax(np.any(state_rows, axis=0)))
    for name, (m, u, v) in apart.items():  # in the order a step computes them
        if m[t].any():
            p = int(np.argmax(m[t]))
            return {"t": t + 1, "quantity": name, "parameter": p, "a": float(u[t, p]), "b": float(v[t, p])}
    return None


COLUMNS = recurrence.ORDER[1:]  # all but g_eff


def data(a: Side, b: Side, grads, names, source: str, start: dict) -> Records:
    """The machine view: settings (both sides, the start, the input), the steps with both sides' values, then what
    differs and where the traces part (NaN and infinities marked, never lost)."""
    part = parting(a, b)
    settings = {"a": a.as_dict(), "b": b.as_dict(), **start, "input": source, "tolerance": tolerance(a, b)}
    parted = None if part is None else {**part, "parameter": names[part["parameter"]], "because": a.explains or []}
    columns = ["t", "param", "g"] + [f"{q}_{letter}" for letter in "ab" for q in COLUMNS]

    def rows():
        for t in range(grads.shape[0]):
            for p, param in enumerate(names):
                yield [t + 1, param, float(grads[t, p])] + [float(getattr(s.steps, q)[t, p]) for s in (a, b)
                                                            for q in COLUMNS]

    return Records(columns, rows(), settings, extra={"differences": differences(a, b), "parted": parted})


def _show(value) -> str:
    """A setting's value as the settings lines spell it (0.95, 1e-6, 1; float32-held 0.949999988079071)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return numfmt.given(value)


def summary_lines(a: Side, b: Side, names, digits: int) -> list[str]:
    """The parting sentence: where the traces part, or that they agree."""
    part = parting(a, b)
    assert a.steps is not None  # (run)
    steps = a.steps.g.shape[0]
    if part is None:
        if tolerance(a, b) == 0:
            return [_f("The traces agree bit for bit over all %(steps)s steps.", steps=steps)]
        return [Phrase(_("The traces agree within %(tol)s of each parameter's scale over all %(steps)s steps."),
                       tol=Num("1e-12"), steps=steps)]
    where = _f("step %(t)s", t=part["t"]) + (f", {names[part['parameter']]}" if len(names) > 1 else "")
    # To --digits significant digits, unless the two would then read the same: then in full, so that they differ.
    a_text, b_text = numfmt.sig(part["a"], digits), numfmt.sig(part["b"], digits)
    if a_text == b_text:
        a_text, b_text = numfmt.full(part["a"]), numfmt.full(part["b"])
    lines: list[str] = [Phrase(_("The traces part at %(where)s, in %(quantity)s: %(a)s (A) against %(b)s (B)."),
                               where=where, quantity=Sym(part["quantity"]), a=Num(a_text), b=Num(b_text))]
    if a.explains and len(differences(a, b)) > 1:  # which of several differences it is
        lines.append(_f("%(settings)s alone parts them there.", settings=", ".join(a.explains)))
    return lines


def _shown(settings: core.Settings) -> dict:
    """The settings for the title lines (both traces go on through non-finite values: not repeated there)."""
    return {k: v for k, v in dataclasses.asdict(settings).items() if k != "nonfinite"}


def _label(s: Side) -> str:
    return s.preset if s.spec == s.preset else s.spec


def _rows(a: Side, b: Side, grads, names, *, show_all: bool) -> list:
    """The side-by-side rows: Δx_t and x_t of both, and x_t B − A; a Gap for the hidden middle of a long trace."""
    assert a.steps is not None and b.steps is not None  # (run)
    steps = grads.shape[0]
    shown = shown_steps(steps, show_all=show_all)
    several = len(names) > 1
    out: list[list[Any] | Gap] = []
    for t in shown:
        if t is None:
            out.append(Gap(steps - len(shown) + 1))
            continue
        for p, param in enumerate(names):
            xa, xb = float(a.steps.x[t, p]), float(b.steps.x[t, p])
            with np.errstate(invalid="ignore"):
                numbers = (a.steps.dx[t, p], b.steps.dx[t, p], xa, xb, xb - xa)
            out.append([t + 1] + ([param] if several else []) + [float(grads[t, p])] + [float(v) for v in numbers])
    return out


def document(a: Side, b: Side, grads, names, source: str, start: dict, digits: int, *, show_all: bool = False
             ) -> Document:
    """Both settings lines, what differs (setting, A, B, why), where the traces part, then both side by side."""
    blocks: list[Block] = []
    for letter, s in (("A", a), ("B", b)):
        text = settings_text({**_shown(s.settings), **start, "preset": s.preset}, digits)
        blocks.append(Para(Phrase("%(letter)s: %(label)s — %(settings)s", letter=letter, label=_label(s),
                                  settings=text)))
    diffs = differences(a, b)
    if diffs:
        blocks.append(Heading(_("What differs (A, B, why it matters):").rstrip(":")))
        columns = [Column("setting", _("setting"), kind=TEXT), Column("a", "A", kind=TEXT),
                   Column("b", "B", kind=TEXT), Column("why", _("why it matters"), kind=TEXT, wrap=True)]
        blocks.append(Table(columns, [[d["setting"], _show(d["a"]), _show(d["b"]), d["why"]]
                                      for d in diffs], edge=False))
    else:
        blocks.append(Para(_("The settings in force are the same.")))
    blocks += [Para(line) for line in summary_lines(a, b, names, digits)]
    # "the article's example" is a marked message (readers); a path or "arguments" is shown as it is
    blocks.append(Heading(_f("Both traces on %(source)s", source=_(source))))
    several = len(names) > 1
    columns = [Column("t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several else [])
    columns += [Column("g", Sym("g"))] + [
        Column(key, Phrase(f"%(symbol)s {side}", symbol=Sym(symbol))) for key, symbol, side in (
            ("dx_a", "dx", "A"), ("dx_b", "dx", "B"), ("x_a", "x", "A"), ("x_b", "x", "B"),
            ("x_b_minus_a", "x", "B − A"))]
    rows = _rows(a, b, grads, names, show_all=show_all)
    notes = gap_notes(rows)
    blocks.append(Table(columns, rows, notes=notes, sections=several, edge=False))
    return Document(f"adadelta diff: {_label(a)} / {_label(b)}", blocks, words=(source, *names))


def first_nonfinite(s: Side) -> int | None:
    """The first step (from 1) at which any value of the side's trace is not a finite number."""
    assert s.steps is not None  # (run)
    where = core.first_nonfinite(s.steps)
    return None if where is None else where[0] + 1
