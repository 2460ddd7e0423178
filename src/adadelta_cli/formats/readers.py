"""Where gradients come from: numbers given as arguments, one file, standard input, or the article's example.
``read_input`` holds them whole, ``open_stream`` hands a file or standard input to the block reader (``blocks``).
Every problem is one InputError naming the source, line and column where there are such, and what was expected."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import numpy as np

from adadelta_cli.errors import InputError, UnknownOption
from adadelta_cli.formats import blocks
from adadelta_cli.formats.cells import _DECIMAL_COMMA, is_decimal, is_number, parse_number, shown
from adadelta_cli.formats.tables import Gradients
from adadelta_cli.i18n import N_, _, _f

ARTICLE_GRADIENTS = (0.1, 0.2, 0.15)


def read_input(tokens: list[str], stdin=None) -> Gradients:
    """Numbers as arguments, one path, ``-`` for standard input, or nothing for the article's example.

    A file or standard input is read as ``open_stream`` reads it (bounded blocks), held whole up to
    blocks.MAX_WHOLE_BYTES of text: `yes 0.1 | adadelta compare -` is refused, not read until memory runs out."""
    if tokens == ["-"] or (len(tokens) == 1 and _is_path_token(tokens[0])):
        return open_stream(tokens, stdin).collect(blocks.MAX_WHOLE_BYTES)
    return _read_tokens(tokens)


def _is_path_token(token: str) -> bool:
    """Whether a lone argument names a file (not a number, inf or nan, not an option), or names one that exists."""
    return _exists(token) or not (is_number(token) or token.startswith("-"))


def _exists(name: str) -> bool:
    """Path.exists() that is False (not an OSError) for a name too long for the system."""
    try:
        return Path(name).exists()
    except (OSError, ValueError):
        return False


def _read_tokens(tokens: list[str]) -> Gradients:
    """Numbers given as arguments (no file among them), or none: the article's example."""
    if not tokens:
        return Gradients(np.array(ARTICLE_GRADIENTS)[:, None], ["x"], N_("the article's example"))
    values = []
    for i, token in enumerate(tokens, start=1):
        if token.startswith("--") or (token.startswith("-") and token[1:2].isalpha()
                                       and token.lower() not in ("-inf", "-nan", "-infinity")) \
                or (len(tokens) == 1 and not is_number(token)):  # a lone -x that names no file
            raise UnknownOption(_f('no such option: %(option)s', option=token), option=token)
        if token == "-" or (not is_number(token) and _exists(token)):
            raise InputError(_f(
                'argument %(position)s: %(file)s is a file; give either numbers or one file, not both',
                position=i, file=shown(token)))
        values.append(parse_number(token, source=_("gradient %(position)d") % {"position": i}))
    return Gradients(np.array(values, dtype=np.float64)[:, None], ["x"], "arguments")


def comma_list(token: str) -> None:
    """``0.1,0.2,0.15`` as one argument, where no such file exists: an InputError whose tip is the command line
    with the numbers apart (``adadelta trace 0.1 0.2 0.15``). Commas stay unread as separators: ``0,1`` may be a
    decimal comma."""
    parts = [part.strip() for part in token.split(",")]
    if len(parts) < 2 or Path(token).exists() or not all(is_decimal(p) for p in parts):
        return

    def tip(args: list[str]) -> str:
        import shlex

        def typed(replacement: list[str]) -> str:
            return shlex.join(["adadelta", *[word for arg in args for word in (replacement if arg == token
                                                                                  else [arg])]])

        steps = _f("for %(count)s steps, put spaces between the numbers: %(command)s", count=len(parts),
                   command=typed(parts))
        if _DECIMAL_COMMA.fullmatch(token):  # 0,1 may be the number 0.1 written with a decimal comma
            return _f("for the number %(number)s, write a decimal point: %(command)s", number=token.replace(",", "."),
                      command=typed([token.replace(",", ".")])) + _("; ") + steps
        return steps

    raise InputError(_f("%(text)s is neither a number nor a file: the gradients are separate arguments",
                        text=repr(token)), tip=tip)


def stdin_is_input(stdin=None) -> bool:
    """Whether standard input carries the gradients when no INPUT is named (``echo 0.1 | adadelta trace``): a pipe,
    a socket or a file, never a terminal or /dev/null. An in-memory stream (a test's) counts where it has text,
    which is then kept for the reader."""
    import io

    stream = stdin if stdin is not None else sys.stdin
    if stream is None:
        return False
    try:
        if stream.isatty():
            return False
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation, AttributeError):
        fd = None
    if fd is not None:
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            return False
        return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISREG(mode)
    try:  # no file descriptor: read it, and put what it held back for the reader
        data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    except (OSError, ValueError):
        return False
    if not data:
        return False
    if stdin is None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(data.encode() if isinstance(data, str) else data), encoding="utf-8")
    return True


def read_path(name: str) -> Gradients:
    return blocks.read_bytes(file_bytes(name), name)


def file_bytes(name: str) -> bytes:
    """A file's bytes, read whole (bounded, as ``blocks.read_bounded`` reads), or an InputError saying why not."""
    try:
        with open(name, "rb") as handle:
            return blocks.read_bounded(handle, b"", name)
    except FileNotFoundError:
        raise InputError(_("no such file"), source=name) from None
    except IsADirectoryError:
        raise InputError(_("is a directory; expected a gradient file (CSV, text or JSON)"), source=name) from None
    except PermissionError:
        raise InputError(_("permission denied"), source=name) from None
    except OSError as exc:
        raise blocks.unreadable(exc, name) from None


def _source_name(name: str) -> str:
    """A file's name for a message: a name of thousands of characters is cut (escaped in messages.error)."""
    return name if len(name) <= 200 else name[:120] + "…" + name[-40:]


def open_stream(tokens: list[str], stdin=None) -> blocks.GradientStream:
    """Like read_input, but a CSV or text file (or stdin) is read and parsed a block at a time."""
    if tokens == ["-"]:
        stream = stdin if stdin is not None else sys.stdin
        handle = stream.buffer if hasattr(stream, "buffer") else stream
        return blocks.stream_handle(blocks.Guarded(handle, "<stdin>"), "<stdin>", None)
    if len(tokens) == 1 and _is_path_token(tokens[0]):
        name = tokens[0]
        try:
            handle = open(name, "rb")  # noqa: SIM115  (closed by the generator)
            info = os.fstat(handle.fileno())
        except OSError:
            comma_list(name)  # 0.1,0.2,0.15: the numbers meant, said with the command to type
            read_path(name)  # raises the reader's message
            raise
        if stat.S_ISDIR(info.st_mode):
            handle.close()
            read_path(name)
        # A device, FIFO or /proc file is read by blocks, bounded, like any other.
        total = info.st_size if stat.S_ISREG(info.st_mode) and info.st_size else None
        return blocks.stream_handle(blocks.Guarded(handle, name), name, total, close=True)
    g = _read_tokens(tokens)
    return blocks.GradientStream(g.names, g.source, iter([g.values]))


