"""The compiled float64 kernel (``_kernel.c``), loaded with ctypes where the build could compile it.

It runs the same operations in the same order as ``core.sequential``'s numpy code, each rounded once, so the
two agree bit for bit (the tests hold them to it); it only does them in one pass over the parameters per step
instead of some fifty numpy passes. Without it (no C compiler at install time, or ADADELTA_KERNEL=numpy in the
environment), numpy does the work.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from pathlib import Path

import numpy as np

LIBRARY = Path(__file__).with_name("_kernel.so")
MAXIMIZE, COUPLED, DECOUPLED = 1, 2, 4

_function = None
_loaded = False


def function():
    """The C function ``adadelta_f64``, or None where it is not built or switched off."""
    global _function, _loaded
    if not _loaded:
        _loaded = True
        if os.environ.get("ADADELTA_KERNEL", "").lower() != "numpy" and LIBRARY.exists():
            try:
                library = ctypes.CDLL(str(LIBRARY))
                f = library.adadelta_f64 if _same_source(library) else None
            except (OSError, AttributeError):
                f = None
            if f is not None:
                f.restype = None
                f.argtypes = [ctypes.c_int64, ctypes.c_int64, *[ctypes.c_void_p] * 9, *[ctypes.c_double] * 6,
                              ctypes.c_int64]
            _function = f
    return _function


def _same_source(library) -> bool:
    """False where the library was compiled from another _kernel.c than the one beside it (a stale build)."""
    source = LIBRARY.with_suffix(".c")
    if not source.exists():
        return True
    library.adadelta_kernel_source.restype = ctypes.c_char_p
    return library.adadelta_kernel_source().decode() == hashlib.sha256(source.read_bytes()).hexdigest()


def available() -> bool:
    return function() is not None


def _pointer(a: np.ndarray | None):
    if a is None:
        return None
    assert a.dtype == np.float64 and a.flags.c_contiguous
    return a.ctypes.data


def run(g: np.ndarray, g_eff: np.ndarray | None, eg2: np.ndarray, edx2: np.ndarray, eta: np.ndarray | None,
        dx: np.ndarray | None, x: np.ndarray, eg2_0: np.ndarray, x_0: np.ndarray, *, rho: float, eps: float,
        lr: float, wd: float, decay: float, maximize: bool, coupled: bool, decoupled: bool) -> None:
    """Fill the output arrays (see _kernel.c for their shapes); ``edx2[0]`` holds E[Δx²]_0 on entry."""
    steps, n = g.shape
    flags = (MAXIMIZE if maximize else 0) | (COUPLED if coupled else 0) | (DECOUPLED if decoupled else 0)
    function()(steps, n, *(_pointer(a) for a in (g, g_eff, eg2, edx2, eta, dx, x, eg2_0, x_0)),
               rho, 1.0 - rho, eps, lr, wd, decay, flags)
