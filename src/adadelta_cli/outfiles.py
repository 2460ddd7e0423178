"""Output files, written as the shell's ``>`` would but whole or not at all; ``-`` is standard output."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from adadelta_cli import streams
from adadelta_cli.errors import InputError
from adadelta_cli.i18n import _, _f

STDOUT = "-"  # -o - : standard output, as most Unix tools read it
TEMP_PREFIX = ".adadelta-"  # temporary files beside an output: short, so that any allowed file name still has one
HELD_CHARACTERS = 8 << 20  # a streamed report up to this size reaches standard output only once it is all made
_TEXT_FILE: dict[str, Any] = {"encoding": "utf-8", "newline": ""}
# Output paths written with a trailing slash on the command line (`-o new.csv/`): a path object drops the slash, so
# the command line's text is noted here before the options are parsed (see cli.app._Group.main).
SLASHED: set[str] = set()


def is_stdout(path) -> bool:
    return path is not None and str(path) == STDOUT


def _fail(path, exc: OSError) -> InputError:
    """An OSError while writing ``path`` as one line: what went wrong, in words."""
    reasons: dict[int | None, str] = {
        errno.ENOSPC: _("the disk is full"),
        errno.EDQUOT: _("the disk quota is used up"),
        errno.EROFS: _("the file system is read-only"),
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("permission denied"),
        errno.ENAMETOOLONG: _("the file name is too long"),
        errno.ELOOP: _("the path is a loop of symbolic links"),
        errno.ENOTDIR: _("a part of the path is not a folder"),
        errno.ENOENT: _("a folder in the path does not exist"),
        errno.EISDIR: _("it is a folder"),
        errno.ENXIO: _("nothing is reading from it"),
    }
    reason = reasons.get(exc.errno) or exc.strerror or str(exc)
    return InputError(_f('cannot write the output: %(reason)s; the old file, if any, is left as it was', reason=reason),
                      source=str(path))


def _kind(path: Path) -> str:
    """'missing', 'file', 'folder', 'socket' or 'device' (a FIFO too), following symbolic links."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise _fail(path, exc) from None
    kinds = {stat.S_IFREG: "file", stat.S_IFDIR: "folder", stat.S_IFSOCK: "socket"}
    return kinds.get(stat.S_IFMT(mode), "device")


def _real(path: Path) -> Path:
    """Where writing ``path`` lands: symbolic links followed, as the shell's ``>`` follows them (a dangling link
    creates its target)."""
    try:
        return Path(os.path.realpath(path))
    except FileNotFoundError:  # a relative path, run from a folder that has been deleted
        raise InputError(_("cannot write the output: the current folder no longer exists; give a full path or "
                           "change to an existing folder"), source=str(path)) from None
    except OSError as exc:
        raise _fail(path, exc) from None


def check_target(path: Path, inputs: Sequence[Path | None] = ()) -> None:
    """Refuse an output path that cannot be written, or that would overwrite an input."""
    if is_stdout(path):
        return
    path = Path(path)
    kind = _kind(path)
    real = _real(path)
    parent = real.parent
    if kind == "folder":
        raise InputError(_("cannot write the output: it is a folder"), source=str(path))
    if kind == "socket":
        raise InputError(_("cannot write the output: it is a socket"), source=str(path))
    if str(path) in SLASHED:
        raise InputError(_("cannot write the output: the name ends with '/', which names a folder, and there is no "
                           "such folder; give a file name without the '/'"), source=str(path) + "/")
    if kind == "missing" and not parent.is_dir():
        if path.is_symlink():
            raise InputError(_f('cannot write the output: it is a link to %(target)s, whose folder %(folder)s does '
                                'not exist', target=repr(str(real)), folder=repr(str(parent))), source=str(path))
        raise InputError(_f('cannot write the output: the folder %(folder)s does not exist',
                            folder=repr(str(path.parent))), source=str(path))
    if kind == "file" and not os.access(real, os.W_OK):
        raise InputError(_("cannot write the output: the file is write-protected"), source=str(path))
    if kind != "file":
        return
    for source in inputs:
        same = False
        with contextlib.suppress(OSError):  # an input that is not a file (stdin, arguments) is no output's
            same = source is not None and os.path.samefile(real, source)
        if same:
            raise InputError(_("is the input file; choose another output file (-o), the input is left as it is"),
                             source=str(path))


def check_outputs(*paths, inputs: Sequence[Path | None] = ()) -> None:
    """Every output path of one command (None for those not given), checked together before any work: each can be
    written, none is an input, and no two are the same file (``-o X --export-html X``)."""
    seen: dict[str, str] = {}
    for path in (path for path in paths if path is not None):
        check_target(path, inputs)
        key = STDOUT if is_stdout(path) else os.path.normcase(str(_real(Path(path))))
        if key in seen:
            raise InputError(_f(
                'is given as two outputs (%(first)s and %(second)s); each output needs a file of its own',
                first=seen[key], second=str(path)), source=str(path))
        seen[key] = str(path)


def write_atomic(path: Path, text: str | bytes | None = None, *, writer=None, binary: bool = False) -> None:
    """Write ``text`` (or let ``writer(file)`` write) to ``path`` as the shell's ``>`` would, but whole or not at all.

    - a regular file (or a new one): written to a temporary file beside it, then renamed over it, keeping its
      permissions;
    - a symbolic link: followed; its target is written (atomically when that is a regular file);
    - a device, FIFO or socket (``/dev/null``, a named pipe): written through, never replaced; ``-``: standard
      output;
    - a regular file whose folder cannot take a temporary file (a read-only folder): written through.

    Any failure is an InputError (one line, exit 2); the temporary file is removed on failure, Ctrl-C and SIGTERM.
    """
    write = writer if writer is not None else (lambda handle: handle.write(text))
    if is_stdout(path):
        _write_through(None, write, binary=binary)
        return
    path = Path(path)
    check_target(path)
    real = _real(path)
    kind = _kind(path)
    if kind not in ("file", "missing"):
        _write_through(path, write, binary=binary)
        return
    streams.hold_signals()  # so that the temporary file is always known to the cleanup below
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=real.parent)
    except OSError as exc:
        streams.release_signals()
        if kind == "file" and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and os.access(real, os.W_OK):
            _write_through(path, write, binary=binary)
            return
        raise _fail(path, exc) from None
    try:
        streams.release_signals()
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else _TEXT_FILE)) as handle:
            write(handle)
        _copy_mode(tmp, real if kind == "file" else None)
        os.replace(tmp, real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _fail(path, exc) from None
        raise


def _copy_mode(tmp: str, old: Path | None) -> None:
    """The permissions (and, for root, the owner) of the file replaced; a new file's as the umask allows."""
    if old is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    info = os.stat(old)
    os.chmod(tmp, stat.S_IMODE(info.st_mode))
    if hasattr(os, "chown") and os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
        os.chown(tmp, info.st_uid, info.st_gid)


def _write_through(path: Path | None, write, *, binary: bool) -> None:
    """Write into an existing device, FIFO or file (or standard output for None) as the shell's ``>`` does."""
    try:
        if path is None:
            stream = sys.stdout
            if binary:
                stream.flush()
            handle = stream.buffer if binary and hasattr(stream, "buffer") else stream
            write(handle)
            handle.flush()
            return
        with open(path, "wb" if binary else "w", **({} if binary else _TEXT_FILE)) as handle:
            write(handle)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and path is None:
            raise
        raise _fail(path or STDOUT, exc) from None


def emit_stream(writer, output: Path | None, hold: int = 0, *, binary: bool = False) -> None:
    """Let ``writer(file)`` write a long text piece by piece to the output file or standard output, never held whole
    in memory. ``hold``: standard output gets nothing until this many characters are made (or the writer ends), so
    that a writer that fails early leaves it untouched. ``binary``: the writer writes UTF-8 bytes."""
    if output is not None and not is_stdout(output):
        write_atomic(output, writer=writer, binary=binary)
        return
    if binary:
        sys.stdout.flush()
    held = Held(_binary_stdout() if binary else sys.stdout, hold)  # hold 0: each piece as it is made
    writer(held)
    held.release()
    sys.stdout.flush()


class Held:
    """A stream's write() (of text or bytes) that holds the first ``limit`` characters back, then writes through,
    in order: a report that stops early (an overflow at step 3, a bad line in its input) writes nothing rather than
    half a document; a longer one streams from there on."""

    def __init__(self, out, limit: int) -> None:
        self.out, self.limit, self.size = out, limit, 0
        self.parts: list | None = []  # None once released

    def write(self, data) -> None:
        if self.parts is None:
            self.out.write(data)
            return
        self.parts.append(data)
        self.size += len(data)
        if self.size >= self.limit:
            self.release()

    def release(self) -> None:
        parts, self.parts = self.parts or [], None
        for part in parts:
            self.out.write(part)


def _binary_stdout():
    """Standard output for bytes: its buffer where it writes UTF-8, else through its own encoding."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8":
        return buffer
    return SimpleNamespace(write=lambda data: stream.write(data.decode("utf-8")))  # its own encoding and errors


def emit(text: str, output: Path | None) -> None:
    """``text`` to the output file (see write_atomic) or standard output."""
    emit_stream(lambda out: out.write(text), output)
