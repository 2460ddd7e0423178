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
import os
from typing import Any

import numpy as np

from adadelta_cli.errors import NumericError, SettingsError
from adadelta_cli.i18n import _f
from adadelta_cli.maths.formulas import FIELDS, Settings, State, Step, init, storage_dtype
from adadelta_cli.maths.recurrence import Mode, run_step


def update(g, state: State, settings: Settings, *, eg2: np.ndarray | None = None) -> tuple[Step, State]:
    """One Adadelta step: the step's record and the new state. ``eg2`` overrides E[g²]_t (given, not computed).

    >>> step, new = update(np.array([0.1]), init(), Settings())
    >>> float(step.eg2[0]), float(f"{step.eta[0]:.6g}"), float(f"{step.dx[0]:.6g}")
    (0.0005000000000000004, 0.0446767, -0.00446767)
    """
    ops = settings.ops()
    g = ops.cast(g)
    v = {"g": g, "eg2_prev": state.eg2, "edx2_prev": state.edx2, "x_prev": state.x}
    # Overflow and 0/0 are let through here and reported, with their step, by check_finite.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        run_step(v, settings, ops, given=None if eg2 is None else {"eg2": ops.cast(eg2)})
    return (Step(g, v.get("g_eff", g), v["eg2"], state.edx2, v["eta"], v["dx"], v["edx2"], v["x"]),
            State(v["eg2"], v["edx2"], v["x"]))


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
    chosen = os.environ.get("ADADELTA_ENGINE", "").strip().lower() or "auto"
    if chosen not in ENGINES:
        raise SettingsError(_f("ADADELTA_ENGINE must be one of %(engines)s, got %(value)s",
                               engines=", ".join(ENGINES), value=repr(chosen)))
    return chosen


def run(grads, settings: Settings, state: State | None = None, *, method: str = "auto") -> Step:
    """Fold ``update`` over ``grads`` (shape steps × parameters); each field of the result has that shape.

    Every method gives the same doubles. ``method``: "numpy" steps through the formulas above, a row of
    parameters at a time; "kernel" runs the same operations in the compiled float64 kernel (adadelta_cli.maths.kernel);
    "python" runs them a parameter at a time in plain Python floats (adadelta_cli.maths.scalar; float64); "sequential"
    (or "auto") is the kernel where it is built and the settings are float64, else "python" for up to
    SCALAR_MAX_PARAMS float64 parameters (quicker there than numpy's passes over short rows), else "numpy".
    Raises NumericError, naming the step and parameter, where a value stops being a finite number.
    """
    grads = np.asarray(grads, dtype=np.float64)
    if grads.ndim == 1:
        grads = grads[:, None]
    if state is None:
        state = init(size=grads.shape[1], dtype=settings.dtype)
    return advance(grads, settings, state, method=method)[0]


def advance(grads: np.ndarray, settings: Settings, state: State, *, method: str = "auto",
            first_step: int = 1) -> tuple[Step, State]:
    """``run`` for one block of a longer trace: the block's records and the state after it."""
    out, state = sequential(grads, settings, state, method=method)
    check_finite(out, settings, first_step)
    return out, state


def fast_paths_apply(settings: Settings) -> bool:
    """The fast paths (plain Python, the kernel) compute float64 with torch's fused roundings, in Algorithm 1's
    order (TensorFlow.js's E[g²]_{t−1} in η is the description's loop only)."""
    return settings.dtype == "float64" and settings.arithmetic in ("fused", "foreach") and \
        settings.subnormals == "keep" and settings.rate_eg2 != "previous"


def _kernel_applies(settings: Settings) -> bool:
    from adadelta_cli.maths import kernel

    return fast_paths_apply(settings) and kernel.available()


def _engine(settings: Settings, method: str, steps: int, size: int) -> str:
    """The engine a trace of this shape runs on: the one ``method`` names (an error where it does not apply), else
    the one ADADELTA_ENGINE asks for where it applies, else by shape (plain Python for a short, narrow trace, the
    kernel where it is built, plain Python for a few parameters, else the description's loop over numpy rows)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "kernel" and not _kernel_applies(settings):
        raise ValueError("the compiled float64 kernel is not available here (or the settings are not float64 with "
                         "fused roundings in Algorithm 1's order)")
    if method == "python" and not fast_paths_apply(settings):
        raise ValueError("the plain Python engine computes float64 with fused roundings in Algorithm 1's order only")
    if method not in ("sequential", "auto"):
        return method
    chosen = engine_setting()
    if chosen == "numpy" or not fast_paths_apply(settings):
        return "numpy"
    if chosen == "python" or (chosen == "kernel" and _kernel_applies(settings)):
        return chosen
    if size <= SCALAR_MAX_PARAMS and steps * size < KERNEL_MIN_VALUES:
        return "python"
    if _kernel_applies(settings):
        return "kernel"
    return "python" if size <= SCALAR_MAX_PARAMS else "numpy"


def sequential(grads: np.ndarray, settings: Settings, state: State, *,
               method: str = "sequential") -> tuple[Step, State]:
    """The formulas step by step, written in place into the output arrays (no allocation per step).

    ``method``: "numpy", "python", "kernel" (an error where it is not built), or "sequential"/"auto" (the
    kernel where it applies, else by shape).
    """
    if settings.per_parameter:
        return _by_groups(grads, settings, state, method=method)
    steps, size = grads.shape
    ops = settings.ops()
    g = ops.cast(grads)  # beyond float32's range: infinite, as a float32 framework reads it
    method = _engine(settings, method, steps, size)
    mode = Mode.of(settings)
    g_eff, eg2, eta, dx, x = (np.empty(g.shape, ops.dtype) for _ in range(5))
    if not mode.g_eff:
        g_eff = g
    edx2 = np.empty((steps + 1, size), ops.dtype)  # row t holds E[Δx²]_t: both edx2 and edx2_prev
    edx2[0] = state.edx2
    hyper: dict[str, Any] = dict(rho=settings.rho, eps=settings.eps, lr=settings.lr_value, wd=settings.weight_decay,
                 decay=settings.decay_factor, maximize=settings.maximize, coupled=settings.coupled,
                 decoupled=settings.decoupled)
    if method == "kernel":
        from adadelta_cli.maths import kernel

        kernel.run(np.ascontiguousarray(g), g_eff if mode.g_eff else None, eg2, edx2[1:], eta, dx, x, *state,
                   **hyper)
    elif method == "python":
        from adadelta_cli.maths import scalar

        for j in range(size):
            rows = scalar.column(g[:, j], *(float(v[j]) for v in state), **hyper)
            for target, values in zip((g_eff, eg2, eta, dx, edx2[1:], x), rows.T):
                if target is not g:
                    target[:, j] = values
    else:
        eg2_prev, x_prev = state.eg2, state.x
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            for t in range(steps):
                values = {"g": g[t], "eg2_prev": eg2_prev, "edx2_prev": edx2[t], "x_prev": x_prev}
                run_step(values, settings, ops, mode, out={"g_eff": g_eff[t] if mode.g_eff else None,
                                                           "eg2": eg2[t], "eta": eta[t], "dx": dx[t],
                                                           "edx2": edx2[t + 1], "x": x[t]})
                eg2_prev, x_prev = values["eg2"], values["x"]
    out = Step(g, g_eff, eg2, edx2[:-1], eta, dx, edx2[1:], x)
    if steps == 0:
        return out, state
    return out, State(eg2[-1].copy(), edx2[-1].copy(), x[-1].copy())


def _by_groups(grads: np.ndarray, settings: Settings, state: State, *, method: str) -> tuple[Step, State]:
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
    fields: dict[str, np.ndarray] = {}
    after = [np.empty(size, dtype) for _ in State._fields]
    for (lr, wd), columns in groups.items():
        cols = np.array(columns)
        scalar = dataclasses.replace(settings, lr=lr, weight_decay=wd)
        part, end = sequential(np.ascontiguousarray(grads[:, cols]), scalar,
                               State(*(np.asarray(v)[cols] for v in state)), method=method)
        for name, values in zip(Step._fields, part):
            column = fields.get(name)
            if column is None:
                column = fields[name] = np.empty((steps, size), values.dtype)
            column[:, cols] = values
        for whole, values in zip(after, end):
            whole[cols] = values
    return Step(**fields), State(*after)


def check_finite(trace: Step, settings: Settings, first_step: int = 1) -> None:
    """Raise NumericError at the first step whose record holds a NaN or an infinity, saying why."""
    # "continue": IEEE arithmetic goes on, as the frameworks do (first_nonfinite says where)
    found = None if settings.nonfinite == "continue" else first_nonfinite(trace)
    if found is None:
        return
    t, p = found
    row = {name: float(column[t, p]) for name, column in zip(FIELDS, trace)}
    where = f"step {t + first_step}" + (f", parameter {p + 1}" if trace.g.shape[1] > 1 else "")
    if not math.isfinite(row["eg2"]):
        why = (f"E[g²] overflows (g = {row['g_eff']!r}; its square exceeds the largest "
               f"{settings.dtype}); scale the gradients down")
    elif math.isnan(row["eta"]):
        from adadelta_cli.maths.recurrence import BY_NAME, Mode

        formula = BY_NAME["eta"].equation(Mode.of(settings))  # the formula as every other output prints it
        why = f"{formula} is 0/0: E[g²]_t = 0 and ε = 0; give ε > 0 (--eps) or a non-zero gradient"
    elif math.isinf(row["eta"]):
        why = "η divides by √(E[g²]_t + ε) = 0 (ε = 0 with a zero gradient); give ε > 0 (--eps)"
    else:
        why = f"the update is no longer a finite number ({row})"
    raise NumericError(_f('%(where)s: %(reason)s', where=where, reason=why))


def first_nonfinite(trace: Step) -> tuple[int, int] | None:
    """(step index from 0, parameter) of the first NaN or infinity in a trace's record, or None."""
    # A NaN or an infinity anywhere reaches E[g²], E[Δx²] or x in the same step, and none of the three ever
    # becomes finite again (ρ·inf, inf + a square, x + inf stay inf or NaN; a NaN stays a NaN): the last step
    # is a cheap first look.
    if trace.g.shape[0] == 0 or all(np.isfinite(column[-1]).all() for column in (trace.eg2, trace.edx2, trace.x)):
        return None
    bad = np.argwhere(np.logical_or.reduce([~np.isfinite(column) for column in trace]))
    return (int(bad[0][0]), int(bad[0][1])) if len(bad) else None
