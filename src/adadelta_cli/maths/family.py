"""Adadelta's family, each optimizer a description of the same kind as Adadelta's (``recurrence.Description``): its
state, its quantities in order (each with its formula tree per mode and the function that computes it) and its
settings with torch.optim's defaults and ranges. ``recurrence.run_step`` runs them all, Adadelta too.

Each computes as torch.optim computes it (CPU, single-tensor code): its multiply-adds (``addcmul_``,
``add_(alpha=)``) rounded once, in float64 with Python floats (``FLOATS``, one parameter) or numpy arrays
(``ARRAYS``: the same doubles), in float32 with numpy arrays (``ARRAYS32``, following torch's float32
kernels). A mode is the set of options that
change the formulas: ``maximize``, ``wd`` (weight decay), ``centered``, ``momentum``, ``nesterov``, ``amsgrad``.

η_t is the factor that multiplies the gradient the step uses (g_t, or g_eff,t negated to maximize or with coupled
weight decay): Adagrad lr_t/d_t, RMSprop lr/d_t, SGD lr; where the step goes along an average instead (momentum,
Adam), η_t = −Δx_t/g_t (−Δx_t/g_eff,t; undefined where it is 0).

>>> for q in quantities(ADAM, mode_of(ADAM, ADAM.defaults)):
...     print(q.equation(mode_of(ADAM, ADAM.defaults)))
m_t = β₁·m_{t-1} + (1 - β₁)·g_t
v_t = β₂·v_{t-1} + (1 - β₂)·g_t²
m̂_t = m_t / (1 - β₁^t)
v̂_t = v_t / (1 - β₂^t)
d_t = √(v_t) / √(1 - β₂^t) + ε
x_t = x_{t-1} - lr / (1 - β₁^t)·m_t / d_t
Δx_t = x_t - x_{t-1}
η_t = -Δx_t / g_t
"""

from __future__ import annotations

import functools
import math

import numpy as np

from adadelta_cli.i18n import N_
from adadelta_cli.maths.family_parts import (  # noqa: F401  (FLOATS, ARRAYS, check_range, mode_of read through family)
    _ALONG_AVERAGE,
    _COMMON,
    ARRAYS,
    ARRAYS32,
    DX,
    FLOATS,
    G_EFF,
    IMPLIED,
    UNIT,
    _adagrad_lr,
    _average,
    _by,
    _c,
    _g_eff_shown,
    _grad,
    _keras,
    _rate,
    _settings,
    _shrunk,
    _start,
    _torch,
    alpha,
    beta1,
    beta2,
    check_range,
    eps,
    lr,
    lr_decay,
    mode_of,
    mu,
    prev,
    t,
    tau,
    wd,
    x_prev,
)
from adadelta_cli.maths.family_presets import (  # noqa: F401  (the family's presets, read through family)
    CONVENTIONS,
    KERAS,
    NOT_IN_KERAS,
    OPTAX,
    PADDLE,
    float32_held,
    lacking,
)
from adadelta_cli.maths.recurrence import Description, Quantity, run_step
from adadelta_cli.maths.tree import ONE, Max, Node, Pow, Sqrt, Square, Sym


def _describe(name: str, quantities: tuple, state: dict, settings: dict) -> Description:
    return Description(name, quantities, state, settings, lambda h: mode_of(DESCRIPTIONS[name], h))


# --- Adagrad ----------------------------------------------------------------------------------------------------

_SUM = lambda h, ops, G_p, g: G_p + g * g  # noqa: E731  (G_{t−1} + g², each operation rounded)
_ADAGRAD_X = lambda h, ops, x_p, g, d: ops.addcdiv(_shrunk(h, x_p), g, d, -h["lr"])  # noqa: E731  (x − (lr·g)/d)
_LR_OVER_D = lambda h, ops, d: ops.div(h["lr"], d)  # noqa: E731
_ROOT_EPS = lambda h, ops, G: ops.sqrt(G + h["eps"])  # noqa: E731  (√(G + ε))
_OPTAX_X = lambda h, ops, x_p, g, d: x_p + (-h["lr"]) * (ops.div(1.0, d) * g)  # noqa: E731  (x + (−lr)·((1/d)·g))

ADAGRAD = _describe("adagrad", (
    G_EFF,
    Quantity("clr", N_("the learning rate of step t, decayed"), lambda mode: lr / (ONE + (t - ONE) * lr_decay),
             _c(lambda h, ops, t: h["lr"] / (1 + (t - 1) * h["lr_decay"])), partial=True,
             only_when=_torch),  # (Keras's and PaddlePaddle's have no lr_decay)
    Quantity("G", N_("the sum of squared gradients"), lambda mode: prev("G") + Square(_grad(mode)),
             _by(lambda h, ops, G_p, g: ops.fma(g, g, G_p), _SUM, _SUM, _SUM), partial=True),
    Quantity("d", N_("the denominator"), _keras(lambda mode: Sqrt(Sym("G")) + eps, lambda mode: Sqrt(Sym("G") + eps),
                                                optax_tree=lambda mode: Sqrt(Sym("G") + eps)),
             _by(lambda h, ops, G: ops.sqrt(G) + h["eps"], _ROOT_EPS, optax=_ROOT_EPS), partial=True),
    Quantity("x", N_("the parameter"), lambda mode: _start(mode) - _adagrad_lr(mode) * _grad(mode) / Sym("d"),
             _by(lambda h, ops, x_p, clr, g, d: ops.addcdiv(_shrunk(h, x_p), g, d, -clr), _ADAGRAD_X, _ADAGRAD_X,
                 _OPTAX_X), partial=True),
    DX,
    _rate(_adagrad_lr, "d", _by(lambda h, ops, clr, d: ops.div(clr, d), _LR_OVER_D, _LR_OVER_D, _LR_OVER_D)),
), {"G": "initial_accumulator_value"}, _settings(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                                                 eps=1e-10, maximize=_COMMON["maximize"]))

# --- RMSprop ----------------------------------------------------------------------------------------------------

_RMS_B = lambda h, ops, b_p, g, d: b_p * h["momentum"] + ops.div(g * h["lr"], d)  # noqa: E731  (μ·b + (lr·g)/d)
_CENTERED_ROOT = lambda h, ops, v, m=None: ops.sqrt((v if m is None else v - m * m) + h["eps"])  # noqa: E731


def _rms_d(mode) -> Node:
    """torch: √(v_t) + ε (√(v_t − ḡ_t²) + ε centered); Keras, PaddlePaddle: ε inside the root."""
    v = Sym("v") - Square(Sym("gbar")) if "centered" in mode else Sym("v")
    return Sqrt(v + eps) if _lr_inside(mode) else Sqrt(v) + eps


def _lr_inside(mode) -> bool:
    """RMSprop as Keras, PaddlePaddle and optax write it: ε inside the root, lr inside the momentum buffer (optax's
    the update's, −lr·g/d_t: x + b_t)."""
    return not _torch(mode)


def _rms_x(mode) -> Node:
    """torch: x − lr·b_t (b_t = μ·b + g/d); Keras: x − b_t (b_t = μ·b + lr·g/d); without momentum x − lr·g/d."""
    if "momentum" in mode:
        return _start(mode) + Sym("b") if "optax" in mode else _start(mode) - (
            Sym("b") if _lr_inside(mode) else lr * Sym("b"))
    return _start(mode) - lr * _grad(mode) / Sym("d")


def _rms_x_compute(h, ops, x_p, u, d=None):
    start = _shrunk(h, x_p)
    if "optax" in h["_mode"]:  # x + (−lr)·((1/d)·g), x + b
        return start + u if d is None else _OPTAX_X(h, ops, x_p, u, d)
    if d is not None:
        return ops.addcdiv(start, u, d, -h["lr"])
    return start - u if _lr_inside(h["_mode"]) else ops.fma(-h["lr"], u, start)


RMSPROP = _describe("rmsprop", (
    G_EFF,
    Quantity("v", N_("running average of squared gradients"), lambda mode: _average("v", alpha, Square(_grad(mode))),
             _by(lambda h, ops, v_p, g: ops.fma((1 - h["alpha"]) * g, g, v_p * h["alpha"]),
                 lambda h, ops, v_p, g: ops.fma(1 - h["alpha"], g * g, v_p * h["alpha"]),
                 lambda h, ops, v_p, g: h["alpha"] * v_p + ((1 - h["alpha"]) * g) * g,
                 lambda h, ops, v_p, g: (1 - h["alpha"]) * (g * g) + h["alpha"] * v_p), partial=True),
    Quantity("gbar", N_("running average of gradients"), lambda mode: _average("gbar", alpha, _grad(mode)),
             _by(lambda h, ops, m_p, g: ops.lerp(m_p, g, 1 - h["alpha"]),
                 lambda h, ops, m_p, g: ops.fma(1 - h["alpha"], g, m_p * h["alpha"]),
                 lambda h, ops, m_p, g: h["alpha"] * m_p + (1 - h["alpha"]) * g,
                 lambda h, ops, m_p, g: (1 - h["alpha"]) * g + h["alpha"] * m_p),
             only_when=lambda mode: "centered" in mode, partial=True),
    Quantity("d", N_("the denominator"), _rms_d,
             _by(lambda h, ops, v, m=None: ops.sqrt(v if m is None else ops.fma(-m, m, v)) + h["eps"],
                 lambda h, ops, v, m=None: ops.sqrt(v + h["eps"] if m is None else (v + h["eps"]) - m * m),
                 _CENTERED_ROOT, _CENTERED_ROOT), partial=True),
    Quantity("b", N_("the momentum buffer"),
             lambda mode: mu * prev("b") - lr * _grad(mode) / Sym("d") if "optax" in mode else
             mu * prev("b") + (lr * _grad(mode) if _lr_inside(mode) else _grad(mode)) / Sym("d"),
             _by(lambda h, ops, b_p, g, d: b_p * h["momentum"] + ops.div(g, d), _RMS_B, _RMS_B,
                 lambda h, ops, b_p, g, d: (-h["lr"]) * (ops.div(1.0, d) * g) + h["momentum"] * b_p),
             only_when=lambda mode: "momentum" in mode, partial=True),
    Quantity("x", N_("the parameter"), _rms_x, _c(_rms_x_compute), partial=True),
    DX,
    _rate(lr, "d", lambda h, ops, d: ops.div(h["lr"], d)),
    _ALONG_AVERAGE,
), {"v": 0.0, "gbar": 0.0, "b": 0.0}, _settings(lr=0.01, alpha=(0.99, *UNIT), eps=1e-8, momentum=0.0,
                                                centered=(False, False, True, True), **_COMMON))

# --- SGD, with momentum -----------------------------------------------------------------------------------------


def _buffer(h, ops, b_p, g):
    """b_t = μ·b_{t−1} + (1 − τ)·g_t; b_1 = g_1 (torch's first buffer is the gradient itself, undamped)."""
    return g if b_p is None else ops.fma(1 - h["dampening"], g, b_p * h["momentum"])


def _sgd_x(mode) -> Node:
    """torch: x − lr·(g, b_t or the Nesterov gradient); Keras: x + b_t (b_t = μ·b − lr·g, from b_0 = 0), with
    Nesterov x − lr·g + μ·b_t."""
    if "keras" in mode and "momentum" in mode:
        return _start(mode) - lr * _grad(mode) + mu * Sym("b") if "nesterov" in mode else _start(mode) + Sym("b")
    return _start(mode) - lr * Sym(_sgd_direction(mode))


def _sgd_x_compute(h, ops, x_p, *inputs):
    start = _shrunk(h, x_p)
    if "paddle" in h["_mode"] or "optax" in h["_mode"]:  # x − lr·b (− lr·gn, − lr·g), each operation rounded
        return start - inputs[0] * h["lr"]
    if "keras" in h["_mode"] and "momentum" in h["_mode"]:
        if "nesterov" in h["_mode"]:
            g, b = inputs
            return ops.fma(h["momentum"], b, ops.fma(-h["lr"], g, start))
        return start + inputs[0]
    return ops.fma(-h["lr"], inputs[0], start)


_PLAIN_BUFFER = lambda mode: mu * prev("b") + _grad(mode)  # noqa: E731  (PaddlePaddle's, optax's: no dampening)
_SUMMED = lambda h, ops, b_p, g: g if b_p is None else b_p * h["momentum"] + g  # noqa: E731
_NESTEROV = lambda h, ops, g, b: g + b * h["momentum"]  # noqa: E731


def _sgd_direction(mode) -> str:
    return "gn" if "nesterov" in mode else "b" if "momentum" in mode else "g_eff" if _g_eff_shown(mode) else "g"


SGD = _describe("sgd", (
    G_EFF,
    Quantity("b", N_("the momentum buffer (torch.optim's first is b₁ = g₁ where none is given)"),
             _keras(lambda mode: mu * prev("b") + (ONE - tau) * _grad(mode),
                    lambda mode: mu * prev("b") - lr * _grad(mode), _PLAIN_BUFFER, _PLAIN_BUFFER),
             _by(_buffer, lambda h, ops, b_p, g: ops.fma(-h["lr"], g, b_p * h["momentum"]), _SUMMED, _SUMMED),
             only_when=lambda mode: "momentum" in mode, partial=True, first=_grad),
    Quantity("gn", N_("the Nesterov gradient"), lambda mode: _grad(mode) + mu * Sym("b"),
             _by(lambda h, ops, g, b: ops.fma(h["momentum"], b, g), paddle=_NESTEROV, optax=_NESTEROV),
             only_when=lambda mode: "nesterov" in mode and "keras" not in mode),
    Quantity("x", N_("the parameter"), _sgd_x, _c(_sgd_x_compute)),
    DX,
    Quantity("eta", N_("the factor that multiplies the gradient in the step"), lambda mode: lr,
             _c(lambda h, ops: h["lr"]), only_when=lambda mode: "momentum" not in mode),
    _ALONG_AVERAGE,
), {"b": None}, _settings(lr=0.001, momentum=0.0, dampening=(0.0, *UNIT), nesterov=(False, False, True, True),
                          **_COMMON))

# --- Adam and AdamW ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _powers(beta: float) -> list[float]:
    return [1.0]


def _power(beta: float, t: int) -> float:
    """β^t as PaddlePaddle's accumulator holds it: β multiplied in once a step (not pow)."""
    held = _powers(beta)
    while len(held) <= t:
        held.append(beta * held[-1] if len(held) > 1 else beta)
    return held[t]


def _adam_x(mode) -> Node:
    """torch: x − lr/(1 − β₁^t)·m_t/d_t; Keras, PaddlePaddle: x − lr·√(1 − β₂^t)/(1 − β₁^t)·m_t/d_t (Keras's d_t =
    √v_t + ε, PaddlePaddle's √v_t + ε·√(1 − β₂^t))."""
    if "optax" in mode:  # the textbooks' x − lr·m̂_t/d_t (AdamW: wd·x added to the update, inside lr)
        step = Sym("mhat") / Sym("d")
        return x_prev - lr * (step + wd * x_prev if {"wd", "decoupled"} <= mode else step)
    if "keras" in mode or "paddle" in mode:
        return _start(mode) - lr * Sqrt(ONE - Pow(beta2, t)) / (ONE - Pow(beta1, t)) * (Sym("m") / Sym("d"))
    return _start(mode) - lr / (ONE - Pow(beta1, t)) * (Sym("m") / Sym("d"))


def _adam_x_compute(h, ops, x_p, *inputs):
    if "optax" in h["_mode"]:  # x + (−lr)·(m̂/d) (AdamW: x + (−lr)·(m̂/d + wd·x))
        mhat, d = inputs
        u = ops.div(mhat, d)
        return x_p + (-h["lr"]) * (u + h["weight_decay"] * x_p if "decoupled" in h["_mode"] else u)
    t, m, d = inputs
    if "paddle" in h["_mode"]:  # x + (−lr_t)·(m/d), lr_t = lr·(√(1 − β₂^t)/(1 − β₁^t))
        rate = h["lr"] * (math.sqrt(1 - _power(h["beta2"], t)) / (1 - _power(h["beta1"], t)))
        return _shrunk(h, x_p) + (-rate) * ops.div(m, d)
    if "keras" in h["_mode"]:
        rate = h["lr"] * math.sqrt(1 - h["beta2"] ** t) / (1 - h["beta1"] ** t)
        return _shrunk(h, x_p) - ops.div(m * rate, d)
    return ops.addcdiv(_shrunk(h, x_p), m, d, -(h["lr"] / (1 - h["beta1"] ** t)))


def _adam_d(mode) -> Node:
    v = Sqrt(Sym("vmax" if "amsgrad" in mode else "v"))
    if "paddle" in mode:
        return v + eps * Sqrt(ONE - Pow(beta2, t))
    if "optax" in mode:
        return Sqrt(Sym("vhat")) + eps
    return v + eps if "keras" in mode else v / Sqrt(ONE - Pow(beta2, t)) + eps


_ADAM = (
    G_EFF,
    Quantity("m", N_("running average of gradients"), lambda mode: _average("m", beta1, _grad(mode)),
             _by(lambda h, ops, m_p, g: ops.lerp(m_p, g, 1 - h["beta1"]),
                 lambda h, ops, m_p, g: ops.fma(1 - h["beta1"], g, m_p * h["beta1"]),
                 lambda h, ops, m_p, g: h["beta1"] * m_p + (1 - h["beta1"]) * g,
                 lambda h, ops, m_p, g: (1 - h["beta1"]) * g + h["beta1"] * m_p), partial=True),
    Quantity("v", N_("running average of squared gradients"), lambda mode: _average("v", beta2, Square(_grad(mode))),
             _by(lambda h, ops, v_p, g: ops.fma((1 - h["beta2"]) * g, g, v_p * h["beta2"]),
                 lambda h, ops, v_p, g: ops.fma(1 - h["beta2"], g * g, v_p * h["beta2"]),
                 lambda h, ops, v_p, g: h["beta2"] * v_p + ((1 - h["beta2"]) * g) * g,
                 lambda h, ops, v_p, g: (1 - h["beta2"]) * (g * g) + h["beta2"] * v_p), partial=True),
    Quantity("vmax", N_("the largest v so far (AMSGrad)"), lambda mode: Max(prev("vmax"), Sym("v")),
             _c(lambda h, ops, a, b: ops.maximum(a, b)), only_when=lambda mode: "amsgrad" in mode),
    # The textbooks' bias-corrected averages (Kingma & Ba; torch's documented algorithm): shown and checkable;
    # the step itself is torch's code's, lr/(1 − β₁^t)·m_t/d_t, the same in exact arithmetic.
    Quantity("mhat", N_("running average of gradients, bias-corrected"), lambda mode: Sym("m") / (ONE - Pow(beta1, t)),
             _c(lambda h, ops, m, t: m / (1 - h["beta1"] ** t))),
    Quantity("vhat", N_("running average of squared gradients, bias-corrected"),
             lambda mode: Sym("vmax" if "amsgrad" in mode else "v") / (ONE - Pow(beta2, t)),
             _c(lambda h, ops, v, t: v / (1 - h["beta2"] ** t))),
    Quantity("d", N_("the denominator"), _adam_d,
             _by(lambda h, ops, v, t: ops.sqrt(v) / (1 - h["beta2"] ** t) ** 0.5 + h["eps"],
                 lambda h, ops, v: ops.sqrt(v) + h["eps"],
                 lambda h, ops, v, t: ops.sqrt(v) + h["eps"] * math.sqrt(1 - _power(h["beta2"], t)),
                 lambda h, ops, vhat: ops.sqrt(vhat) + h["eps"]), partial=True),
    Quantity("x", N_("the parameter"), _adam_x, _c(_adam_x_compute), partial=True),
    DX,
    IMPLIED,
)
_ADAM_SETTINGS = _settings(lr=0.001, beta1=(0.9, 0.0, 1.0, False), beta2=(0.999, 0.0, 1.0, False), eps=1e-8,
                           amsgrad=(False, False, True, True), **_COMMON)
ADAM = _describe("adam", _ADAM, {"m": 0.0, "v": 0.0, "vmax": 0.0}, _ADAM_SETTINGS)
ADAMW = _describe("adamw", _ADAM, ADAM.state, {**_ADAM_SETTINGS, "weight_decay": (0.01, 0.0, float("inf"), False)})

DESCRIPTIONS = {d.name: d for d in (ADAGRAD, RMSPROP, SGD, ADAM, ADAMW)}


def quantities(description: Description, mode) -> list[Quantity]:
    """The quantities a step of ``mode`` shows, in the order it computes them."""
    return [q for q in description.quantities if q.shown(mode)]


# --- Running ----------------------------------------------------------------------------------------------------


def resolve(description: Description, settings: dict) -> tuple[dict, frozenset]:
    """Every setting (torch's default where not given) and the mode they make."""
    return _prepared(description, tuple(settings.items()))[:2]


@functools.lru_cache(maxsize=256)
def _prepared(description: Description, items: tuple) -> tuple[dict, frozenset, tuple]:
    """resolve's settings and mode, and each state's (name, name before, its value before the first step)."""
    h = {**description.defaults, **dict(items)}
    mode = description.mode_of(h)
    starts = tuple((name, f"{name}_prev", h[start] if isinstance(start, str) else start)
                   for name, start in description.state.items())
    nominal = h.pop("nominal", False)  # the settings as written, none rounded to float32 (a hand's exact values)
    if "keras" in mode:  # Keras holds lr in a float32 variable; its momentum buffers start at 0
        h["lr"] = h["lr"] if nominal else float(np.float32(h["lr"]))
        starts = tuple((name, before, 0.0 if start is None else start) for name, before, start in starts)
    for key in () if nominal else float32_held(description.name, mode):
        h[key] = float(np.float32(h[key]))
    return {**h, "_mode": mode, "_convention": h.get("convention")}, mode, starts


def step(description: Description, settings: dict, state: dict, t: int, g, x, ops=FLOATS) -> dict:
    """Step ``t`` from ``x`` with gradient ``g``: every quantity's value (``x`` the new parameter); ``state`` (the
    description's, empty before the first step) advances."""
    h, mode, starts = _prepared(description, tuple(settings.items()))
    values = {"g": g, "x_prev": x, "t": t}
    for name, before, start in starts:
        values[before] = state.get(name, start)
    run_step(values, h, ops, mode, description=description)
    for name, _before, _first in starts:
        if name in values:
            state[name] = values[name]
    return values


def run(description: Description, settings: dict, grads: np.ndarray, x0: np.ndarray) -> dict[str, np.ndarray]:
    """An open-loop run over given gradients (steps, parameters) in float64, one parameter at a time in Python
    floats: eta, dx and x, shaped like the gradients."""
    out = {key: np.empty_like(grads) for key in ("eta", "dx", "x")}
    for p, x in enumerate(np.asarray(x0, dtype=np.float64).tolist()):
        state: dict = {}
        for i, g in enumerate(grads[:, p].tolist()):
            values = step(description, settings, state, i + 1, g, x)
            out["eta"][i, p], out["dx"][i, p], out["x"][i, p] = values["eta"], values["dx"], values["x"]
            x = values["x"]
    return out
