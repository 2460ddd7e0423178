"""The command line: parse options, call the layers below, choose the exit code. Nothing is computed here."""

import contextlib
import functools
import signal
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

try:  # Typer 0.2x+ carries its own copy of Click
    from typer._click import exceptions as click_exceptions
except ImportError:  # older Typer runs on Click itself
    from click import exceptions as click_exceptions

from . import output
from .errors import AdadeltaError
from .i18n import _, _f
from .options import (
    X0,
    Digits,
    DType,
    DTypeOpt,
    Edx2Init,
    Eg2Init,
    Eps,
    Format,
    FormatOpt,
    Lr,
    LrDTypeOpt,
    Maximize,
    OutputOpt,
    PresetOpt,
    Rho,
    WdMode,
    WeightDecay,
    resolve,
)

EXIT_WRONG = 1  # check / step --expect found a wrong value
EXIT_USAGE = 2  # bad usage or bad input


class _Group(TyperGroup):
    """Usage errors as one plain line on stderr (exit 2); a closed pipe or Ctrl-C ends quietly."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from . import i18n

        lang, args = i18n.take_lang_argument(list(sys.argv[1:] if args is None else args))
        try:
            i18n.set_language(lang)
        except AdadeltaError as exc:
            sys.stderr.write(f"{output.PROG}: {_('error')}: {exc}\n")
            sys.exit(EXIT_USAGE)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_exceptions.ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `adadelta` alone: the help, as asked for
                sys.stdout.write(exc.ctx.get_help() + "\n")
                sys.exit(0)
            where = f"{exc.ctx.command_path}: " if getattr(exc, "ctx", None) else f"{output.PROG}: "
            hint = ""
            if isinstance(exc, click_exceptions.UsageError) and exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            sys.stderr.write(f"{where}{_('error')}: {exc.format_message()}{hint}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("\n")
            sys.exit(130)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            sys.exit(130)
        except BrokenPipeError:
            _quiet_broken_pipe()
        sys.exit(code if isinstance(code, int) else 0)


def _quiet_broken_pipe() -> None:
    """The reader went away (`| head`): stop without a traceback, as a well-behaved Unix filter does."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1)


app = typer.Typer(
    cls=_Group,
    name="adadelta",
    help=_("Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"adadelta-cli {version('adadelta-cli')}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help=_("Print the version and exit."))] = None,
          lang: Annotated[Optional[str], typer.Option(
              "--lang", metavar="[en|zh]",
              help=_("Language of tables, explanations and messages: en or zh (中文); it may also follow any "
                     "command. [default: ADADELTA_LANG, else the locale, else en]"), show_default=False)] = None,
          ) -> None:
    """Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."""


def handles_errors(command):
    """Domain errors become one line on stderr and exit code 2; nothing else is caught here."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AdadeltaError as exc:
            output.error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except BrokenPipeError:
            _quiet_broken_pipe()

    return wrapper


NUMBERS_OK = {"ignore_unknown_options": True}  # so that `trace 0.1 -0.2` reads -0.2 as a gradient
WithOpt = Annotated[Optional[str], typer.Option(
    "--with", help=_("Optimizers beside Adadelta: a comma-separated list of adagrad, rmsprop, sgd, momentum, adam "
    "(PyTorch's defaults). [default: all five]"), show_default=False)]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", help=_("OPTIMIZER.PARAMETER=VALUE over PyTorch's defaults, e.g. --set adagrad.lr=0.1; repeatable."),
    show_default=False)]


@app.command(context_settings=NUMBERS_OK, help=_(
    'Trace the recurrence over a gradient sequence, one row per step (and parameter).'))
@handles_errors
def trace(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=_("Gradients as numbers (0.1 -0.2 0.15), one file (CSV, text, JSON), or - for "
        "stdin. None: the article's example 0.1, 0.2, 0.15."), show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = DType.float64,
    lr_dtype: LrDTypeOpt = None, format: FormatOpt = Format.table, output_path: OutputOpt = None, digits: Digits = 6,
    show_all: Annotated[bool, typer.Option("--all", help=_("Show every step of a long trace in the table."),
                                           rich_help_panel="Output")] = False,
    explain: Annotated[bool, typer.Option("--explain", help=_("After the table, each step's arithmetic with the "
                                          "numbers substituted, as the article writes it."),
                                          rich_help_panel="Output")] = False,
    export_svg: Annotated[Optional[Path], typer.Option(
        "--export-svg", help=_("Also write the table (and --explain) as an SVG picture, for slides."), metavar="FILE",
        rich_help_panel="Output", show_default=False)] = None,
    export_html: Annotated[Optional[Path], typer.Option(
        "--export-html", help=_("Also write the table (and --explain) as a web page, for handouts."), metavar="FILE",
        rich_help_panel="Output", show_default=False)] = None,
) -> None:
    """Trace the recurrence over a gradient sequence, one row per step (and parameter)."""
    from . import tracing

    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype)
    _check_digits(digits)
    tracing.trace_command(inputs or [], resolved, format.value, output_path, digits, show_all=show_all,
                          explain=explain, export_svg=export_svg, export_html=export_html)


@app.command(context_settings=NUMBERS_OK, help=_('Plot E[g²]_t and E[Δx²]_t (log scale), η_t, Δx_t and x_t against t.'))
@handles_errors
def plot(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=_("Gradients as for trace."), show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = DType.float64,
    lr_dtype: LrDTypeOpt = None,
    output_path: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help=_("Draw to a .png, .svg or .pdf file (needs the plot extra: "
        "pip install 'adadelta-cli[plot]'). Without it, the chart is drawn in the terminal."), metavar="FILE",
        show_default=False)] = None,
    width: Annotated[Optional[int], typer.Option("--width", help=_("Terminal chart width. [default: the terminal's]"),
                                                 min=40, show_default=False)] = None,
    height: Annotated[int, typer.Option("--height", help=_("Terminal chart height."), min=10)] = 30,
    function: Annotated[Optional[str], typer.Option(
        "--function", help=_("Instead of INPUT: optimise this function from --x0 (as adadelta optimize) and draw "
                             "the trajectories over its contours (-o FILE), or f(x_t) against t in the terminal."),
        show_default=False)] = None,
    steps: Annotated[int, typer.Option("--steps", help=_("With --function: the number of steps."), min=1)] = 100,
    with_: Annotated[Optional[str], typer.Option(
        "--with", help=_("With --function: other optimizers to draw (adagrad, rmsprop, sgd, momentum, adam)."),
        show_default=False)] = None,
    set_: SetOpt = None,
) -> None:
    """Plot E[g²]_t and E[Δx²]_t (log scale), η_t, Δx_t and x_t against t."""
    from . import plotting, tracing

    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype)
    if function is not None:
        _plot_function(function, resolved, x0, steps, with_, set_, output_path, inputs, width, height)
        return
    report, source = tracing.trace_input(inputs or [], resolved)
    if not inputs:
        output.message(_("no input given: plotting the article's example g = 0.1, 0.2, 0.15"))
    if output_path is not None:
        output.check_target(output_path, [source.path])
        plotting.save_figure(report, output_path, lambda path, writer: output.write_atomic(
            path, writer=writer, binary=True))
        return
    console = output.stdout_console()
    chart = plotting.terminal_chart(report, width or min(console.width, 140), height,
                                    color=console.is_terminal and not console.no_color)
    sys.stdout.write(chart + "\n")


def _plot_function(function, resolved, x0, steps, with_, set_, output_path, inputs, width, height) -> None:
    """plot --function: the trajectories over the function's contours, or f(x_t) in the terminal."""
    from . import optimizing, plotting
    from .errors import SettingsError

    if inputs:
        raise SettingsError(_("give either gradients (INPUT) or --function, not both"))
    if x0 is None:
        raise SettingsError(_("--function needs a starting point: --x0 a,b"))
    func, start, adadelta, results, _hyper = optimizing.run_all(function, resolved, x0, steps, with_, set_)
    if output_path is not None:
        output.check_target(output_path)
        optimizing.contour_plot(func, adadelta, results, start, output_path,
                                lambda path, writer: output.write_atomic(path, writer=writer, binary=True))
        return
    console = output.stdout_console()
    curves = {"adadelta": adadelta[1]}
    curves.update({name: r["f"] for name, r in results.items()})
    sys.stdout.write(plotting.terminal_curves(curves, _("f(x_t) (log scale)"), width or min(console.width, 140),
                                              height, color=console.is_terminal and not console.no_color) + "\n")


@app.command(context_settings=NUMBERS_OK, help=_(
    'Step through a trace in class: one step per key press (n/space next, b back, q quit).'))
@handles_errors
def walk(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=_("Gradients as for trace."), show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = DType.float64,
    lr_dtype: LrDTypeOpt = None, digits: Digits = 6,
) -> None:
    """Step through a trace in class: one step per key press (n/space next, b back, q quit)."""
    from . import tracing
    from . import walk as walking

    _check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype)
    tokens = inputs or []
    if tokens == ["-"]:
        from .errors import SettingsError

        raise SettingsError(_("walk reads the keyboard: give the gradients as numbers or a file, not -"))
    report, _source = tracing.trace_input(tokens, resolved)
    if not inputs:
        output.message(_("no input given: walking through the article's example g = 0.1, 0.2, 0.15"))
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    walking.walk(report, output.stdout_console(), digits, interactive, typer.getchar)




@app.command(context_settings=NUMBERS_OK, help=_(
    'Run Adadelta and other optimizers on the same gradients: η_t and x_t side by side.'))
@handles_errors
def compare(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=_("Gradients as for trace."), show_default=False)] = None,
    with_: WithOpt = None, set_: SetOpt = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, lr_dtype: LrDTypeOpt = None,
    format: FormatOpt = Format.table, output_path: OutputOpt = None, digits: Digits = 6,
) -> None:
    """Run Adadelta and other optimizers on the same gradients: η_t and x_t side by side."""
    from . import comparing, others
    from .errors import SettingsError
    from .readers import read_input

    _check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       lr_dtype=lr_dtype)
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
    fmt = format.value
    if fmt == "json":
        output.emit(comparing.to_json(gradients.values, gradients.names, results, settings), output_path)
    elif fmt == "csv":
        output.emit(comparing.to_csv(gradients.values, gradients.names, results), output_path)
    elif fmt == "table":
        table = comparing.table(gradients.values, gradients.names, results, settings, digits)
        if output_path is not None:
            output.emit(output.render_text(table, width=200), output_path)
        else:
            console = output.stdout_console()
            from .render import table_width

            console.width = max(console.width, table_width(table))
            console.print(table)
    else:
        raise SettingsError(_f('compare writes --format table, csv or json, not %(v0)s', v0=fmt))


@app.command(context_settings=NUMBERS_OK, help=_(
    "Minimise a function: each step's gradient is taken exactly from the function at the current x."))
@handles_errors
def optimize(
    function: Annotated[str, typer.Argument(
        metavar="FUNCTION", help=_("quadratic (Σ x_i²), rosenbrock, beale, himmelblau, or a formula in x and y such "
        "as '(x - 1)^2 + 10*(y + 2)^2' (x1 ... xn beyond two dimensions)."), show_default=False)],
    x0: Annotated[str, typer.Option("--x0", help=_("The starting point: a or a,b (one value per dimension)."),
                                    show_default=False)],
    steps: Annotated[int, typer.Option("--steps", help=_("Number of steps."), min=1, max=10_000_000)] = 100,
    with_: Annotated[Optional[str], typer.Option(
        "--with", help=_("Other optimizers to run from the same start: adagrad, rmsprop, sgd, momentum, adam."),
        show_default=False)] = None,
    set_: SetOpt = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, eg2_init: Eg2Init = None, edx2_init: Edx2Init = None,
    weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None, maximize: Maximize = None,
    preset: PresetOpt = None, lr_dtype: LrDTypeOpt = None, format: FormatOpt = Format.table,
    output_path: OutputOpt = None, digits: Digits = 6,
    show_all: Annotated[bool, typer.Option("--all", help=_("Show every step in the table."))] = False,
    plot_path: Annotated[Optional[Path], typer.Option(
        "--plot", help=_("Draw the trajectories over the function's contours to a .png, .svg or .pdf file "
        "(needs the plot extra)."), metavar="FILE", show_default=False)] = None,
) -> None:
    """Minimise a function: each step's gradient is taken exactly from the function at the current x."""
    from . import optimizing
    from .errors import SettingsError

    _check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x0, eg2_init=eg2_init, edx2_init=edx2_init,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       lr_dtype=lr_dtype)
    for target in (output_path, plot_path):
        if target is not None:
            output.check_target(target)
    func, start, adadelta, results, hyper = optimizing.run_all(function, resolved, x0, steps, with_, set_)
    if plot_path is not None and func.dimensions != 2:
        raise SettingsError(_("--plot draws contours of functions of x and y (two dimensions)"))
    chosen = list(results)
    settings = {**resolved.as_dict(), "function": func.text, "steps": steps, "with": chosen, "others": hyper}
    fmt = format.value
    if fmt == "json":
        output.emit(optimizing.to_json(func, adadelta, results, settings), output_path)
    elif fmt == "csv":
        output.emit(optimizing.to_csv(func, adadelta, results), output_path)
    elif fmt == "table":
        table = optimizing.table(func, adadelta, results, settings, digits, show_all)
        if output_path is not None:
            output.emit(output.render_text(table), output_path)
        else:
            output.stdout_console().print(table)
    else:
        raise SettingsError(_f('optimize writes --format table, csv or json, not %(v0)s', v0=fmt))
    if plot_path is not None:
        optimizing.contour_plot(func, adadelta, results, start, plot_path,
                                lambda path, writer: output.write_atomic(path, writer=writer, binary=True))


@app.command(help=_('One step from an explicit state, with every intermediate shown.'))
@handles_errors
def step(
    grad: Annotated[str, typer.Option("--grad", help=_("g_t, the gradient of this step."), show_default=False)],
    eg2_prev: Annotated[Optional[str], typer.Option(
        "--eg2-prev", help=_("E[g²]_{t−1}; E[g²]_t is then computed. [default: 0]"), show_default=False)] = None,
    eg2: Annotated[Optional[str], typer.Option(
        "--eg2", help=_("E[g²]_t given as is (as the article's second example does), instead of --eg2-prev."),
        show_default=False)] = None,
    edx2_prev: Annotated[Optional[str], typer.Option("--edx2-prev", help=_("E[Δx²]_{t−1}. [default: 0]"),
                                                     show_default=False)] = None,
    x: Annotated[Optional[str], typer.Option("--x", help=_("x_{t−1}. [default: 0]"), show_default=False)] = None,
    t: Annotated[int, typer.Option("--t", help=_("The step's number, for the labels."), min=1)] = 1,
    expect: Annotated[Optional[list[str]], typer.Option(
        "--expect", help=_("NAME=VALUE: check a hand-calculated value (eg2, eta, dx, edx2, x); repeatable. "
        "Exit 1 when any is wrong."), show_default=False)] = None,
    rel_tol: Annotated[Optional[float], typer.Option(
        "--rel-tol", help=_("Also accept a value within this relative distance."), show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, weight_decay: WeightDecay = None,
    weight_decay_mode: WdMode = None, maximize: Maximize = None, preset: PresetOpt = None,
    dtype: DTypeOpt = DType.float64, lr_dtype: LrDTypeOpt = None, format: FormatOpt = Format.table,
    output_path: OutputOpt = None, digits: Digits = 6,
) -> None:
    """One step from an explicit state, with every intermediate shown."""
    from . import checking, tracing
    from .errors import SettingsError
    from .options import number_list

    if eg2 is not None and eg2_prev is not None:
        raise SettingsError(_("give either --eg2-prev (E[g²]_t is computed) or --eg2 (E[g²]_t as is), not both"))
    _check_digits(digits)
    resolved = resolve(preset=preset, rho=rho, eps=eps, lr=lr, x0=x, eg2_init=eg2_prev, edx2_init=edx2_prev,
                       weight_decay=weight_decay, weight_decay_mode=weight_decay_mode, maximize=maximize,
                       dtype=dtype, lr_dtype=lr_dtype)
    g = number_list(grad, "--grad")
    eg2_given = number_list(eg2, "--eg2")[0] if eg2 is not None else None
    cells = checking.parse_expectations(expect or [])
    report, verdicts = tracing.single_step(g[0], resolved, t=t, eg2_given=eg2_given, cells=cells,
                                           rel_tol=rel_tol)
    tracing.emit_step(report, verdicts, format.value, output_path, digits, eg2_given=eg2_given is not None)
    if any(v.status == "wrong" for v in verdicts):
        raise typer.Exit(EXIT_WRONG)


@app.command(help=_('Mark a worksheet of hand-calculated values: each cell right or wrong, and the likely slip.'))
@handles_errors
def check(
    file: Annotated[str, typer.Argument(metavar="FILE", help=_("A worksheet: CSV with a g column and any of eg2, "
                                        "edx2_prev, eta, dx, edx2, x filled by hand."), show_default=False)],
    rel_tol: Annotated[Optional[float], typer.Option(
        "--rel-tol", help=_("Also accept a value within this relative distance of the computed one."),
        show_default=False)] = None,
    rho: Rho = None, eps: Eps = None, lr: Lr = None, x0: X0 = None, eg2_init: Eg2Init = None,
    edx2_init: Edx2Init = None, weight_decay: WeightDecay = None, weight_decay_mode: WdMode = None,
    maximize: Maximize = None, preset: PresetOpt = None, dtype: DTypeOpt = DType.float64,
    lr_dtype: LrDTypeOpt = None, format: FormatOpt = Format.table, output_path: OutputOpt = None,
    digits: Digits = 6,
) -> None:
    """Mark a worksheet of hand-calculated values: each cell right or wrong, and the likely slip."""
    from . import checking, tracing

    _check_digits(digits)
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


@app.command(context_settings=NUMBERS_OK, help=_(
    'Make an exercise: a worksheet with blank columns for the student, or its answer key.'))
@handles_errors
def worksheet(
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
    format: Annotated[Format, typer.Option("--format", "-f", help=_("csv (what check reads back), markdown, latex "
                                           "(a printable document) or table."), case_sensitive=False,
                                           rich_help_panel="Output")] = Format.csv,
    output_path: OutputOpt = None, digits: Digits = 6,
) -> None:
    """Make an exercise: a worksheet with blank columns for the student, or its answer key."""
    from . import tracing
    from . import worksheet as sheets
    from .errors import SettingsError
    from .readers import Gradients

    _check_digits(digits)
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
            output.message(_f('drew the gradients with --seed %(v0)s (give it again for the same exercise)', v0=seed))
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


def _check_digits(digits: int) -> None:
    from .errors import SettingsError

    if digits < 1 or digits > 17:
        raise SettingsError(_f('--digits must be between 1 and 17, got %(v0)s', v0=digits))


def main() -> None:
    """The console script."""
    with _only_the_command_named_in(sys.argv[1:]):
        app()


@contextlib.contextmanager
def _only_the_command_named_in(args: list[str]):
    """Register only the command that ``args`` name while the app runs.

    Typer builds every command's parameters (reading each signature's annotations) before it looks at which one
    was asked for; building just one keeps `adadelta trace 0.1 0.2 0.15` as quick as the stack allows. Without a
    command name (`adadelta`, `adadelta --help`, a typo) every command is registered, for the help and for
    Click's "No such command".
    """
    from .i18n import take_lang_argument

    rest = take_lang_argument(list(args))[1]
    named = next((arg for arg in rest if not arg.startswith("-")), None)
    everything = app.registered_commands
    chosen = [info for info in everything if (info.name or info.callback.__name__.replace("_", "-")) == named]
    if chosen:
        app.registered_commands = chosen
    try:
        yield
    finally:
        app.registered_commands = everything
