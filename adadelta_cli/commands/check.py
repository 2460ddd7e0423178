"""adadelta check: mark a worksheet of hand-calculated values."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import output
from ..i18n import _
from ..options import (
    X0,
    Digits,
    DType,
    DTypeOpt,
    Edx2Init,
    Eg2Init,
    Eps,
    Lr,
    LrDTypeOpt,
    Maximize,
    OutputOpt,
    PresetOpt,
    Rho,
    WdMode,
    WeightDecay,
    format_option,
    resolve,
)
from ._common import EXIT_WRONG, check_digits

FormatOpt, DEFAULT_FORMAT = format_option("table", "json")

COMMAND = dict(name="check", help=_(
    'Mark a worksheet of hand-calculated values: each cell right or wrong, and the likely slip.'))


def command(
    file: Annotated[str, typer.Argument(metavar="FILE", help=_("A worksheet: CSV with a g column and any of eg2, "
                                        "edx2_prev, eta, dx, edx2, x filled by hand."), show_default=False)],
    rel_tol: Annotated[Optional[float], typer.Option(
        "--rel-tol", help=_("Also accept a value within this relative distance of the computed one."),
        show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = DType.float64,
    lr_dtype: LrDTypeOpt = None, format: FormatOpt = DEFAULT_FORMAT, output_path: OutputOpt = None,
    digits: Digits = 6,
) -> None:
    """Mark a worksheet of hand-calculated values: each cell right or wrong, and the likely slip."""
    from .. import checking, tracing

    check_digits(digits)
    sheet = checking.read_worksheet(file)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype, base=sheet.settings)
    if output_path is not None:
        output.check_target(output_path, [Path(file)])
    verdicts = checking.check_worksheet(sheet, resolved, rel_tol)
    tracing.emit_verdicts(verdicts, resolved, sheet.source, format.value, output_path, digits,
                          several=len(sheet.params) > 1)
    if any(v.status == "wrong" for v in verdicts):
        raise typer.Exit(EXIT_WRONG)
