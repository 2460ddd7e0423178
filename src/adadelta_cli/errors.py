"""Domain errors, raised by the layers below the CLI and turned into a message and exit code 2 there."""

from __future__ import annotations

from collections.abc import Callable


class AdadeltaError(Exception):
    """A problem the user can fix: bad input, a setting out of range, an impossible computation."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None, tip: str | Callable[[list[str]], str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        # what to do instead, where there is one clear fix: a second line, "tip: ..." (a function: made from the
        # command line's arguments)
        self.tip = tip

    def __str__(self) -> str:
        source = self.source if self.source is None or len(self.source) <= 200 else \
            self.source[:120] + "…" + self.source[-40:]  # a path of thousands of characters, cut
        where = ":".join(str(part) for part in (source, self.line, self.column) if part is not None)
        return f"{where}: {self.message}" if where else self.message


class InputError(AdadeltaError):
    """The gradient input (arguments, file or stdin) cannot be read as a gradient sequence."""


class UnknownOption(InputError):
    """An argument that looks like an option no command declares (``trace --digts 3``): the command line suggests
    the nearest option."""

    def __init__(self, message: str, *, option: str) -> None:
        super().__init__(message)
        self.option = option


class SettingsError(AdadeltaError):
    """A hyperparameter or option is out of its range."""


class NumericError(AdadeltaError):
    """The recurrence hit an undefined or non-finite value (0/0, overflow)."""
