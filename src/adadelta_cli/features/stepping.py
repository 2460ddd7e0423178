"""step --optimizer: one step of an optimizer of Adadelta's family (``maths/family.py``) from an explicit state,
every intermediate shown as Adadelta's step shows its own: the table, the worked arithmetic, the verdicts of
--expect. The optimizers and their settings are compare's (``comparing.OFFERED``), AdamW beside them; the chain
from options to settings and state (``Member``, ``settings_of``, ``state_of``) is trace --optimizer's too."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import InputError, NumericError, SettingsError
from adadelta_cli.features import comparing, tracing
from adadelta_cli.formats import explain, render, report
from adadelta_cli.formats.cells import one_number, parse_number, shown
from adadelta_cli.formats.phrases import Num, Phrase, Sym
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking.digits import judge, significant_digits
from adadelta_cli.marking.verdicts import Cell, Verdict, check_rel_tol, check_sig_digits
from adadelta_cli.maths import family, notation, recurrence
from adadelta_cli.maths.settings import check_float32
from adadelta_cli.safe import one_line

# Each optimizer step offers: its description and its own defaults where not torch's (momentum: μ = 0.9).
MEMBERS = {**{name: (d, own) for name, (d, _keys, own) in comparing.OFFERED.items()}, "adamw": (family.ADAMW, {})}
NAMES = ("adadelta", *MEMBERS)
TITLES = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "sgd": "SGD", "momentum": N_("SGD with momentum"),
          "adam": "Adam", "adamw": "AdamW"}
SQUARES = ("G", "v", "vmax")  # states that are sums or averages of squares: never negative
# Adadelta's own options, by the name the settings carry them under (step's own inputs by theirs).
ADADELTA_ONLY = {"rho": "--rho", "lr_dtype": "--lr-dtype",
                 "weight_decay_mode": "--weight-decay-mode", "eg2_prev": "--eg2-prev", "eg2": "--eg2",
                 "edx2_prev": "--edx2-prev", "eg2_init": "--eg2-init", "edx2_init": "--edx2-init",
                 "hyper_float32": "--hyper-float32", "rate_eg2": "--rate-eg2", "nonfinite": "--nonfinite",
                 "arithmetic": "--arithmetic", "subnormals": "--subnormals"}
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def optimizer_name(text: str) -> str:
    """--optimizer NAME, in any case."""
    name = text.strip().lower()
    if name not in NAMES:
        raise SettingsError(_f('--optimizer %(name)s: expected one of %(known)s', name=one_line(repr(text), 40),
                               known=", ".join(NAMES)))
    return name


def refuse_adadelta_options(name: str, given: dict) -> None:
    """An option of Adadelta's alone, given with another optimizer: one clear message."""
    found = [option for key, option in ADADELTA_ONLY.items() if given.get(key) is not None]
    if found:
        raise SettingsError(_f('%(options)s: Adadelta\'s own, not %(optimizer)s\'s; its settings go by --lr, --eps, '
                               '--weight-decay, --maximize and --set NAME=VALUE, its state by --state NAME=VALUE',
                               options=", ".join(found), optimizer=name))


def refuse_member_options(sets: list[str] | None, states: list[str] | None) -> None:
    """--set or --state with Adadelta: one clear message."""
    for given, option in ((sets, "--set"), (states, "--state")):
        if given:
            raise SettingsError(_f("%(option)s goes with the other optimizers (--optimizer adagrad, rmsprop, ...): "
                                   "Adadelta's settings and state have their own options", option=option))


def _pair(item: str, option: str, known: list[str], given: str | None = None) -> tuple[str, str]:
    """NAME=VALUE, NAME one of ``known``; ``given``: the item as typed, for the message (adam.beta2=2)."""
    key, sep, value = item.partition("=")
    name = key.strip()
    if not sep or name not in known:
        raise SettingsError(_f('%(option)s %(item)s: expected NAME=VALUE with NAME one of %(known)s', option=option,
                               item=one_line(repr(given or item), 80), known=", ".join(known)))
    return name, value


# Other frameworks' names for a setting, taken by --set: Keras's rho for RMSprop's α (torch's alpha).
ALIASES = {"rmsprop": {"rho": "alpha"}}


def settings_of(name: str, given: dict, sets: list[str]) -> dict:
    """The settings of optimizer ``name``: its defaults, then --lr, --eps, --weight-decay, --maximize, then --set
    NAME=VALUE (each within its description's range; an item may carry its optimizer first, adam.beta2=0.99, as
    --with's do)."""
    description, own = MEMBERS[name]
    preset = getattr(given.get("preset"), "value", given.get("preset"))
    if preset not in (None, "pytorch", *family.CONVENTIONS):
        raise SettingsError(_f("--preset %(preset)s: %(optimizer)s's presets are pytorch (torch.optim's, the default), "
                               "keras (Keras 3's), paddle (PaddlePaddle's) and optax", preset=preset, optimizer=name))
    convention = family.CONVENTIONS.get(preset or "")
    framework = {**convention.defaults[description.name], "convention": preset} if convention else {}
    lacks = family.lacking(preset, description.name)
    h = {**description.defaults, **framework, **own}
    by: dict[str, str] = {}  # each setting given, by what gave it: one value each
    for key, option in (("lr", "--lr"), ("eps", "--eps"), ("weight_decay", "--weight-decay")):
        if given.get(key) is not None:
            h[key], by[key] = one_number(str(given[key]), option, setting=True), option
            family.check_range(description, key, h[key], option)
    if given.get("maximize") is not None:
        h["maximize"], by["maximize"] = bool(given["maximize"]), "--maximize/--minimize"
    known = [k for k in description.settings if k not in lacks]
    for item in sets:
        who, dot, rest = item.partition(".")
        typed = rest if dot and who.strip().lower() == name else item  # (adam.beta2=... for adam: beta2=...)
        if typed.partition("=")[0].strip() in lacks:
            raise SettingsError(_lacking(preset, name, typed.partition("=")[0].strip()))
        param, value = _pair(typed, "--set", known + list(ALIASES.get(name, {})), item)
        param = ALIASES.get(name, {}).get(param, param)
        label = f"--set {one_line(repr(item), 80)}"
        if param in by:
            raise SettingsError(_f('%(item)s: %(param)s is given by %(other)s too; give it once', item=label,
                                   param=param, other=by[param]))
        by[param] = label
        if isinstance(description.settings[param][0], bool):
            word = value.strip().lower()
            if word not in _TRUE + _FALSE:
                raise SettingsError(_f('%(item)s: %(param)s is true or false', item=label, param=param))
            h[param] = word in _TRUE
            continue
        h[param] = parse_number(value, source=label, what=N_("a value"))
        family.check_range(description, param, h[param], label)
    dtype = getattr(given.get("dtype"), "value", given.get("dtype"))
    if dtype not in (None, "float64", "float32"):
        raise SettingsError(_f("--dtype %(dtype)s: %(optimizer)s is computed in float64 or float32 (as torch's CPU "
                               "kernels compute it), not %(dtype)s", dtype=dtype, optimizer=name))
    if dtype == "float32":
        h["dtype"] = "float32"  # computed as torch's float32 CPU kernels compute it (family.ARRAYS32)
        for key, (value, *_range) in description.settings.items():
            if not isinstance(value, bool):
                check_float32(key, h[key])
    if convention:
        lacking = [key for key in lacks if h.get(key)]
        if lacking:
            raise SettingsError(_lacking(preset, name, ", ".join(lacking)))
        if dtype == "float32":
            raise SettingsError(_f("--preset %(preset)s is computed in float64 (held against %(framework)s's float64 "
                                   "runs); --dtype float32 goes with torch's conventions", preset=preset,
                                   framework=convention.title))
        if h["lr"] is None:
            raise SettingsError(_f("--preset %(preset)s: %(framework)s's %(optimizer)s has no default learning rate; "
                                   "give one (--lr; in diff's settings lr=VALUE)", preset=preset,
                                   framework=convention.title, optimizer=name))
    if h.get("nesterov") and (h.get("momentum", 0) <= 0 or h.get("dampening", 0) != 0):
        raise SettingsError(_("nesterov=true needs momentum > 0 and dampening = 0 (as torch.optim.SGD)"))
    return h


def _lacking(preset, name: str, setting: str) -> str:
    return _f("--preset %(preset)s: %(framework)s's %(optimizer)s has no %(setting)s", preset=preset,
              framework=family.CONVENTIONS[preset].short, optimizer=name, setting=setting)


def _meaning(description, name: str) -> str:
    return next(q.meaning for q in description.quantities if q.name == name)


def state_of(description, items: list[str], h: dict) -> dict:
    """--state NAME=VALUE: the optimizer's state before the step, by the description's names (the rest take their
    values before a first step); only a state the formulas of settings ``h`` read, each given once."""
    mode = family.resolve(description, h)[1]
    read = {k for q in family.quantities(description, mode) for k in q.inputs(mode)}
    state: dict = {}
    for item in items:
        name, value = _pair(item, "--state", list(description.state))
        label = one_line(repr(item), 80)
        if name in state:
            raise SettingsError(_f('--state %(item)s: %(name)s is given twice', item=label, name=name))
        if f"{name}_prev" not in read:
            raise SettingsError(_f('--state %(item)s: %(name)s (%(what)s) is not read with these settings', name=name,
                                   item=label, what=_(_meaning(description, name))))
        state[name] = parse_number(value, source=f"--state {name}", what=N_("a value"))
        if name in SQUARES and state[name] < 0:
            raise InputError(_f('--state %(item)s: %(name)s (%(what)s) cannot be negative', name=name,
                                item=label, what=_(_meaning(description, name))))
    return state


def check_finite(quantities: list, values: dict, mode, t: int) -> None:
    for q in quantities:
        if q.name != "eta" and not math.isfinite(values[q.name]):  # (η_t = −Δx_t/g_t: undefined where g_t = 0)
            raise NumericError(_f('step %(t)d: %(symbol)s = %(value)s is not a finite number; %(formula)s',
                                  t=t, symbol=notation.UNICODE.symbol(q.name, t), value=values[q.name],
                                  formula=q.equation(mode)))


def eta_for_machines(value: float):
    """η_t for machines: null where g_t = 0 leaves it undefined (compare's convention)."""
    return None if isinstance(value, float) and math.isnan(value) else value


@dataclass
class Member:
    """A family member with its settings (every one)."""

    name: str
    h: dict

    @property
    def description(self):
        return MEMBERS[self.name][0]

    @property
    def mode(self) -> frozenset:
        return family.resolve(self.description, self.h)[1]

    @property
    def quantities(self) -> list:
        return family.quantities(self.description, self.mode)

    @property
    def shown(self) -> list[str]:
        return [q.name for q in self.quantities]

    @property
    def title(self) -> str:
        """Its name for people: "SGD with momentum", or "SGD" where μ = 0 makes it plain SGD."""
        key = "sgd" if self.name == "momentum" and "momentum" not in self.mode else self.name  # apart: see render
        return _(TITLES[key]) + (f" ({self.framework.short})" if self.framework else "")

    @property
    def framework(self):
        """The framework whose conventions it follows (``family.CONVENTIONS``'), None for torch.optim's."""
        return family.CONVENTIONS.get(self.h.get("convention"))

    @property
    def lacks(self) -> tuple:
        """The settings of torch's its framework does not have."""
        return family.lacking(self.h.get("convention"), self.description.name)

    @property
    def float32(self) -> bool:
        return self.h.get("dtype") == "float32"

    def step(self, state: dict, t: int, g: float, x: float) -> dict:
        """``family.step`` in the settings' dtype: float64 in Python floats, float32 as torch's CPU kernels (one
        element arrays); every value given back as a Python float."""
        if not self.float32:
            return family.step(self.description, self.h, state, t, g, x)
        one = functools.partial(np.full, 1, dtype=np.float32)
        for name, value in state.items():
            if isinstance(value, float):
                check_float32(f"--state {name}", value)
                state[name] = one(value)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            values = family.step(self.description, self.h, state, t, one(g), one(x), family.ARRAYS32)
        return {k: float(v[0]) if isinstance(v, np.ndarray) else v for k, v in values.items()}

    def before(self, values: dict) -> dict:
        """The state a step reads (x too), by name: each value at t − 1."""
        return {name: values[f"{name}_prev"] for name in ("x", *self.description.state)}

    def read(self, values: dict) -> dict:
        """The state before the step that its formulas read (in this mode: Adam's vᵐᵃˣ with AMSGrad alone), x apart."""
        read = {k for q in self.quantities for k in q.inputs(self.mode)}
        return {k: v for k, v in self.before(values).items() if k != "x" and f"{k}_prev" in read and v is not None}

    def settings_parts(self) -> list:
        """lr = 0.001, β₁ = 0.9, ...: the settings in force."""
        parts: list = []
        held = family.float32_held(self.description.name, self.mode)
        for key, spec in self.description.settings.items():
            if key in self.lacks:
                continue  # (its framework's optimizers have no such setting)
            value = family.resolve(self.description, self.h)[0][key] if key in held else self.h[key]
            if key == "weight_decay":
                mode = render.MODES["decoupled" if "decoupled" in self.mode else "coupled"]  # apart: see render
                parts += [Phrase(_("weight decay = %(wd)s (%(mode)s)"), wd=Num(numfmt.given(value)), mode=_(mode))
                          ] if value else []
            elif isinstance(spec[0], bool):
                parts += [key] if value else []
            else:
                parts.append(equals(Sym(key) if key in notation.UNICODE.hypers else key, value))
        if held:
            parts.append(Phrase(_("%(names)s held in float32"), names=Phrase.joined(", ", [
                Sym("wd" if key == "weight_decay" else key) for key in held])))
        return parts + (["float32"] if self.float32 else [])

    def columns(self, index, *, several: bool = False) -> list:
        return [report.Column("t", latex="t", kind=report.COUNT)] + (
            [report.Column("param", _("param"), kind=report.TEXT)] if several else []) + [
            report.Column(k, notation.UNICODE.symbol(k, index), notation.LATEX.symbol(k, index))
            for k in ("g", *self.shown)]

    def record(self, values: dict) -> dict:
        return {k: values[k] for k in ("g", *self.shown)}

    def explained(self, heading: str, values: dict) -> report.Explained:
        return report.Explained(heading, values["t"], self.record(values), self.before(values),
                                family.resolve(self.description, self.h)[0], description=self.description)

    def arithmetic(self, steps, digits: int, names) -> report.Arithmetic:
        """The worked arithmetic of ``steps`` (Explained and LeftOut items), with the symbols' legend."""
        legend = [f"{Sym(q.name, None)}: {_(q.meaning)}" for q in self.quantities]
        hypers = ", ".join(notation.UNICODE.hypers[k] for k in recurrence.hypers(self.description, self.mode))
        return report.Arithmetic(steps, digits, self.mode, tuple(names),
                                 " · ".join([*legend, f"{hypers}: {_('hyperparameters')}"]),
                                 description=self.description)


@dataclass
class Stepped(Member):
    """One step of a family member as computed: the values its formulas read and give (``family.step``'s), the
    verdicts of --expect."""

    values: dict
    verdicts: list

    @classmethod
    def of(cls, name: str, given: dict, sets: list[str], states: list[str], expects: list[str], *, grad: str,
           x: str | None, t: int, rel_tol: float | None, sig_digits: int) -> Stepped:
        """The step the command line asks for: ``given``, the settings options (and Adadelta's own inputs)."""
        refuse_adadelta_options(name, given)
        check_rel_tol(rel_tol)
        check_sig_digits(sig_digits)
        description = MEMBERS[name][0]
        h = settings_of(name, given, sets)
        before = state_of(description, states, h)
        stepped = cls(name, h, {}, [])
        cells = [(_pair(item, "--expect", stepped.shown)[0], _cell(item)) for item in expects]
        g, x0 = one_number(grad, "--grad"), 0.0 if x is None else one_number(x, "--x")
        stepped.values = values = stepped.step(before, t, *(in_float32(v, option) if stepped.float32 else v
                                                             for v, option in ((g, "--grad"), (x0, "--x"))))
        check_finite(stepped.quantities, values, stepped.mode, t)
        stepped.verdicts = [Verdict(t, "x", key, cell.text, values[key], judge(cell.text, values[key], sig_digits,
                                                                               rel_tol)) for key, cell in cells]
        return stepped

    def records(self) -> report.Records:
        """For machines: t, param, g, then each quantity by its name; the settings and the state before it."""
        v = self.values
        settings = {"optimizer": self.name, **self.h, "grad": v["g"], "x": v["x_prev"], "t": v["t"],
                    "state": {k: value for k, value in self.before(v).items() if k != "x"}}
        return report.Records(["t", "param", "g", *self.shown],
                              [[v["t"], "x", v["g"], *(eta_for_machines(v[k]) for k in self.shown)]], settings,
                              extra={"checks": [c.as_dict() for c in self.verdicts]} if self.verdicts else None)

    def settings_phrase(self) -> Phrase:
        """Adam: lr = 0.001, β₁ = 0.9, ..., x₀ = 0.5, m₀ = 0: the settings in force and the state the step reads."""
        parts = self.settings_parts() + [equals(Sym(k, self.values["t"] - 1, compact=True), value)
                                         for k, value in {"x": self.values["x_prev"], **self.read(self.values)}.items()]
        return Phrase(_("%(optimizer)s: %(settings)s"), optimizer=self.title,
                      settings=Phrase.joined(", ", parts))

    def document(self, digits: int, *, explained: bool) -> report.Document:
        """For people: the settings and the state before the step, the row of its values, its arithmetic (a
        document's block with ``explained``, else lines under the table) and the verdicts of --expect."""
        t = self.values["t"]
        record = self.record(self.values)
        blocks: list = [report.Para(self.settings_phrase()),
                        report.Table(self.columns(t if t > 1 else "t"), [[t, *shown_cells(record.values())]])]
        if explained:
            blocks.append(self.arithmetic([self.explained(explain.heading(t, "x", several=False), self.values)],
                                          digits, ("x",)))
        else:
            lines = recurrence.explain_step(record, self.before(self.values), family.resolve(
                self.description, self.h)[0], t, digits, description=self.description)
            blocks.append(report.Para("\n".join("  " + line for line in lines)))
        if self.verdicts:
            blocks += ["", render.verdict_table(self.verdicts, digits, title=_("Your values")),
                       report.Para(tracing.checking_summary(self.verdicts), strong=True)]
        return report.Document(Phrase(_("%(optimizer)s: one step"), optimizer=self.title), blocks,
                               words=("x",))

    def emit(self, fmt: str, output_path: Path | None, digits: int = 6, *, latex_fragment: bool = False) -> None:
        tracing.emit_single(self.records, lambda: self.document(digits, explained=fmt in ("markdown", "latex")),
                            self.verdicts, fmt, output_path, digits, latex_fragment=latex_fragment)


def shown_cells(values) -> list:
    """A row's cells for people: η_t's is "—" where g_t = 0 leaves it undefined (compare's)."""
    return [comparing.NO_ETA if isinstance(v, float) and math.isnan(v) else v for v in values]


def in_float32(value: float, option: str) -> float:
    check_float32(option, value)
    return value


def equals(symbol, value) -> Phrase:
    return Phrase("%(symbol)s = %(value)s", symbol=symbol, value=Num(numfmt.given(value)))


def _cell(item: str) -> Cell:
    """An --expect NAME=VALUE's value, read now, to report a bad one with its option."""
    cell = Cell(item.partition("=")[2])
    try:
        cell.value  # noqa: B018
        significant_digits(cell.text)
    except InputError as exc:
        raise InputError(_f('--expect %(item)s: %(message)s', item=shown(item, 40), message=exc.message)) from None
    return cell
