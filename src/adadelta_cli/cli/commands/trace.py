"""adadelta trace: the recurrence over a gradient sequence, one row per step (and parameter)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from adadelta_cli.cli.commands._common import NUMBERS_OK
from adadelta_cli.cli.options import (
    CONVENTIONS,
    SETTINGS,
    BesideOpt,
    Digits,
    Format,
    Given,
    LatexFragment,
    MemberSetOpt,
    OptimizerOpt,
    OutputOpt,
    ReportFormat,
    ShowAll,
    StateOpt,
    settings_options,
)
from adadelta_cli.i18n import N_

COMMAND = dict(name="trace", context_settings=NUMBERS_OK, help=N_(
    'Trace the recurrence over a gradient sequence, one row per step (and parameter).'))


@settings_options(*SETTINGS, *CONVENTIONS)
def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as numbers (0.1 -0.2 0.15), one file (CSV, text, JSON), or - for "
        "stdin. None: the article's example 0.1, 0.2, 0.15."), rich_help_panel="Input")] = None,
    format: Format = ReportFormat("table"), output_path: OutputOpt = None, digits: Digits = 6,
    latex_fragment: LatexFragment = False, show_all: ShowAll = False,
    explain: Annotated[bool, typer.Option("--explain", help=N_("After the table, each step's arithmetic with the "
                                          "numbers substituted, as the article writes it."),
                                          rich_help_panel="Output")] = False,
    export_svg: Annotated[Optional[Path], typer.Option(
        "--export-svg", help=N_("Also write the table (and --explain) as an SVG picture, for slides."), metavar="FILE",
        rich_help_panel="Output")] = None,
    export_html: Annotated[Optional[Path], typer.Option(
        "--export-html", help=N_("Also write the table (and --explain) as a web page, for handouts."), metavar="FILE",
        rich_help_panel="Output")] = None,
    optimizer: OptimizerOpt = "adadelta", with_: BesideOpt = None, set_: MemberSetOpt = None,
    state: StateOpt = None,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.features import tracing
    from adadelta_cli.formats.cells import nonfinite_accepted

    beside, set_ = besides(with_, optimizer, set_, settings)
    member = family(optimizer, settings, set_, state)
    resolved = settings.beside(member)
    # inf and NaN gradients as IEEE values with --nonfinite continue (Adadelta's option alone)
    if beside and resolved.settings.nonfinite == "continue":
        from adadelta_cli.errors import SettingsError
        from adadelta_cli.i18n import _

        raise SettingsError(_("--nonfinite continue goes with Adadelta alone: beside it, the other optimizers stop at "
                              "the first value that is not finite"))
    with nonfinite_accepted(accept=resolved.settings.nonfinite == "continue" if member is None else None):
        if beside:
            from adadelta_cli.features import family_trace

            return family_trace.trace_beside(inputs or [], resolved, member, beside, format.value, output_path,
                                             digits, show_all=show_all, explain=explain, export_svg=export_svg,
                                             export_html=export_html, latex_fragment=latex_fragment)
        tracing.trace_command(inputs or [], resolved, format.value, output_path, digits, show_all=show_all,
                              explain=explain, export_svg=export_svg, export_html=export_html,
                              latex_fragment=latex_fragment, member=member)


def besides(with_: list[str] | None, optimizer: str, set_: list[str] | None, settings: Given) -> tuple[list, list[str]]:
    """--with NAMES: the members to trace beside the --optimizer (``family_trace.Traced.beside``), and the --set
    items left for the --optimizer."""
    if with_ is None:
        return [], set_ or []
    from adadelta_cli.features import family_trace, stepping

    return family_trace.Traced.beside(",".join(with_), stepping.optimizer_name(optimizer), set_ or [],
                                      settings.values)


def family(optimizer: str, settings: Given, set_: list[str] | None, state: list[str] | None):
    """--optimizer NAME (--set, --state): the family member's trace to make (``family_trace.Traced.given``), or
    None for Adadelta's; the family's modules are loaded only when asked for."""
    if optimizer.strip().lower() == "adadelta" and not set_ and not state:
        return None
    from adadelta_cli.features import family_trace, stepping

    name = stepping.optimizer_name(optimizer)
    if name == "adadelta":
        stepping.refuse_member_options(set_, state)
    return family_trace.Traced.given(name, settings.values, set_ or [], state or [])
