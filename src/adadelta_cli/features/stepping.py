"""step --optimizer: one step of an optimizer of Adadelta's family (``maths/family.py``) from an explicit state,
every intermediate shown as Adadelta's step shows its own: the table, the worked arithmetic, the verdicts of
--expect. The optimizers and their settings are compare's (``comparing.OFFERED``), AdamW beside them."""

from __future__ import annotations

import math
from pathlib import Path

from adadelta_cli import numfmt
from adadelta_cli.errors import InputError, NumericError, SettingsError
from adadelta_cli.features import comparing, tracing
from adadelta_cli.formats import explain, render
from adadelta_cli.formats.cells import one_number, parse_number, shown
from adadelta_cli.formats.report import (
    COUNT,
    Arithmetic,
    Column,
    Document,
    Explained,
    Num,
    Para,
    Phrase,
    Records,
    Sym,
    Table,
)
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.marking.digits import judge, significant_digits
from adadelta_cli.marking.verdicts import Cell, Verdict
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


def state_of(description, items: list[str]) -> dict:
    """--state NAME=VALUE: the optimizer's state before the step, by the description's names (the rest take their
    values before a first step)."""
    state: dict = {}
    for item in items:
        name, value = _pair(item, "--state", list(description.state))
        state[name] = parse_number(value, source=f"--state {name}", what=N_("a value"))
        if name in SQUARES and state[name] < 0:
            raise InputError(_f('--state %(item)s: %(name)s is %(what)s, which cannot be negative', name=name,
                                item=one_line(repr(item), 80), what=_("a running average of squares")))
    return state


def single_step(name: str, h: dict, state: dict, *, g: float, x: float, t: int) -> dict:
    """One step of optimizer ``name``: every value its formulas read and give (``family.step``)."""
    description = MEMBERS[name][0]
    values = family.step(description, h, dict(state), t, g, x)
    h, mode = family.resolve(description, h)
    for q in family.quantities(description, mode):
        if q.name != "eta" and not math.isfinite(values[q.name]):  # (η_t = −Δx_t/g_t is undefined where g_t = 0)
            raise NumericError(_f('step %(t)d: %(symbol)s = %(value)s is not a finite number; %(formula)s',
                                  t=t, symbol=notation.UNICODE.symbol(q.name, t), value=values[q.name],
                                  formula=q.equation(mode)))
    return values


def _before(description, h: dict, values: dict) -> dict:
    """The state the step reads (x too), by name: each value at t − 1."""
    return {name: values[f"{name}_prev"] for name in ("x", *description.state)}


def _settings_phrase(name: str, description, h: dict, values: dict, mode, t: int) -> Phrase:
    """Adam: lr = 0.001, β₁ = 0.9, ..., x₀ = 0.5, m₀ = 0: the settings in force and the state the step reads."""
    parts: list = []
    for key, spec in description.settings.items():
        value = h[key]
        if isinstance(spec[0], bool):
            parts += [key] if value else []
        elif key == "weight_decay":
            if value:
                kind = "decoupled" if "decoupled" in mode else "coupled"
                parts.append(Phrase(_("weight decay = %(wd)s (%(mode)s)"), wd=Num(numfmt.given(value)),
                                    mode=_(render.MODES[kind])))
        else:
            symbol = Sym(key) if key in notation.UNICODE.hypers else key
            parts.append(Phrase("%(symbol)s = %(value)s", symbol=symbol, value=Num(numfmt.given(value))))
    read = {k for q in family.quantities(description, mode) for k in q.inputs(mode)}
    for state, value in _before(description, h, values).items():
        if f"{state}_prev" in read and value is not None:
            parts.append(Phrase("%(symbol)s = %(value)s", symbol=Sym(state, t - 1, compact=True),
                                value=Num(numfmt.given(value))))
    return Phrase(_("%(optimizer)s: %(settings)s"), optimizer=_(TITLES[name]), settings=Phrase.joined(", ", parts))


def _shown(description, mode) -> list[str]:
    return [q.name for q in family.quantities(description, mode)]


def records(name: str, h: dict, values: dict, verdicts: list) -> Records:
    """The step for machines: t, param, g, then each quantity by its name; the settings and the state before it."""
    description = MEMBERS[name][0]
    _h, mode = family.resolve(description, h)
    names = _shown(description, mode)
    settings = {"optimizer": name, **h, "grad": values["g"], "x": values["x_prev"], "t": values["t"],
                "state": {k: v for k, v in _before(description, h, values).items() if k != "x"}}
    extra = {"checks": [v.as_dict() for v in verdicts]} if verdicts else None
    return Records(["t", "param", "g", *names], [[values["t"], "x", values["g"], *(values[k] for k in names)]],
                   settings, extra=extra)


def document(name: str, h: dict, values: dict, verdicts: list, digits: int, *, explained: bool) -> Document:
    """The step for people: the settings and the state before it, the row of its values, its arithmetic (as a
    document's block with ``explained``, else lines under the table) and the verdicts of --expect."""
    description = MEMBERS[name][0]
    h, mode = family.resolve(description, h)
    t = values["t"]
    index = t if t > 1 else "t"
    columns = [Column("t", latex="t", kind=COUNT)] + [
        Column(k, notation.UNICODE.symbol(k, index), notation.LATEX.symbol(k, index))
        for k in ("g", *_shown(description, mode))]
    table = Table(columns, [[t, values["g"], *(values[k] for k in _shown(description, mode))]])
    record = {k: values[k] for k in ("g", *_shown(description, mode))}
    previous = _before(description, h, values)
    blocks: list = [Para(_settings_phrase(name, description, h, values, mode, t)), table]
    if explained:
        legend = " · ".join(f"{_base(q.name)}: {_(q.meaning)}"
                            for q in family.quantities(description, mode))
        hypers = ", ".join(notation.UNICODE.hypers[k] for k in recurrence.hypers(description, mode))
        blocks.append(Arithmetic([Explained(explain.heading(t, "x", several=False), t, record, previous, h,
                                            description=description)], digits, mode, ("x",),
                                 f"{legend} · {hypers}: {_('hyperparameters')}", description=description))
    else:
        lines = recurrence.explain_step(record, previous, h, t, digits, given_label=_("(given)"),
                                        description=description)
        blocks.append(Para("\n".join("  " + line for line in lines)))
    if verdicts:
        blocks += ["", render.verdict_table(verdicts, digits, title=_("Your values")),
                   Para(tracing.checking_summary(verdicts), strong=True)]
    return Document(Phrase(_("%(optimizer)s: one step"), optimizer=_(TITLES[name])), blocks, words=("x",))


def _base(name: str) -> str:
    """A quantity's symbol without its index: m, v, ḡ, g_eff."""
    return str(Sym(name, None))


def parse_expectations(name: str, h: dict, items: list[str]) -> list[tuple[str, Cell]]:
    """--expect NAME=VALUE with NAME one of the quantities the optimizer's step shows."""
    description = MEMBERS[name][0]
    known = _shown(description, family.resolve(description, h)[1])
    cells = []
    for item in items:
        key, value = _pair(item, "--expect", known)
        cell = Cell(value)
        try:
            cell.value  # noqa: B018  (parse now, to report a bad value with its option)
            significant_digits(cell.text)
        except InputError as exc:
            raise InputError(_f('--expect %(item)s: %(message)s', item=shown(item, 40), message=exc.message)) from None
        cells.append((key, cell))
    return cells


def judge_expectations(values: dict, cells: list, rel_tol: float | None, sig_digits: int) -> list[Verdict]:
    """A verdict for each --expect item, by the digit rule of check."""
    return [Verdict(values["t"], "x", key, cell.text, values[key], judge(cell.text, values[key], sig_digits, rel_tol))
            for key, cell in cells]


def emit(name: str, h: dict, values: dict, verdicts: list, fmt: str, output_path: Path | None, digits: int = 6,
         *, latex_fragment: bool = False) -> None:
    tracing.emit_single(lambda: records(name, h, values, verdicts),
                        lambda: document(name, h, values, verdicts, digits, explained=fmt in ("markdown", "latex")),
                        verdicts, fmt, output_path, digits, latex_fragment=latex_fragment)
