"""The step description: the quantities of one Adadelta step, in order, each with its symbol, its formula and the
function that computes it. This is the one home of the recurrence; everything else reads it:

- the engine (``core``) computes each quantity with the record's ``compute`` (``formulas``);
- ``--explain``, the walk-through and the lesson page render each record's formula with the step's numbers in it;
- worksheets and answer keys print the formulas in Unicode, Markdown and LaTeX;
- ``check`` derives its slip candidates from the same formulas with one term changed;
- the README's formula table is generated from it (``scripts/update_readme.py``).

A formula is a small expression tree (``Sym``, ``Hyper``, ``Num`` and the operations) written once per *mode*
(``Mode``: maximize, coupled or decoupled weight decay): the tree renders as Unicode, LaTeX or MathML, with the
symbols or with the numbers substituted, and evaluates in plain floats. The engine's own arithmetic
(``compute``) rounds as PyTorch's CPU kernels do (fused multiply-adds); a test holds every tree's plain-float
value to the engine's within a few ulps, and another applies the *printed* formulas through an independent
parser and gets the answer key's numbers.

>>> mode = Mode()
>>> for q in QUANTITIES:
...     if q.shown(mode):
...         print(q.equation(mode))
E[g²]_t = ρ·E[g²]_{t-1} + (1 - ρ)·g_t²
η_t = √(E[Δx²]_{t-1} + ε) / √(E[g²]_t + ε)
Δx_t = -η_t·g_t
E[Δx²]_t = ρ·E[Δx²]_{t-1} + (1 - ρ)·Δx_t²
x_t = x_{t-1} + lr·Δx_t
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from adadelta_cli.i18n import N_
from adadelta_cli.maths import formulas
from adadelta_cli.maths.notation import UNICODE, Notation, render
from adadelta_cli.maths.tree import ONE, Add, Div, Hyper, Node, Sqrt, Square, Sub, Sym, Val, evaluate, key, leaves

# --- Modes ------------------------------------------------------------------------------------------------------


class Mode(NamedTuple):
    """What changes the formulas of a step (not their numbers)."""

    maximize: bool = False  # the gradient is negated first
    weight_decay: str | None = None  # None, "coupled" (L2 in the gradient) or "decoupled" (x shrinks first)
    # η's denominator: E[g²]_t as Algorithm 1, or "previous", E[g²]_{t−1}: TensorFlow.js reads the accumulator
    # before this step's update (its deviation from Algorithm 1).
    rate_eg2: str = "current"

    @classmethod
    def of(cls, settings) -> Mode:
        """The mode of a ``formulas.Settings`` (or of a settings dict as reports carry it)."""
        get = _getter(settings)
        wd = get("weight_decay", 0.0)
        if isinstance(wd, list):
            wd = any(wd)
        return cls(maximize=bool(get("maximize", False)),
                   weight_decay=(get("weight_decay_mode", "coupled") or "coupled") if wd else None,
                   rate_eg2=get("rate_eg2", "current") or "current")

    @property
    def g_eff(self) -> bool:
        """Whether the gradient the recurrence uses can differ from g_t (and is shown as its own quantity)."""
        return self.maximize or self.weight_decay == "coupled"


def _getter(settings) -> Callable:
    """A setting by name, from a ``formulas.Settings`` or a settings dict as reports carry it."""
    return settings.get if isinstance(settings, dict) else lambda key, default=None: getattr(settings, key, default)


MODES = tuple(Mode(m, w) for m in (False, True) for w in (None, "coupled", "decoupled"))

# --- The quantities ---------------------------------------------------------------------------------------------

g, g_eff = Sym("g"), Sym("g_eff")
rho, eps, lr, wd = Hyper("rho"), Hyper("eps"), Hyper("lr"), Hyper("wd")


def _gradient(mode: Mode) -> Node:
    """The gradient the recurrence uses, as a symbol: g_t, or g_eff,t where it can differ."""
    return g_eff if mode.g_eff else g


def _g_eff(mode: Mode) -> Node:
    base = -g if mode.maximize else g
    return base + wd * Sym("x", prev=True) if mode.weight_decay == "coupled" else base


def _eg2(mode: Mode) -> Node:
    return rho * Sym("eg2", prev=True) + (ONE - rho) * Square(_gradient(mode))


def _eta(mode: Mode) -> Node:
    return Sqrt(Sym("edx2", prev=True) + eps) / Sqrt(Sym("eg2", prev=mode.rate_eg2 == "previous") + eps)


def _dx(mode: Mode) -> Node:
    return -(Sym("eta") * _gradient(mode))


def _edx2(mode: Mode) -> Node:
    return rho * Sym("edx2", prev=True) + (ONE - rho) * Square(Sym("dx"))


def _x(mode: Mode) -> Node:
    if mode.weight_decay == "decoupled":
        return Sym("x", prev=True) * (ONE - lr * wd) + lr * Sym("dx")
    return Sym("x", prev=True) + lr * Sym("dx")


def _compute(name: str) -> Callable:
    """The function that computes a quantity (``formulas``). Every one is called alike:
    ``compute(*inputs, settings=..., ops=..., out=None)``, the inputs being the values of the quantity's
    ``inputs(mode)``, in that order."""
    return getattr(formulas, name)


@dataclass(eq=False, repr=False)
class Quantity:
    """One quantity of the step: its machine name, its meaning, its formula in each mode, how it is computed."""

    name: str  # the CSV/JSON column: g_eff, eg2, eta, dx, edx2, x
    meaning: str  # what it is, in words (translated where shown)
    formula: Callable[[Any], Node]  # of the mode: a Mode (Adadelta's), a frozenset of options (the family's)
    compute: Callable  # the quantity's function (formulas.compute_eg2, ...)
    partial: bool = False  # --explain shows the value of each top-level term before the result
    only_when: Callable[[Any], bool] | None = None  # shown only in these modes (g_eff)
    first: Callable[[Any], Node] | None = None  # the formula while its state holds nothing yet (SGD's b₁ = g₁)

    def shown(self, mode: Any) -> bool:
        return self.only_when is None or self.only_when(mode)

    def inputs(self, mode: Any) -> tuple[str, ...]:
        """The values the quantity is computed from in ``mode``: the symbols of its formula, in the order they are
        written (``compute`` takes them in this order): η_t reads ``("edx2_prev", "eg2")``, or ``("edx2_prev",
        "eg2_prev")`` where η divides by E[g²]_{t−1}."""
        return tuple(dict.fromkeys(key(leaf) for leaf in leaves(self.formula(mode)) if isinstance(leaf, Sym)))

    def equation(self, mode: Any, notation: Notation | None = None, t: int | str = "t") -> str:
        """``symbol = formula`` in ``notation`` (Unicode by default), indices at step ``t``."""
        n = notation or UNICODE
        return f"{n.symbol(self.name, t)}{n.equals}{render(self.formula(mode), n, t)}"


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("g_eff", N_("the gradient the recurrence uses: negated to maximize, plus coupled weight decay"),
             _g_eff, _compute("compute_g_eff"), only_when=lambda mode: mode.g_eff),
    Quantity("eg2", N_("running average of squared gradients"), _eg2, _compute("compute_eg2"), partial=True),
    Quantity("eta", N_("adaptive learning rate"), _eta, _compute("compute_eta"), partial=True),
    Quantity("dx", N_("parameter update (before lr)"), _dx, _compute("compute_dx")),
    Quantity("edx2", N_("running average of squared updates (the unscaled %(dx)s)"), _edx2, _compute("compute_edx2"),
             partial=True),
    Quantity("x", N_("the parameter"), _x, _compute("compute_x")),
)
BY_NAME = {q.name: q for q in QUANTITIES}
ORDER = tuple(q.name for q in QUANTITIES)  # g_eff, eg2, eta, dx, edx2, x: every list of the quantities is this one
STATE = ("eg2", "edx2", "x")  # what a step carries to the next (each read at t − 1 by the next step's formulas)


def quantities(mode: Mode) -> list[Quantity]:
    """The quantities a step of ``mode`` shows, in the order it computes them."""
    return [q for q in QUANTITIES if q.shown(mode)]


def shown_quantities(mode, description: Description | None = None) -> list[Quantity]:
    """The quantities a step of ``description`` (Adadelta's where None) shows in ``mode``, in order."""
    return quantities(mode) if description is None else [q for q in description.quantities if q.shown(mode)]


@dataclass(eq=False, repr=False)
class Description:
    """An optimizer as the engine runs it: its quantities in order, the state a step carries to the next (each with
    its value before the first step: a number, or the name of the setting that gives it), its settings (torch's
    default and range of each: lowest, highest, whether the highest is allowed) and the mode its settings make.
    Adadelta's is ``ADADELTA``; its family's are in ``family``."""

    name: str
    quantities: tuple[Quantity, ...]
    state: dict
    settings: dict
    mode_of: Callable

    @property
    def defaults(self) -> dict:
        return {name: spec[0] for name, spec in self.settings.items()}


ADADELTA = Description("adadelta", QUANTITIES, dict.fromkeys(STATE[:2], 0.0), {}, Mode.of)


def hypers(description: Description, mode) -> list[str]:
    """The hyperparameters the formulas of ``mode`` read, in the order they first appear."""
    return list(dict.fromkeys(leaf.name for q in description.quantities if q.shown(mode)
                              for leaf in leaves(q.formula(mode)) if isinstance(leaf, Hyper)))


@functools.cache
def plan(mode, description: Description = ADADELTA) -> tuple[tuple[str, Callable, tuple[str, ...]], ...]:
    """The step of ``mode`` as the engine runs it: (name, compute, inputs) for each quantity, in order.

    >>> [(name, inputs) for name, _compute, inputs in plan(Mode(rate_eg2="previous"))]  # doctest: +NORMALIZE_WHITESPACE
    [('eg2', ('eg2_prev', 'g')), ('eta', ('edx2_prev', 'eg2_prev')), ('dx', ('eta', 'g')),
     ('edx2', ('edx2_prev', 'dx')), ('x', ('x_prev', 'dx'))]
    """
    return tuple((q.name, q.compute, q.inputs(mode)) for q in description.quantities if q.shown(mode))


def run_step(values: dict, settings, ops, mode=None, out: dict | None = None, given: dict | None = None, *,
             description: Description = ADADELTA) -> dict:
    """One step as a loop over the description (every optimizer's step is this loop): ``values`` holds the step's
    inputs (Adadelta's ``g``, ``eg2_prev``, ``edx2_prev``, ``x_prev``); each quantity of the mode is computed by its
    record's function from its inputs and added to it. ``ops``: the arithmetic (``arith``, or ``family``'s);
    ``out``: an array to write each quantity into; ``given``: quantities taken as given instead of computed (E[g²]_t
    of step --eg2)."""
    steps = plan(description.mode_of(settings) if mode is None else mode, description)
    if given is None and out is None:  # the common case, kept short: a long run takes millions of these
        for name, compute, inputs in steps:
            values[name] = compute(*[values[k] for k in inputs], settings=settings, ops=ops)
        return values
    for name, compute, inputs in steps:
        if given is not None and name in given:
            values[name] = given[name]
            continue
        values[name] = compute(*[values[k] for k in inputs], settings=settings, ops=ops,
                               out=None if out is None else out.get(name))
    return values


# --- Reading a step ---------------------------------------------------------------------------------------------


def hyper_values(settings) -> dict:
    """ρ, ε, lr and wd as the arithmetic uses them, from a ``formulas.Settings`` or a settings dict."""
    get = _getter(settings)
    lr_value = getattr(settings, "lr_value", None)
    return {"rho": get("rho"), "eps": get("eps"), "lr": lr_value if lr_value is not None else get("lr"),
            "wd": get("weight_decay", 0.0) or 0.0}


def step_values(record: dict, previous: dict, settings, description: Description = ADADELTA, t: int = 1) -> dict:
    """Every value a step's formulas read: the step's record, the state before it (Adadelta's eg2, edx2, x at
    t − 1; a family member's own state and x), the hyperparameters (a family member's settings by their names, wd
    its weight decay) and the step number t."""
    if description is not ADADELTA:
        return {**settings, "wd": settings.get("weight_decay", 0.0), "t": t,
                **{f"{name}_prev": value for name, value in previous.items()}, **record}
    values = {**hyper_values(settings), **record}
    values.setdefault("g_eff", record["g"])
    values["eg2_prev"] = previous["eg2"]
    values["edx2_prev"] = record.get("edx2_prev", previous.get("edx2"))
    values["x_prev"] = previous["x"]
    return values


def explain_step(record: dict, previous: dict, settings, t: int, digits: int = 6, notation: Notation = UNICODE,
                 *, eg2_given: bool = False, given_label: str = "(given)", as_parts: bool = False,
                 description: Description | None = None) -> list:
    """The substituted arithmetic of one step of ``description`` (Adadelta's by default), one line per quantity its
    mode shows, in the article's style::

        E[g²]_2 = ρ·E[g²]_1 + (1 - ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475

    ``record``: the step's values by quantity name (and g); ``previous``: the state before it by name (x too);
    ``settings``: Adadelta's settings, or a family member's (by their names, as ``family.resolve`` gives them).
    ``as_parts``: each line as its parts (symbol, formula, substituted, ..., value), for a writer that sets them
    apart (the lesson page); else joined by the notation's "=".

    >>> from adadelta_cli.maths import family
    >>> h, _mode = family.resolve(family.ADAM, {})
    >>> for line in explain_step({"g": 0.2, "m": 0.02, "v": 4e-5, "mhat": 0.2, "vhat": 0.04, "d": 0.2000000001,
    ...                           "x": 0.499, "dx": -0.001, "eta": 0.005}, {"m": 0.0, "v": 0.0, "vmax": 0.0, "x": 0.5},
    ...                          h, 1, 4, description=family.ADAM)[:5]:
    ...     print(line)
    m_1 = β₁·m_0 + (1 - β₁)·g_1 = 0.9·0 + 0.1·0.2 = 0 + 0.02 = 0.02
    v_1 = β₂·v_0 + (1 - β₂)·g_1² = 0.999·0 + 0.001·0.2² = 0 + 4e-5 = 4e-5
    m̂_1 = m_1 / (1 - β₁^1) = 0.02 / (1 - 0.9^1) = 0.2
    v̂_1 = v_1 / (1 - β₂^1) = (4e-5) / (1 - 0.999^1) = 0.04
    d_1 = √(v_1) / √(1 - β₂^1) + ε = √(4e-5) / √(1 - 0.999^1) + 1e-8 = 0.2 + 1e-8 = 0.2
    """
    description = description or ADADELTA
    mode = description.mode_of(settings)
    values = step_values(record, previous, settings, description, t)
    lines: list[tuple[str, ...] | str] = []
    for q in description.quantities:
        if not q.shown(mode):
            continue
        head = n_symbol = notation.symbol(q.name, t)
        if q.name == "eg2" and eg2_given:
            given = (n_symbol, f"{notation.num(values['eg2'], digits)}{notation.label.format(given_label)}")
            lines.append(given if as_parts else notation.equals.join(given))
            continue
        tree = q.formula(mode)
        if q.first is not None and values.get(f"{q.name}_prev") is None:
            tree = q.first(mode)
        parts = [head, render(tree, notation, t), render(tree, notation, t, values, digits)]
        if q.partial and isinstance(tree, (Add, Sub, Div)):
            terms = render(type(tree)(Val(evaluate(tree.a, values)), Val(evaluate(tree.b, values))),
                           notation, t, values, digits)
            if terms != parts[-1]:  # (a formula of two numbers says them once)
                parts.append(terms)
        if not isinstance(tree, (Sym, Hyper)):  # (b₁ = g₁ = 0.1, not b₁ = g₁ = 0.1 = 0.1)
            undefined = description is not ADADELTA and values[q.name] != values[q.name]  # a family's η at g = 0
            parts.append(notation.undefined if undefined else notation.num(values[q.name], digits))
        lines.append(tuple(parts) if as_parts else notation.equals.join(parts))
    return lines
