"""The optimizers Adadelta is compared with, each as PyTorch computes it (torch.optim, CPU, default options),
its fused multiply-adds (addcmul_, add_(alpha=)) rounded once as PyTorch rounds them.

Each is a pure step function over numpy arrays: (g, state, hyperparameters) -> (x change, new state). η_t is the
factor that multiplies g_t in the step: Adagrad lr/(√G_t + ε), RMSprop lr/(√v_t + ε), SGD lr; for momentum and
Adam, which step along an average rather than g_t, η_t = −Δx_t/g_t (undefined where g_t = 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths.arith import fma64
from adadelta_cli.maths.scalar import _div, _sqrt, fma
from adadelta_cli.safe import one_line

# PyTorch's defaults (torch.optim), under the names --set accepts.
DEFAULTS: dict[str, dict[str, float]] = {
    "adagrad": {"lr": 0.01, "eps": 1e-10, "lr_decay": 0.0, "initial_accumulator_value": 0.0},
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
    "sgd": {"lr": 0.001},
    "momentum": {"lr": 0.001, "momentum": 0.9, "dampening": 0.0},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
NAMES = tuple(DEFAULTS)

# The range of each hyperparameter, as torch.optim checks it (or tighter, where a value outside divides by zero or
# makes a running average of squares negative): (lowest, highest, whether the highest is allowed).
RANGES: dict[str, tuple[float, float, bool]] = {
    "lr": (0.0, float("inf"), False), "eps": (0.0, float("inf"), False), "lr_decay": (0.0, float("inf"), False),
    "initial_accumulator_value": (0.0, float("inf"), False), "alpha": (0.0, 1.0, True),
    "momentum": (0.0, float("inf"), False), "dampening": (0.0, 1.0, True), "beta1": (0.0, 1.0, False),
    "beta2": (0.0, 1.0, False),
}


@dataclass
class Optimizer:
    name: str
    hyper: dict[str, float]
    state: dict = field(default_factory=dict)
    t: int = 0

    def step(self, g: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(η_t, new x) for gradient ``g`` at ``x``; the optimizer's own state advances."""
        self.t += 1
        if g.size <= SCALAR_PARAMETERS:
            states = self.state.setdefault("parameters", [{} for _ in range(g.size)])
            step = STEPS1[self.name]
            pairs = [step(s, self.hyper, self.t, gi, xi) for s, gi, xi in zip(states, g.tolist(), x.tolist())]
            return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
        return _STEPS[self.name](self, g, x)


def _adagrad(opt: Optimizer, g, x):
    h = opt.hyper
    total = opt.state.setdefault("sum", np.full_like(g, h["initial_accumulator_value"]))
    opt.state["sum"] = total = fma64(g, g, total)
    clr = h["lr"] / (1 + (opt.t - 1) * h["lr_decay"])
    std = np.sqrt(total) + h["eps"]
    return clr / std, x + (-clr) * (g / std)  # addcdiv_: not fused


def _rmsprop(opt: Optimizer, g, x):
    h = opt.hyper
    v = opt.state.get("square_avg", np.zeros_like(g))
    opt.state["square_avg"] = v = fma64((1 - h["alpha"]) * g, g, v * h["alpha"])
    avg = np.sqrt(v) + h["eps"]
    return h["lr"] / avg, x + (-h["lr"]) * (g / avg)


def _sgd(opt: Optimizer, g, x):
    lr = opt.hyper["lr"]
    return np.full_like(g, lr), fma64(-lr, g, x)


def _momentum(opt: Optimizer, g, x):
    h = opt.hyper
    if "buf" not in opt.state:
        buf = g.copy()
    else:
        buf = fma64(1 - h["dampening"], g, opt.state["buf"] * h["momentum"])
    opt.state["buf"] = buf
    new = fma64(-h["lr"], buf, x)
    return _implied_eta(new - x, g), new


def _adam(opt: Optimizer, g, x):
    h = opt.hyper
    m = opt.state.get("exp_avg", np.zeros_like(g))
    v = opt.state.get("exp_avg_sq", np.zeros_like(g))
    m = m + (1 - h["beta1"]) * (g - m)  # lerp, as torch computes it
    v = fma64((1 - h["beta2"]) * g, g, v * h["beta2"])
    opt.state.update(exp_avg=m, exp_avg_sq=v)
    step_size = h["lr"] / (1 - h["beta1"] ** opt.t)
    denom = np.sqrt(v) / (1 - h["beta2"] ** opt.t) ** 0.5 + h["eps"]
    new = x + (-step_size) * (m / denom)
    return _implied_eta(new - x, g), new


def _implied_eta(dx, g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(g != 0, -dx / np.where(g != 0, g, 1.0), np.nan)


_STEPS = {"adagrad": _adagrad, "rmsprop": _rmsprop, "sgd": _sgd, "momentum": _momentum, "adam": _adam}


# The same steps for one parameter in Python floats: the same operations in the same order (scalar.fma rounds as
# fma64 does, scalar._div and _sqrt give IEEE's infinities and NaNs), so the same doubles, some hundred times
# quicker than numpy's passes over arrays of a few values. ``s``: the parameter's own state.

def _adagrad1(s: dict, h: dict, t: int, g: float, x: float):
    s["sum"] = total = fma(g, g, s.get("sum", h["initial_accumulator_value"]))
    clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
    std = _sqrt(total) + h["eps"]
    return _div(clr, std), x + (-clr) * _div(g, std)


def _rmsprop1(s: dict, h: dict, t: int, g: float, x: float):
    s["square_avg"] = v = fma((1 - h["alpha"]) * g, g, s.get("square_avg", 0.0) * h["alpha"])
    avg = _sqrt(v) + h["eps"]
    return _div(h["lr"], avg), x + (-h["lr"]) * _div(g, avg)


def _sgd1(s: dict, h: dict, t: int, g: float, x: float):
    return h["lr"], fma(-h["lr"], g, x)


def _momentum1(s: dict, h: dict, t: int, g: float, x: float):
    s["buf"] = buf = g if "buf" not in s else fma(1 - h["dampening"], g, s["buf"] * h["momentum"])
    new = fma(-h["lr"], buf, x)
    return _implied_eta1(new - x, g), new


def _adam1(s: dict, h: dict, t: int, g: float, x: float):
    m, v = s.get("exp_avg", 0.0), s.get("exp_avg_sq", 0.0)
    s["exp_avg"] = m = m + (1 - h["beta1"]) * (g - m)
    s["exp_avg_sq"] = v = fma((1 - h["beta2"]) * g, g, v * h["beta2"])
    step_size = h["lr"] / (1 - h["beta1"] ** t)
    denom = _sqrt(v) / (1 - h["beta2"] ** t) ** 0.5 + h["eps"]
    new = x + (-step_size) * _div(m, denom)
    return _implied_eta1(new - x, g), new


def _implied_eta1(dx: float, g: float) -> float:
    return -dx / g if g != 0 else float("nan")


STEPS1 = {"adagrad": _adagrad1, "rmsprop": _rmsprop1, "sgd": _sgd1, "momentum": _momentum1, "adam": _adam1}
SCALAR_PARAMETERS = 64  # up to this many parameters, a step is taken one parameter at a time in Python floats


def parse_with(text: str | None) -> list[str]:
    """--with adagrad,rmsprop,...: the optimizers to run beside Adadelta."""
    if not text:
        return list(NAMES)
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise SettingsError(_f(
            '--with: unknown optimizer %(unknown)s; expected some of %(known)s',
            unknown=', '.join(unknown), known=', '.join(NAMES)))
    return list(dict.fromkeys(names))


def parse_sets(items: list[str] | None, chosen: list[str]) -> dict[str, dict[str, float]]:
    """--set adagrad.lr=0.1 (repeatable) over PyTorch's defaults."""
    from adadelta_cli.formats.cells import parse_number

    hyper = {name: dict(DEFAULTS[name]) for name in chosen}
    for item in items or []:
        key, sep, value = item.partition("=")
        name, dot, param = key.strip().lower().partition(".")
        if not sep or not dot or name not in DEFAULTS or param not in DEFAULTS[name]:
            known = "; ".join(f"{n}.{{{','.join(DEFAULTS[n])}}}" for n in NAMES)
            raise SettingsError(_f(
                '--set %(item)s: expected OPTIMIZER.PARAMETER=VALUE, one of %(known)s',
                item=one_line(repr(item), 80), known=known))
        number = parse_number(value, source="--set", what=N_("a value"))
        low, high, high_ok = RANGES[param]
        if number < low or number > high or (number == high and not high_ok):
            interval = (_("in %(interval)s") % {"interval": f"[{low:g}, {high:g}{']' if high_ok else ')'}"}
                        if high != float("inf") else f">= {low:g}")
            raise SettingsError(_f('--set %(item)s: %(name)s.%(param)s must be %(interval)s',
                                   item=one_line(repr(item), 80), name=name, param=param, interval=interval))
        hyper.setdefault(name, dict(DEFAULTS[name]))[param] = number
    return hyper


def run(name: str, hyper: dict[str, float], grads: np.ndarray, x0: np.ndarray) -> dict[str, np.ndarray]:
    """An open-loop run over given gradients: eta, dx, x shaped (steps, parameters)."""
    return Run(name, hyper, x0).block(grads)


class Run:
    """An open-loop run continued a block of steps at a time, each optimizer's state carried from one block to the
    next: the blocks together hold the values one run() over every step gives."""

    def __init__(self, name: str, hyper: dict[str, float], x0: np.ndarray) -> None:
        self.name, self.hyper = name, hyper
        self.opt = Optimizer(name, hyper)
        self.x = np.asarray(x0, dtype=np.float64).copy()
        self.states: list[dict] = [{} for _ in range(self.x.size)]  # each parameter's own (Python floats)

    def block(self, grads: np.ndarray) -> dict[str, np.ndarray]:
        """eta, dx, x for the next ``grads`` (steps, parameters)."""
        out = {key: np.empty_like(grads) for key in ("eta", "dx", "x")}
        if grads.shape[1] <= SCALAR_PARAMETERS:  # each parameter's run on its own, in Python floats
            step, first = STEPS1[self.name], self.opt.t + 1
            for p, x_p in enumerate(self.x.tolist()):
                state = self.states[p]
                etas, dxs, xs = [], [], []
                for t, g in enumerate(grads[:, p].tolist(), first):
                    eta, new = step(state, self.hyper, t, g, x_p)
                    etas.append(eta)
                    dxs.append(new - x_p)
                    xs.append(new)
                    x_p = new
                out["eta"][:, p], out["dx"][:, p], out["x"][:, p] = etas, dxs, xs
                self.x[p] = x_p
            self.opt.t += grads.shape[0]
            return out
        x = self.x
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for t, g in enumerate(grads):
                eta, new = self.opt.step(g, x)
                out["eta"][t], out["dx"][t], out["x"][t] = eta, new - x, new
                x = new
        self.x = x
        return out
