"""adadelta compare: Adadelta beside other optimizers on the same gradients."""

from typing import Annotated, Optional

import typer

from .. import output
from ..i18n import N_, _
from ..options import (
    Digits,
    Given,
    LatexFragment,
    OutputOpt,
    SetOpt,
    WithOpt,
    format_option,
    settings_options,
)
from ._common import NUMBERS_OK, check_digits, check_fragment

FormatOpt, DEFAULT_FORMAT = format_option("table", "csv", "json", "markdown", "latex")

COMMAND = dict(name="compare", context_settings=NUMBERS_OK, help=N_(
    'Run Adadelta and other optimizers on the same gradients: η_t and x_t side by side.'))


@settings_options(without=("dtype",))
def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as for trace."), show_default=False,
        rich_help_panel="Input")] = None,
    with_: WithOpt = None, set_: SetOpt = None,

    format: FormatOpt = DEFAULT_FORMAT, output_path: OutputOpt = None, latex_fragment: LatexFragment = False,
    digits: Digits = 6,
    show_all: Annotated[bool, typer.Option("--all", help=N_("Show every step of a long trace in the table."),
                                           rich_help_panel="Output")] = False,
    settings: Given = None,  # the settings options, given by @settings_options
) -> None:
    """Run Adadelta and other optimizers on the same gradients: η_t and x_t side by side."""
    from .. import comparing, others
    from ..readers import read_input

    check_digits(digits)
    check_fragment(format.value, latex_fragment)
    resolved = settings.resolve()
    chosen = others.parse_with(with_)
    hyper = others.parse_sets(set_, chosen)
    gradients = read_input(inputs or [])
    if output_path is not None:
        output.check_target(output_path, [gradients.path])
    if not inputs:
        output.message(_("no input given: comparing on the article's example g = 0.1, 0.2, 0.15"))
    results = comparing.compute(gradients.values, resolved, chosen, hyper)
    settings = {**resolved.as_dict(), "input": gradients.source, "with": chosen,
                "others": {name: hyper[name] for name in chosen}}
    output.write_report(format.value, output_path, digits, fragment=latex_fragment,
                        document=lambda: comparing.document(gradients.values, gradients.names, results, settings,
                                                            digits, show_all or format.value != "table"),
                        records=lambda: comparing.records(gradients.values, gradients.names, results, settings))
