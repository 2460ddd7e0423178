"""Functions for `adadelta optimize`: the built-in test functions and formulas typed by the user.

A formula is parsed into Python's syntax tree (ast.parse only reads; nothing is ever evaluated as code) and
checked against a short list of what may appear: numbers, the variables, + − × ÷ and powers, and a few
functions. It is then evaluated on dual numbers, which carry the exact derivative with respect to every
variable alongside the value (forward-mode differentiation): the gradient is exact, not a finite difference.

>>> f = parse("(1 - x)^2 + 100*(y - x^2)^2")
>>> f.value_and_grad([-1.5, 2.0])
(12.5, [-155.0, -50.0])
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

from .errors import SettingsError
from .i18n import _, _f

BUILTINS = {
    "quadratic": None,  # Σ x_i², in any number of dimensions
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
}
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs")


class Dual:
    """A value with its gradient: arithmetic on Duals differentiates exactly (to rounding)."""

    __slots__ = ("v", "d")

    def __init__(self, v: float, d: tuple[float, ...]) -> None:
        self.v, self.d = v, d

    @staticmethod
    def lift(other, n: int) -> Dual:
        return other if isinstance(other, Dual) else Dual(float(other), (0.0,) * n)

    def _binary(self, other, value, da, db) -> Dual:
        other = Dual.lift(other, len(self.d))
        return Dual(value(self.v, other.v),
                    tuple(da(self.v, other.v) * a + db(self.v, other.v) * b for a, b in zip(self.d, other.d)))

    def __add__(self, o):
        return self._binary(o, lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0)

    def __sub__(self, o):
        return self._binary(o, lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0)

    def __mul__(self, o):
        return self._binary(o, lambda a, b: a * b, lambda a, b: b, lambda a, b: a)

    def __truediv__(self, o):
        return self._binary(o, lambda a, b: a / b, lambda a, b: 1.0 / b, lambda a, b: -a / (b * b))

    def __pow__(self, o):
        o = Dual.lift(o, len(self.d))
        if not any(o.d):  # a constant exponent: d(u^c) = c·u^(c−1)·du, valid for negative u too
            c = o.v
            value = self.v ** c
            if isinstance(value, complex):
                raise ValueError(f"{self.v!r} ** {c!r} is not a real number")
            return Dual(value, tuple(c * self.v ** (c - 1) * a if a else 0.0 for a in self.d))
        return (o * self.log()).exp()  # u^w = exp(w·log u)

    def __neg__(self):
        return Dual(-self.v, tuple(-a for a in self.d))

    def _unary(self, value: float, slope: float) -> Dual:
        return Dual(value, tuple(slope * a for a in self.d))

    def sin(self):
        return self._unary(math.sin(self.v), math.cos(self.v))

    def cos(self):
        return self._unary(math.cos(self.v), -math.sin(self.v))

    def tan(self):
        return self._unary(math.tan(self.v), 1.0 / math.cos(self.v) ** 2)

    def exp(self):
        e = math.exp(self.v)
        return self._unary(e, e)

    def log(self):
        return self._unary(math.log(self.v), 1.0 / self.v)

    def sqrt(self):
        r = math.sqrt(self.v)
        return self._unary(r, 0.5 / r)

    def tanh(self):
        h = math.tanh(self.v)
        return self._unary(h, 1.0 - h * h)

    def abs(self):
        return self._unary(abs(self.v), math.copysign(1.0, self.v) if self.v else 0.0)


_OPERATORS = {ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.Div: "__truediv__",
              ast.Pow: "__pow__"}


@dataclass
class Function:
    """A parsed function of ``variables``."""

    text: str
    tree: ast.AST | None
    variables: list[str]

    @property
    def dimensions(self) -> int:
        return len(self.variables)

    def value_and_grad(self, point) -> tuple[float, list[float]]:
        n = len(point)
        if self.tree is None:  # quadratic: Σ x_i²
            return float(sum(v * v for v in point)), [2.0 * v for v in point]
        env = {name: Dual(float(v), tuple(1.0 if i == j else 0.0 for j in range(n)))
               for i, (name, v) in enumerate(zip(self.variables, point))}
        try:
            result = Dual.lift(_evaluate(self.tree, env, n), n)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise SettingsError(_f(
                'the function %(function)s is not defined at %(point)s (%(reason)s)',
                function=repr(self.text), point=list(point), reason=exc)) from None
        return result.v, list(result.d)


def _evaluate(node, env: dict, n: int):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, env, n)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = Dual.lift(_evaluate(node.operand, env, n), n)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = Dual.lift(_evaluate(node.left, env, n), n)
        return getattr(left, _OPERATORS[type(node.op)])(_evaluate(node.right, env, n))
    if isinstance(node, ast.Call):
        return getattr(Dual.lift(_evaluate(node.args[0], env, n), n), node.func.id)()
    raise AssertionError(node)  # parse() lets nothing else through


def _check(node, variables: list[str], text: str) -> None:
    """Only numbers, the variables, + − × ÷ ^, unary ±, and FUNCTIONS of one argument."""
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call, ast.Load,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise SettingsError(_f(
                'the function %(function)s uses %(construct)s, which a formula may not; expected numbers, '
                '%(variables)s, + - * / ^ and %(functions)s',
                function=repr(text), construct=type(sub).__name__.lower(), variables=', '.join(variables),
                functions=', '.join(FUNCTIONS)))
        if isinstance(sub, ast.Constant) and (isinstance(sub.value, bool) or
                                              not isinstance(sub.value, (int, float))):
            raise SettingsError(_f(
                'the function %(function)s holds %(constant)s, which is not a number',
                function=repr(text), constant=repr(sub.value)))
        if isinstance(sub, ast.Name) and sub.id not in variables and sub.id not in FUNCTIONS:
            raise SettingsError(_f(
                'the function %(function)s uses %(name)s; the variables are %(variables)s and the functions '
                '%(functions)s',
                function=repr(text), name=repr(sub.id), variables=', '.join(variables),
                functions=', '.join(FUNCTIONS)))
        if isinstance(sub, ast.Call):
            if not isinstance(sub.func, ast.Name) or sub.func.id not in FUNCTIONS or len(sub.args) != 1 \
                    or sub.keywords:
                raise SettingsError(_f(
                    'the function %(function)s calls something other than one of %(functions)s with one argument',
                    function=repr(text), functions=', '.join(FUNCTIONS)))


def parse(text: str, dimensions: int = 2) -> Function:
    """A built-in name (quadratic, rosenbrock, beale, himmelblau) or a formula in x and y (or x1 ... xn)."""
    name = text.strip().lower()
    if name == "quadratic":
        return Function("quadratic", None, variable_names(dimensions))
    formula = BUILTINS.get(name, text)
    if len(formula) > 2000:
        raise SettingsError(_("the function is longer than 2000 characters"))
    variables = ["x", "y"] if dimensions <= 2 else variable_names(dimensions)
    if name in BUILTINS and dimensions != 2:
        raise SettingsError(_f('%(function)s is a function of x and y: give two starting values, --x0 a,b',
                               function=name))
    try:
        tree = ast.parse(formula.replace("^", "**").replace("−", "-").replace("×", "*").replace("·", "*"),
                         mode="eval")
    except SyntaxError as exc:
        raise SettingsError(_f(
            "the function %(function)s is not a formula (column %(column)s): expected e.g. '(x - 1)^2 + 10*(y + 2)^2'",
            function=repr(text), column=exc.offset)) from None
    _check(tree, variables, text)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in variables}
    if dimensions == 1 and "y" in used:
        raise SettingsError(_f('the function %(function)s uses y: give two starting values, --x0 a,b',
                               function=repr(text)))
    return Function(formula if name in BUILTINS else text, tree, variables[:max(dimensions, 1)] if dimensions <= 2
                    else variables)


def variable_names(n: int) -> list[str]:
    """x, y in two dimensions (x alone in one), x1 ... xn beyond."""
    if n == 1:
        return ["x"]
    if n == 2:
        return ["x", "y"]
    return [f"x{i}" for i in range(1, n + 1)]
