"""The Adadelta recurrence (Zeiler 2012, Algorithm 1) as pure functions over numpy arrays.

For each parameter and each step t = 1, 2, ...::

    g_eff_t    = ±g_t + wd·x_{t−1}                       (− with maximize; wd only in coupled mode)
    E[g²]_t    = ρ·E[g²]_{t−1} + (1−ρ)·g_eff_t²
    η_t        = √(E[Δx²]_{t−1} + ε) / √(E[g²]_t + ε)
    Δx_t       = −η_t·g_eff_t
    E[Δx²]_t   = ρ·E[Δx²]_{t−1} + (1−ρ)·Δx_t²             (the accumulator takes the unscaled Δx_t)
    x_t        = x_{t−1} + lr·Δx_t                        (decoupled mode: x_{t−1}·(1 − lr·wd) + lr·Δx_t)

Nothing here reads files, prints or knows about the command line. ``init`` builds a state, ``update`` takes one
step and returns the step's record with the new state, ``run`` folds ``update`` over a sequence of gradients.

>>> steps = run([[0.1], [0.2], [0.15]], Settings())
>>> [float(f"{v:.6g}") for v in steps.eg2[:, 0]]
[0.0005, 0.002475, 0.00347625]
>>> [float(f"{v:.6g}") for v in steps.dx[:, 0]]
[-0.00446767, -0.00568137, -0.00480087]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .arith import Arith, arithmetic, fma32, fma64  # noqa: F401  (the arithmetic has its own module)
from .errors import NumericError, SettingsError
from .i18n import _f
from .recurrence import Mode, run_step
from .settings import DTYPES, WEIGHT_DECAY_MODES  # noqa: E402,F401  (one home: the settings module)


@dataclass(frozen=True)
class Settings:
    """The hyperparameters of one run. Defaults are the article's and the paper's."""

    rho: float = 0.95  # ρ (the article's γ): decay of both running averages
    eps: float = 1e-6  # ε: added inside both square roots
    lr: float | list = 1.0  # multiplies the step applied to x, never the accumulator (a list: one per parameter)
    weight_decay: float | list = 0.0  # (a list: one per parameter)
    weight_decay_mode: str = "coupled"  # coupled: PyTorch's L2 in the gradient; decoupled: Keras 3's shrink of x
    maximize: bool = False  # ascend: the gradient is negated before anything else
    dtype: str = "float64"  # float32 follows torch.optim.Adadelta's CPU kernels operation by operation
    lr_dtype: str = "float64"  # float32: lr held in float32, as Keras keeps it (a float32 variable)
    hyper_float32: str = ""  # the hyperparameters rounded to float32 (already rounded in the values above)
    rate_eg2: str = "current"  # η divides by E[g²]_t (Algorithm 1) or E[g²]_{t−1} ("previous": TensorFlow.js)
    nonfinite: str = "stop"  # at the first NaN or infinity: stop (NumericError) or continue as IEEE arithmetic does
    arithmetic: str = "fused"  # fused (torch's CPU kernels), foreach (torch foreach=True), unfused (optax, XLA, numpy)
    subnormals: str = "keep"  # keep (IEEE gradual underflow) or flush (to zero, operands and results: XLA on the CPU)

    def __post_init__(self) -> None:
        from .settings import validate

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

    def ops(self, size: int | None = None) -> Arith:
        """The arithmetic these settings compute in: the dtype, the convention, subnormals kept or flushed."""
        return arithmetic(self.dtype, size, self.arithmetic, self.subnormals == "flush")

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
    return "float32" if dtype in ("float16", "bfloat16") else dtype


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


def update(g, state: State, settings: Settings, *, eg2: np.ndarray | None = None) -> tuple[Step, State]:
    """One Adadelta step: the step's record and the new state. ``eg2`` overrides E[g²]_t (given, not computed).

    >>> step, new = update(np.array([0.1]), init(), Settings())
    >>> float(step.eg2[0]), float(f"{step.eta[0]:.6g}"), float(f"{step.dx[0]:.6g}")
    (0.0005000000000000004, 0.0446767, -0.00446767)
    """
    ops = settings.ops()
    g = ops.cast(g)
    values = {"g": g, "eg2_prev": state.eg2, "edx2_prev": state.edx2, "x_prev": state.x}
    # Overflow and 0/0 are let through here and reported, with their step, by check_finite.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        run_step(values, settings, ops, given=None if eg2 is None else {"eg2": ops.cast(eg2)})
    v = values
    return (Step(g, v.get("g_eff", g), v["eg2"], state.edx2, v["eta"], v["dx"], v["edx2"], v["x"]),
            State(v["eg2"], v["edx2"], v["x"]))


# The five formulas, each in one place. ``ops`` is the arithmetic: float64, or float32 rounded as PyTorch's
# CPU kernels round it (their order of operations is kept in both). ``out`` receives the result in place.

def effective_gradient(g, x_prev, settings: Settings, ops=None, out=None):
    """g_eff = ±g + wd·x_{t−1}: negated for maximize, plus coupled (L2) weight decay."""
    ops = ops or arithmetic()
    coupled = bool(settings.weight_decay) and settings.weight_decay_mode == "coupled"
    g_eff = ops.neg(g, out=None if coupled else out) if settings.maximize else g
    if coupled:
        g_eff = ops.fma(ops.scalar(settings.weight_decay), x_prev, g_eff, out=out)
    return g_eff


def _decaying_average_of_squares(previous, v, rho: float, ops, out):
    """ρ·previous + (1−ρ)·v², rounded as PyTorch's mul_(ρ).addcmul_(v, v, value=1−ρ)."""
    ops = ops or arithmetic()
    return ops.addcmul(ops.mul(previous, ops.scalar(rho), out=ops.tmp(2)), v, v, 1.0 - rho, out=out)


def next_eg2(eg2_prev, g_eff, rho: float, ops=None, out=None):
    """E[g²]_t = ρ·E[g²]_{t−1} + (1−ρ)·g_t²."""
    return _decaying_average_of_squares(eg2_prev, g_eff, rho, ops, out)


def rate(edx2_prev, eg2, eps: float, ops=None, out=None):
    """η_t = √(E[Δx²]_{t−1} + ε) / √(E[g²] + ε), with E[g²]_t (Algorithm 1), or E[g²]_{t−1} where the settings'
    rate_eg2 is "previous" (TensorFlow.js): the caller passes the one in force."""
    ops = ops or arithmetic()
    eps = ops.scalar(eps)
    numerator = ops.sqrt(ops.add(edx2_prev, eps, out=ops.tmp(1)), out=ops.tmp(1))
    denominator = ops.sqrt(ops.add(eg2, eps, out=ops.tmp(2)), out=ops.tmp(2))
    if getattr(ops, "keras_order", False):
        ops.rate_terms = (numerator, denominator)  # Δx is then worked out from these, in Keras's order
    return ops.div(numerator, denominator, out=out)


def delta(eta, g_eff, ops=None, out=None):
    """Δx_t = −η_t·g_t; in Keras's order (the arithmetic's ``keras_order``), −(√(E[Δx²]_{t−1} + ε)·g_t)/√(E[g²]_t
    + ε), from the two roots of the η just computed."""
    ops = ops or arithmetic()
    if getattr(ops, "keras_order", False) and getattr(ops, "rate_terms", None) is not None:
        numerator, denominator = ops.rate_terms
        ops.rate_terms = None
        return ops.neg(ops.div(ops.mul(numerator, g_eff, out=out), denominator, out=out), out=out)
    return ops.neg(ops.mul(eta, g_eff, out=out), out=out)


def next_edx2(edx2_prev, dx, rho: float, ops=None, out=None):
    """E[Δx²]_t = ρ·E[Δx²]_{t−1} + (1−ρ)·Δx_t², with the unscaled Δx_t (lr never enters here)."""
    return _decaying_average_of_squares(edx2_prev, dx, rho, ops, out)


def compute_g_eff(g, x_prev=None, *, settings: Settings, ops=None, out=None):
    """The step description's g_eff (``recurrence``): its inputs g_t (and x_{t−1} with coupled weight decay)."""
    return effective_gradient(g, x_prev, settings, ops, out)


def compute_eg2(eg2_prev, g_eff, *, settings: Settings, ops=None, out=None):
    """The step description's E[g²]_t, from E[g²]_{t−1} and the gradient in use."""
    return next_eg2(eg2_prev, g_eff, settings.rho, ops, out)


def compute_eta(edx2_prev, eg2, *, settings: Settings, ops=None, out=None):
    """The step description's η_t, from E[Δx²]_{t−1} and the E[g²] its mode reads (E[g²]_t, or E[g²]_{t−1})."""
    return rate(edx2_prev, eg2, settings.eps, ops, out)


def compute_dx(eta, g_eff, *, settings: Settings, ops=None, out=None):
    """The step description's Δx_t, from η_t and the gradient in use."""
    return delta(eta, g_eff, ops, out)


def compute_edx2(edx2_prev, dx, *, settings: Settings, ops=None, out=None):
    """The step description's E[Δx²]_t, from E[Δx²]_{t−1} and the unscaled Δx_t."""
    return next_edx2(edx2_prev, dx, settings.rho, ops, out)


def compute_x(x_prev, dx, *, settings: Settings, ops=None, out=None):
    """The step description's x_t, from x_{t−1} and Δx_t."""
    return next_x(x_prev, dx, settings, ops, out)


def next_x(x_prev, dx, settings: Settings, ops=None, out=None):
    """x_t = x_{t−1} + lr·Δx_t; decoupled weight decay (Keras 3) first shrinks x_{t−1} to x_{t−1}·(1 − lr·wd)."""
    ops = ops or arithmetic()
    lr = ops.scalar(settings.lr_value)
    if settings.weight_decay and settings.weight_decay_mode == "decoupled":
        if getattr(ops, "kind", "fused") in ("unfused", "keras", "tf-keras"):
            # Keras 3 on JAX and TensorFlow, tf.keras: x − x·wd·lr, each operation rounded (wd as held).
            shrink = ops.mul(ops.mul(x_prev, ops.scalar(settings.weight_decay), out=ops.tmp(3)), lr, out=ops.tmp(3))
            x_prev = ops.add(x_prev, ops.neg(shrink, out=ops.tmp(3)), out=ops.tmp(3))
        else:
            # Keras 3 on torch multiplies the variable by (1 − lr·wd) before the optimizer's own step.
            x_prev = ops.mul(x_prev, ops.scalar(settings.decay_factor), out=ops.tmp(3))
    return ops.fma(lr, dx, x_prev, out=out)


SCALAR_MAX_PARAMS = 32  # float64 traces of this many parameters or fewer may go column by column in plain Python
# A trace this small is worked out in plain Python even where the kernel is built: loading the kernel (ctypes, its
# checksum) costs about 2 ms in a fresh process, plain Python about 0.6 ms for 3 values and 2.7 ms for 2,000
# (measured; the same bits either way).
KERNEL_MIN_VALUES = 1000
# "numpy" is the description's own loop (recurrence.run_step over numpy rows); "python" and "kernel" are the fast
# paths held bit for bit to it; "auto"/"sequential" choose by the trace's shape and the ADADELTA_ENGINE setting.
METHODS = ("auto", "sequential", "kernel", "numpy", "python")
ENGINES = ("auto", "numpy", "python", "kernel")


def engine_setting() -> str:
    """The engine asked for in the environment: ADADELTA_ENGINE=auto|numpy|python|kernel (the fast paths only
    where they apply: float64, Algorithm 1's order); ADADELTA_KERNEL=numpy switches the kernel off. Read at each
    run, so a choice never depends on what happens to be imported."""
    import os

    chosen = os.environ.get("ADADELTA_ENGINE", "").strip().lower() or "auto"
    if chosen not in ENGINES:
        raise SettingsError(_f("ADADELTA_ENGINE must be one of %(engines)s, got %(value)s",
                               engines=", ".join(ENGINES), value=repr(chosen)))
    return chosen


def run(grads, settings: Settings, state: State | None = None, *, method: str = "auto",
        derived: bool = True) -> Step:
    """Fold ``update`` over ``grads`` (shape steps × parameters); each field of the result has that shape.

    Every method gives the same doubles. ``method``: "numpy" steps through the formulas above, a row of
    parameters at a time; "kernel" runs the same operations in the compiled float64 kernel (adadelta_cli.kernel);
    "python" runs them a parameter at a time in plain Python floats (adadelta_cli.scalar; float64); "sequential"
    (or "auto") is the kernel where it is built and the settings are float64, else "python" for up to
    SCALAR_MAX_PARAMS float64 parameters (quicker there than numpy's passes over short rows), else "numpy".
    ``derived=False`` leaves η and Δx out of the result (None): they follow from the rest elementwise
    (``derive``), and a wide trace is spared two arrays.
    Raises NumericError, naming the step and parameter, where a value stops being a finite number.
    """
    grads = np.asarray(grads, dtype=np.float64)
    if grads.ndim == 1:
        grads = grads[:, None]
    if state is None:
        state = init(size=grads.shape[1], dtype=settings.dtype)
    return advance(grads, settings, state, method=method, derived=derived)[0]


def advance(grads: np.ndarray, settings: Settings, state: State, *, method: str = "auto",
            first_step: int = 1, derived: bool = True) -> tuple[Step, State]:
    """``run`` for one block of a longer trace: the block's records and the state after it."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    out, state = sequential(grads, settings, state, method=method, derived=derived)
    check_finite(out, settings, first_step)
    return out, state


def _fast_paths_apply(settings: Settings) -> bool:
    """The fast paths (plain Python, the kernel) compute float64 with torch's fused roundings only."""
    return settings.dtype == "float64" and settings.arithmetic in ("fused", "foreach") and \
        settings.subnormals == "keep"


def _kernel_applies(settings: Settings) -> bool:
    if not _fast_paths_apply(settings):
        return False
    from . import kernel

    return kernel.available()


def sequential(grads: np.ndarray, settings: Settings, state: State, *, method: str = "sequential",
               derived: bool = True) -> tuple[Step, State]:
    """The formulas step by step, written in place into the output arrays (no allocation per step).

    ``method``: "numpy", "python", "kernel" (an error where it is not built), or "sequential"/"auto" (the
    kernel where it applies, else by shape). ``derived=False``: η and Δx are not kept (None in the result).
    """
    if settings.per_parameter:
        return _by_groups(grads, settings, state, method=method, derived=derived)
    steps, size = grads.shape
    ops = settings.ops(size)
    g = ops.cast(grads)  # beyond float32's range: infinite, as a float32 framework reads it
    mode = Mode.of(settings)
    differs = mode.g_eff
    if method == "kernel" and not _kernel_applies(settings):
        raise ValueError("the compiled float64 kernel is not available here (or the dtype is not float64)")
    if method == "python" and not _fast_paths_apply(settings):
        raise ValueError("the plain Python engine computes float64 with fused roundings only")
    # The fast paths follow Algorithm 1's order; TensorFlow.js's E[g²]_{t−1} in η is the description's loop only.
    loop_only = settings.rate_eg2 == "previous"
    if loop_only and method in ("kernel", "python"):
        raise ValueError("E[g²]_{t−1} in η is computed by the description's loop (method 'numpy')")
    derived = derived or loop_only  # η then needs E[g²]_{t−1}: kept, not derived later
    if method in ("sequential", "auto"):
        method = _choose(settings, steps, size, loop_only)
    threads = 1
    if method == "kernel":
        from . import kernel

        threads = kernel.threads_for(steps, size)

    def new(shape):
        return empty(shape, ops.dtype)

    g_eff_all = new(g.shape) if differs else g
    eg2_all, x_all = new(g.shape), new(g.shape)
    eta_all, dx_all = (new(g.shape), new(g.shape)) if derived or method == "python" else (None, None)
    edx2_all = new((steps + 1, size))  # row t holds E[Δx²]_t: both edx2 and edx2_prev
    edx2_all[0] = state.edx2
    coupled = bool(settings.weight_decay) and settings.weight_decay_mode == "coupled"
    decoupled = bool(settings.weight_decay) and settings.weight_decay_mode == "decoupled"
    if method == "kernel":
        kernel.run(np.ascontiguousarray(g), g_eff_all if differs else None, eg2_all, edx2_all[1:], eta_all, dx_all,
                   x_all, state.eg2, state.edx2, state.x, threads=threads, **kernel_settings(settings))
    elif method == "python":
        from . import scalar

        for j in range(size):
            columns = scalar.column(g[:, j], float(state.eg2[j]), float(state.edx2[j]), float(state.x[j]),
                                    rho=settings.rho, eps=settings.eps, lr=settings.lr_value,
                                    wd=settings.weight_decay, decay=settings.decay_factor,
                                    maximize=settings.maximize, coupled=coupled, decoupled=decoupled)
            for target, values in zip((g_eff_all if differs else None, eg2_all, edx2_all, eta_all, dx_all, x_all),
                                      columns):
                if target is not None:
                    target[:, j] = values
        if not derived:
            eta_all = dx_all = None
    else:
        eta_row, dx_row = (None, None) if derived else (np.empty(size, ops.dtype), np.empty(size, ops.dtype))
        eg2, x = state.eg2, state.x
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for t in range(steps):
                values = {"g": g[t], "eg2_prev": eg2, "edx2_prev": edx2_all[t], "x_prev": x}
                run_step(values, settings, ops, mode, out={
                    "g_eff": g_eff_all[t] if differs else None, "eg2": eg2_all[t],
                    "eta": eta_all[t] if derived else eta_row, "dx": dx_all[t] if derived else dx_row,
                    "edx2": edx2_all[t + 1], "x": x_all[t]})
                eg2, x = values["eg2"], values["x"]
    out = Step(g, g_eff_all, eg2_all, edx2_all[:-1], eta_all, dx_all, edx2_all[1:], x_all)
    if steps == 0:
        return out, state
    return out, State(eg2_all[-1].copy(), edx2_all[-1].copy(), x_all[-1].copy())


def _choose(settings: Settings, steps: int, size: int, loop_only: bool) -> str:
    """The engine for a trace of this shape: the one ADADELTA_ENGINE asks for where it applies, else by shape
    (plain Python for a short, narrow float64 trace, the kernel where it is built, plain Python for a few float64
    parameters, else the description's loop over numpy rows)."""
    chosen = engine_setting()
    if loop_only or chosen == "numpy":
        return "numpy"
    if not _fast_paths_apply(settings):
        return "numpy"
    if chosen == "python":
        return "python"
    if chosen == "kernel" and _kernel_applies(settings):
        return "kernel"
    if settings.dtype == "float64" and size <= SCALAR_MAX_PARAMS and steps * size < KERNEL_MIN_VALUES:
        return "python"
    if _kernel_applies(settings):
        return "kernel"
    if settings.dtype == "float64" and size <= SCALAR_MAX_PARAMS:
        return "python"
    return "numpy"


def replayable(settings: Settings) -> bool:
    """Whether the kernel can work a trace out again on demand (Replay): float64, one lr and one weight decay for
    every parameter, η by Algorithm 1."""
    return not settings.per_parameter and settings.rate_eg2 == "current" and _kernel_applies(settings)


class Replay:
    """A float64 trace kept as what it starts from, the gradients, the settings and the state before step 1:
    any quantity's history is worked out again by the kernel when it is asked for (the same operations, so the
    same bits), and only what is asked for is kept. A wide trace whose reader wants two quantities never holds the
    other three: the memory written, not the arithmetic, is most of its time.

    The gradients are not copied: a digest of each column, taken in the first run, is checked by every later run,
    which raises ValueError where they have been changed meanwhile rather than give another trace's values.
    """

    def __init__(self, grads: np.ndarray, settings: Settings, state: State) -> None:
        self.grads = np.ascontiguousarray(grads, dtype=np.float64)
        self.settings = settings
        self.state = State(*(np.ascontiguousarray(v, dtype=np.float64) for v in state))
        self.differs = bool(settings.maximize or (settings.weight_decay and settings.weight_decay_mode == "coupled"))
        self.digest: np.ndarray | None = None

    def run(self) -> State:
        """The state after the last step (nothing else is kept); the first call takes the gradients' digest."""
        return self._run({})

    def histories(self, names) -> dict[str, np.ndarray]:
        """The histories ``names`` (of FIELDS), worked out in one run; edx2 and edx2_prev come together (one
        array, two views)."""
        steps, size = self.grads.shape
        out: dict[str, np.ndarray] = {}
        for name in names:
            if name in ("edx2", "edx2_prev"):
                if "edx2" not in out:
                    both = empty((steps + 1, size), np.float64)
                    both[0] = self.state.edx2
                    out["edx2_prev"], out["edx2"] = both[:-1], both[1:]
            elif name == "g" or (name == "g_eff" and not self.differs):
                out[name] = self.grads
            else:
                out[name] = empty((steps, size), np.float64)
        self._run(out)
        return out

    def _run(self, out: dict) -> State:
        from . import kernel

        steps, size = self.grads.shape
        digest = np.empty(size, np.uint64)
        end = kernel.run(self.grads, out.get("g_eff") if self.differs else None, out.get("eg2"), out.get("edx2"),
                         out.get("eta"), out.get("dx"), out.get("x"), *self.state, digest=digest,
                         **kernel_settings(self.settings))
        if self.digest is None:
            self.digest = digest
        elif not np.array_equal(digest, self.digest):
            raise ValueError("the gradients given to trace() have been changed since, so the quantities not yet "
                             "read cannot be worked out again; trace a copy (trace(g.copy())) to change g freely")
        return State(*end)


def kernel_settings(settings: Settings) -> dict:
    """The keyword arguments of kernel.run for scalar float64 settings."""
    return dict(rho=settings.rho, eps=settings.eps, lr=settings.lr_value, wd=settings.weight_decay,
                decay=settings.decay_factor, maximize=settings.maximize,
                coupled=bool(settings.weight_decay) and settings.weight_decay_mode == "coupled",
                decoupled=bool(settings.weight_decay) and settings.weight_decay_mode == "decoupled")


def _by_groups(grads: np.ndarray, settings: Settings, state: State, *, method: str,
               derived: bool) -> tuple[Step, State]:
    """Per-parameter lr or weight decay, as parameter groups: the parameters sharing both run as one trace with
    scalar settings (the columns are independent), so each group takes the fastest method that applies."""
    import dataclasses

    steps, size = grads.shape
    lrs = settings.lr if isinstance(settings.lr, list) else [settings.lr] * size
    wds = settings.weight_decay if isinstance(settings.weight_decay, list) else [settings.weight_decay] * size
    groups: dict[tuple, list[int]] = {}
    for j, key in enumerate(zip(lrs, wds)):
        groups.setdefault(key, []).append(j)
    dtype = np.dtype(storage_dtype(settings.dtype))
    fields: dict[str, np.ndarray | None] = {}
    after = [np.empty(size, dtype) for _ in State._fields]
    for (lr, wd), columns in groups.items():
        cols = np.array(columns)
        scalar = dataclasses.replace(settings, lr=lr, weight_decay=wd)
        part, end = sequential(np.ascontiguousarray(grads[:, cols]), scalar,
                               State(*(np.asarray(v)[cols] for v in state)), method=method, derived=derived)
        for name, values in zip(Step._fields, part):
            if values is None:
                fields[name] = None
                continue
            if name not in fields:
                fields[name] = np.empty((steps, size), values.dtype)
            fields[name][:, cols] = values
        for whole, values in zip(after, end):
            whole[cols] = values
    return Step(**{name: fields.get(name) for name in Step._fields}), State(*after)


def empty(shape, dtype) -> np.ndarray:
    """np.empty without numpy's request for transparent huge pages (madvise), which numpy makes for arrays of 4 MB
    or more: where Linux must first compact memory to find huge pages, the first writes to a freshly allocated
    trace wait for it (seconds for a few hundred MB, measured). numpy's own switch is turned off for the
    allocation only, then back to what it was."""
    switch = _MADVISE_HUGEPAGE
    if switch is None or math.prod(shape) * np.dtype(dtype).itemsize < 1 << 22:
        return np.empty(shape, dtype)
    previous = switch(False)
    try:
        return np.empty(shape, dtype)
    finally:
        switch(previous)


def _madvise_switch():
    """numpy's own switch for its huge-page request (numpy._core in numpy 2, numpy.core before), or None."""
    import importlib

    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._set_madvise_hugepage
        except (ImportError, AttributeError):
            continue
    return None


_MADVISE_HUGEPAGE = _madvise_switch()


def derive(edx2_prev: np.ndarray, eg2: np.ndarray, g_eff: np.ndarray, settings: Settings) -> tuple[np.ndarray,
                                                                                                  np.ndarray]:
    """(η, Δx) from E[Δx²]_{t−1}, E[g²]_t and g_eff, any shape: exactly the values the recurrence computed."""
    shape = np.broadcast_shapes(np.shape(edx2_prev), np.shape(eg2), np.shape(g_eff))
    if shape and _kernel_applies(settings):
        from . import kernel

        eta, dx = empty(shape, np.float64), empty(shape, np.float64)
        kernel.derive(*np.broadcast_arrays(edx2_prev, eg2, g_eff), settings.eps, eta, dx)
        return eta, dx
    ops = settings.ops()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        eta = rate(edx2_prev, eg2, settings.eps, ops)
        return eta, delta(eta, g_eff, ops)


def check_finite(trace: Step, settings: Settings, first_step: int = 1) -> None:
    """Raise NumericError at the first step whose record holds a NaN or an infinity, saying why."""
    # A NaN or an infinity anywhere reaches E[g²], E[Δx²] or x in the same step, and none of the three ever
    # becomes finite again (ρ·inf, inf + a square, x + inf stay inf or NaN; a NaN stays a NaN): the last step
    # is a cheap first look.
    if settings.nonfinite == "continue":  # IEEE arithmetic goes on, as the frameworks do (first_nonfinite says where)
        return
    if trace.g.shape[0] == 0 or all(np.isfinite(column[-1]).all() for column in (trace.eg2, trace.edx2, trace.x)):
        return
    bad = np.zeros(trace.g.shape, dtype=bool)
    for column in trace:
        if column is not None:
            bad |= ~np.isfinite(column)
    if not bad.any():
        return
    t, p = (int(i) for i in np.argwhere(bad)[0])
    row = {name: float(column[t, p]) for name, column in zip(FIELDS, trace) if column is not None}
    if trace.eta is None:  # a trace kept without η and Δx: this one place is worked out again
        eta, dx = derive(trace.edx2_prev[t, p], trace.eg2[t, p], trace.g_eff[t, p], settings)
        row.update(eta=float(eta), dx=float(dx))
    where = f"step {t + first_step}" + (f", parameter {p + 1}" if trace.g.shape[1] > 1 else "")
    if not math.isfinite(row["eg2"]):
        why = (f"E[g²] overflows (g = {row['g_eff']!r}; its square exceeds the largest "
               f"{settings.dtype}); scale the gradients down")
    elif math.isnan(row["eta"]):
        from .recurrence import BY_NAME, Mode

        formula = BY_NAME["eta"].equation(Mode.of(settings))  # the formula as every other output prints it
        why = f"{formula} is 0/0: E[g²]_t = 0 and ε = 0; give ε > 0 (--eps) or a non-zero gradient"
    elif math.isinf(row["eta"]):
        why = "η divides by √(E[g²]_t + ε) = 0 (ε = 0 with a zero gradient); give ε > 0 (--eps)"
    else:
        why = f"the update is no longer a finite number ({row})"
    raise NumericError(_f('%(where)s: %(reason)s', where=where, reason=why))


def first_nonfinite(trace: Step) -> tuple[int, int] | None:
    """(step index from 0, parameter) of the first NaN or infinity in a trace's record, or None."""
    if trace.g.shape[0] == 0 or all(np.isfinite(column[-1]).all() for column in (trace.eg2, trace.edx2, trace.x)):
        return None
    bad = np.zeros(trace.g.shape, dtype=bool)
    for column in trace:
        if column is not None:
            bad |= ~np.isfinite(column)
    return tuple(int(i) for i in np.argwhere(bad)[0]) if bad.any() else None
