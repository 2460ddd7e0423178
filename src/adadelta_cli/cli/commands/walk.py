"""adadelta walk: step through a trace in class, one step per key press."""

import sys

import typer

from adadelta_cli import messages, terminal
from adadelta_cli.cli.commands._common import NUMBERS_OK
from adadelta_cli.cli.options import (
    Digits,
    Given,
    Inputs,
    MemberSetOpt,
    OptimizerOpt,
    StateOpt,
    settings_options,
)
from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="walk", context_settings=NUMBERS_OK, help=N_(
    'Step through a trace in class, one step per key press: n or space next, b back, Home/End, a step number then '
    'Enter to jump, e to show or hide the arithmetic, q quit.'))


@settings_options()
def command(
    inputs: Inputs = None,
    digits: Digits = 6,
    optimizer: OptimizerOpt = "adadelta", set_: MemberSetOpt = None, state: StateOpt = None,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.cli.commands.trace import family
    from adadelta_cli.features import shown, tracing
    from adadelta_cli.features import walk as walking
    from adadelta_cli.formats.readers import read_input

    member = family(optimizer, settings, set_, state)
    resolved = settings.beside(member)
    tokens = inputs or []
    if tokens == ["-"]:
        raise SettingsError(_("walk reads the keyboard: give the gradients as numbers or a file, not -"))
    if member is None:
        trace = shown.Adadelta(tracing.trace_input(tokens, resolved)[0], digits)
    else:
        gradients = read_input(tokens)
        trace = member(gradients, resolved.initial(len(gradients.names)).x.tolist())
    if not inputs:
        messages.message(_("no input given: walking through the article's example g = 0.1, 0.2, 0.15"))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    walking.walk(trace, terminal.stdout_console(), digits, interactive=interactive, getkey=typer.getchar)
