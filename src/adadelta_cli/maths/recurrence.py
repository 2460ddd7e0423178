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
import math
from collections.abc import Callable
from dataclasses import dataclass

from adadelta_cli import numfmt
from adadelta_cli.i18n import N_
from adadelta_cli.maths import formulas

# --- Modes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """What changes the formulas of a step (not their numbers)."""

    maximize: bool = False  # the gradient is negated first
    weight_decay: str | None = None  # None, "coupled" (L2 in the gradient) or "decoupled" (x shrinks first)
    # η's denominator: E[g²]_t as Algorithm 1, or "previous", E[g²]_{t−1}: TensorFlow.js reads the accumulator
    # before this step's update (its deviation from Algorithm 1).
    rate_eg2: str = "current"

    @classmethod
    def of(cls, settings) -> Mode:
        """The mode of a ``formulas.Settings`` (or of a settings dict as reports carry it)."""
        get = settings.get if isinstance(settings, dict) else (lambda key, default=None: getattr(settings, key,
                                                                                                 default))
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


MODES = tuple(Mode(m, w) for m in (False, True) for w in (None, "coupled", "decoupled"))

# --- Expression trees -------------------------------------------------------------------------------------------


class Node:
    def __add__(self, other):
        return Add(self, other)

    def __sub__(self, other):
        return Sub(self, other)

    def __mul__(self, other):
        return Mul(self, other)

    def __truediv__(self, other):
        return Div(self, other)

    def __neg__(self):
        return Neg(self)


@dataclass(frozen=True, eq=False)
class Sym(Node):
    """A quantity of the recurrence at step t (``prev``: at t − 1)."""

    name: str  # g, g_eff, eg2, eta, dx, edx2, x
    prev: bool = False


@dataclass(frozen=True, eq=False)
class Hyper(Node):
    """A hyperparameter: rho, eps, lr, wd."""

    name: str


@dataclass(frozen=True, eq=False)
class Num(Node):
    value: float


@dataclass(frozen=True, eq=False)
class Val(Node):
    """A value worked out along the way (the terms of --explain's next-to-last step): written as a number."""

    value: float


@dataclass(frozen=True, eq=False)
class Add(Node):
    a: Node
    b: Node


@dataclass(frozen=True, eq=False)
class Sub(Node):
    a: Node
    b: Node


@dataclass(frozen=True, eq=False)
class Mul(Node):
    a: Node
    b: Node


@dataclass(frozen=True, eq=False)
class Div(Node):
    a: Node
    b: Node


@dataclass(frozen=True, eq=False)
class Neg(Node):
    a: Node


@dataclass(frozen=True, eq=False)
class Sqrt(Node):
    a: Node


@dataclass(frozen=True, eq=False)
class Square(Node):
    a: Node


def leaves(node: Node):
    """Every Sym, Hyper and Num of a tree."""
    if isinstance(node, (Sym, Hyper, Num, Val)):
        yield node
        return
    for child in children(node):
        yield from leaves(child)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Add, Sub, Mul, Div)):
        return (node.a, node.b)
    if isinstance(node, (Neg, Sqrt, Square)):
        return (node.a,)
    return ()


def constant(node: Node) -> bool:
    """True for a subtree of hyperparameters and numbers only (shown as its value once substituted)."""
    return all(isinstance(leaf, (Hyper, Num)) for leaf in leaves(node))


def evaluate(node: Node, values: dict, rounding: Callable[[float], float] | None = None) -> float:
    """The tree in plain float arithmetic. ``values``: Sym names (``eg2``, and ``eg2_prev`` for t − 1), Hyper names.

    ``rounding``: applied to the result of every operation but the last (a hand calculation that rounds each
    intermediate result, as a student who rounds too early does). A tree is compiled to a Python function once
    (``compiled``): marking replays a sheet under dozens of changed descriptions.

    >>> evaluate(BY_NAME["eta"].formula(Mode()), {"edx2_prev": 0.0, "eg2": 0.0005, "eps": 1e-6})
    0.044676705160877024
    >>> round(evaluate(Sqrt(Num(2)) * Sqrt(Num(2)), {}, lambda v: float(f"{v:.2g}")), 12)
    1.96
    """
    return compiled(node, rounding)(values)


def _div(top: float, bottom: float) -> float:
    if bottom == 0:
        return math.copysign(math.inf, top) if top else math.nan
    return top / bottom


def _sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 else math.nan


def _square(v: float) -> float:
    return v * v


@functools.lru_cache(maxsize=4096)
def compiled(node: Node, rounding: Callable[[float], float] | None = None) -> Callable[[dict], float]:
    """The tree as a Python function of a step's values (see ``evaluate``)."""
    constants: list[float] = []

    def source(n: Node) -> str:
        if isinstance(n, Sym):
            return f"float(v[{key(n)!r}])"
        if isinstance(n, Hyper):
            return f"float(v[{n.name!r}])"
        if isinstance(n, (Num, Val)):
            constants.append(float(n.value))
            return f"c[{len(constants) - 1}]"

        def sub(child: Node) -> str:
            text = source(child)
            return f"r({text})" if rounding is not None and not isinstance(child, (Sym, Hyper, Num, Val)) else text

        if isinstance(n, Add):
            return f"({sub(n.a)} + {sub(n.b)})"
        if isinstance(n, Sub):
            return f"({sub(n.a)} - {sub(n.b)})"
        if isinstance(n, Mul):
            return f"({sub(n.a)} * {sub(n.b)})"
        if isinstance(n, Div):
            return f"_div({sub(n.a)}, {sub(n.b)})"
        if isinstance(n, Neg):
            return f"(-{sub(n.a)})"
        if isinstance(n, Sqrt):
            return f"_sqrt({sub(n.a)})"
        if isinstance(n, Square):
            return f"_square({sub(n.a)})"
        raise TypeError(n)

    code = f"lambda v: {source(node)}"
    return eval(code, {"float": float, "_div": _div, "_sqrt": _sqrt, "_square": _square, "r": rounding,  # noqa: S307
                       "c": constants})


# --- The quantities ---------------------------------------------------------------------------------------------

g, g_eff = Sym("g"), Sym("g_eff")
rho, eps, lr, wd = Hyper("rho"), Hyper("eps"), Hyper("lr"), Hyper("wd")
ONE = Num(1)


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


def key(node: Sym) -> str:
    """The name a symbol's value goes by in a step's values: ``eg2``, or ``eg2_prev`` for E[g²]_{t−1}."""
    return node.name + ("_prev" if node.prev else "")


@dataclass(frozen=True)
class Quantity:
    """One quantity of the step: its machine name, its meaning, its formula in each mode, how it is computed."""

    name: str  # the CSV/JSON column: g_eff, eg2, eta, dx, edx2, x
    meaning: str  # what it is, in words (translated where shown)
    formula: Callable[[Mode], Node]
    compute: Callable  # the quantity's function (formulas.compute_eg2, ...)
    partial: bool = False  # --explain shows the value of each top-level term before the result
    only_when: Callable[[Mode], bool] | None = None  # shown only in these modes (g_eff)

    def shown(self, mode: Mode) -> bool:
        return self.only_when is None or self.only_when(mode)

    def inputs(self, mode: Mode) -> tuple[str, ...]:
        """The values the quantity is computed from in ``mode``: the symbols of its formula, in the order they are
        written (``compute`` takes them in this order): η_t reads ``("edx2_prev", "eg2")``, or ``("edx2_prev",
        "eg2_prev")`` where η divides by E[g²]_{t−1}."""
        return tuple(dict.fromkeys(key(leaf) for leaf in leaves(self.formula(mode)) if isinstance(leaf, Sym)))

    def equation(self, mode: Mode, notation: Notation | None = None, t: int | str = "t") -> str:
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


@functools.cache
def plan(mode: Mode) -> tuple[tuple[str, Callable, tuple[str, ...]], ...]:
    """The step of ``mode`` as the engine runs it: (name, compute, inputs) for each quantity, in order.

    >>> [(name, inputs) for name, _compute, inputs in plan(Mode(rate_eg2="previous"))]  # doctest: +NORMALIZE_WHITESPACE
    [('eg2', ('eg2_prev', 'g')), ('eta', ('edx2_prev', 'eg2_prev')), ('dx', ('eta', 'g')),
     ('edx2', ('edx2_prev', 'dx')), ('x', ('x_prev', 'dx'))]
    """
    return tuple((q.name, q.compute, q.inputs(mode)) for q in quantities(mode))


def run_step(values: dict, settings, ops, mode: Mode | None = None, out: dict | None = None,
             given: dict | None = None) -> dict:
    """One step as a loop over the description: ``values`` holds the step's inputs (``g``, ``eg2_prev``,
    ``edx2_prev``, ``x_prev``); each quantity of the mode is computed by its record's function from its inputs
    and added to it. ``ops``: the arithmetic (``arith``); ``out``: an array to write each quantity into;
    ``given``: quantities taken as given instead of computed (E[g²]_t of step --eg2)."""
    for name, compute, inputs in plan(mode or Mode.of(settings)):
        if given is not None and name in given:
            values[name] = given[name]
            continue
        values[name] = compute(*(values[k] for k in inputs), settings=settings, ops=ops,
                               out=None if out is None else out.get(name))
    return values


# --- Notations --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notation:
    """How a tree is written: Unicode for terminals and Markdown, LaTeX for documents, MathML for web pages.

    ``symbols`` are templates in which ``{i}`` stands for the step index (t, t-1, or a number).
    """

    symbols: dict
    hypers: dict
    dot: str
    minus: str  # a sign in front of a term or a number
    plus: str  # the binary operators, with their spacing
    less: str
    equals: str
    sqrt: str  # {0} radicand
    frac: str  # {0} numerator, {1} denominator; inline when it starts with {0}
    square: str  # {0} base
    paren: str  # {0} inside
    times_ten: str  # {0} mantissa, {1} exponent
    symbol_before_square: str = "{0}"  # LaTeX braces a subscripted symbol before ^2
    brace_index: str = "{0}"  # a many-character index (t-1), as written in ``{i}``
    label: str = "  {0}"  # words after a formula, such as (given)

    def index(self, t: int | str, *, prev: bool) -> str:
        if isinstance(t, int):
            return str(t - 1 if prev else t)
        return self.brace_index.format(f"{t}-1") if prev else str(t)

    def symbol(self, name: str, t: int | str = "t", *, prev: bool = False) -> str:
        return self.symbols[name].replace("{i}", self.index(t, prev=prev))

    def num(self, value: float, digits: int) -> str:
        mantissa, marker, exponent = numfmt.sig(value, digits).partition("e")
        text = self.times_ten.format(mantissa, exponent) if marker else mantissa
        return self.minus + text[1:] if text.startswith("-") else text


class _MathML(Notation):
    def index(self, t, prev):
        if isinstance(t, int):
            return f"<mn>{t - 1 if prev else t}</mn>"
        return f"<mrow><mi>{t}</mi><mo>−</mo><mn>1</mn></mrow>" if prev else f"<mi>{t}</mi>"

    def num(self, value: float, digits: int) -> str:
        # A negative number is one token with a real minus sign (U+2212): an <mo> would space it as an operator.
        mantissa, marker, exponent = numfmt.sig(value, digits).replace("-", "−").partition("e")
        if not marker:
            return f"<mn>{mantissa}</mn>"
        return self.times_ten.format(mantissa, exponent)


UNICODE = Notation(
    symbols={"g": "g_{i}", "g_eff": "g_eff,{i}", "eg2": "E[g²]_{i}", "eta": "η_{i}", "dx": "Δx_{i}",
             "edx2": "E[Δx²]_{i}", "x": "x_{i}"},
    hypers={"rho": "ρ", "eps": "ε", "lr": "lr", "wd": "wd"},
    dot="·", minus="-", plus=" + ", less=" - ", equals=" = ", sqrt="√({0})", frac="{0} / {1}", square="{0}²",
    paren="({0})", times_ten="{0}e{1}", brace_index="{{{0}}}")

LATEX = Notation(
    symbols={"g": "g_{{i}}", "g_eff": r"g^{\mathrm{eff}}_{{i}}", "eg2": "E[g^2]_{{i}}", "eta": r"\eta_{{i}}",
             "dx": r"\Delta x_{{i}}", "edx2": r"E[\Delta x^2]_{{i}}", "x": "x_{{i}}"},
    hypers={"rho": r"\rho", "eps": r"\varepsilon", "lr": r"\mathit{lr}", "wd": r"\mathit{wd}"},
    dot=r" \cdot ", minus="-", plus=" + ", less=" - ", equals=" = ", sqrt=r"\sqrt{{{0}}}",
    frac=r"\frac{{{0}}}{{{1}}}", square="{0}^2", paren=r"\left({0}\right)", times_ten=r"{0} \times 10^{{{1}}}",
    symbol_before_square="{{{0}}}")

_DELTA = '<mi mathvariant="normal">Δ</mi>'
_OPEN = '<mo stretchy="false">'  # brackets keep their size: stretched, they grow to the height of a whole line
MATHML = _MathML(
    symbols={"g": "<msub><mi>g</mi>{i}</msub>", "g_eff": "<msubsup><mi>g</mi>{i}<mtext>eff</mtext></msubsup>",
             "eg2": f"<msub><mrow><mi>E</mi>{_OPEN}[</mo><msup><mi>g</mi><mn>2</mn></msup>{_OPEN}]</mo></mrow>"
                    "{i}</msub>",
             "eta": "<msub><mi>η</mi>{i}</msub>", "dx": f"<msub><mrow>{_DELTA}<mi>x</mi></mrow>{{i}}</msub>",
             "edx2": f"<msub><mrow><mi>E</mi>{_OPEN}[</mo>{_DELTA}<msup><mi>x</mi><mn>2</mn></msup>{_OPEN}]</mo></mrow>"
                     "{i}</msub>",
             "x": "<msub><mi>x</mi>{i}</msub>"},
    hypers={"rho": "<mi>ρ</mi>", "eps": "<mi>ε</mi>", "lr": "<mi>lr</mi>", "wd": "<mi>wd</mi>"},
    dot="<mo>·</mo>", minus="<mo>−</mo>", plus="<mo>+</mo>", less="<mo>−</mo>", equals="<mo>=</mo>",
    sqrt="<msqrt>{0}</msqrt>", frac="<mfrac><mrow>{0}</mrow><mrow>{1}</mrow></mfrac>",
    square="<msup><mrow>{0}</mrow><mn>2</mn></msup>", paren=f"{_OPEN}(</mo>{{0}}{_OPEN})</mo>",
    times_ten="<mn>{0}</mn><mo>×</mo><msup><mn>10</mn><mn>{1}</mn></msup>",
    label='<mspace width="1em"/><mtext>{0}</mtext>')

NOTATIONS = {"unicode": UNICODE, "latex": LATEX, "mathml": MATHML}


# --- Rendering --------------------------------------------------------------------------------------------------

_PRECEDENCE = {Add: 1, Sub: 1, Neg: 2, Mul: 3, Div: 3, Sqrt: 5, Square: 4, Sym: 6, Hyper: 6, Num: 6, Val: 6}
_LEAVES = (Sym, Hyper, Num, Val)


def render(node: Node, n: Notation, t: int | str = "t", values: dict | None = None, digits: int = 6) -> str:
    """The tree as text in notation ``n``: symbols at step ``t``, or (with ``values``) the numbers substituted.

    With ``values``, a subtree of hyperparameters only, such as 1 − ρ, is written as its value (0.05), as the
    article writes it.
    """
    return _render(node, n, t, values, digits, parent=None)


def _as_number(node: Node, values: dict | None) -> bool:
    """Whether ``node`` is written as one number: a leaf, or once substituted a subtree of constants."""
    return isinstance(node, (Num, Val)) or (values is not None and (isinstance(node, _LEAVES) or constant(node)))


def _negative_number(node: Node, values: dict | None) -> bool:
    if _as_number(node, values):  # (without values, a leaf: it reads none)
        v = evaluate(node, values or {})
        return v < 0 or (v == 0 and math.copysign(1, v) < 0)
    return False


def _exponent_form(node: Node, values: dict | None, digits: int) -> bool:
    if not _as_number(node, values):
        return False
    return "e" in numfmt.sig(evaluate(node, values or {}), digits)


def _render(node: Node, n: Notation, t, values, digits, parent) -> str:
    substituted = values is not None
    if substituted and (isinstance(node, (Sym, Hyper)) or (constant(node) and not isinstance(node, Num))):
        return n.num(evaluate(node, values), digits)
    if isinstance(node, Sym):
        return n.symbol(node.name, t, prev=node.prev)
    if isinstance(node, Hyper):
        return n.hypers[node.name]
    if isinstance(node, (Num, Val)):
        return n.num(node.value, digits)

    def sub(child: Node, *, factor: bool = False, right: bool = False) -> str:
        text = _render(child, n, t, values, digits, node)
        low = not _as_number(child, values) and _PRECEDENCE[type(child)] < _PRECEDENCE[type(node)]
        if isinstance(node, Sub) and right and isinstance(child, (Add, Sub)) and not _as_number(child, values):
            low = True
        # A negative number, or one in e-notation, as a factor of a product (or after +) is bracketed.
        number_needs = (factor or right) and (_negative_number(child, values)
                                              or (factor and _exponent_form(child, values, digits)))
        return n.paren.format(text) if low or number_needs else text

    if isinstance(node, Add):
        return f"{sub(node.a)}{n.plus}{sub(node.b, right=True)}"
    if isinstance(node, Sub):
        return f"{sub(node.a)}{n.less}{sub(node.b, right=True)}"
    if isinstance(node, Mul):
        return f"{sub(node.a, factor=True)}{n.dot}{sub(node.b, factor=True)}"
    if isinstance(node, Div):
        if n.frac.startswith("{0}"):  # inline a / b
            return n.frac.format(sub(node.a, factor=True), sub(node.b, factor=True))
        return n.frac.format(_render(node.a, n, t, values, digits, node), _render(node.b, n, t, values, digits, node))
    if isinstance(node, Neg):
        inner = node.a
        if isinstance(inner, Mul):
            # -η·g: the minus belongs to the first factor; the rest keeps its brackets.
            return f"{n.minus}{_render(inner, n, t, values, digits, node)}"
        return f"{n.minus}{sub(inner, factor=True)}"
    if isinstance(node, Sqrt):
        return n.sqrt.format(_render(node.a, n, t, values, digits, node))
    if isinstance(node, Square):
        child = node.a
        text = _render(child, n, t, values, digits, node)
        if _negative_number(child, values) or _exponent_form(child, values, digits):
            text = n.paren.format(text)
        elif not _as_number(child, values) and not isinstance(child, _LEAVES):
            text = n.paren.format(text)
        elif isinstance(child, Sym) and not substituted:
            text = n.symbol_before_square.format(text)
        return n.square.format(text)
    raise TypeError(node)


# --- Reading a step ---------------------------------------------------------------------------------------------


def hyper_values(settings) -> dict:
    """ρ, ε, lr and wd as the arithmetic uses them, from a ``formulas.Settings`` or a settings dict."""
    get = settings.get if isinstance(settings, dict) else (lambda key, default=None: getattr(settings, key, default))
    lr_value = getattr(settings, "lr_value", None)
    return {"rho": get("rho"), "eps": get("eps"), "lr": lr_value if lr_value is not None else get("lr"),
            "wd": get("weight_decay", 0.0) or 0.0}


def step_values(record: dict, previous: dict, settings) -> dict:
    """Every value a step's formulas read: the step's record, the state before it (eg2, edx2, x at t − 1), the
    hyperparameters."""
    values = {**hyper_values(settings), **record}
    values.setdefault("g_eff", record["g"])
    values["eg2_prev"] = previous["eg2"]
    values["edx2_prev"] = record.get("edx2_prev", previous.get("edx2"))
    values["x_prev"] = previous["x"]
    return values


def explain_step(record: dict, previous: dict, settings, t: int, digits: int = 6, notation: Notation = UNICODE,
                 *, eg2_given: bool = False, given_label: str = "(given)", as_parts: bool = False) -> list:
    """The substituted arithmetic of one step, one line per quantity, in the article's style::

        E[g²]_2 = ρ·E[g²]_1 + (1 - ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475

    ``as_parts``: each line as its parts (symbol, formula, substituted, ..., value), for a writer that sets them
    apart (the lesson page); else joined by the notation's "="."""
    mode = Mode.of(settings)
    values = step_values(record, previous, settings)
    lines: list[tuple[str, ...] | str] = []
    for q in quantities(mode):
        head = n_symbol = notation.symbol(q.name, t)
        if q.name == "eg2" and eg2_given:
            given = (n_symbol, f"{notation.num(values['eg2'], digits)}{notation.label.format(given_label)}")
            lines.append(given if as_parts else notation.equals.join(given))
            continue
        tree = q.formula(mode)
        parts = [head, render(tree, notation, t), render(tree, notation, t, values, digits)]
        if q.partial and isinstance(tree, (Add, Sub, Div)):
            parts.append(render(type(tree)(Val(evaluate(tree.a, values)), Val(evaluate(tree.b, values))),
                                notation, t, values, digits))
        parts.append(notation.num(values[q.name], digits))
        lines.append(tuple(parts) if as_parts else notation.equals.join(parts))
    return lines
