"""adadelta lesson: a self-contained web page that steps through the trace, for a classroom projector."""

from pathlib import Path
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
    HyperFloat32Opt,
    Lr,
    LrDTypeOpt,
    Maximize,
    NonFiniteOpt,
    PresetOpt,
    RateEg2Opt,
    Rho,
    WdMode,
    WeightDecay,
    resolve,
)
from ._common import NUMBERS_OK, check_digits

COMMAND = dict(name="lesson", context_settings=NUMBERS_OK, help=N_(
    "Write a web page that steps through the trace in class: each step's formulas with its numbers, the table so "
    "far, a chart; one file that needs no network."))

# Required: a page written to a terminal helps nobody; -o - still sends it down a pipe.
LessonOutput = Annotated[Path, typer.Option(
    "--output", "-o", help=N_("The page to write, such as lesson.html (- writes it to standard output)."),
    metavar="FILE", show_default=False, rich_help_panel="Output")]


def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as for trace."), show_default=False)] = None,
    output_path: LessonOutput = ...,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = None,
    lr_dtype: LrDTypeOpt = None, hyper_float32: HyperFloat32Opt = None, rate_eg2: RateEg2Opt = None,
    nonfinite: NonFiniteOpt = None, digits: Digits = 6,
) -> None:
    """Write a web page that steps through the trace in class."""
    from .. import lesson, tracing
    from ..readers import read_input

    check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype, hyper_float32=hyper_float32, rate_eg2=rate_eg2,
                       nonfinite=nonfinite)
    gradients = read_input(inputs or [])
    output.check_outputs(output_path, inputs=[gradients.path])
    if not inputs:
        output.message(_("no input given: the lesson steps through the article's example g = 0.1, 0.2, 0.15"))
    report = tracing.compute(gradients, resolved)
    page = lesson.page(report, digits)
    for note in report.notes:
        output.warn(note)
    output.write_atomic(output_path, page)
