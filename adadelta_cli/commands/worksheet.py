"""adadelta worksheet: an exercise with blank cells for the student, or its answer key."""

from typing import Annotated, Optional

import typer

from .. import output
from ..i18n import _, _f
from ..options import (
    X0,
    Digits,
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
from ._common import NUMBERS_OK, check_digits

FormatOpt, DEFAULT_FORMAT = format_option("csv", "markdown", "latex", "table", help=_(
    "csv (what check reads back), markdown, latex (a printable document) or table."))

COMMAND = dict(name="worksheet", context_settings=NUMBERS_OK, help=_(
    'Make an exercise: a worksheet with blank columns for the student, or its answer key.'))


def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=_("Gradients as for trace. None: --steps N pleasant gradients drawn with --seed, "
        "or else the article's example."), show_default=False)] = None,
    hide: Annotated[Optional[str], typer.Option(
        "--hide", help=_("Columns the student fills in: a comma-separated list of eg2, eta, dx, edx2, x. "
        "[default: all five]"), show_default=False)] = None,
    steps: Annotated[Optional[int], typer.Option(
        "--steps", help=_(
            "With no INPUT: draw this many gradients such as 0.1, -0.25, 0.3."), show_default=False)] = None,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help=_("Seed for --steps: the same seed gives the same exercise. [default: a fresh one, shown]"),
        show_default=False)] = None,
    answers: Annotated[bool, typer.Option("--answers", help=_("The answer key: every cell filled."))] = False,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, lr_dtype: LrDTypeOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
    output_path: OutputOpt = None, digits: Digits = 6,
) -> None:
    """Make an exercise: a worksheet with blank columns for the student, or its answer key."""
    from .. import tracing
    from .. import worksheet as sheets
    from ..errors import SettingsError
    from ..readers import Gradients

    check_digits(digits)
    hidden = sheets.parse_hide(hide)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       lr_dtype=lr_dtype)
    if inputs and (steps is not None or seed is not None):
        raise SettingsError(_("--steps and --seed draw gradients when there is no INPUT; give one or the other"))
    if not inputs and steps is not None:
        if seed is None:
            import secrets

            seed = secrets.randbelow(10**6)
            output.message(_f('drew the gradients with --seed %(seed)s (give it again for the same exercise)',
                              seed=seed))
        gradients = Gradients(sheets.pleasant_gradients(steps, seed), ["x"], f"--steps {steps} --seed {seed}")
        report = tracing.compute(gradients, resolved)
    else:
        if seed is not None:
            raise SettingsError(_("--seed goes with --steps"))
        report, source = tracing.trace_input(inputs or [], resolved)
        if output_path is not None:
            output.check_target(output_path, [source.path])
        if not inputs:
            output.message(_("no input given: the worksheet uses the article's example g = 0.1, 0.2, 0.15"))
    if format.value == "json":
        raise SettingsError(_("worksheet writes --format csv, markdown, latex or table, not json"))
    if format.value == "table" and output_path is None:
        output.stdout_console().print(sheets.table(report, hidden, answers, digits))
        return
    writers = {"csv": sheets.to_csv, "markdown": sheets.to_markdown, "latex": sheets.to_latex}
    if format.value == "table":
        text = output.render_text(sheets.table(report, hidden, answers, digits))
    else:
        text = writers[format.value](report, hidden, answers, digits)
    output.emit(text, output_path)
