"""Formulas as small expression trees: symbols of a step (``Sym``), hyperparameters (``Hyper``), numbers, and the
operations between them; each tree evaluates in plain floats (``evaluate``, ``compiled``). The step description
(``recurrence``) writes its formulas in them; ``notation`` writes them as text; ``check`` changes one term of them
to find a student's slip."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass


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


@dataclass(eq=False, repr=False)
class Sym(Node):
    """A quantity of the recurrence at step t (``prev``: at t − 1)."""

    name: str  # g, g_eff, eg2, eta, dx, edx2, x (and the family's: maths/family.py)
    prev: bool = False


@dataclass(eq=False, repr=False)
class Hyper(Node):
    """A hyperparameter: rho, eps, lr, wd."""

    name: str


@dataclass(eq=False, repr=False)
class Num(Node):
    """A number of the formula (the 1 of 1 − ρ)."""

    value: float


@dataclass(eq=False, repr=False)
class Val(Node):
    """A value worked out along the way (the terms of --explain's next-to-last step): written as a number."""

    value: float


@dataclass(eq=False, repr=False)
class Binary(Node):
    """An operation on two operands."""

    a: Node
    b: Node


@dataclass(eq=False, repr=False)
class Unary(Node):
    """An operation on one operand."""

    a: Node


class Add(Binary):
    """a + b."""


class Sub(Binary):
    """a − b."""


class Mul(Binary):
    """a·b."""


class Div(Binary):
    """a / b."""


class Pow(Binary):
    """a to the power b (β₁ to the step count t, in Adam's bias correction)."""


class Max(Binary):
    """The larger of a and b (AMSGrad's running maximum)."""


class Neg(Unary):
    """−a."""


class Sqrt(Unary):
    """√a."""


class Square(Unary):
    """a²."""


def leaves(node: Node):
    """Every Sym, Hyper and Num of a tree."""
    if isinstance(node, (Sym, Hyper, Num, Val)):
        yield node
        return
    for child in children(node):
        yield from leaves(child)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Binary):
        return (node.a, node.b)
    return (node.a,) if isinstance(node, Unary) else ()


def constant(node: Node) -> bool:
    """True for a subtree of hyperparameters and numbers only (shown as its value once substituted)."""
    return all(isinstance(leaf, (Hyper, Num)) for leaf in leaves(node))


def evaluate(node: Node, values: dict, rounding: Callable[[float], float] | None = None) -> float:
    """The tree in plain float arithmetic. ``values``: Sym names (``eg2``, and ``eg2_prev`` for t − 1), Hyper names.

    ``rounding``: applied to the result of every operation but the last (a hand calculation that rounds each
    intermediate result, as a student who rounds too early does). A tree is compiled to a Python function once
    (``compiled``): marking replays a sheet under dozens of changed descriptions.

    >>> eta = Sqrt(Sym("edx2", prev=True) + Hyper("eps")) / Sqrt(Sym("eg2") + Hyper("eps"))
    >>> evaluate(eta, {"edx2_prev": 0.0, "eg2": 0.0005, "eps": 1e-6})
    0.044676705160877024
    >>> round(evaluate(Sqrt(Num(2)) * Sqrt(Num(2)), {}, lambda v: float(f"{v:.2g}")), 12)
    1.96
    """
    return compiled(node, rounding)(values)


def ieee_div(a: float, b: float) -> float:
    """a / b as IEEE divides (an infinity or a NaN where b is zero), not Python's ZeroDivisionError."""
    if b:
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def ieee_sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 else math.nan  # NaN for a negative number (and for a NaN), as IEEE's


def _square(v: float) -> float:
    return v * v


# Each operation as Python source of its operands' source ({0}, {1}).
_PYTHON = {Add: "({0} + {1})", Sub: "({0} - {1})", Mul: "({0} * {1})", Div: "_div({0}, {1})", Pow: "({0} ** {1})",
           Max: "max({0}, {1})", Neg: "(-{0})", Sqrt: "_sqrt({0})", Square: "_square({0})"}


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

        return _PYTHON[type(n)].format(*map(sub, children(n)))

    code = f"lambda v: {source(node)}"
    return eval(code, {"float": float, "_div": ieee_div, "_sqrt": ieee_sqrt, "_square": _square, "r": rounding,  # noqa: S307
                       "c": constants})


ONE = Num(1)


def key(node: Sym) -> str:
    """The name a symbol's value goes by in a step's values: ``eg2``, or ``eg2_prev`` for E[g²]_{t−1}."""
    return node.name + ("_prev" if node.prev else "")
