"""Elementwise arithmetic rounded as PyTorch's CPU kernels round it: float64, or float32 operation by operation.

PyTorch fuses a·b + c in ``addcmul_`` and ``add_(alpha=)`` (one rounding); numpy has no fused multiply-add, so
``fma64`` and ``fma32`` emulate it exactly with error-free transformations (TwoProduct by Veltkamp's split, TwoSum).
The engine (``core``) computes every formula of the step description with these operations; the compiled kernel
and the scalar fallback do the same operations in the same order, and the tests hold all of them bit for bit.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from adadelta_cli.maths.scalar import BOUND, fma_exact, two_product


class Arith:
    """Elementwise arithmetic in one dtype, rounded as PyTorch's CPU kernels round it.

    float64: numpy operations, with a·b + c rounded once (PyTorch's addcmul_ and add_(alpha=) are fused).
    float32: every Python scalar cast to float32 first, as PyTorch casts it, and the same fused roundings.
    """

    def __init__(self, dtype: str = "float64") -> None:
        self.dtype = np.dtype(dtype)

    def scalar(self, v: float):
        return self.dtype.type(v)

    # numpy's own operations: each result rounded once to the operands' dtype
    mul, add, div, sqrt, neg = np.multiply, np.add, np.divide, np.sqrt, np.negative

    def cast(self, values) -> np.ndarray:
        """Values (float64, say) as this dtype holds them."""
        with np.errstate(over="ignore"):  # beyond the dtype's range: infinite, as a framework reads it
            return np.asarray(values, dtype=np.float64).astype(self.dtype, copy=False)

    def addcmul(self, c, a, b, value: float, out=None):
        """c + value·a·b as torch's ``c.addcmul_(a, b, value=value)`` rounds it: fma(value·a, b, c)."""
        return self.fma(self.mul(self.scalar(value), a), b, c, out=out)

    def fma(self, a, b, c, out=None):
        if np.ndim(a) == 0 and float(a) in (0.0, 1.0, -1.0):
            # a·b is exact (lr = 1, say): the addition's is the only rounding, as in the fused operation.
            return np.add(np.multiply(self.scalar(a), b), c, out=out)
        return (fma64 if self.dtype == np.float64 else fma32)(a, b, c, out=out)


# The mixins below (Unfused, Inductor, Flush) are put before an Arith class; to the type checker they are Arith.
if TYPE_CHECKING:
    _Mixin = Arith
else:
    _Mixin = object


class NarrowArith(Arith):
    """float16 and bfloat16 as torch's CPU kernels compute them: each operation in float32 (its "opmath" type),
    the result rounded to the storage type after it. Values are held in float32 arrays, each exactly a float16
    (or bfloat16) value, as numpy has no bfloat16.

    The scalars follow torch too (measured, torch 2.13): a factor (``mul_(ρ)``, ``addcmul_``'s value) is taken
    in float32; a scalar added (``add(ε)``, ``add_(alpha=-lr)``) is first rounded to the storage type.
    """

    foreach = False  # torch's _foreach_mul_ rounds its scalar factor to the storage type too (ForeachNarrowArith)

    def __init__(self, dtype: str) -> None:
        super().__init__("float32")
        self.name = dtype
        self.round = round_float16 if dtype == "float16" else round_bfloat16

    def cast(self, values) -> np.ndarray:
        # As torch casts a float64 tensor: to float32, then to the storage type (measured: bit for bit).
        with np.errstate(over="ignore"):
            return self.round(np.asarray(values, dtype=np.float64).astype(np.float32))

    def _added(self, v):
        return self.round(np.float32(v)) if np.ndim(v) == 0 else v

    def _out(self, result, out):
        return _into(self.round(result), out)

    def mul(self, a, b, out=None):
        if self.foreach:
            a, b = self._added(a), self._added(b)
        return self._out(np.multiply(a, b, dtype=np.float32), out)

    def add(self, a, b, out=None):
        return self._out(np.add(a, self._added(b), dtype=np.float32), out)

    def div(self, a, b, out=None):
        return self._out(np.divide(a, b, dtype=np.float32), out)

    def sqrt(self, a, out=None):
        return self._out(np.sqrt(a, dtype=np.float32), out)

    def neg(self, a, out=None):
        return self._out(np.negative(a, dtype=np.float32), out)

    def addcmul(self, c, a, b, value: float, out=None):
        # value·a stays in float32 inside the one operation; only its result is rounded to the storage type
        return self._out(fma32(np.multiply(np.float32(value), a, dtype=np.float32), b, c), out)

    def fma(self, a, b, c, out=None):
        # add_(b, alpha=a): the scalar a rounded to the storage type. torch's vectorized loop computes the sum in
        # float32 (fused) and rounds once; the elements past the last whole vector (all of a small tensor) go
        # through c10::Half / c10::BFloat16 scalar arithmetic, which rounds the product a·b to the storage type
        # first (measured, torch 2.13, AVX-512: VECTOR_ELEMENTS elements a vector).
        a = self._added(a)
        fused = fma32(a, b, c)
        if np.ndim(a) != 0 or np.ndim(fused) == 0:
            return self._out(fused, out)
        n = np.shape(fused)[-1]
        tail = np.arange(n) >= n - n % VECTOR_ELEMENTS
        if tail.any():
            scalar = np.add(c, self.round(np.multiply(a, b, dtype=np.float32)), dtype=np.float32)
            fused = np.where(tail, scalar, fused)
        return self._out(fused, out)


class ForeachNarrowArith(NarrowArith):
    """torch's foreach kernels (``foreach=True``) in float16 and bfloat16: as the single-tensor ones, but
    ``_foreach_mul_(tensors, ρ)`` rounds ρ to the storage type first (measured, torch 2.13)."""

    foreach = True


class Unfused(_Mixin):
    """Every operation rounded on its own, in the order the formula is written (ρ·E + (1 − ρ)·(g·g)), as optax
    computes without jax.jit and numpy computes: no fused multiply-add anywhere."""

    kind = "unfused"

    def fma(self, a, b, c, out=None):
        return self.add(self.mul(self.scalar(a) if np.ndim(a) == 0 else a, b), c, out=out)

    def addcmul(self, c, a, b, value: float, out=None):
        square = self.mul(a, b)
        return self.add(self.mul(self.scalar(value), square), c, out=out)


class UnfusedArith(Unfused, Arith):
    pass


class Inductor(_Mixin):
    """Each accumulator as fma(1 − ρ, g·g, ρ·E): the square g·g rounded first (it overflows float32 at
    |g| > 1.8e19, as these frameworks find), then one fused multiply-add. torch.compile (inductor) and Keras 3 on its
    torch backend compute so."""

    kind = "inductor"

    def addcmul(self, c, a, b, value: float, out=None):
        return Arith.fma(self, self.scalar(value), self.mul(a, b), c, out=out)


class InductorArith(Inductor, Arith):
    """torch.compile (inductor, on the CPU): the accumulators as Inductor, and g + wd·x and x − lr·Δx each as a
    rounded product then a rounded sum (measured bit for bit, torch 2.13, float32 and float64)."""

    fma = Unfused.fma


class KerasArith(Unfused, Arith):
    """Keras 3 on JAX and TensorFlow: unfused, and Δx as Keras writes it, −(√(E[Δx²] + ε)·g)/√(E[g²] + ε) (the
    product first, then the division), not −η·g."""

    kind = "keras"
    keras_order = True
    rate_terms = None


class TfKerasArith(KerasArith):
    """tf.keras 2: as Keras 3 on TensorFlow, but each accumulator as ρ·E + ((1 − ρ)·g)·g, the product taken left to
    right (no square of g alone: it does not overflow float32 where g·g would)."""

    kind = "tf-keras"

    def addcmul(self, c, a, b, value: float, out=None):
        scaled = self.mul(self.scalar(value), a)
        return self.add(self.mul(scaled, b), c, out=out)


class KerasTorchArith(Inductor, Arith):
    """Keras 3 on its torch backend: the accumulators as fma(1 − ρ, g·g, ρ·E) (torch's foreach add_ with alpha),
    Δx in Keras's order (KerasArith)."""

    kind = "keras-torch"
    keras_order = True
    rate_terms = None


class UnfusedNarrowArith(Unfused, NarrowArith):
    pass


class Flush(_Mixin):
    """Subnormal numbers flushed to zero, as XLA on the CPU computes (FTZ and DAZ set): a subnormal operand is read
    as a zero of its sign, and a subnormal result is written as one. float16 and bfloat16 flush at float32's
    smallest normal, where their arithmetic (float32) happens."""

    def _flushed(self, v):
        if v is None:
            return v
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.floating):
            return v
        tiny = np.finfo(np.float32 if a.dtype != np.float64 else np.float64).tiny
        with np.errstate(invalid="ignore"):
            small = np.abs(a) < tiny
        if not np.any(small):
            return v
        return np.where(small, np.copysign(np.zeros((), a.dtype), a), a).astype(a.dtype)

    def _result(self, r, out):
        flushed = self._flushed(r)
        if flushed is r:
            return r
        return _into(type(r)(flushed) if isinstance(r, np.generic) else flushed, out)

    def addcmul(self, c, a, b, value: float, out=None):
        if isinstance(self, Unfused):  # made of mul and add, which flush each of their own
            return super().addcmul(c, a, b, value, out=out)
        return self._result(super().addcmul(self._flushed(c), self._flushed(a), self._flushed(b), value, out=out),
                            out)


def _flushing(name: str):
    """Flush's ``name`` (mul, add, ...): the operation of the class it is put before, operands and result flushed."""
    def operation(self, *operands, out=None):
        return self._result(getattr(super(Flush, self), name)(*map(self._flushed, operands), out=out), out)
    return operation


for _name in ("mul", "add", "div", "sqrt", "neg", "fma"):
    setattr(Flush, _name, _flushing(_name))

VECTOR_ELEMENTS = 32  # float16/bfloat16 elements one pass of torch's vectorized CPU loop takes (AVX-512)


def round_float16(values) -> np.ndarray:
    """float32 values rounded to the nearest float16 (ties to even), held in float32."""
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float32).astype(np.float16).astype(np.float32)


def round_bfloat16(values) -> np.ndarray:
    """float32 values rounded to the nearest bfloat16 (ties to even; the top 16 bits kept), held in float32, as
    c10::BFloat16 rounds; a NaN stays a NaN.

    >>> round_bfloat16(np.float32(1 + 2**-8)).item(), round_bfloat16(np.float32(1 + 3 * 2**-8)).item()
    (1.0, 1.015625)
    """
    x = np.array(values, dtype=np.float32, copy=True, ndmin=1)
    bits = x.view(np.uint32)
    rounded = ((bits + (((bits >> 16) & 1) + 0x7FFF)) & 0xFFFF0000).astype(np.uint32)
    result = np.where(np.isnan(x), x, rounded.view(np.float32))
    return result.reshape(np.shape(values)) if np.ndim(values) == 0 else result


NARROW = ("float16", "bfloat16")


# Each arithmetic convention's class (settings.ARITHMETICS holds their meaning), for float64 and float32, and for
# float16 and bfloat16. torch's foreach kernels round float64 and float32 as its single-tensor ones (measured).
_CLASSES = {"fused": (Arith, NarrowArith), "foreach": (Arith, ForeachNarrowArith),
            "unfused": (UnfusedArith, UnfusedNarrowArith), "inductor": (InductorArith, NarrowArith),
            "keras": (KerasArith, UnfusedNarrowArith), "keras-torch": (KerasTorchArith, UnfusedNarrowArith),
            "tf-keras": (TfKerasArith, UnfusedNarrowArith)}


@functools.cache
def arithmetic(dtype: str = "float64", kind: str = "fused", *, flush: bool = False) -> Arith:
    """The arithmetic for ``dtype`` under convention ``kind`` (fused, foreach, unfused), subnormals flushed to zero
    with ``flush``."""
    cls = _CLASSES[kind][dtype in NARROW]
    return (type("Flush" + cls.__name__, (Flush, cls), {}) if flush else cls)(dtype)


def fma64(a, b, c, out=None) -> np.ndarray:
    """a·b + c for float64 operands, rounded once as C's fma() rounds it (the compiled kernel's arithmetic).

    ``scalar.fma``'s steps, elementwise: the product's rounding error by TwoProduct, the sum's by TwoSum; the few
    elements where adding the errors could round differently from the exact result (the last addition exactly
    halfway between two doubles), or where an error term would under- or overflow, in exact arithmetic
    (``scalar.fma_exact``).

    >>> a = 1 + 2.0**-30
    >>> float(fma64(a, a, -1.0)) == 2.0**-29 + 2.0**-60, a * a - 1.0 == 2.0**-29 + 2.0**-60
    (True, False)
    """
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p, e, ok = two_product(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
        s = p + c
        bp = s - p
        u = ((p - (s - bp)) + (c - bp)) + e
        result = np.where(e == 0, s, s + u)  # e = 0: the product is exact, one rounding of its sum is the fused one
        halfway = np.abs(np.frexp(u - (result - s))[0]) == 0.5
        suspect = np.broadcast_to(~ok | ((e != 0) & (halfway | ~(np.abs(c) < BOUND))), shape)
    if suspect.any():
        picks = [np.broadcast_to(v, shape)[suspect].tolist() for v in (a, b, c)]
        result[suspect] = [fma_exact(x, y, z) for x, y, z in zip(*picks)]
    return _into(result[()], out)  # () of one value: a float64, not an array


def _into(result, out):
    """``result``, written into ``out`` where one is given."""
    if out is None:
        return result
    out[...] = result
    return out


def fma32(a, b, c, out=None) -> np.ndarray:
    """a·b + c for float32 operands, rounded once to float32 (round half to even).

    a·b is exact in float64; the float64 sum is corrected with its exact error (TwoSum) where it lands on a
    float32 midpoint, the only case in which rounding twice differs from rounding once.

    >>> a, b, c = np.float32(1 + 2**-12), np.float32(1 + 2**-12), np.float32(-1)
    >>> float(fma32(a, b, c)) == 2**-11 + 2**-24
    True
    """
    a, b, c = (np.asarray(v, dtype=np.float32).astype(np.float64) for v in (a, b, c))
    p = a * b
    s = p + c
    bp = s - p
    err = (p - (s - bp)) + (c - bp)
    with np.errstate(over="ignore", invalid="ignore"):
        r = s.astype(np.float32)
        r64 = r.astype(np.float64)
        toward = np.where(s > r64, np.inf, -np.inf).astype(np.float32)
        other = np.nextafter(r, toward)
        midpoint = (r64 + other.astype(np.float64)) / 2 == s
    tie = midpoint & (err != 0) & (s != r64)
    if np.any(tie):
        # The exact sum lies beyond the midpoint on err's side: round toward that side.
        toward_other = np.sign(err) == np.sign(other.astype(np.float64) - r64)
        r = np.where(tie & toward_other, other, r)
    return _into(r.astype(np.float32), out)
