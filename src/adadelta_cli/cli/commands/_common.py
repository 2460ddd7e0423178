"""What every command module shares: exit codes, the context that lets negative numbers through, checks."""

from __future__ import annotations

from adadelta_cli import messages, outfiles
from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import _f

EXIT_WRONG = 1  # check / step --expect found a wrong value
EXIT_USAGE = 2  # bad usage or bad input
NUMBERS_OK = {"ignore_unknown_options": True}  # so that `trace 0.1 -0.2` reads -0.2 as a gradient


def check_digits(digits: int) -> None:
    """--digits between 1 and 17 (a double has 17 significant digits at most)."""
    if digits < 1 or digits > 17:
        raise SettingsError(_f('--digits must be between 1 and 17, got %(digits)s', digits=digits))


def check_fragment(fmt: str, *, fragment: bool) -> None:
    """--latex-fragment shapes a LaTeX document: with any other format it would do nothing, so it is refused."""
    if fragment and fmt != "latex":
        raise SettingsError(_f('--latex-fragment goes with --format latex, not %(format)s', format=fmt))


def read_gradients(inputs: list[str] | None, output_path, said: str):
    """INPUT read as trace reads it (formats.readers), an output over it refused, and ``said`` (that the article's
    example is used) when there is no INPUT."""
    from adadelta_cli.formats.readers import read_input

    gradients = read_input(inputs or [])
    if output_path is not None:
        outfiles.check_target(output_path, [gradients.path])
    if not inputs:
        messages.message(said)
    return gradients
