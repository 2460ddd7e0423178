"""The process's standard streams and signals: closed streams, encodings, SIGTERM and SIGHUP, a closed pipe's status."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import select
import signal
import stat
import sys
import traceback

from adadelta_cli.errors import InputError
from adadelta_cli.i18n import _

_pending: list[int] = []  # a termination signal received, waiting for a safe moment
_holding: list[bool] = []  # non-empty while outfiles.write_atomic makes its temporary file
_CLOSED_PIPE_STATUS: list = [None]


class _ClosedStdout(io.TextIOBase):
    """Standard output when the shell closed it (``>&-``): a result written there is an error, said once."""

    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise InputError(_("standard output is closed; give -o FILE or let the output go somewhere"))


def _terminated(signum, frame) -> None:
    """SIGTERM (and SIGHUP) raise SystemExit, so that every ``finally`` runs: no temporary file is left behind.

    A signal that arrives while a module is being imported waits (retried every 10 ms) until the import is done: an
    exception raised inside an extension module's initialisation can crash the interpreter."""
    if signum != getattr(signal, "SIGALRM", None):
        _pending.append(signum)
    if _holding:
        return  # write_atomic raises it once its temporary file is known to its cleanup
    if frame is not None and any(caller.f_code.co_filename.startswith("<frozen importlib")
                                 for caller, _line in traceback.walk_stack(frame)):
        if hasattr(signal, "setitimer"):
            signal.signal(signal.SIGALRM, _terminated)
            signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    if not _pending:
        return
    signum = _pending[0]
    _pending.clear()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def hold_signals() -> None:
    """Termination signals wait (until ``release_signals``) while a temporary file is made."""
    _holding.append(True)


def release_signals() -> None:
    _holding.clear()
    if _pending:
        _terminated(_pending[0], None)


def prepare_streams() -> None:
    """Make the process safe to run whatever the shell handed it; called once, before any command runs.

    - A closed standard input reads as empty; a closed standard output makes writing a result one error line; a
      closed standard error drops messages.
    - A standard output that cannot encode everything (``PYTHONIOENCODING=ascii``, a C locale) shows what it cannot
      encode as escapes instead of failing half-way.
    - SIGTERM and SIGHUP end the process through SystemExit, so temporary files are removed as on Ctrl-C.
    """
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115  (lives as long as the process)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if reconfigure is not None and encoding not in ("utf-8", "utf8"):
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        signum = getattr(signal, name, None)
        with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread, whose handlers stay
            if signum is not None and signal.getsignal(signum) in (signal.SIG_DFL, None, signal.default_int_handler):
                signal.signal(signum, _terminated)


def exit_on_closed_pipe(code: int) -> None:
    """The exit status to end with if the reader goes away (`check key.csv | head -1`): a command whose status is
    decided before it writes (check, step --expect) keeps it; others end as a Unix filter killed by SIGPIPE."""
    _CLOSED_PIPE_STATUS[0] = code


def closed_pipe_status() -> int | None:
    return _CLOSED_PIPE_STATUS[0]


def reader_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone away (``| head -c 100`` has read its fill), found
    without writing to it: a pipe's writing end polls as an error once no reader is left (Linux, the BSDs). False
    elsewhere, and for a terminal or a file."""
    try:
        fd = sys.stdout.fileno()
        if not hasattr(select, "poll") or not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _fd, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def watched(blocks):
    """``blocks`` (a long run's, computed as they are read) for a report written to standard output: before each
    block after the first is computed, what was written goes out, and a reader gone away (``| head``) ends the
    command as a write would (BrokenPipeError), rather than after the last block of a table it waits for."""
    for block in blocks:
        yield block
        sys.stdout.flush()
        if reader_gone():
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))
