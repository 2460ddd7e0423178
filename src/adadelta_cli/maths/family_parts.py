"""The parts Adadelta's family is built of (``family.py``): each dtype's operations in torch's CPU kernels' order,
the formulas' symbols, the quantities every member shows (g_eff, Δx, η), how a quantity picks its formula and its
arithmetic by the mode's convention (torch.optim's, Keras 3's, PaddlePaddle's, optax's), settings and their ranges,
and the mode a member's settings make."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths import scalar
from adadelta_cli.maths.arith import fma32, fma64
from adadelta_cli.maths.family_presets import CONVENTIONS
from adadelta_cli.maths.recurrence import Description, Quantity
from adadelta_cli.maths.tree import ONE, Hyper, Node, Sym, ieee_div, ieee_sqrt

# --- The arithmetic ---------------------------------------------------------------------------------------------


def _implied(dx, g):
    """η_t = −Δx_t/g_t, NaN where g_t = 0."""
    if isinstance(g, float):
        return -dx / g if g != 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g != 0, -dx / np.where(g != 0, g, 1.0), np.nan)


def _ops(fma, div, maximum, cast) -> SimpleNamespace:
    """One dtype's operations, in torch's CPU kernels' order: ``lerp(start, end, w)``, torch's lerp_, start +
    w·(end − start), or end − (1 − w)·(end − start) for w ≥ 0.5, rounded once (Adam's running average);
    ``addcdiv(c, a, b, v)``: addcdiv_, c + (v·a)/b."""
    def lerp(start, end, w):
        w = cast(w)
        return fma(w, end - start, start) if abs(w) < 0.5 else fma(w - cast(1.0), end - start, end)

    def addcdiv(c, a, b, v):
        return c + div(v * a, b)

    return SimpleNamespace(fma=fma, div=div, sqrt=ieee_sqrt if div is ieee_div else np.sqrt, maximum=maximum,
                           implied=_implied, addcdiv=addcdiv, lerp=lerp)


FLOATS = _ops(scalar.fma, ieee_div, max, float)
ARRAYS = _ops(fma64, np.divide, np.maximum, float)
ARRAYS32 = _ops(fma32, np.divide, np.maximum, np.float32)

# --- The formulas -----------------------------------------------------------------------------------------------

g, x_prev, t = Sym("g"), Sym("x", prev=True), Sym("t")
lr, eps, wd, lr_decay = Hyper("lr"), Hyper("eps"), Hyper("wd"), Hyper("lr_decay")
alpha, mu, tau, beta1, beta2 = Hyper("alpha"), Hyper("momentum"), Hyper("dampening"), Hyper("beta1"), Hyper("beta2")


def prev(name: str) -> Sym:
    return Sym(name, prev=True)


def _g_eff_shown(mode) -> bool:
    """Whether the gradient the step uses can differ from g_t: negated, or with weight decay coupled into it."""
    return "maximize" in mode or ("wd" in mode and "decoupled" not in mode)


def _grad(mode) -> Node:
    return Sym("g_eff") if _g_eff_shown(mode) else g


def _average(name: str, weight: Node, value: Node) -> Node:
    """weight·name_{t−1} + (1 − weight)·value."""
    return weight * prev(name) + (ONE - weight) * value


def _c(function):
    """A quantity's function as the loop calls it: compute(*inputs, settings=..., ops=..., out=None)."""
    def compute(*inputs, settings, ops, out=None):
        return function(settings, ops, *inputs)
    return compute


def _by(torch, keras=None, paddle=None, optax=None):
    """A quantity's function computed in torch's order, or in another framework's where the settings follow its
    convention (Keras 3 on its torch backend, PaddlePaddle's CPU kernels, optax run eagerly) and it computes
    otherwise."""
    own = {"keras": keras, "paddle": paddle, "optax": optax}

    def compute(*inputs, settings, ops, out=None):
        return (own.get(settings["_convention"]) or torch)(settings, ops, *inputs)
    return compute


def _keras(torch_tree, keras_tree, paddle_tree=None, optax_tree=None):
    """A quantity's formula: torch's, or Keras 3's in a Keras mode (PaddlePaddle's and optax's: their own where
    given, else torch's)."""
    def tree(mode):
        own = (paddle_tree if "paddle" in mode else optax_tree if "optax" in mode else None)
        return keras_tree(mode) if "keras" in mode else (own or torch_tree)(mode)
    return tree


def _start(mode) -> Node:
    """x_{t−1}, shrunk first by decoupled weight decay: x_{t−1}·(1 − lr·wd) (PaddlePaddle's x_{t−1} − lr·wd·x_{t−1})."""
    if not {"wd", "decoupled"} <= mode or "optax" in mode:
        return x_prev
    return x_prev - lr * wd * x_prev if "paddle" in mode else x_prev * (ONE - lr * wd)


def _shrunk(h, x_p):
    """x_{t−1}·(1 − lr·wd) where weight decay is decoupled; Keras's factor is a float32 (its lr is a float32
    variable), torch's a double."""
    if not h["weight_decay"] or "decoupled" not in h["_mode"] or "optax" in h["_mode"]:
        return x_p  # (optax's AdamW adds wd·x to the update, inside the learning rate)
    if "paddle" in h["_mode"]:  # x − ((lr·1.0)·wd)·x, wd a float32 attribute
        return x_p - (h["lr"] * h["weight_decay"]) * x_p
    if "keras" in h["_mode"]:
        return x_p * float(np.float32(1.0) - np.float32(np.float32(h["weight_decay"]) * np.float32(h["lr"])))
    return x_p * (1 - h["lr"] * h["weight_decay"])


def _g_eff_tree(mode) -> Node:
    base = -g if "maximize" in mode else g
    return base + wd * x_prev if "wd" in mode and "decoupled" not in mode else base


def _g_eff(h, ops, g, x_prev=None):
    base = -g if h.get("maximize") else g
    if x_prev is None:
        return base
    return base + x_prev * h["weight_decay"] if "paddle" in h["_mode"] else ops.fma(h["weight_decay"], x_prev, base)


G_EFF = Quantity("g_eff",
                 N_("the gradient the step uses: negated to maximize, plus the weight decay where it is coupled"),
                 _g_eff_tree, _c(_g_eff), only_when=_g_eff_shown)
DX = Quantity("dx", N_("the change of the parameter"), lambda mode: Sym("x") - x_prev,
              _c(lambda h, ops, x, x_p: x - x_p))
IMPLIED = Quantity("eta", N_("the factor that multiplies the gradient in the step: the change of the parameter "
                              "over the gradient, negated"),
                   lambda mode: -(Sym("dx") / _grad(mode)), _c(lambda h, ops, dx, g: ops.implied(dx, g)))


_ALONG_AVERAGE = replace(IMPLIED, only_when=lambda mode: "momentum" in mode)


def _rate(top, name: str, compute) -> Quantity:
    """η_t = top / d_t (``top``: a node, or a function of the mode giving one; ``compute``: _c's or _by's)."""
    return Quantity("eta", N_("the factor that multiplies the gradient in the step"),
                    lambda mode: (top(mode) if callable(top) else top) / Sym("d"),
                    compute if getattr(compute, "__name__", "") == "compute" else _c(compute),
                    only_when=lambda mode: "momentum" not in mode)


def _torch(mode) -> bool:
    """Whether the mode follows torch.optim's conventions (no other framework's)."""
    return not {"keras", "paddle", "optax"} & mode


def _adagrad_lr(mode) -> Node:
    """Adagrad's rate of step t: torch's lr_t (decayed by lr_decay); Keras's and PaddlePaddle's plain lr."""
    return Sym("clr") if _torch(mode) else lr


def _settings(**specs) -> dict:
    """name=default, or name=(default, lowest, highest, highest allowed): ≥ 0 unbounded unless given."""
    return {k: v if isinstance(v, tuple) else (v, 0.0, float("inf"), False) for k, v in specs.items()}


_COMMON = dict(weight_decay=0.0, maximize=(False, False, True, True))
UNIT = (0.0, 1.0, True)


def check_range(description: Description, param: str, number: float, item: str, shown: str | None = None) -> None:
    """A setting's value within its description's range, else one message: ``item`` (what was given: "--set
    'lr=-1'"), ``shown``: the setting's name there (compare's "adagrad.lr"; default ``param``)."""
    _default, low, high, high_ok = description.settings[param]
    if number < low or number > high or (number == high and not high_ok):
        interval = (_("in %(interval)s") % {"interval": f"[{low:g}, {high:g}{']' if high_ok else ')'}"}
                    if high != float("inf") else f">= {low:g}")
        raise SettingsError(_f('%(item)s: %(param)s must be %(interval)s', item=item, param=shown or param,
                               interval=interval))


def mode_of(description: Description, h: dict) -> frozenset:
    """The options of settings ``h`` that change ``description``'s formulas."""
    on = {k for k in ("maximize", "centered", "nesterov", "amsgrad") if h.get(k)}
    on |= {k for k, v in (("wd", "weight_decay"), ("momentum", "momentum")) if h.get(v)}
    if "momentum" not in on:
        on.discard("nesterov")  # Nesterov's step needs momentum (torch refuses it without)
    convention = h.get("convention")
    keras = convention == "keras"  # Keras 3's formulas: every weight decay decoupled
    return frozenset(on | ({convention} if convention in CONVENTIONS else set())
                     | ({"decoupled"} if description.name == "adamw" or keras else set()))
