"""Where results and messages go: stdout for results, stderr for messages, files written whole or not at all."""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adadelta_cli.errors import InputError
from adadelta_cli.i18n import _, _f

if TYPE_CHECKING:
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

PROG = "adadelta"
_COMMAND: list = [None]  # the command running ("trace"): every message names it, as Click's usage errors do


def set_command(name: str | None) -> None:
    """Messages from now on begin ``adadelta NAME:`` (None: ``adadelta:``)."""
    _COMMAND[0] = name


def prefix() -> str:
    """``adadelta trace`` while a command runs, else ``adadelta``: the first word of every message."""
    return f"{PROG} {_COMMAND[0]}" if _COMMAND[0] else PROG


def message(text: str) -> None:
    """A note or warning on standard error: one plain line (nothing in it is markup; control characters from the
    data are shown escaped, see safe.terminal)."""
    from adadelta_cli.safe import terminal

    stream = sys.stderr
    if stream is None:
        return
    shown = terminal(text)
    if len(shown) > MESSAGE_LIMIT:  # a value from the input that no layer cut: its middle left out
        shown = shown[:MESSAGE_LIMIT // 2] + "…" + shown[-(MESSAGE_LIMIT // 2):]
    line = f"{prefix()}: {shown}\n"
    try:
        stream.write(line)
    except UnicodeEncodeError:  # an ASCII-only stderr: show the rest as escapes rather than fail
        stream.write(line.encode(stream.encoding or "ascii", "backslashreplace").decode(stream.encoding or "ascii"))
    stream.flush()


MESSAGE_LIMIT = 1000  # characters of one message line


def warn(text: str) -> None:
    message(_f('warning: %(message)s', message=text))


def error(text: str, tip: str | None = None) -> None:
    """``adadelta trace: error: ...``, and where there is one clear fix, a second line ``adadelta trace: tip: ...``."""
    message(_f('error: %(message)s', message=text))
    if tip:
        message(_f('tip: %(tip)s', tip=tip))


def stdout_console(**kwargs):
    from rich.console import Console

    return Console(highlight=False, **kwargs)


def render_text(renderable, width: int | None = None) -> str:
    """A Rich renderable as plain text (no colour), wide enough not to wrap, for files."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width or 200, color_system=None, highlight=False,
                      force_terminal=False, legacy_windows=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


# --- Tables on narrow terminals ------------------------------------------------------------------------------

def _measure(renderable, *, least: bool = False) -> int:
    from rich.console import Console

    measured = Console(width=100_000).measure(renderable)
    return measured.minimum if least else measured.maximum


def split_table(table, width: int) -> list:
    """``table`` as parts of whole columns, each at most ``width`` wide where it can be: the first column (t) and a
    left-aligned second one (param) start every part, so that each row can be read on its own. A column is never
    cut or shortened. Works on any rich Table."""
    from rich.table import Table

    columns = table.columns
    tags = getattr(table, "column_groups", None) or [None] * len(columns)
    keys = [0] + ([1] if len(columns) > 1 and columns[1].justify == "left" else [])
    if any(tags):  # grouped columns (an optimizer's η_t and x_t) follow the key columns, which start every part
        keys = list(range(next(i for i, tag in enumerate(tags) if tag is not None)))
    rest = [i for i in range(len(columns)) if i not in keys]

    def build(indices: list[int], *, first: bool, last: bool):
        part = Table(box=table.box, title=table.title if first else None, title_justify=table.title_justify,
                     caption=table.caption if last else None, caption_justify=table.caption_justify,
                     show_header=table.show_header, show_lines=table.show_lines, show_edge=table.show_edge,
                     pad_edge=table.pad_edge, padding=table.padding, header_style=table.header_style)
        for i in indices:
            column = columns[i]
            part.add_column(column.header, justify=column.justify, no_wrap=column.no_wrap, style=column.style,
                            header_style=column.header_style, min_width=column.min_width, overflow="fold")
        cells = [list(columns[i].cells) for i in indices]
        for r, row in enumerate(table.rows):
            part.add_row(*(column_cells[r] for column_cells in cells), style=row.style, end_section=row.end_section)
        return part

    # Columns of one group stay side by side.
    units: list[list[int]] = []
    for i in rest:
        if units and tags[i] is not None and tags[units[-1][-1]] == tags[i]:
            units[-1].append(i)
        else:
            units.append([i])
    groups: list[list[int]] = []
    current: list[int] = []
    for unit in units:
        trial = current + unit
        if current and _measure(build(keys + trial, first=False, last=False)) > width:
            groups.append(current)
            current = list(unit)
        else:
            current = trial
    if current or not groups:
        groups.append(current)
    return [build(keys + group, first=n == 0, last=n == len(groups) - 1) for n, group in enumerate(groups)]


TABLE_RUN_WIDTH = 100_000  # a block of a long table is as wide as its columns, whatever the room


def print_fitted(renderable, console=None) -> None:
    """Print a table, or a Group holding tables and lines of text, to standard output with no number ever cut.

    Into a pipe or a file, the text is what ``-o FILE`` writes: lines as long as they need, trailing spaces
    dropped. On a terminal each piece is fitted on its own: text wraps at spaces; a table with a column of sentences (a
    verdict's note) wraps that column where the rest fits; a table still wider is shown in parts of whole columns
    (t repeated in each), with a note saying so."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    console = console or stdout_console()
    # Rich renderables and the writers' own pieces (TableRun, ArithmeticRun), told apart by what they offer
    items: list[Any] = list(renderable.renderables) if isinstance(renderable, Group) else [renderable]
    if not console.is_terminal:  # a pipe or a file: the bytes -o FILE writes, whole lines as long as they need
        # Piece by piece, each written as soon as it is made: a long table a block at a time (writers.TableRun),
        # so the first lines come at once and a reader gone away (`| head`) ends the command at the next block.
        for item in items:
            for piece in item.pieces() if hasattr(item, "pieces") else [item]:
                # A block of a long table (TableRun) does not grow with the width: it needs no measuring first.
                width = TABLE_RUN_WIDTH if hasattr(item, "blocks") else _measure(piece)
                console.file.write(render_text(piece, width=width))
                console.file.flush()
        return
    width = console.width
    for item in items:
        if hasattr(item, "pieces") and not hasattr(item, "blocks"):  # lines of text: each wraps at spaces
            for piece in item.pieces():
                console.print(piece, crop=False)
            continue
        needed = _measure(item)
        if hasattr(item, "pieces") and needed <= width:
            for piece in item.pieces():
                console.print(piece, crop=False)
        elif hasattr(item, "pieces"):
            for block, first, _last in item.blocks():
                parts = split_table(block, width)
                if first and len(parts) > 1:
                    console.print(Text(_f('(the table is wider than the terminal\'s %(width)s columns: shown in '
                                          '%(count)s parts; -o FILE or --format csv writes it whole)', width=width,
                                          count=len(parts)), style="dim"))
                for part in parts:
                    console.print(part, crop=False)
        elif needed <= width:
            console.print(item, crop=False)
        elif isinstance(item, Table) and any(not c.no_wrap for c in item.columns) and \
                _measure(item, least=True) <= width:
            console.print(item, crop=False)  # the column of sentences wraps at words
        elif not isinstance(item, Table):
            console.print(item, crop=False)  # wrapped at spaces
        else:
            parts = split_table(item, width)
            if len(parts) > 1:
                console.print(Text(_f('(the table is wider than the terminal\'s %(width)s columns: shown in %(count)s '
                                      'parts; -o FILE or --format csv writes it whole)', width=width,
                                      count=len(parts)), style="dim"))
            for part in parts:
                console.print(part, crop=False)


# --- The standard streams --------------------------------------------------------------------------------------

class _ClosedStdout(io.TextIOBase):
    """Standard output when the shell closed it (``>&-``): a result written there is an error, said once."""

    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise InputError(_("standard output is closed; give -o FILE or let the output go somewhere"))

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _terminated(signum, frame) -> None:
    """SIGTERM (and SIGHUP) raise SystemExit, so that every ``finally`` runs: no temporary file is left behind.

    Worker threads still computing a block are let finish first: the arrays they write must outlive them. A
    signal that arrives while a module is being imported waits (retried every 10 ms) until the import is done: an
    exception raised inside an extension module's initialisation can crash the interpreter."""
    import threading

    if signum != getattr(signal, "SIGALRM", None):
        _pending.append(signum)
    if _holding:
        return  # write_atomic raises it once its temporary file is known to its cleanup
    caller = frame
    while caller is not None:
        if caller.f_code.co_filename.startswith("<frozen importlib"):
            if hasattr(signal, "setitimer"):
                signal.signal(signal.SIGALRM, _terminated)
                signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        caller = caller.f_back
    if not _pending:
        return
    signum = _pending[0]
    _pending.clear()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    raise SystemExit(128 + signum)


_pending: list[int] = []  # a termination signal received, waiting for a safe moment
_holding: list[bool] = []  # non-empty while write_atomic makes its temporary file


def _raise_pending() -> None:
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
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    import threading

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP", "SIGINT"):
            if hasattr(signal, name):
                try:
                    if signal.getsignal(getattr(signal, name)) in (signal.SIG_DFL, None, signal.default_int_handler):
                        signal.signal(getattr(signal, name), _terminated)
                except (ValueError, OSError):
                    pass


# --- Output files ------------------------------------------------------------------------------------------------

STDOUT = "-"  # -o - : standard output, as most Unix tools read it
TEMP_PREFIX = ".adadelta-"  # temporary files beside an output: short, so that any allowed file name still has one


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
    """'missing', 'file', 'folder', 'device', 'fifo' or 'socket', following symbolic links."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise _fail(path, exc) from None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


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


# Output paths written with a trailing slash on the command line (`-o new.csv/`): a path object drops the slash, so
# the command line's text is noted here before the options are parsed (see cli._Group.main).
SLASHED: set[str] = set()


def check_target(path: Path, inputs: Sequence[Path | None] = ()) -> None:
    """Refuse an output path that cannot be written, or that would overwrite an input. ``-`` is standard output."""
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
    if str(path) in SLASHED and kind != "folder":
        raise InputError(_("cannot write the output: the name ends with '/', which names a folder, and there is no "
                           "such folder; give a file name without the '/'"), source=str(path) + "/")
    if kind == "missing" and not parent.is_dir():
        if path.is_symlink():
            raise InputError(_f('cannot write the output: it is a link to %(target)s, whose folder %(folder)s does '
                                'not exist', target=repr(str(real)), folder=repr(str(parent))), source=str(path))
        raise InputError(_f(
            'cannot write the output: the folder %(folder)s does not exist',
            folder=repr(str(path.parent if str(path.parent) else "."))), source=str(path))
    if kind == "file" and not os.access(real, os.W_OK):
        raise InputError(_("cannot write the output: the file is write-protected"), source=str(path))
    for source in inputs:
        if source is None or kind == "missing":
            continue
        try:
            same = os.path.exists(source) and os.path.samefile(real, source)
        except OSError:
            same = False
        if same and kind == "file":
            raise InputError(_("is the input file; choose another output file (-o), the input is left as it is"),
                             source=str(path))


def check_outputs(*paths, inputs: Sequence[Path | None] = ()) -> None:
    """Every output path of one command, checked together before any work: each can be written (check_target),
    none is an input, and no two are the same file (``-o X --export-html X`` would write one over the other).

    Every command calls this once with all its output options (None for those not given).
    """
    seen: dict[str, str] = {}
    for path in paths:
        if path is None:
            continue
        check_target(path, inputs)
        key = STDOUT if is_stdout(path) else os.path.normcase(str(_real(Path(path))))
        if key in seen:
            raise InputError(_f(
                'is given as two outputs (%(first)s and %(second)s); each output needs a file of its own',
                first=seen[key], second=str(path)), source=str(path))
        seen[key] = str(path)


# How a text output file is opened: UTF-8, and newlines written as they are.
_TEXT_FILE: dict[str, Any] = {"encoding": "utf-8", "newline": ""}


def write_atomic(path: Path, text: str | bytes | None = None, *, writer=None, binary: bool = False) -> None:
    """Write ``text`` (or let ``writer(file)`` write) to ``path`` as the shell's ``>`` would, but whole or not at all.

    - a regular file (or a new one): written to a temporary file beside it, then renamed over it, keeping its
      permissions: either the whole output lands or the old file is left as it was;
    - a symbolic link: followed; its target is written (atomically when that is a regular file);
    - a device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe): written through, never replaced;
    - ``-``: standard output;
    - a regular file whose folder cannot take a temporary file (a read-only folder holding a writable file): written
      through.

    Any failure (a full disk, a read-only folder, permission) is an InputError (one line, exit 2); the temporary
    file is removed on failure, Ctrl-C and SIGTERM (see prepare_streams).
    """
    if is_stdout(path):
        _write_through(None, text, writer, binary=binary)
        return
    path = Path(path)
    check_target(path)
    real = _real(path)
    kind = _kind(path)
    if kind != "file" and kind != "missing":
        _write_through(real, text, writer, binary=binary, original=path)
        return
    # Signals wait while the temporary file is made, so that it is always known to the cleanup below.
    _holding.append(True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=real.parent)
    except OSError as exc:
        _holding.clear()
        _raise_pending()
        if kind == "file" and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and os.access(real, os.W_OK):
            _write_through(real, text, writer, binary=binary, original=path)
            return
        raise _fail(path, exc) from None
    try:
        _holding.clear()
        _raise_pending()
        try:
            mode = "wb" if binary else "w"
            with os.fdopen(fd, mode, **({} if binary else _TEXT_FILE)) as handle:
                if writer is not None:
                    writer(handle)
                else:
                    handle.write(text)
            if kind == "file":
                info = os.stat(real)
                os.chmod(tmp, stat.S_IMODE(info.st_mode))
                if hasattr(os, "chown") and os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
                    os.chown(tmp, info.st_uid, info.st_gid)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, real)
        except OSError as exc:
            raise _fail(path, exc) from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_through(real: Path | None, text, writer, *, binary: bool, original: Path | None = None) -> None:
    """Write into an existing device, FIFO or file (or standard output for None) as the shell's ``>`` does."""
    try:
        if real is None:
            stream = sys.stdout
            if binary:
                stream.flush()
                handle = stream.buffer if hasattr(stream, "buffer") else stream
            else:
                handle = stream
            if writer is not None:
                writer(handle)
            else:
                handle.write(text)
            handle.flush()
            return
        mode = "wb" if binary else "w"
        with open(real, mode, **({} if binary else _TEXT_FILE)) as handle:
            if writer is not None:
                writer(handle)
            else:
                handle.write(text)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and real is None:
            raise
        raise _fail(original or real or STDOUT, exc) from None


def emit_stream(writer, output: Path | None, hold: int = 0) -> None:
    """Let ``writer(file)`` write a long text piece by piece to the output file (see write_atomic) or to standard
    output, so that it is never held whole in memory. ``hold``: standard output gets nothing until this many
    characters are made (or the writer ends), so that a writer that fails early leaves it untouched."""
    if output is not None and not is_stdout(output):
        write_atomic(output, writer=writer)
    elif hold:
        held = _HeldText(sys.stdout, hold)
        writer(held)
        held.release()
        sys.stdout.flush()
    else:
        writer(sys.stdout)
        sys.stdout.flush()


class _HeldText:
    """A text stream's write() that holds the first ``limit`` characters back, then writes through, in order."""

    def __init__(self, out, limit: int) -> None:
        self.out, self.limit, self.size = out, limit, 0
        self.parts: list[str] | None = []

    def write(self, text: str) -> None:
        if self.parts is None:
            self.out.write(text)
            return
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.limit:
            self.release()

    def release(self) -> None:
        parts, self.parts = self.parts or [], None
        for part in parts:
            self.out.write(part)


HELD_CHARACTERS = 8 << 20  # a streamed report up to this size reaches standard output only once it is all made


def emit(text: str, output: Path | None) -> None:
    """``text`` to the output file (see write_atomic) or standard output."""
    if output is not None and not is_stdout(output):
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


class Progress:
    """A progress bar on stderr for work that outlasts a second, on a terminal only (never in pipes or CI)."""

    DELAY = 1.0

    def __init__(self, total: int | None, done) -> None:
        import time

        self.total, self.done = total, done
        self.bar: Bar | None = None
        self.task: TaskID | None = None
        self.start = time.monotonic()
        self.enabled = bool(total) and sys.stderr.isatty() and not os.environ.get("CI")

    def __enter__(self) -> Progress:
        return self

    def update(self) -> None:
        if not self.enabled:
            return
        import time

        if self.bar is None:
            if time.monotonic() - self.start < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                           TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(_("tracing"), total=self.total)
        assert self.task is not None  # added with the bar
        self.bar.update(self.task, completed=self.done())

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


_CLOSED_PIPE_STATUS: list = [None]


def exit_on_closed_pipe(code: int) -> None:
    """The exit status to end with if the reader goes away (`check key.csv | head -1`): a command whose status is
    decided before it writes (check, step --expect) keeps it; others end as a Unix filter killed by SIGPIPE."""
    _CLOSED_PIPE_STATUS[0] = code


def closed_pipe_status() -> int | None:
    """The status set by ``exit_on_closed_pipe``, if any."""
    return _CLOSED_PIPE_STATUS[0]
