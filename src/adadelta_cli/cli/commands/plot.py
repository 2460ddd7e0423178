"""adadelta plot: the quantities against t, in the terminal or to a file; or trajectories over a function."""

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from adadelta_cli import messages, outfiles, terminal
from adadelta_cli.cli.commands._common import NUMBERS_OK
from adadelta_cli.cli.options import (
    AnimateOpt,
    Given,
    Inputs,
    LargePrintOpt,
    OptimizerOpt,
    SetOpt,
    StateOpt,
    TitleOpt,
    settings_options,
)
from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="plot", context_settings=NUMBERS_OK, help=N_(
    'Plot E[g²]_t and E[Δx²]_t (log scale), η_t, Δx_t and x_t against t.'))


@settings_options()
def command(
    inputs: Inputs = None,
    output_path: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", rich_help_panel="Output",
                                                        help=N_("Draw to a .png, .svg or .pdf file (needs the plot "
        "extra: pip install 'adadelta-cli[plot]'). Without it, the chart is drawn in the terminal."))] = None,
    width: Annotated[Optional[int], typer.Option("--width", help=N_("Terminal chart width. [default: the terminal's]"),
                                                 min=40, rich_help_panel="Display", metavar="N")] = None,
    height: Annotated[int, typer.Option("--height", help=N_("Terminal chart height."), min=10,
                                          rich_help_panel="Display", metavar="N")] = 30,
    function: Annotated[Optional[str], typer.Option("--function", rich_help_panel="Input", metavar="VALUE", help=N_(
        "Instead of INPUT: optimise this function from --x0 (as adadelta optimize) and draw the trajectories over its "
        "contours (-o FILE), or f(x_t) against t in the terminal."))] = None,
    steps: Annotated[int, typer.Option("--steps", help=N_("With --function: the number of steps."), min=1,
                                           rich_help_panel="Input", metavar="N")] = 100,
    with_: Annotated[Optional[str], typer.Option("--with", metavar="VALUE", help=N_(
        "With --function: other optimizers to draw (adagrad, rmsprop, sgd, momentum, adam)."))] = None,
    set_: SetOpt = None, title: TitleOpt = None, large_print: LargePrintOpt = False, animate: AnimateOpt = None,
    optimizer: OptimizerOpt = "adadelta", state: StateOpt = None,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.cli.commands.trace import family
    from adadelta_cli.features import animation, plotting, terminal_charts, tracing

    look: dict[str, Any] = {"title": title, "large": large_print}
    if function is not None:
        if optimizer.strip().lower() != "adadelta" or state:
            raise SettingsError(_("--function draws Adadelta beside --with's optimizers; --optimizer and --state go "
                                  "with gradients (INPUT)"))
        _plot_function(function, settings.resolve(), settings.values["x0"], steps, with_, set_, output_path, inputs,
                       width, height, look, animate)
        return
    member = family(optimizer, settings, set_, state)
    resolved = settings.beside(member)
    if member is not None:
        from adadelta_cli.formats.readers import read_input

        source = read_input(inputs or [])
        report = member(source, resolved.initial(len(source.names)).x.tolist())
    else:
        report, source = tracing.trace_input(inputs or [], resolved)
    if not inputs:
        messages.message(_("no input given: plotting the article's example g = 0.1, 0.2, 0.15"))
    outfiles.check_outputs(output_path, animate, inputs=[source.path])
    animation.check_animation(animate)
    if output_path is not None:
        plotting.save_figure(report, output_path, **look)
    if animate is not None:
        animation.animate_trace(report, animate, **look)
    if output_path is not None or animate is not None:
        return
    console = terminal.stdout_console()
    chart = terminal_charts.terminal_chart(report, width or console.width, height,
                                    color=console.is_terminal and not console.no_color)
    sys.stdout.write(chart + "\n")


def _plot_function(function, resolved, x0, steps, with_, set_, output_path, inputs, width, height, look: dict,
                   animate) -> None:
    from adadelta_cli.features import animation, optimizing, terminal_charts

    if inputs:
        raise SettingsError(_("give either gradients (INPUT) or --function, not both"))
    if x0 is None:
        raise SettingsError(_("--function needs a starting point: --x0 a,b"))
    outfiles.check_outputs(output_path, animate)
    animation.check_animation(animate)
    func, start, adadelta, results, _hyper = optimizing.run_all(function, resolved, x0, steps, with_, set_)
    if output_path is not None or animate is not None:
        optimizing.draw_contours(func, adadelta, results, start, plot=output_path, animate=animate, **look)
        return
    console = terminal.stdout_console()
    curves = {"adadelta": adadelta[1]}
    curves.update({name: r["f"] for name, r in results.items()})
    sys.stdout.write(terminal_charts.terminal_curves(curves, _("f(x_t) (log scale)"), width or console.width,
                                                    height, color=console.is_terminal and not console.no_color) + "\n")
