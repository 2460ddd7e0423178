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
from pathlib import Path
from typing import Any

import numpy as np

LIBRARY = Path(__file__).with_name("_kernel.so")
RECORD = Path(__file__).with_name("_kernel.json")  # written by the build (hatch_build.py): size and digests
SOURCE = Path(__file__).with_name("_kernel.c")
MAXIMIZE, COUPLED, DECOUPLED = 1, 2, 4

# The C functions once loaded (ctypes function pointers, typed only by their argtypes), or None.
_function: Any = None
_parse = None  # adadelta_parse_f64: plain numbers from text
_lines = None  # adadelta_csv_lines: CSV lines from orjson's text of a matrix
_loaded = False


def switched_off() -> bool:
    """ADADELTA_KERNEL=numpy: numpy does the work, whatever is installed."""
    return os.environ.get("ADADELTA_KERNEL", "").strip().lower() == "numpy"


def function():
    """The C function ``adadelta_f64``, or None where it is not built, not sound, or switched off."""
    global _function, _loaded
    if not _loaded:
        _loaded = True
        _function, why = (None, None) if switched_off() else _load()
        if why is not None:  # one line on standard error, in the form of every message: not used, and why
            from adadelta_cli.i18n import _f
            from adadelta_cli.messages import message

            message(_f("note: the compiled kernel %(library)s %(reason)s; numpy does the work", library=LIBRARY,
                       reason=why))
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
    from adadelta_cli.i18n import _, _f

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
    """(adadelta_f64, None), or (None, why not); (None, None): nothing installed."""
    why = verify()
    if why is not None or not LIBRARY.exists():
        return None, why
    from adadelta_cli.i18n import _, _f

    try:
        library = ctypes.CDLL(str(LIBRARY))
        library.adadelta_kernel_source.restype = ctypes.c_char_p
        built_from = library.adadelta_kernel_source()
        if built_from != json.loads(RECORD.read_text(encoding="utf-8"))["source_sha256"].encode("ascii"):
            return None, _("does not say it was built from the recorded source")
        f = library.adadelta_f64
        parse, lines = library.adadelta_parse_f64, library.adadelta_csv_lines
    except (OSError, AttributeError, ValueError, KeyError, UnicodeError) as error:
        return None, _f("cannot be loaded (%(reason)s)",
                        reason=str(error).splitlines()[0] if str(error) else type(error).__name__)
    f.restype = None
    f.argtypes = [*[ctypes.c_int64] * 2, *[ctypes.c_void_p] * 10, *[ctypes.c_double] * 6, ctypes.c_int64]
    parse.restype = lines.restype = ctypes.c_int64
    parse.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p,
                      ctypes.c_int64]
    lines.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                      ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    global _parse, _lines
    _parse, _lines = parse, lines
    return f, None


def available() -> bool:
    return function() is not None


def run(g: np.ndarray, g_eff: np.ndarray | None, eg2: np.ndarray, edx2: np.ndarray, eta: np.ndarray,
        dx: np.ndarray, x: np.ndarray, eg2_0: np.ndarray, edx2_0: np.ndarray, x_0: np.ndarray, *, rho: float,
        eps: float, lr: float, wd: float, decay: float, maximize: bool, coupled: bool, decoupled: bool) -> None:
    """Fill the histories (see _kernel.c: ``edx2`` holds E[Δx²]_1 ... E[Δx²]_steps; ``g_eff`` None where it is g)."""
    steps, n = g.shape
    flags = (MAXIMIZE if maximize else 0) | (COUPLED if coupled else 0) | (DECOUPLED if decoupled else 0)
    starts = [np.ascontiguousarray(a, dtype=np.float64) for a in (eg2_0, edx2_0, x_0)]
    arrays = [g, g_eff, eg2, edx2, eta, dx, x, *starts]
    assert all(a.dtype == np.float64 and a.flags.c_contiguous for a in arrays if a is not None)
    function()(steps, n, *(None if a is None else a.ctypes.data for a in arrays), rho, 1.0 - rho, eps, lr, wd, decay,
               flags)


def parse(body: bytes, width: int, sep: str | None) -> np.ndarray | None:
    """The rows of plain numbers in ``body`` (``width`` cells a line, separated by ``sep``, None: whitespace) as
    a (rows, width) array, exactly as Python's float() reads each; None where the kernel is not built or the text
    holds anything else (a blank line, a comment, a bad cell ...), for the careful reader to read."""
    if function() is None or _parse is None or width < 1 or (sep is not None and len(sep) != 1):
        return None
    rows = (len(body) + 1) // (2 * width) + 1  # a row takes at least 2 bytes a cell: a digit and what follows
    out = np.empty((rows, width))
    found = _parse(body, len(body), width, 0 if sep is None else ord(sep), out.ctypes.data, rows)
    return None if found < 0 else out[:found]


def csv_lines(matrix_json: bytes, rows: int, first_t: int, size: int, cells: list[bytes]) -> bytearray | None:
    """``rows`` CSV lines from orjson's text of a rows × k matrix: row i preceded by its step number
    (first_t + i // size) and the cell of parameter i % size (``cells``, each ",name,"); None where the kernel is
    not built."""
    if function() is None or _lines is None:
        return None
    ends = np.zeros(len(cells) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cells], out=ends[1:])
    joined = b"".join(cells)
    cap = len(matrix_json) + rows * (21 + max(map(len, cells), default=0))
    out = bytearray(cap)
    view = ctypes.c_char.from_buffer(out)  # written in place; released before the bytearray is cut to length
    written = _lines(matrix_json, len(matrix_json), rows, first_t, size, joined, ends.ctypes.data,
                     ctypes.addressof(view), cap)
    del view
    if written < 0:
        return None
    del out[written:]
    return out
