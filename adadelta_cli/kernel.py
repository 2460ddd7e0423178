"""The compiled float64 kernel (``_kernel.c``), loaded with ctypes where the build could compile it.

It runs the same operations in the same order as ``core.sequential``'s numpy code, each rounded once, so the
two agree bit for bit (the tests hold them to it); it only does them in one pass over the parameters per step
instead of some fifty numpy passes. Without it (no C compiler at install time, or ADADELTA_KERNEL=numpy in the
environment), numpy does the work.

The library is checked as a whole before it is loaded: its size and SHA-256 digest must be those the build
recorded in ``_kernel.json`` (and, in a source tree, the digest of ``_kernel.c`` the one it was built from). A
library that is missing, truncated, damaged, foreign or stale is never loaded: one line on standard error says so,
and numpy does the work.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

LIBRARY = Path(__file__).with_name("_kernel.so")
RECORD = Path(__file__).with_name("_kernel.json")  # written by the build (hatch_build.py): size and digests
SOURCE = Path(__file__).with_name("_kernel.c")
MAXIMIZE, COUPLED, DECOUPLED = 1, 2, 4

_function = None
_derive = None
_loaded = False


def switched_off() -> bool:
    """ADADELTA_KERNEL=numpy: numpy does the work, whatever is installed."""
    return os.environ.get("ADADELTA_KERNEL", "").strip().lower() == "numpy"


def function():
    """The C function ``adadelta_f64``, or None where it is not built, not sound, or switched off."""
    global _function, _derive, _loaded
    if not _loaded:
        _loaded = True
        _function = _derive = None
        if not switched_off():
            library, why = _load()
            if library is not None:
                _function, _derive = library
            elif why is not None:
                _notice(why)
    return _function


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(library: Path | None = None, record: Path | None = None, source: Path | None = None) -> str | None:
    """Why ``library`` (LIBRARY) may not be loaded, or None when it is the very file the build recorded in
    ``record`` (RECORD), built from ``source`` (SOURCE, where the source tree has it).

    None also where neither the library nor its record exists (a pure-Python install): nothing to refuse.
    """
    from .i18n import _, _f

    library, record, source = library or LIBRARY, record or RECORD, source or SOURCE

    if not record.exists():
        return _("has no build record (_kernel.json)") if library.exists() else None
    try:
        built = json.loads(record.read_text(encoding="utf-8"))
        size, digest, source_digest = int(built["size"]), str(built["sha256"]), str(built["source_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return _("has an unreadable build record (_kernel.json)")
    try:
        found = library.stat().st_size
        if found != size:
            return _f("is %(found)s bytes long, not the %(built)s bytes built", found=found, built=size)
        if _sha256(library) != digest:
            return _("differs from the library built (SHA-256 digest)")
        if source.exists() and _sha256(source) != source_digest:
            return _("was built from another _kernel.c (pip install -e . builds it again)")
    except FileNotFoundError:
        return _("is missing")
    except OSError as error:
        return _f("cannot be read (%(reason)s)", reason=error.strerror or error)
    return None


def _load():
    """((adadelta_f64, adadelta_derive_f64), None), or (None, why not); (None, None): nothing installed."""
    why = verify()
    if why is not None or not LIBRARY.exists():
        return None, why
    from .i18n import _

    try:
        library = ctypes.CDLL(str(LIBRARY))
        library.adadelta_kernel_source.restype = ctypes.c_char_p
        built_from = library.adadelta_kernel_source()
        if built_from != json.loads(RECORD.read_text(encoding="utf-8"))["source_sha256"].encode("ascii"):
            return None, _("does not say it was built from the recorded source")
        f, d = library.adadelta_f64, library.adadelta_derive_f64
    except (OSError, AttributeError, ValueError, KeyError, UnicodeError) as error:
        return None, _f_reason(error)
    f.restype = d.restype = None
    f.argtypes = [*[ctypes.c_int64] * 3, *[ctypes.c_void_p] * 9, *[ctypes.c_double] * 6, ctypes.c_int64]
    d.argtypes = [ctypes.c_int64, *[ctypes.c_void_p] * 3, ctypes.c_double, *[ctypes.c_void_p] * 2]
    return (f, d), None


def _f_reason(error: BaseException) -> str:
    from .i18n import _f

    return _f("cannot be loaded (%(reason)s)",
              reason=str(error).splitlines()[0] if str(error) else type(error).__name__)


def _notice(why: str) -> None:
    """One line on standard error: the kernel is not used, and why."""
    from .i18n import _f

    sys.stderr.write("adadelta: " + _f("note: the compiled kernel %(library)s %(reason)s; numpy does the work",
                                       library=LIBRARY, reason=why) + "\n")
    sys.stderr.flush()


def available() -> bool:
    return function() is not None


def _pointer(a: np.ndarray | None):
    if a is None:
        return None
    assert a.dtype == np.float64 and a.flags.c_contiguous
    return a.ctypes.data


THREADS_MIN_VALUES = 1 << 20  # smaller traces run on one thread: starting threads would cost more than it saves
BAND_MIN_COLUMNS = 512


def threads_for(steps: int, n: int) -> int:
    """How many threads share a steps × n trace: one per processor available, each a band of columns."""
    if steps * n < THREADS_MIN_VALUES:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, n // BAND_MIN_COLUMNS, 16))


def run(g: np.ndarray, g_eff: np.ndarray | None, eg2: np.ndarray, edx2: np.ndarray, eta: np.ndarray | None,
        dx: np.ndarray | None, x: np.ndarray, eg2_0: np.ndarray, x_0: np.ndarray, *, rho: float, eps: float,
        lr: float, wd: float, decay: float, maximize: bool, coupled: bool, decoupled: bool,
        threads: int | None = None) -> None:
    """Fill the output arrays (see _kernel.c for their shapes); ``edx2[0]`` holds E[Δx²]_0 on entry.

    The parameters are independent of each other, so bands of columns go to threads of their own (ctypes lets
    go of the GIL during the call); each column's arithmetic is the same whatever the band.
    """
    steps, n = g.shape
    flags = (MAXIMIZE if maximize else 0) | (COUPLED if coupled else 0) | (DECOUPLED if decoupled else 0)
    arrays = [g, g_eff, eg2, edx2, eta, dx, x, eg2_0, x_0]
    pointers = [_pointer(a) for a in arrays]
    f = function()

    def band(lo: int, hi: int) -> None:
        offset = lo * 8
        f(steps, hi - lo, n, *(None if p is None else p + offset for p in pointers), rho, 1.0 - rho, eps, lr, wd,
          decay, flags)

    count = threads or threads_for(steps, n)
    if count <= 1:
        band(0, n)
        return
    import threading

    # Bands start on a 64-byte boundary, so that no cache line is written by two threads.
    edges = [0, *(((n * i) // count) // 8 * 8 for i in range(1, count)), n]
    workers = [threading.Thread(target=band, args=(lo, hi)) for lo, hi in zip(edges, edges[1:]) if hi > lo]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def derive(edx2_prev: np.ndarray, eg2: np.ndarray, g_eff: np.ndarray, eps: float, eta: np.ndarray,
           dx: np.ndarray) -> None:
    """Fill ``eta`` and ``dx`` (C-contiguous, shaped like the inputs) from the kept quantities."""
    function()
    inputs = [np.ascontiguousarray(a, dtype=np.float64) for a in (edx2_prev, eg2, g_eff)]
    _derive(eta.size, *(_pointer(a) for a in inputs), eps, _pointer(eta), _pointer(dx))
