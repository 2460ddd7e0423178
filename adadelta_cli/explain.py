"""Each step's arithmetic written out with the numbers substituted, in the article's style:

    E[g²]_2 = ρ·E[g²]_1 + (1−ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475

One description of the steps, two notations: plain Unicode (terminal, Markdown) and LaTeX (slides).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import numfmt
from .i18n import N_, _


@dataclass(frozen=True)
class Notation:
    dot: str
    minus: str
    sub: str  # format of a subscripted name, {0} base {1} index
    sqrt: str  # {0} radicand
    frac: str  # {0} numerator {1} denominator
    square: str  # {0} base
    eg2: str
    edx2: str
    eta: str
    dx: str
    rho: str
    eps: str
    times_ten: str  # {0} mantissa {1} exponent

    def num(self, value: float, digits: int) -> str:
        mantissa, marker, exponent = numfmt.sig(value, digits).partition("e")
        text = self.times_ten.format(mantissa, exponent) if marker else mantissa
        return text.replace("-", self.minus, 1) if text.startswith("-") else text

    def factor(self, value: float, digits: int) -> str:
        """A number as a factor in a product: negative or e-notation values in parentheses."""
        text = self.num(value, digits)
        return f"({text})" if value < 0 or "e" in numfmt.sig(value, digits) else text

    def idx(self, t: int, offset: int = 0) -> str:
        return str(t + offset)


UNICODE = Notation(dot="·", minus="-", sub="{0}_{1}", sqrt="√({0})", frac="{0} / {1}", square="{0}²",
                   eg2="E[g²]", edx2="E[Δx²]", eta="η", dx="Δx", rho="ρ", eps="ε", times_ten="{0}e{1}")
LATEX = Notation(dot=r" \cdot ", minus="-", sub="{0}_{{{1}}}", sqrt=r"\sqrt{{{0}}}", frac=r"\frac{{{0}}}{{{1}}}",
                 square="{0}^2", eg2="E[g^2]", edx2=r"E[\Delta x^2]", eta=r"\eta", dx=r"\Delta x", rho=r"\rho",
                 eps=r"\varepsilon", times_ten=r"{0} \times 10^{{{1}}}")


def step_lines(values: dict, previous: dict, settings: dict, t: int, digits: int = 6, notation: Notation = UNICODE,
               eg2_given: bool = False, param: str | None = None) -> list[str]:
    """The substituted arithmetic of one step.

    ``values`` holds the step's record (g, g_eff, eg2, edx2_prev, eta, dx, edx2, x), ``previous`` the state
    before it (eg2, x); ``settings`` the settings in force (rho, eps, lr, weight_decay, weight_decay_mode,
    maximize), one value each for this parameter.
    """
    n = notation
    num = lambda v: n.num(v, digits)  # noqa: E731
    fac = lambda v: n.factor(v, digits)  # noqa: E731
    rho, eps, lr = settings["rho"], settings["eps"], settings["lr"]
    one_minus_rho = 1.0 - rho
    g, g_eff = values["g"], values.get("g_eff", values["g"])
    sub = n.sub.format
    now, before = str(t), str(t - 1)
    mult = n.dot
    lines = []
    suffix = f" ({param})" if param else ""

    g_name = sub("g", now)
    coupled_decay = settings.get("weight_decay") and settings.get("weight_decay_mode", "coupled") == "coupled"
    if settings.get("maximize") or coupled_decay:
        terms, subst = [], []
        sign = n.minus if settings.get("maximize") else ""
        terms.append(f"{sign}{g_name}")
        subst.append(f"{sign}{fac(g)}" if sign else num(g))
        if coupled_decay:
            terms.append(f"wd{mult}{sub('x', before)}")
            subst.append(f"{num(settings['weight_decay'])}{mult}{fac(previous['x'])}")
        g_name = sub(r"g^{\mathrm{eff}}", now) if n is LATEX else f"g_eff,{now}"
        lines.append(f"{g_name} = {' + '.join(terms)} = {' + '.join(subst)} = {num(g_eff)}")

    eg2_t, eg2_prev = sub(n.eg2, now), sub(n.eg2, before)
    if eg2_given:
        lines.append(f"{eg2_t} = {num(values['eg2'])}  " + _("(given)"))
    else:
        first = rho * previous["eg2"]
        second = one_minus_rho * g_eff * g_eff
        lines.append(
            f"{eg2_t} = {n.rho}{mult}{eg2_prev} + (1 {n.minus} {n.rho}){mult}{n.square.format(g_name)}"
            f" = {num(rho)}{mult}{fac(previous['eg2'])} + {num(one_minus_rho)}{mult}{n.square.format(fac(g_eff))}"
            f" = {num(first)} + {num(second)} = {num(values['eg2'])}")

    edx2_prev_name = sub(n.edx2, before)
    top = (values["edx2_prev"] + eps) ** 0.5
    bottom = (values["eg2"] + eps) ** 0.5
    eta_t = sub(n.eta, now)
    lines.append(
        f"{eta_t} = " + n.frac.format(n.sqrt.format(f"{edx2_prev_name} + {n.eps}"), n.sqrt.format(f"{eg2_t} + {n.eps}"))
        + " = " + n.frac.format(n.sqrt.format(f"{num(values['edx2_prev'])} + {num(eps)}"),
                                n.sqrt.format(f"{num(values['eg2'])} + {num(eps)}"))
        + " = " + n.frac.format(num(top), num(bottom)) + f" = {num(values['eta'])}")

    dx_t = sub(n.dx, now)
    lines.append(f"{dx_t} = {n.minus}{eta_t}{mult}{g_name} = {n.minus}{num(values['eta'])}{mult}{fac(g_eff)}"
                 f" = {num(values['dx'])}")

    first = rho * values["edx2_prev"]
    second = one_minus_rho * values["dx"] ** 2
    lines.append(
        f"{sub(n.edx2, now)} = {n.rho}{mult}{edx2_prev_name} + (1 {n.minus} {n.rho}){mult}{n.square.format(dx_t)}"
        f" = {num(rho)}{mult}{fac(values['edx2_prev'])} + {num(one_minus_rho)}{mult}"
        f"{n.square.format(fac(values['dx']))} = {num(first)} + {num(second)} = {num(values['edx2'])}")

    x_prev = sub("x", before)
    if settings.get("weight_decay") and settings.get("weight_decay_mode") == "decoupled":
        lines.append(
            f"{sub('x', now)} = {x_prev}{mult}(1 {n.minus} lr{mult}wd) + lr{mult}{dx_t}"
            f" = {fac(previous['x'])}{mult}(1 {n.minus} {num(lr)}{mult}{num(settings['weight_decay'])})"
            f" + {num(lr)}{mult}{fac(values['dx'])} = {num(values['x'])}")
    else:
        lines.append(f"{sub('x', now)} = {x_prev} + lr{mult}{dx_t} = {num(previous['x'])} + {num(lr)}{mult}"
                     f"{fac(values['dx'])} = {num(values['x'])}")
    if suffix:
        lines = [line + suffix if i == 0 else line for i, line in enumerate(lines)]
    return lines


def report_lines(report, digits: int = 6, notation: Notation = UNICODE) -> list[tuple[str, list[str]]]:
    """(heading, lines) for every step and parameter of a trace Report."""
    settings = report.settings
    out = []
    initial = {name: _per_param(settings.get(key, 0.0), len(report.names))
               for name, key in (("eg2", "eg2_init"), ("x", "x0"))}
    previous = {p: {"eg2": initial["eg2"][i], "x": initial["x"][i]} for i, p in enumerate(report.names)}
    for t, param, values in report.rows():
        if not report.show_g_eff:
            values = {**values, "g_eff": values["g"]}
        several = len(report.names) > 1
        heading = (_("Step %(t)d, %(param)s") if several else _("Step %(t)d")) % {"t": t, "param": param}
        out.append((heading, step_lines(values, previous[param], settings, t, digits, notation)))
        previous[param] = {"eg2": values["eg2"], "x": values["x"]}
    return out


def _per_param(value, size: int) -> list[float]:
    return list(value) if isinstance(value, list) else [value] * size


LEGEND = N_("E[g²]: running average of squared gradients · η: adaptive learning rate · Δx: parameter update · "
            "E[Δx²]: running average of squared updates · ρ, ε, lr: hyperparameters")


def to_text(report, digits: int = 6) -> str:
    blocks = [_(LEGEND)]
    for heading, lines in report_lines(report, digits):
        blocks.append("\n".join([heading] + [f"  {line}" for line in lines]))
    return "\n\n".join(blocks) + "\n"


def to_markdown(report, digits: int = 6) -> str:
    return "\n```text\n" + to_text(report, digits) + "```\n"


def to_latex(report, digits: int = 6) -> str:
    parts = []
    for heading, lines in report_lines(report, digits, LATEX):
        parts.append(f"% {heading}\n\\begin{{align*}}\n" + " \\\\\n".join(
            line.replace(" = ", " &= ", 1) for line in lines) + "\n\\end{align*}")
    return "\n" + "\n".join(parts) + "\n"
