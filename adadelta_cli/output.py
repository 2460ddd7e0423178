"""Where results and messages go: stdout for results, stderr for messages, files written whole or not at all."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError
from .i18n import _, _f

PROG = "adadelta"


def message(text: str) -> None:
    """A note or warning on standard error (plain text: nothing in it is taken as markup)."""
    sys.stderr.write(f"{PROG}: {text}\n")
    sys.stderr.flush()


def warn(text: str) -> None:
    message(_f('warning: %(v0)s', v0=text))


def error(text: str) -> None:
    message(_f('error: %(v0)s', v0=text))


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


def check_target(path: Path, inputs: list[Path | None] = ()) -> None:
    """Refuse an output path that cannot be written whole, or that would overwrite an input."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(_f(
            'cannot write the output: the folder %(v0)s does not exist',
            v0=repr(str(parent))), source=str(path))
    if path.is_dir():
        raise InputError(_("cannot write the output: it is a folder"), source=str(path))
    for source in inputs:
        if source is not None and path.exists() and source.exists() and os.path.samefile(path, source):
            raise InputError(_("is the input file; choose another output file (-o), the input is left as it is"),
                             source=str(path))


def write_atomic(path: Path, text: str | None = None, *, writer=None, binary: bool = False) -> None:
    """Write ``text`` (or let ``writer(file)`` write) to a temporary file beside ``path``, then rename it over.

    Either the whole output lands or ``path`` is left as it was.
    """
    check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        mode = "wb" if binary else "w"
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
            if writer is not None:
                writer(handle)
            else:
                handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def emit(text: str, output: Path | None) -> None:
    """``text`` to the output file (atomically) or standard output."""
    if output is not None:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


class Progress:
    """A progress bar on stderr for work that outlasts a second, on a terminal only (never in pipes or CI)."""

    DELAY = 1.0

    def __init__(self, total: int | None, done) -> None:
        import time

        self.total, self.done, self.bar, self.task = total, done, None, None
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
        self.bar.update(self.task, completed=self.done())

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
