"""adadelta walk: step through a trace in class, one step per key press."""

import sys
from typing import Annotated, Optional

import typer

from .. import output
from ..i18n import N_, _
from ..options import (
    X0,
    Digits,
    DTypeOpt,
    Edx2Init,
    Eg2Init,
    Eps,
    Lr,
    LrDTypeOpt,
    Maximize,
    PresetOpt,
    Rho,
    WdMode,
    WeightDecay,
    resolve,
)
from ._common import NUMBERS_OK, check_digits

COMMAND = dict(name="walk", context_settings=NUMBERS_OK, help=N_(
    'Step through a trace in class, one step per key press: n or space next, b back, Home/End, a step number then '
    'Enter to jump, e to show or hide the arithmetic, q quit.'))


def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as for trace."), show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = None,
    lr_dtype: LrDTypeOpt = None, digits: Digits = 6,
) -> None:
    """Step through a trace in class, one step per key press (keys: see the help)."""
    from .. import tracing
    from .. import walk as walking

    check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype)
    tokens = inputs or []
    if tokens == ["-"]:
        from ..errors import SettingsError

        raise SettingsError(_("walk reads the keyboard: give the gradients as numbers or a file, not -"))
    report, _source = tracing.trace_input(tokens, resolved)
    if not inputs:
        output.message(_("no input given: walking through the article's example g = 0.1, 0.2, 0.15"))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    walking.walk(report, output.stdout_console(), digits, interactive, typer.getchar)
