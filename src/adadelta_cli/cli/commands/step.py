"""adadelta step: one step from an explicit state, every intermediate shown."""

import functools
from typing import Annotated, Optional

import typer

from adadelta_cli import streams
from adadelta_cli.cli.commands._common import EXIT_WRONG
from adadelta_cli.cli.options import (
    Digits,
    Format,
    Given,
    LatexFragment,
    MemberSetOpt,
    OptimizerOpt,
    OutputOpt,
    ReportFormat,
    StateOpt,
    settings_options,
)
from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="step", help=N_('One step from an explicit state, with every intermediate shown.'))


@settings_options(without=("x0", "eg2_init", "edx2_init"))
def command(
    grad: Annotated[str, typer.Option("--grad", help=N_("g_t, the gradient of this step."),
                                      rich_help_panel="Input", metavar="VALUE")],
    eg2_prev: Annotated[Optional[str], typer.Option("--eg2-prev", help=N_(
        "E[g²]_{t−1}; E[g²]_t is then computed. [default: 0]"), rich_help_panel="Input", metavar="VALUE")] = None,
    eg2: Annotated[Optional[str], typer.Option("--eg2", help=N_(
        "E[g²]_t given as is (as the article's second example does), instead of --eg2-prev."),
        rich_help_panel="Input", metavar="VALUE")] = None,
    edx2_prev: Annotated[Optional[str], typer.Option("--edx2-prev", help=N_("E[Δx²]_{t−1}. [default: 0]"),
                                                     rich_help_panel="Input", metavar="VALUE")] = None,
    x: Annotated[Optional[str], typer.Option("--x", help=N_("x_{t−1}. [default: 0]"), rich_help_panel="Input",
                                             metavar="VALUE")] = None,
    t: Annotated[int, typer.Option("--t", help=N_(
        "The step's number t: the labels' index, and what Adam's bias correction (β^t) and Adagrad's decay read."),
        min=1, rich_help_panel="Input", metavar="N")] = 1,
    state: StateOpt = None, optimizer: OptimizerOpt = "adadelta", set_: MemberSetOpt = None,
    expect: Annotated[Optional[list[str]], typer.Option(
        "--expect", help=N_("NAME=VALUE: check a hand-calculated value (eg2, eta, dx, edx2, x; with --optimizer, "
        "any quantity of its step, by its JSON name); repeatable. Exit 1 when any is wrong."),
        metavar="VALUE")] = None,
    rel_tol: Annotated[Optional[float], typer.Option(
        "--rel-tol", help=N_("Instead, accept a value within this relative distance."), metavar="NUMBER")] = None,
    sig_digits: Annotated[int, typer.Option(
        "--sig-digits", help=N_("Significant digits an --expect value must carry."), metavar="N")] = 3,
    format: Format = ReportFormat("table"),
    output_path: OutputOpt = None, digits: Digits = 6, latex_fragment: LatexFragment = False,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    name = optimizer.strip().lower()
    if name != "adadelta" or set_ or state:  # the family's modules, loaded only when asked for
        from adadelta_cli.features import stepping

        name = stepping.optimizer_name(optimizer)
        if name == "adadelta":
            stepping.refuse_member_options(set_, state)
    if name != "adadelta":
        stepped = stepping.Stepped.of(name, {**settings.values, "eg2_prev": eg2_prev, "eg2": eg2, "edx2_prev":
                                             edx2_prev}, set_ or [], state or [], expect or [], grad=grad, x=x, t=t,
                                      rel_tol=rel_tol, sig_digits=sig_digits)
        verdicts, emit = stepped.verdicts, stepped.emit
    else:
        verdicts, emit = _adadelta(settings, grad=grad, eg2_prev=eg2_prev, eg2=eg2, edx2_prev=edx2_prev, x=x, t=t,
                                   expect=expect, rel_tol=rel_tol, sig_digits=sig_digits)
    if verdicts:
        streams.exit_on_closed_pipe(0 if all(v.right for v in verdicts) else EXIT_WRONG)
    emit(format.value, output_path, digits, latex_fragment=latex_fragment)
    if not all(v.right for v in verdicts):
        raise typer.Exit(EXIT_WRONG)


def _adadelta(settings: Given, *, grad, eg2_prev, eg2, edx2_prev, x, t, expect, rel_tol, sig_digits):
    """Adadelta's step: its verdicts, and what writes it."""
    from adadelta_cli.features import tracing
    from adadelta_cli.formats.cells import one_number
    from adadelta_cli.marking.verdicts import check_rel_tol, check_sig_digits, parse_expectations

    if eg2 is not None and eg2_prev is not None:
        raise SettingsError(_("give either --eg2-prev (E[g²]_t is computed) or --eg2 (E[g²]_t as is), not both"))
    for value, option in ((eg2_prev, "--eg2-prev"), (edx2_prev, "--edx2-prev")):
        if value is not None:
            one_number(value, option, nonnegative=True)
    if x is not None:
        one_number(x, "--x")
    resolved = settings.resolve(x0=x, eg2_init=eg2_prev, edx2_init=edx2_prev,
                                initial_options=("--x", "--eg2-prev", "--edx2-prev"))
    g = [one_number(grad, "--grad")]
    eg2_given = one_number(eg2, "--eg2", nonnegative=True) if eg2 is not None else None
    check_rel_tol(rel_tol)
    check_sig_digits(sig_digits)
    cells = parse_expectations(expect or [])
    report, verdicts = tracing.single_step(g[0], resolved, t=t, eg2_given=eg2_given, cells=cells,
                                           rel_tol=rel_tol, sig_digits=sig_digits)
    return verdicts, functools.partial(tracing.emit_step, report, verdicts, eg2_given=eg2_given is not None)
