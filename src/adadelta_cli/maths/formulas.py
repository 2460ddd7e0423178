"""The step's quantities, one function each (each formula in one place), the settings they read, and the state
and record they fill. The description (``recurrence``) names these functions; the engine (``core``) runs them.

>>> float(compute_eg2(0.0, 0.1, settings=Settings(), ops=arithmetic()))
0.0005000000000000004
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import _f
from adadelta_cli.maths.arith import NARROW, Arith, arithmetic
from adadelta_cli.maths.settings import DEFAULTS


@dataclass(frozen=True)
class Settings:
    """The hyperparameters of one run. Defaults are the article's and the paper's (``settings.DEFAULTS``)."""

    rho: float = DEFAULTS["rho"]  # ρ (the article's γ): decay of both running averages
    eps: float = DEFAULTS["eps"]  # ε: added inside both square roots
    # multiplies the step applied to x, never the accumulator (a list: one per parameter)
    lr: float | list = DEFAULTS["lr"]
    weight_decay: float | list = DEFAULTS["weight_decay"]  # (a list: one per parameter)
    # coupled: PyTorch's L2 in the gradient; decoupled: Keras 3's shrink of x
    weight_decay_mode: str = DEFAULTS["weight_decay_mode"]
    maximize: bool = DEFAULTS["maximize"]  # ascend: the gradient is negated before anything else
    dtype: str = DEFAULTS["dtype"]  # float32 follows torch.optim.Adadelta's CPU kernels operation by operation
    lr_dtype: str = DEFAULTS["lr_dtype"]  # float32: lr held in float32, as Keras keeps it (a float32 variable)
    # the hyperparameters rounded to float32 (already rounded in the values above)
    hyper_float32: str = DEFAULTS["hyper_float32"]
    # η divides by E[g²]_t (Algorithm 1) or E[g²]_{t−1} ("previous": TensorFlow.js)
    rate_eg2: str = DEFAULTS["rate_eg2"]
    # at the first NaN or infinity: stop (NumericError) or continue as IEEE arithmetic does
    nonfinite: str = DEFAULTS["nonfinite"]
    # fused (torch's CPU kernels), foreach (torch foreach=True), unfused (optax, XLA, numpy)
    arithmetic: str = DEFAULTS["arithmetic"]
    # keep (IEEE gradual underflow) or flush (to zero, operands and results: XLA on the CPU)
    subnormals: str = DEFAULTS["subnormals"]

    @property
    def coupled(self) -> bool:
        """Coupled (L2) weight decay in force: wd·x_{t−1} is added to the gradient."""
        return bool(self.weight_decay) and self.weight_decay_mode == "coupled"

    @property
    def decoupled(self) -> bool:
        """Decoupled weight decay in force: x_{t−1} shrinks by lr·wd before the step (Keras 3)."""
        return bool(self.weight_decay) and self.weight_decay_mode == "decoupled"

    @property
    def g_eff_differs(self) -> bool:
        """Whether g_eff can differ from g (maximize, or coupled weight decay): the one test of it."""
        return bool(self.maximize) or self.coupled

    def __post_init__(self) -> None:
        from adadelta_cli.maths.settings import validate

        validate(vars(self))  # messages name the API's own parameters (rho); the CLI validates first (--rho)

    @property
    def lr_value(self) -> float | np.ndarray:
        """The learning rate as the arithmetic sees it (rounded to float32 where it is held in float32); an array
        where it is given per parameter."""
        lr = np.asarray(self.lr, dtype=np.float64) if isinstance(self.lr, list) else self.lr
        if self.lr_dtype == "float32":
            return np.float32(lr).astype(np.float64) if isinstance(lr, np.ndarray) else float(np.float32(lr))
        return lr

    @property
    def decay_factor(self) -> float | np.ndarray:
        """Decoupled weight decay's factor 1 − lr·wd, rounded as Keras rounds it when lr is held in float32."""
        lr, wd = (np.asarray(v, dtype=np.float64) if isinstance(v, list) else v
                  for v in (self.lr, self.weight_decay))
        if self.lr_dtype == "float32":
            factor = np.float32(1.0) - np.float32(np.float32(wd) * np.float32(lr))
            return factor.astype(np.float64) if isinstance(factor, np.ndarray) else float(factor)
        return 1.0 - lr * wd

    def ops(self) -> Arith:
        """The arithmetic these settings compute in: the dtype, the convention, subnormals kept or flushed."""
        return arithmetic(self.dtype, self.arithmetic, flush=self.subnormals == "flush")

    @property
    def per_parameter(self) -> bool:
        """Whether lr or the weight decay is given one value per parameter."""
        return isinstance(self.lr, list) or isinstance(self.weight_decay, list)


class State(NamedTuple):
    """What Adadelta carries from one step to the next, one entry per parameter."""

    eg2: np.ndarray  # E[g²]_t: running average of squared gradients
    edx2: np.ndarray  # E[Δx²]_t: running average of squared (unscaled) updates
    x: np.ndarray  # x_t: the parameters


class Step(NamedTuple):
    """Everything one step computed, one entry per parameter (or, from ``run``, one row per step)."""

    g: np.ndarray  # g_t as given
    g_eff: np.ndarray  # the gradient the recurrence used (maximize, coupled weight decay)
    eg2: np.ndarray  # E[g²]_t
    edx2_prev: np.ndarray  # E[Δx²]_{t−1}
    eta: np.ndarray  # η_t
    dx: np.ndarray  # Δx_t
    edx2: np.ndarray  # E[Δx²]_t
    x: np.ndarray  # x_t


FIELDS = Step._fields


def storage_dtype(dtype: str) -> str:
    """The numpy dtype a trace in ``dtype`` is held in: float16 and bfloat16 values live in float32 arrays (each
    exactly, rounded there after every operation: ``arith``), as numpy has no bfloat16."""
    return "float32" if dtype in NARROW else dtype


def init(x0=0.0, eg2=0.0, edx2=0.0, *, size: int | None = None, dtype: str = "float64") -> State:
    """The state before step 1: E[g²]_0, E[Δx²]_0 and x_0 (scalars broadcast to ``size`` parameters).

    >>> init(0.5, size=2)
    State(eg2=array([0., 0.]), edx2=array([0., 0.]), x=array([0.5, 0.5]))
    """
    arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (eg2, edx2, x0)]
    n = size if size is not None else max(a.size for a in arrays)
    ops = arithmetic(dtype)
    try:
        arrays = [np.array(ops.cast(np.broadcast_to(a, (n,)))) for a in arrays]
    except ValueError:
        raise SettingsError(_f('initial values must be one number or one per parameter (%(parameters)s)',
                               parameters=n)) from None
    return State(*arrays)


# The formulas, each in one place; the step description (``recurrence``) names them and gives each its inputs.
# ``ops`` is the arithmetic: float64, or float32 rounded as PyTorch's CPU kernels round it (their order of
# operations is kept in both). ``out`` receives the result in place.

def compute_g_eff(g, x_prev=None, *, settings: Settings, ops, out=None):
    """g_eff = ±g + wd·x_{t−1}: negated for maximize, plus coupled (L2) weight decay."""
    coupled = settings.coupled
    g_eff = ops.neg(g, out=None if coupled else out) if settings.maximize else g
    if coupled:
        g_eff = ops.fma(ops.scalar(settings.weight_decay), x_prev, g_eff, out=out)
    return g_eff


def _decaying_average_of_squares(previous, v, rho: float, ops, out):
    """ρ·previous + (1−ρ)·v², rounded as PyTorch's mul_(ρ).addcmul_(v, v, value=1−ρ)."""
    return ops.addcmul(ops.mul(previous, ops.scalar(rho)), v, v, 1.0 - rho, out=out)


def compute_eg2(eg2_prev, g_eff, *, settings: Settings, ops, out=None):
    """E[g²]_t = ρ·E[g²]_{t−1} + (1−ρ)·g_t²."""
    return _decaying_average_of_squares(eg2_prev, g_eff, settings.rho, ops, out)


def compute_eta(edx2_prev, eg2, *, settings: Settings, ops, out=None):
    """η_t = √(E[Δx²]_{t−1} + ε) / √(E[g²] + ε), with E[g²]_t (Algorithm 1), or E[g²]_{t−1} where the settings'
    rate_eg2 is "previous" (TensorFlow.js): the step description passes the one in force."""
    eps = ops.scalar(settings.eps)
    numerator = ops.sqrt(ops.add(edx2_prev, eps))
    denominator = ops.sqrt(ops.add(eg2, eps))
    if getattr(ops, "keras_order", False):
        ops.rate_terms = (numerator, denominator)  # Δx is then worked out from these, in Keras's order
    return ops.div(numerator, denominator, out=out)


def compute_dx(eta, g_eff, *, settings: Settings, ops, out=None):
    """Δx_t = −η_t·g_t; in Keras's order (the arithmetic's ``keras_order``), −(√(E[Δx²]_{t−1} + ε)·g_t)/√(E[g²]_t
    + ε), from the two roots of the η just computed."""
    if getattr(ops, "keras_order", False) and getattr(ops, "rate_terms", None) is not None:
        numerator, denominator = ops.rate_terms
        ops.rate_terms = None
        return ops.neg(ops.div(ops.mul(numerator, g_eff, out=out), denominator, out=out), out=out)
    return ops.neg(ops.mul(eta, g_eff, out=out), out=out)


def compute_edx2(edx2_prev, dx, *, settings: Settings, ops, out=None):
    """E[Δx²]_t = ρ·E[Δx²]_{t−1} + (1−ρ)·Δx_t², with the unscaled Δx_t (lr never enters here)."""
    return _decaying_average_of_squares(edx2_prev, dx, settings.rho, ops, out)


def compute_x(x_prev, dx, *, settings: Settings, ops, out=None):
    """x_t = x_{t−1} + lr·Δx_t; decoupled weight decay (Keras 3) first shrinks x_{t−1} to x_{t−1}·(1 − lr·wd)."""
    lr = ops.scalar(settings.lr_value)
    if settings.decoupled:
        if getattr(ops, "kind", "fused") in ("unfused", "keras", "tf-keras"):
            # Keras 3 on JAX and TensorFlow, tf.keras: x − x·wd·lr, each operation rounded (wd as held).
            shrink = ops.mul(ops.mul(x_prev, ops.scalar(settings.weight_decay)), lr)
            x_prev = ops.add(x_prev, ops.neg(shrink))
        else:
            # Keras 3 on torch multiplies the variable by (1 − lr·wd) before the optimizer's own step.
            x_prev = ops.mul(x_prev, ops.scalar(settings.decay_factor))
    return ops.fma(lr, dx, x_prev, out=out)
