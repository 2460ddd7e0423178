"""adadelta optimize: minimise a function, each gradient taken exactly at the current x."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from adadelta_cli import outfiles, streams
from adadelta_cli.cli.commands._common import NUMBERS_OK
from adadelta_cli.cli.options import (
    AnimateOpt,
    Digits,
    Format,
    Given,
    LargePrintOpt,
    LatexFragment,
    OutputOpt,
    ReportFormat,
    SetOpt,
    TitleOpt,
    settings_options,
)
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="optimize", context_settings=NUMBERS_OK, help=N_(
    "Minimise a function: each step's gradient is taken exactly from the function at the current x."))


@settings_options(without=("dtype", "x0"))
def command(
    function: Annotated[str, typer.Argument(
        metavar="FUNCTION", help=N_("quadratic (Σ x_i²), rosenbrock, beale, himmelblau, or a formula in x and y such "
        "as '(x - 1)^2 + 10*(y + 2)^2' (x1 ... xn beyond two dimensions)."), rich_help_panel="Input")],
    x0: Annotated[str, typer.Option("--x0", rich_help_panel="Input", metavar="VALUE", help=N_(
        "The starting point: a or a,b (one value per dimension)."))],
    steps: Annotated[int, typer.Option("--steps", help=N_("Number of steps."), min=1, max=10_000_000,
                                       metavar="N")] = 100,
    with_: Annotated[Optional[str], typer.Option("--with", metavar="VALUE", help=N_(
        "Other optimizers to run from the same start: adagrad, rmsprop, sgd, momentum, adam."))] = None,
    set_: SetOpt = None,
    format: Format = ReportFormat("table"),
    output_path: OutputOpt = None, latex_fragment: LatexFragment = False, digits: Digits = 6,
    show_all: Annotated[bool, typer.Option("--all", help=N_("Show every step in the table."),
                                           rich_help_panel="Output")] = False,
    plot_path: Annotated[Optional[Path], typer.Option(
        "--plot", help=N_("Draw the trajectories over the function's contours to a .png, .svg or .pdf file "
        "(needs the plot extra)."), metavar="FILE", rich_help_panel="Output")] = None,
    animate: AnimateOpt = None, title: TitleOpt = None, large_print: LargePrintOpt = False,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.features import optimizing

    resolved = settings.resolve(x0=x0)
    outfiles.check_outputs(output_path, plot_path, animate)
    if animate is not None:
        from adadelta_cli.features.animation import check_animation

        check_animation(animate)
    if plot_path is None and animate is None:  # written as computed
        _stream(function, resolved, x0, steps, with_, set_, format.value, output_path, digits,
                show_all=show_all, latex_fragment=latex_fragment)
        return
    func, start, adadelta, results, hyper = optimizing.run_all(function, resolved, x0, steps, with_, set_)
    if func.dimensions != 2:
        from adadelta_cli.errors import SettingsError

        raise SettingsError(_("--plot draws contours of functions of x and y (two dimensions)"))
    recorded = optimizing.recorded(resolved, func, steps, hyper)
    from adadelta_cli.formats import writers

    writers.write_report(format.value, output_path, digits, fragment=latex_fragment,
                         document=lambda: optimizing.document(func, adadelta, results, recorded, digits,
                                                              show_all=show_all or format.value != "table"),
                         records=lambda: optimizing.data(func, adadelta, results, recorded))
    if plot_path is not None or animate is not None:
        optimizing.draw_contours(func, adadelta, results, start, plot=plot_path, animate=animate, title=title,
                                 large=large_print)


def _stream(function, resolved, x0, steps, with_, set_, fmt: str, output_path, digits: int, *, show_all: bool,
            latex_fragment: bool) -> None:
    """The report written a block of steps at a time (CSV and JSON) or each table's rows as they are read (the
    tables for people); a failure in the first block leaves every output untouched."""
    import itertools

    from adadelta_cli.features import optimizing
    from adadelta_cli.formats import writers

    func, start, chosen, hyper = optimizing.prepare(function, x0, steps, with_, set_)
    recorded = optimizing.recorded(resolved, func, steps, {name: hyper[name] for name in chosen})
    if fmt in ("csv", "json"):
        blocks = optimizing.run_blocks(func, resolved, start, steps, chosen, hyper)
        first = next(blocks)
        writers.write_report(fmt, output_path, digits, held=True, records=lambda: optimizing.data(
            func, None, None, recorded, blocks=itertools.chain([first], blocks)))
        return
    runs = optimizing.table_runs(func, resolved, start, steps, chosen, hyper)  # each run's first block now
    if output_path is None or outfiles.is_stdout(output_path):
        runs = {name: streams.watched(run) for name, run in runs.items()}  # a reader gone away ends it early
    writers.write_report(fmt, output_path, digits, fragment=latex_fragment, document=lambda: optimizing.document(
        func, None, None, recorded, digits, show_all=show_all or fmt != "table", runs=runs, steps=steps))
