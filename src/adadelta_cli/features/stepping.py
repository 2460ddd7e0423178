"""step --optimizer: one step of an optimizer of Adadelta's family (``maths/family.py``) from an explicit state,
every intermediate shown as Adadelta's step shows its own: the table, the worked arithmetic, the verdicts of
--expect. The optimizers and their settings are compare's (``comparing.OFFERED``), AdamW beside them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

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
from adadelta_cli.safe import one_line

# Each optimizer step offers: its description and its own defaults where not torch's (momentum: μ = 0.9).
MEMBERS = {**{name: (d, own) for name, (d, _keys, own) in comparing.OFFERED.items()}, "adamw": (family.ADAMW, {})}
NAMES = ("adadelta", *MEMBERS)
TITLES = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "sgd": "SGD", "momentum": N_("SGD with momentum"),
          "adam": "Adam", "adamw": "AdamW"}
SQUARES = ("G", "v", "vmax")  # states that are sums or averages of squares: never negative
# Adadelta's own options, by the name the settings carry them under (step's own inputs by theirs).
ADADELTA_ONLY = {"rho": "--rho", "preset": "--preset", "dtype": "--dtype", "lr_dtype": "--lr-dtype",
                 "weight_decay_mode": "--weight-decay-mode", "eg2_prev": "--eg2-prev", "eg2": "--eg2",
                 "edx2_prev": "--edx2-prev"}
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


def _in_range(description, param: str, number: float, item: str) -> None:
    _default, low, high, high_ok = description.settings[param]
    if number < low or number > high or (number == high and not high_ok):
        interval = (_("in %(interval)s") % {"interval": f"[{low:g}, {high:g}{']' if high_ok else ')'}"}
                    if high != float("inf") else f">= {low:g}")
        raise SettingsError(_f('%(item)s: %(param)s must be %(interval)s', item=item, param=param, interval=interval))


def _pair(item: str, option: str, known: list[str]) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    name = key.strip()
    if not sep or name not in known:
        raise SettingsError(_f('%(option)s %(item)s: expected NAME=VALUE with NAME one of %(known)s', option=option,
                               item=one_line(repr(item), 80), known=", ".join(known)))
    return name, value


def settings_of(name: str, given: dict, sets: list[str]) -> dict:
    """The settings of optimizer ``name``: its defaults, then --lr, --eps, --weight-decay, --maximize, then --set
    NAME=VALUE (each within its description's range)."""
    description, own = MEMBERS[name]
    h = {**description.defaults, **own}
    for key, option in (("lr", "--lr"), ("eps", "--eps"), ("weight_decay", "--weight-decay")):
        if given.get(key) is not None:
            h[key] = one_number(str(given[key]), option)
            _in_range(description, key, h[key], option)
    if given.get("maximize") is not None:
        h["maximize"] = bool(given["maximize"])
    for item in sets:
        param, value = _pair(item, "--set", list(description.settings))
        label = f"--set {one_line(repr(item), 80)}"
        if isinstance(description.settings[param][0], bool):
            word = value.strip().lower()
            if word not in _TRUE + _FALSE:
                raise SettingsError(_f('%(item)s: %(param)s is true or false', item=label, param=param))
            h[param] = word in _TRUE
            continue
        h[param] = parse_number(value, source="--set", what=N_("a value"))
        _in_range(description, param, h[param], label)
    if h.get("nesterov") and (h.get("momentum", 0) <= 0 or h.get("dampening", 0) != 0):
        raise SettingsError(_("nesterov=true needs momentum > 0 and dampening = 0 (as torch.optim.SGD)"))
    return h


def _meaning(description, name: str) -> str:
    return next(q.meaning for q in description.quantities if q.name == name)


def state_of(description, items: list[str]) -> dict:
    """--state NAME=VALUE: the optimizer's state before the step, by the description's names (the rest take their
    values before a first step)."""
    state: dict = {}
    for item in items:
        name, value = _pair(item, "--state", list(description.state))
        state[name] = parse_number(value, source=f"--state {name}", what=N_("a value"))
        if name in SQUARES and state[name] < 0:
            raise InputError(_f('--state %(item)s: %(name)s (%(what)s) cannot be negative', name=name,
                                item=one_line(repr(item), 80), what=_(_meaning(description, name))))
    return state


@dataclass
class Stepped:
    """One step of a family member as computed: its settings (every one), the values its formulas read and give
    (``family.step``'s), the verdicts of --expect."""

    name: str
    h: dict
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
        before = state_of(description, states)
        stepped = cls(name, h, {}, [])
        cells = [(_pair(item, "--expect", stepped.shown)[0], _cell(item)) for item in expects]
        g, x0 = one_number(grad, "--grad"), 0.0 if x is None else one_number(x, "--x")
        stepped.values = values = family.step(description, h, before, t, g, x0)
        for q in stepped.quantities:
            if q.name != "eta" and not math.isfinite(values[q.name]):  # (η_t = −Δx_t/g_t: undefined where g_t = 0)
                raise NumericError(_f('step %(t)d: %(symbol)s = %(value)s is not a finite number; %(formula)s',
                                      t=t, symbol=notation.UNICODE.symbol(q.name, t), value=values[q.name],
                                      formula=q.equation(stepped.mode)))
        stepped.verdicts = [Verdict(t, "x", key, cell.text, values[key], judge(cell.text, values[key], sig_digits,
                                                                               rel_tol)) for key, cell in cells]
        return stepped

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
    def before(self) -> dict:
        """The state the step reads (x too), by name: each value at t − 1."""
        return {name: self.values[f"{name}_prev"] for name in ("x", *self.description.state)}

    def records(self) -> report.Records:
        """For machines: t, param, g, then each quantity by its name; the settings and the state before it."""
        v = self.values
        settings = {"optimizer": self.name, **self.h, "grad": v["g"], "x": v["x_prev"], "t": v["t"],
                    "state": {k: value for k, value in self.before.items() if k != "x"}}
        return report.Records(["t", "param", "g", *self.shown], [[v["t"], "x", v["g"], *(v[k] for k in self.shown)]],
                              settings, extra={"checks": [c.as_dict() for c in self.verdicts]} if self.verdicts
                              else None)

    def settings_phrase(self) -> Phrase:
        """Adam: lr = 0.001, β₁ = 0.9, ..., x₀ = 0.5, m₀ = 0: the settings in force and the state the step reads."""
        parts: list = []
        for key, spec in self.description.settings.items():
            value = self.h[key]
            if key == "weight_decay":
                mode = render.MODES["decoupled" if "decoupled" in self.mode else "coupled"]  # apart: see render
                parts += [Phrase(_("weight decay = %(wd)s (%(mode)s)"), wd=Num(numfmt.given(value)), mode=_(mode))
                          ] if value else []
            elif isinstance(spec[0], bool):
                parts += [key] if value else []
            else:
                parts.append(_equals(Sym(key) if key in notation.UNICODE.hypers else key, value))
        read = {k for q in self.quantities for k in q.inputs(self.mode)}
        parts += [_equals(Sym(k, self.values["t"] - 1, compact=True), value)
                  for k, value in self.before.items() if f"{k}_prev" in read and value is not None]
        return Phrase(_("%(optimizer)s: %(settings)s"), optimizer=_(TITLES[self.name]),
                             settings=Phrase.joined(", ", parts))

    def document(self, digits: int, *, explained: bool) -> report.Document:
        """For people: the settings and the state before the step, the row of its values, its arithmetic (a
        document's block with ``explained``, else lines under the table) and the verdicts of --expect."""
        t, h, description = self.values["t"], family.resolve(self.description, self.h)[0], self.description
        index = t if t > 1 else "t"
        columns = [report.Column("t", latex="t", kind=report.COUNT)] + [
            report.Column(k, notation.UNICODE.symbol(k, index), notation.LATEX.symbol(k, index))
            for k in ("g", *self.shown)]
        record = {k: self.values[k] for k in ("g", *self.shown)}
        blocks: list = [report.Para(self.settings_phrase()), report.Table(columns, [[t, *record.values()]])]
        if explained:
            legend = [f"{Sym(q.name, None)}: {_(q.meaning)}" for q in self.quantities]
            hypers = ", ".join(notation.UNICODE.hypers[k] for k in recurrence.hypers(description, self.mode))
            blocks.append(report.Arithmetic([report.Explained(explain.heading(t, "x", several=False), t, record,
                                                              self.before, h, description=description)],
                                            digits, self.mode, ("x",), " · ".join(
                                                [*legend, f"{hypers}: {_('hyperparameters')}"]),
                                            description=description))
        else:
            lines = recurrence.explain_step(record, self.before, h, t, digits, description=description)
            blocks.append(report.Para("\n".join("  " + line for line in lines)))
        if self.verdicts:
            blocks += ["", render.verdict_table(self.verdicts, digits, title=_("Your values")),
                       report.Para(tracing.checking_summary(self.verdicts), strong=True)]
        return report.Document(Phrase(_("%(optimizer)s: one step"), optimizer=_(TITLES[self.name])), blocks,
                               words=("x",))

    def emit(self, fmt: str, output_path: Path | None, digits: int = 6, *, latex_fragment: bool = False) -> None:
        tracing.emit_single(self.records, lambda: self.document(digits, explained=fmt in ("markdown", "latex")),
                            self.verdicts, fmt, output_path, digits, latex_fragment=latex_fragment)


def _equals(symbol, value) -> Phrase:
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
