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
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import _, _f

BUILTINS = {
    "quadratic": None,  # Σ x_i², in any number of dimensions
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "beale": "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
}
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "abs")


# Operations of the tape: each entry is (operation, first operand's index, second operand's index or a constant).
# A minus sign is a call of "-".
_CONST, _VAR, _ADD, _SUB, _MUL, _DIV, _POW, _CALL = range(8)
_BINARY = {ast.Add: _ADD, ast.Sub: _SUB, ast.Mult: _MUL, ast.Div: _DIV, ast.Pow: _POW}


def _compile(tree: ast.AST, variables: list[str]) -> list[tuple]:
    """The formula as a tape: a list of operations in evaluation order, each naming its operands by position.

    Built without recursion (a formula of thousands of terms or nested minus signs is as good as a short one),
    so evaluating and differentiating it are two plain loops.
    """
    index = {name: i for i, name in enumerate(variables)}
    tape: list[tuple] = []
    slot: dict[int, int] = {}  # id(node) -> its position on the tape
    root = tree.body if isinstance(tree, ast.Expression) else tree
    stack: list[tuple[ast.AST, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant):
            entry: tuple = (_CONST, float(cast(float, node.value)), None)  # _check let only numbers through
        elif isinstance(node, ast.Name):
            entry = (_VAR, index[node.id], None)
        elif not ready:
            stack.append((node, True))
            children = ([node.left, node.right] if isinstance(node, ast.BinOp) else
                        [node.operand] if isinstance(node, ast.UnaryOp) else [cast(ast.Call, node).args[0]])
            stack.extend((child, False) for child in reversed(children))
            continue
        elif isinstance(node, ast.BinOp):
            entry = (_BINARY[type(node.op)], slot[id(node.left)], slot[id(node.right)])
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):  # a plus sign: the operand itself
                slot[id(node)] = slot[id(node.operand)]
                continue
            entry = (_CALL, slot[id(node.operand)], "-")
        else:  # a call of one of FUNCTIONS
            call = cast(ast.Call, node)
            entry = (_CALL, slot[id(call.args[0])], cast(ast.Name, call.func).id)
        slot[id(node)] = len(tape)
        tape.append(entry)
    return tape


def _depends(tape: list[tuple]) -> list[bool]:
    """For each tape entry, whether it depends on a variable (an exponent that does not is a constant power)."""
    out: list[bool] = []
    for op, a, b in tape:
        out.append(op == _VAR or (op != _CONST and (out[a] or (op != _CALL and out[b]))))
    return out


_VALUE: dict[str, Callable[[float], float]] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log, "sqrt": math.sqrt,
    "tanh": math.tanh, "abs": abs, "-": operator.neg}
# d f(u) / du for the functions a formula may call, given u and f(u)
_SLOPE: dict[str, Callable[[float, float], float]] = {
    "sin": lambda u, f: math.cos(u), "cos": lambda u, f: -math.sin(u), "tan": lambda u, f: 1.0 / math.cos(u) ** 2,
    "exp": lambda u, f: f, "log": lambda u, f: 1.0 / u, "sqrt": lambda u, f: 0.5 / f,
    "tanh": lambda u, f: 1.0 - f * f, "abs": lambda u, f: math.copysign(1.0, u) if u else 0.0, "-": lambda u, f: -1.0}
# The adjoints a binary operation passes to its operands u and c, given its own adjoint w
_PARTIALS: dict[int, Callable[[float, float, float], tuple[float, float]]] = {
    _ADD: lambda w, u, c: (w, w), _SUB: lambda w, u, c: (w, -w), _MUL: lambda w, u, c: (w * c, w * u),
    _DIV: lambda w, u, c: (w / c, w * (-u / (c * c)))}
_ARITHMETIC: dict[int, Callable[[float, float], float]] = {
    _ADD: operator.add, _SUB: operator.sub, _MUL: operator.mul, _DIV: operator.truediv}


def _forward(tape: list[tuple], point: list[float]) -> list[float]:
    values: list[float] = []
    for op, a, b in tape:
        if op == _CONST:
            v = a
        elif op == _VAR:
            v = float(point[a])
        elif op == _POW:
            v = values[a] ** values[b]
            if isinstance(v, complex):
                raise ValueError(f"{values[a]!r} ** {values[b]!r} is not a real number")
        elif op == _CALL:
            v = _VALUE[b](values[a])
        else:
            v = _ARITHMETIC[op](values[a], values[b])
        values.append(v)
    return values


def _backward(tape: list[tuple], values: list[float], depends: list[bool], n: int) -> list[float]:
    """Reverse mode: the adjoint of every tape entry, from the result back to the variables (memory: the tape)."""
    adjoint = [0.0] * len(tape)
    adjoint[-1] = 1.0
    grad = [0.0] * n
    for k in range(len(tape) - 1, -1, -1):
        w = adjoint[k]
        if not w:
            continue
        op, a, b = tape[k]
        if op == _VAR:
            grad[a] += w
        elif op in _PARTIALS:
            da, db = _PARTIALS[op](w, values[a], values[b])
            adjoint[a] += da
            adjoint[b] += db
        elif op == _POW:
            u, c = values[a], values[b]
            if depends[a]:
                adjoint[a] += w * (c * u ** (c - 1))
            if depends[b]:  # u^w = exp(w·log u)
                adjoint[b] += w * (values[k] * math.log(u))
        elif op == _CALL:
            adjoint[a] += w * _SLOPE[b](values[a], values[k])
    return grad


@dataclass
class Function:
    """A parsed function of ``variables``."""

    text: str
    tree: ast.AST | None
    variables: list[str]

    @property
    def dimensions(self) -> int:
        return len(self.variables)

    def __post_init__(self) -> None:
        self._tape = _compile(self.tree, self.variables) if self.tree is not None else None
        self._depends = _depends(self._tape) if self._tape is not None else []

    def value_and_grad(self, point, *, grad: bool = True) -> tuple[float, list[float]]:
        """f and its exact gradient at ``point`` (no gradient, an empty list, without ``grad``): one forward pass,
        then one reverse pass over the formula's tape, so memory is the formula's length plus one number per
        dimension, whatever the dimension."""
        if self._tape is None:  # quadratic: Σ x_i²
            return float(sum(v * v for v in point)), [2.0 * v for v in point] if grad else []
        try:
            values = _forward(self._tape, point)
            return values[-1], _backward(self._tape, values, self._depends, len(point)) if grad else []
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise SettingsError(_f(
                'the function %(function)s is not defined at %(point)s (%(reason)s)',
                function=_cut(self.text, 80), point=list(point), reason=exc)) from None

    def value(self, point) -> float:
        """f alone at ``point`` (no gradient)."""
        return self.value_and_grad(point, grad=False)[0]


def _finite_double(value) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer of hundreds of digits
        return False


def _cut(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


# Operators a formula may not use, as they are written (they carry no place in the formula of their own).
_SYMBOLS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
            ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "not", ast.And: "and", ast.Or: "or"}


def _piece(sub: ast.AST, source: str | None, text: str) -> str:
    """The part of the formula a node stands for, as written there (never the name of a Python construct)."""
    piece = _SYMBOLS.get(type(sub)) or (ast.get_source_segment(source, sub) if source is not None else None)
    return _cut(piece or text, 40)


def _check(node, variables: list[str], text: str, source: str | None = None) -> None:
    """Only numbers, the variables, + − × ÷ ^, unary ±, and FUNCTIONS of one argument. ``source``: the text parsed
    (``text`` with ^ written **), to quote the part of it that is refused."""
    called = {id(sub.func) for sub in ast.walk(node) if isinstance(sub, ast.Call)}
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call, ast.Load,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)
    names = dict(function=_cut(text, 80), variables=', '.join(variables), functions=', '.join(FUNCTIONS))
    for sub in ast.walk(node):
        if not isinstance(sub, allowed):
            raise SettingsError(_f(
                'the function %(function)s uses %(construct)s, which a formula may not; expected numbers, '
                '%(variables)s, + - * / ^ and %(functions)s', construct=_piece(sub, source, text), **names))
        if isinstance(sub, ast.Constant) and (isinstance(sub.value, bool) or
                                              not isinstance(sub.value, (int, float))):
            raise SettingsError(_f('the function %(function)s holds %(constant)s, which is not a number',
                                   constant=_piece(sub, source, text), **names))
        if isinstance(sub, ast.Constant) and not _finite_double(sub.value):
            raise SettingsError(_f(
                'the function %(function)s holds a number too large for a double (the largest is about 1.8e308): '
                '%(constant)s', function=_cut(text), constant=_cut(ast.unparse(sub))))
        if isinstance(sub, ast.Name) and sub.id in FUNCTIONS and id(sub) not in called:
            raise SettingsError(_f('the function %(function)s uses %(name)s without an argument; write %(name)s(x)',
                                   name=sub.id, **names))
        if isinstance(sub, ast.Name) and sub.id not in variables and sub.id not in FUNCTIONS:
            raise SettingsError(_f('the function %(function)s uses %(name)s; the variables are %(variables)s and '
                                   'the functions %(functions)s', name=repr(sub.id), **names))
        if isinstance(sub, ast.Call) and (not isinstance(sub.func, ast.Name) or sub.func.id not in FUNCTIONS
                                          or len(sub.args) != 1 or sub.keywords):
            raise SettingsError(_f(
                'the function %(function)s calls something other than one of %(functions)s with one argument',
                **names))


def parse(text: str, dimensions: int = 2) -> Function:
    """A built-in name (quadratic, rosenbrock, beale, himmelblau) or a formula in x and y (or x1 ... xn)."""
    name = text.strip().lower()
    if name == "quadratic":
        return Function("quadratic", None, variable_names(dimensions))
    formula = BUILTINS.get(name) or text  # (quadratic, the one without a formula, is above)
    if len(formula) > 2000:
        raise SettingsError(_("the function is longer than 2000 characters"))
    from adadelta_cli.safe import has_unsafe

    if has_unsafe(formula) or "#" in formula:
        raise SettingsError(_("the function holds a control character or a # (a formula is one line of "
                              "numbers, variables, + - * / ^ and functions)"))
    variables = ["x", "y"] if dimensions <= 2 else variable_names(dimensions)
    if name in BUILTINS and dimensions != 2:
        raise SettingsError(_f('%(function)s is a function of x and y: give two starting values, --x0 a,b',
                               function=name))
    try:
        source = formula.replace("^", "**").replace("−", "-").replace("×", "*").replace("·", "*")
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise SettingsError(_f(
            "the function %(function)s is not a formula (column %(column)s): expected e.g. '(x - 1)^2 + 10*(y + 2)^2'",
            function=_cut(text, 80), column=exc.offset)) from None
    except (RecursionError, MemoryError):
        raise SettingsError(_("the function is nested too deeply to read (parentheses or signs within each "
                              "other); write it more simply")) from None
    _check(tree, variables, text, source)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in variables}
    if dimensions == 1 and "y" in used:
        raise SettingsError(_f('the function %(function)s uses y: give two starting values, --x0 a,b',
                               function=_cut(text, 80)))
    return Function(formula if name in BUILTINS else text, tree, variable_names(max(dimensions, 1)))


def variable_names(n: int) -> list[str]:
    """x, y in two dimensions (x alone in one), x1 ... xn beyond."""
    return ["x", "y"][:n] if n <= 2 else [f"x{i}" for i in range(1, n + 1)]
