"""adadelta check: mark worksheets of hand-calculated values (or a student's own implementation's trace)."""

import functools
from pathlib import Path
from typing import Annotated, Optional

import typer

from adadelta_cli import messages, outfiles, streams
from adadelta_cli.cli.commands._common import EXIT_USAGE, EXIT_WRONG
from adadelta_cli.cli.options import Digits, Format, Given, LatexFragment, OutputOpt, ReportFormat, settings_options
from adadelta_cli.errors import AdadeltaError, SettingsError
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="check", help=N_(
    'Mark worksheets of hand-calculated values: each asked cell right, wrong, too few digits or unanswered, the '
    'likely slip, and a score.'))


@settings_options()
def command(
    files: Annotated[list[str], typer.Argument(metavar="FILE_OR_DIR...", help=N_(
        "Worksheets: CSV with a g column and any of eg2, edx2_prev, eta, dx, edx2, x filled in; a folder gives its "
        "*.csv files."), rich_help_panel="Input")],
    sig_digits: Annotated[Optional[int], typer.Option("--sig-digits", metavar="N", help=N_(
        "Significant digits a written value must carry. [default: the worksheet's, else 3]"))] = None,
    rel_tol: Annotated[Optional[float], typer.Option("--rel-tol", metavar="NUMBER", help=N_(
        "Instead, accept a value within this relative distance of the computed one."))] = None,
    decimal_comma: Annotated[bool, typer.Option("--decimal-comma", rich_help_panel="Input", help=N_(
        "Read ',' as the decimal mark (0,0005) and ';' between cells, as German and French spreadsheets write them. "
        "[default: recognised where a ';' sheet is so throughout]"))] = False,
    last_digit: Annotated[bool, typer.Option(
        "--last-digit", help=N_("Also accept ±1 in the last digit written (off by default)."))] = False,
    only_wrong: Annotated[bool, typer.Option(
        "--only-wrong", help=N_("List only the cells not right (the score still counts every cell)."))] = False,
    gradebook: Annotated[Optional[Path], typer.Option(
        "--gradebook", help=N_("Write one CSV row per sheet (file, student, variant, counts, score, first slip) to "
                              "FILE ('-': standard output)."), metavar="FILE")] = None,
    format: Format = ReportFormat("table"), output_path: OutputOpt = None, latex_fragment: LatexFragment = False,
    digits: Digits = 6,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.features import tracing
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.marking import verdicts

    verdicts.check_rel_tol(rel_tol)
    verdicts.check_sig_digits(sig_digits)
    paths = book.sheet_paths(files)
    to_stdout = gradebook is not None and str(gradebook) == "-"
    _check_outputs(output_path, gradebook, paths, to_stdout=to_stdout)
    marked = _mark_all(paths, functools.partial(_mark, settings=settings, rel_tol=rel_tol, sig_digits=sig_digits,
                                                decimal_comma=decimal_comma, last_digit=last_digit),
                       several=len(paths) > 1 or gradebook is not None)
    code = EXIT_USAGE if any(m.error is not None for m in marked) else 0 if gradebook is not None or all(
        book.all_right(m.verdicts) for m in marked) else EXIT_WRONG
    streams.exit_on_closed_pipe(code)  # a reader that stops early (| head) does not change the verdict
    if gradebook is not None:
        from adadelta_cli.formats import writers

        writers.write_report("csv", None if to_stdout else gradebook, records=lambda: book.gradebook(marked))
    if gradebook is None or output_path is not None:
        tracing.emit_verdicts(marked, format.value, output_path, digits, only_wrong=only_wrong,
                              latex_fragment=latex_fragment)
    elif not to_stdout:
        _score_lines(marked)
    if code:
        raise typer.Exit(code)


def _check_outputs(output_path, gradebook, paths, *, to_stdout: bool) -> None:
    """-o and --gradebook: each writable, neither an input, not both standard output nor the same file."""
    if to_stdout and outfiles.is_stdout(output_path):
        raise SettingsError(_("--gradebook - and -o - both name standard output; give one of them a file"))
    for target in (output_path, None if to_stdout else gradebook):
        if target is not None:
            outfiles.check_target(target, [Path(p) for p in paths])
    if output_path is not None and gradebook is not None and not to_stdout and output_path.resolve() == \
            gradebook.resolve():
        raise SettingsError(_("--gradebook and --output name the same file; give two different files"))


def _mark(path: str, *, settings: Given, rel_tol, sig_digits, decimal_comma: bool, last_digit: bool):
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.marking.sheet import read_worksheet

    sheet = read_worksheet(path, decimal_comma=True if decimal_comma else None)
    if sheet.optimizer != "adadelta":  # a family member's sheet: its settings are its own, in the sheet
        from adadelta_cli.features import family_marks

        return family_marks.mark(sheet, sig_digits, rel_tol, last_digit=last_digit, given=settings.values)
    return book.mark_sheet(sheet, settings.resolve(base=sheet.settings), rel_tol, sig_digits, last_digit=last_digit)


def _mark_all(paths, mark, *, several: bool) -> list:
    """Each sheet marked; of several, one that cannot be read is said on stderr and kept as unread."""
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.marking import sheet as sheets

    marked = []
    for path in paths:
        if not several:
            marked.append(mark(path))  # one sheet: a bad one is the command's error (exit 2)
            continue
        try:
            marked.append(mark(path))
        except AdadeltaError as exc:
            messages.error(str(exc) if exc.source else f"{path}: {exc}")
            student, variant = sheets.who_wrote(path)
            marked.append(book.Marked(path, student=student, variant=variant,
                                          error=exc.message if exc.source == path else str(exc)))
    return marked


def _score_lines(marked) -> None:
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.safe import terminal

    lines = []
    for m in marked:
        if m.error is not None:
            lines.append(f"{terminal(m.source)}: {_('not read')}")
            continue
        who = book.who_line(m)
        score = book.score_text(book.summary(m.verdicts))
        lines.append(terminal(f"{m.source}: {score}" + (f" ({who})" if who else "")))
    outfiles.emit("\n".join(lines) + "\n", None)
