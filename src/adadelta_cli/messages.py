"""Messages on standard error, one plain line each: ``adadelta trace: warning: ...``."""

from __future__ import annotations

import sys

from adadelta_cli.i18n import _f
from adadelta_cli.safe import terminal

PROG = "adadelta"
MESSAGE_LIMIT = 1000  # characters of one message line
_COMMAND: list = [None]  # the command running ("trace"): every message names it, as Click's usage errors do


def set_command(name: str | None) -> None:
    _COMMAND[0] = name


def prefix() -> str:
    return f"{PROG} {_COMMAND[0]}" if _COMMAND[0] else PROG


def message(text: str) -> None:
    """A note on standard error; nothing in it is markup, control characters from the data are shown escaped."""
    stream = sys.stderr
    if stream is None:
        return
    shown = terminal(text)
    if len(shown) > MESSAGE_LIMIT:  # a value from the input that no layer cut: its middle left out
        shown = shown[:MESSAGE_LIMIT // 2] + "…" + shown[-(MESSAGE_LIMIT // 2):]
    stream.write(f"{prefix()}: {shown}\n")  # an ASCII-only stderr shows escapes (streams.prepare_streams)
    stream.flush()


def warn(text: str) -> None:
    message(_f('warning: %(message)s', message=text))


def error(text: str, tip: str | None = None) -> None:
    """``adadelta trace: error: ...``, and where there is one clear fix, a second line ``adadelta trace: tip: ...``."""
    message(_f('error: %(message)s', message=text))
    if tip:
        message(_f('tip: %(tip)s', tip=tip))
