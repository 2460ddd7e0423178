"""The float64 recurrence one parameter at a time in plain Python floats: the exact fallback where the compiled
kernel is not built (or is switched off), bit for bit the kernel's arithmetic, and quicker than numpy for a few
parameters (numpy spends some 50 µs a step on passes over a row of one value).

Python (before 3.13) has no fused multiply-add, so a·b + c rounded once is emulated exactly: the product's rounding
error by Dekker's TwoProduct (Veltkamp's split), the sum's by Knuth's TwoSum. Adding the two errors rounds once
more, which can only matter where the last addition lands exactly halfway between two doubles; its rounding error
is then a power of two, which is looked for, and that rare step is done again in exact integer arithmetic. So are
the magnitudes where an error term would underflow or a split overflow (below 2^-900, above 2^960).

``step`` takes the kernel's operations in its order, so the same doubles; ``fma64`` (``arith``) takes ``fma``'s
steps elementwise over numpy arrays.
"""

from __future__ import annotations

from math import frexp, isfinite
from typing import NamedTuple

import numpy as np

from adadelta_cli.maths.tree import ieee_div, ieee_sqrt

SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant for doubles
TINY = 2.0 ** -900  # products at least this large have an exactly representable rounding error
BOUND = 2.0 ** 960  # products and addends below this never overflow in the error terms
SPLIT_MAX = 2.0 ** 995  # numbers below this split without overflow
HALVES = (0.5, -0.5)  # frexp's mantissa of a power of two


def fma_exact(a: float, b: float, c: float) -> float:
    """a·b + c rounded once to the nearest double (ties to even), as C's fma() rounds it, by exact arithmetic.

    >>> fma_exact(0.1, 10.0, -1.0)
    5.551115123125783e-17
    """
    if a == 0.0 or b == 0.0 or not (isfinite(a) and isfinite(b)):
        return a * b + c  # the product is exact (a signed zero), or IEEE's own infinities and NaNs apply
    if not isfinite(c):
        return c + 0.0  # a finite product cannot change an infinity (or a NaN)
    from fractions import Fraction

    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return 0.0  # an exact zero sum of a non-zero product and c is +0 in round-to-nearest
    try:
        return exact.numerator / exact.denominator  # int / int: correctly rounded, subnormals included
    except OverflowError:
        return float("inf") if exact > 0 else float("-inf")


def fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once: error-free transformations, exact arithmetic for the rare rest.

    >>> a = 1 + 2.0**-30
    >>> fma(a, a, -1.0) == 2.0**-29 + 2.0**-60, a * a - 1.0 == 2.0**-29 + 2.0**-60
    (True, False)
    """
    p = a * b
    if not (TINY < abs(p) < BOUND and -BOUND < c < BOUND and -SPLIT_MAX < a < SPLIT_MAX
            and -SPLIT_MAX < b < SPLIT_MAX):
        return fma_exact(a, b, c)
    t = a * SPLIT
    ah = t - (t - a)
    al = a - ah
    t = b * SPLIT
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    if not e:
        return s  # the product is exact (lr = 1, say): one rounding of its sum is the fused result
    bp = s - p
    u = ((p - (s - bp)) + (c - bp)) + e
    z = s + u
    r = u - (z - s)
    if r and frexp(r)[0] in HALVES:
        return fma_exact(a, b, c)
    return z


def two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, e, ok): p = a·b rounded, e its exact rounding error where ``ok`` (elsewhere use fma_exact)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p = a * b
        t = a * SPLIT
        ah = t - (t - a)
        al = a - ah
        t = b * SPLIT
        bh = t - (t - b)
        bl = b - bh
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        magnitude = np.abs(p)
        ok = ((magnitude > TINY) & (magnitude < BOUND) & (np.abs(a) < SPLIT_MAX) & (np.abs(b) < SPLIT_MAX)) | \
            (((a == 0) | (b == 0)) & np.isfinite(a) & np.isfinite(b))
    return p, np.where(ok & (p != 0), e, 0.0), ok  # an exact zero product has no error (whatever the split gave)


class Constants(NamedTuple):
    """What one step of one parameter reads besides its state: the settings as ``step`` takes them."""

    rho: float
    one_minus_rho: float
    eps: float
    lr: float
    wd: float
    decay: float  # decoupled weight decay's 1 − lr·wd
    maximize: bool
    coupled: bool
    decoupled: bool


def step(k: Constants, g: float, eg2: float, edx2: float, x: float):
    """One step of one parameter in Python floats, the kernel's operations in its order (``fma`` rounding once as
    the kernel's fused multiply-adds do, IEEE's infinities and NaNs where a denominator is zero): from g_t and
    (E[g²]_{t−1}, E[Δx²]_{t−1}, x_{t−1}), the tuple (g_eff, E[g²]_t, η_t, Δx_t, E[Δx²]_t, x_t). A closed loop
    (``optimize``: g_t taken at x_{t−1}) calls it a step at a time.

    >>> k = Constants(0.95, 1.0 - 0.95, 1e-6, 1.0, 0.0, 1.0, False, False, False)
    >>> [float(f"{v:.6g}") for v in step(k, 0.1, 0.0, 0.0, 0.0)]
    [0.1, 0.0005, 0.0446767, -0.00446767, 9.98004e-07, -0.00446767]
    """
    rho, one_minus_rho, eps, lr, wd, decay, maximize, coupled, decoupled = k
    v = -g if maximize else g
    if coupled:
        v = fma(wd, x, v)
    eg2 = fma(one_minus_rho * v, v, eg2 * rho)
    eta = ieee_div(ieee_sqrt(edx2 + eps), ieee_sqrt(eg2 + eps))
    d = -(eta * v)
    edx2 = fma(one_minus_rho * d, d, edx2 * rho)
    return v, eg2, eta, d, edx2, fma(lr, d, x * decay if decoupled else x)


def column(g: np.ndarray, eg2_0: float, edx2_0: float, x_0: float, *, rho: float, eps: float, lr: float,
           wd: float, decay: float, maximize: bool, coupled: bool, decoupled: bool):
    """One parameter's trace, ``step`` after ``step``: a row per step of (g_eff, E[g²], η, Δx, E[Δx²], x)."""
    k = Constants(rho, 1.0 - rho, eps, lr, wd, decay, maximize, coupled, decoupled)
    rows = []
    eg2, edx2, x = eg2_0, edx2_0, x_0
    for gt in g.tolist():
        rows.append(row := step(k, gt, eg2, edx2, x))
        eg2, edx2, x = row[1], row[4], row[5]
    return np.array(rows, dtype=np.float64).reshape(len(rows), 6)
