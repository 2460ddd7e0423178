"""How a formula tree is written: Unicode for terminals and Markdown, LaTeX for documents, MathML for web pages;
with the step's symbols, or with its numbers substituted (``render``). The one home of every symbol's spelling."""

from __future__ import annotations

import math
from dataclasses import dataclass

from adadelta_cli import numfmt
from adadelta_cli.maths.tree import (
    Add,
    Div,
    Hyper,
    Max,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Sqrt,
    Square,
    Sub,
    Sym,
    Val,
    constant,
    evaluate,
)


@dataclass(eq=False, repr=False)
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
    power: str = "{0}^{1}"  # {0} base, {1} exponent
    maximum: str = "max({0}, {1})"
    undefined: str = "—"  # a value the formula leaves undefined (a family's η where the gradient is 0)

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


# The family's symbols (maths/family.py), as (Unicode, LaTeX, MathML) bases, each with the step as subscript; the
# step count t itself; their hyperparameters.
_FAMILY = {"G": ("G", "G", "<mi>G</mi>"), "clr": ("lr", r"\mathit{lr}", "<mi>lr</mi>"), "v": ("v", "v", "<mi>v</mi>"),
           "gbar": ("ḡ", r"\bar{g}", "<mover><mi>g</mi><mo>¯</mo></mover>"), "b": ("b", "b", "<mi>b</mi>"),
           "m": ("m", "m", "<mi>m</mi>"), "vmax": ("vᵐᵃˣ", r"v^{\max}", "<msup><mi>v</mi><mi>max</mi></msup>"),
           "mhat": ("m̂", r"\hat{m}", "<mover><mi>m</mi><mo>^</mo></mover>"),
           "vhat": ("v̂", r"\hat{v}", "<mover><mi>v</mi><mo>^</mo></mover>"),
           "d": ("d", "d", "<mi>d</mi>"), "gn": ("g̃", r"\tilde{g}", "<mover><mi>g</mi><mo>~</mo></mover>")}
_FAMILY_HYPERS = {"lr_decay": ("lr_decay", r"\mathit{lr\_decay}", "<mi>lr_decay</mi>"),
                  "alpha": ("α", r"\alpha", "<mi>α</mi>"),
                  "momentum": ("μ", r"\mu", "<mi>μ</mi>"), "dampening": ("τ", r"\tau", "<mi>τ</mi>"),
                  "beta1": ("β₁", r"\beta_1", "<msub><mi>β</mi><mn>1</mn></msub>"),
                  "beta2": ("β₂", r"\beta_2", "<msub><mi>β</mi><mn>2</mn></msub>")}


def _family(which: int, template: str) -> dict:
    return {"t": "{i}", **{name: template.format(spellings[which]) for name, spellings in _FAMILY.items()}}


def _family_hypers(which: int) -> dict:
    return {name: spellings[which] for name, spellings in _FAMILY_HYPERS.items()}


UNICODE = Notation(
    symbols={"g": "g_{i}", "g_eff": "g_eff,{i}", "eg2": "E[g²]_{i}", "eta": "η_{i}", "dx": "Δx_{i}",
             "edx2": "E[Δx²]_{i}", "x": "x_{i}", **_family(0, "{}_{{i}}")},
    hypers={"rho": "ρ", "eps": "ε", "lr": "lr", "wd": "wd", **_family_hypers(0)},
    dot="·", minus="-", plus=" + ", less=" - ", equals=" = ", sqrt="√({0})", frac="{0} / {1}", square="{0}²",
    paren="({0})", times_ten="{0}e{1}", brace_index="{{{0}}}")

LATEX = Notation(
    symbols={"g": "g_{{i}}", "g_eff": r"g^{\mathrm{eff}}_{{i}}", "eg2": "E[g^2]_{{i}}", "eta": r"\eta_{{i}}",
             "dx": r"\Delta x_{{i}}", "edx2": r"E[\Delta x^2]_{{i}}", "x": "x_{{i}}", **_family(1, "{}_{{{{i}}}}")},
    hypers={"rho": r"\rho", "eps": r"\varepsilon", "lr": r"\mathit{lr}", "wd": r"\mathit{wd}", **_family_hypers(1)},
    dot=r" \cdot ", minus="-", plus=" + ", less=" - ", equals=" = ", sqrt=r"\sqrt{{{0}}}",
    frac=r"\frac{{{0}}}{{{1}}}", square="{0}^2", paren=r"\left({0}\right)", times_ten=r"{0} \times 10^{{{1}}}",
    symbol_before_square="{{{0}}}", power="{0}^{{{1}}}", maximum=r"\max\left({0}, {1}\right)",
    undefined=r"\text{---}")

_DELTA = '<mi mathvariant="normal">Δ</mi>'
_OPEN = '<mo stretchy="false">'  # brackets keep their size: stretched, they grow to the height of a whole line
MATHML = _MathML(
    symbols={"g": "<msub><mi>g</mi>{i}</msub>", "g_eff": "<msubsup><mi>g</mi>{i}<mtext>eff</mtext></msubsup>",
             "eg2": f"<msub><mrow><mi>E</mi>{_OPEN}[</mo><msup><mi>g</mi><mn>2</mn></msup>{_OPEN}]</mo></mrow>"
                    "{i}</msub>",
             "eta": "<msub><mi>η</mi>{i}</msub>", "dx": f"<msub><mrow>{_DELTA}<mi>x</mi></mrow>{{i}}</msub>",
             "edx2": f"<msub><mrow><mi>E</mi>{_OPEN}[</mo>{_DELTA}<msup><mi>x</mi><mn>2</mn></msup>{_OPEN}]</mo></mrow>"
                     "{i}</msub>",
             "x": "<msub><mi>x</mi>{i}</msub>", **_family(2, "<msub>{}{{i}}</msub>")},
    hypers={"rho": "<mi>ρ</mi>", "eps": "<mi>ε</mi>", "lr": "<mi>lr</mi>", "wd": "<mi>wd</mi>", **_family_hypers(2)},
    dot="<mo>·</mo>", minus="<mo>−</mo>", plus="<mo>+</mo>", less="<mo>−</mo>", equals="<mo>=</mo>",
    sqrt="<msqrt>{0}</msqrt>", frac="<mfrac><mrow>{0}</mrow><mrow>{1}</mrow></mfrac>",
    square="<msup><mrow>{0}</mrow><mn>2</mn></msup>", paren=f"{_OPEN}(</mo>{{0}}{_OPEN})</mo>",
    times_ten="<mn>{0}</mn><mo>×</mo><msup><mn>10</mn><mn>{1}</mn></msup>",
    label='<mspace width="1em"/><mtext>{0}</mtext>', power="<msup><mrow>{0}</mrow><mrow>{1}</mrow></msup>",
    maximum="<mi>max</mi><mo>(</mo>{0}<mo>,</mo>{1}<mo>)</mo>", undefined="<mtext>—</mtext>")

NOTATIONS = {"unicode": UNICODE, "latex": LATEX, "mathml": MATHML}


# --- Rendering --------------------------------------------------------------------------------------------------

_PRECEDENCE = {Add: 1, Sub: 1, Neg: 2, Mul: 3, Div: 3, Sqrt: 5, Square: 4, Pow: 4, Max: 6, Sym: 6, Hyper: 6, Num: 6,
               Val: 6}
_LEAVES = (Sym, Hyper, Num, Val)


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


def render(node: Node, n: Notation, t: int | str = "t", values: dict | None = None, digits: int = 6) -> str:
    """The tree as text in notation ``n``: symbols at step ``t``, or (with ``values``) the numbers substituted.

    With ``values``, a subtree of hyperparameters only, such as 1 − ρ, is written as its value (0.05), as the
    article writes it.
    """
    substituted = values is not None
    if values is not None and (isinstance(node, (Sym, Hyper)) or (constant(node) and not isinstance(node, Num))):
        return n.num(evaluate(node, values), digits)
    if isinstance(node, Sym):
        return n.symbol(node.name, t, prev=node.prev)
    if isinstance(node, Hyper):
        return n.hypers[node.name]
    if isinstance(node, (Num, Val)):
        return n.num(node.value, digits)

    def raw(child: Node) -> str:
        return render(child, n, t, values, digits)

    def sub(child: Node, *, factor: bool = False, right: bool = False) -> str:
        text = raw(child)
        low = not _as_number(child, values) and (_PRECEDENCE[type(child)] < _PRECEDENCE[type(node)] or (
            isinstance(node, Sub) and right and isinstance(child, (Add, Sub))))
        # A negative number, or one in e-notation, as a factor of a product (or after +) is bracketed.
        number_needs = (factor or right) and (_negative_number(child, values)
                                              or (factor and _exponent_form(child, values, digits)))
        return n.paren.format(text) if low or number_needs else text

    if isinstance(node, (Add, Sub)):
        return f"{sub(node.a)}{n.plus if isinstance(node, Add) else n.less}{sub(node.b, right=True)}"
    if isinstance(node, Mul):
        return f"{sub(node.a, factor=True)}{n.dot}{sub(node.b, factor=True)}"
    if isinstance(node, Div):
        inline = n.frac.startswith("{0}")  # a / b, its operands bracketed as factors
        return n.frac.format(*(sub(c, factor=True) if inline else raw(c) for c in (node.a, node.b)))
    if isinstance(node, Neg):  # -η·g: the minus belongs to the first factor; the rest keeps its brackets
        return n.minus + (raw(node.a) if isinstance(node.a, Mul) else sub(node.a, factor=True))
    if isinstance(node, Pow):
        return n.power.format(sub(node.a, factor=True), raw(node.b))
    if isinstance(node, Max):
        return n.maximum.format(*map(raw, (node.a, node.b)))
    if isinstance(node, Sqrt):
        return n.sqrt.format(raw(node.a))
    if isinstance(node, Square):
        child = node.a
        text = raw(child)
        if _negative_number(child, values) or _exponent_form(child, values, digits) or (
                not _as_number(child, values) and not isinstance(child, _LEAVES)):
            text = n.paren.format(text)
        elif isinstance(child, Sym) and not substituted:  # a symbol with a superscript of its own: (g^eff_t)^2
            text = (n.paren if "^{" in text else n.symbol_before_square).format(text)
        return n.square.format(text)
    raise TypeError(node)
