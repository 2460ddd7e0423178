"""Long traces without a Python loop per step: Adadelta's accumulators as linear recurrences, scanned by numpy.

For given gradients, E[g²] is linear: E[g²]_t = ρ·E[g²]_{t−1} + (1−ρ)·g_t². So is E[Δx²], because
Δx_t² = (E[Δx²]_{t−1} + ε)·g_t² / (E[g²]_t + ε):

    E[Δx²]_t = a_t·E[Δx²]_{t−1} + b_t,   a_t = ρ + (1−ρ)·r_t,   b_t = (1−ρ)·ε·r_t,   r_t = g_t² / (E[g²]_t + ε)

A block of steps is scanned in log2(block) passes (Hillis–Steele), then η_t, Δx_t and x_t follow from the
formulas in core, elementwise. Only float64 without coupled weight decay qualifies (coupled decay feeds x back into
the gradient, and float32 follows PyTorch's kernels step by step). The results agree with the step-by-step order
to about 1e-15 relative (tests/test_scan.py holds them within 1e-12).
"""

from __future__ import annotations

import numpy as np

from . import core

BLOCK = 4096  # steps per scan: bounds the products of a_t, and the passes (log2 4096 = 12)


def can_scan(settings: core.Settings) -> bool:
    return settings.dtype == "float64" and not (settings.weight_decay and settings.weight_decay_mode == "coupled")


def linear_scan(a, b: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """y_t = a_t·y_{t−1} + b_t for t = 1..n (rows), from y0; ``a`` is an array like ``b`` or a scalar."""
    y = b.copy()
    n = y.shape[0]
    if np.ndim(a) == 0:
        y[0] += a * y0
        k, power = 1, float(a)
        while k < n:
            y[k:] += power * y[:-k]
            k, power = 2 * k, power * power
        return y
    coeff = np.array(a, dtype=np.float64, copy=True)
    y[0] += coeff[0] * y0
    k = 1
    while k < n:
        y[k:] += coeff[k:] * y[:-k]
        coeff[k:] *= coeff[:-k].copy()
        k *= 2
    return y


def run_block(grads: np.ndarray, settings: core.Settings, state: core.State) -> tuple[core.Step, core.State]:
    """The records of ``grads`` (steps × parameters) from ``state``, and the state after them."""
    rho, eps = settings.rho, settings.eps
    g = -grads if settings.maximize else grads
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        g2 = g * g
        eg2 = linear_scan(rho, (1.0 - rho) * g2, state.eg2)
        r = g2 / (eg2 + eps)
        edx2 = linear_scan(rho + (1.0 - rho) * r, (1.0 - rho) * eps * r, state.edx2)
        edx2_prev = np.concatenate([state.edx2[None, :], edx2[:-1]])
        eta = core.rate(edx2_prev, eg2, eps)
        dx = core.delta(eta, g)
        lr = settings.lr_value
        if settings.weight_decay:  # decoupled: x_t = c·x_{t−1} + lr·Δx_t
            x = linear_scan(settings.decay_factor, lr * dx, state.x)
        else:
            # Summed from x_{t−1} onwards, in the step-by-step order.
            x = np.cumsum(np.concatenate([state.x[None, :], lr * dx]), axis=0)[1:]
    step = core.Step(grads, g, eg2, edx2_prev, eta, dx, edx2, x)
    return step, core.State(eg2[-1].copy(), edx2[-1].copy(), x[-1].copy())


def run(grads: np.ndarray, settings: core.Settings, state: core.State) -> tuple[core.Step, core.State]:
    """``run_block`` over blocks of BLOCK steps, the state carried from one block to the next."""
    parts = []
    for start in range(0, grads.shape[0], BLOCK):
        step, state = run_block(grads[start:start + BLOCK], settings, state)
        parts.append(step)
    if len(parts) == 1:
        return parts[0], state
    return core.Step(*(np.concatenate(columns) for columns in zip(*parts))), state
