"""adadelta worksheet: an exercise with blank cells for the student, or its answer key."""

import sys
from typing import Annotated, Optional

import typer

from adadelta_cli import messages, outfiles
from adadelta_cli.cli.commands._common import NUMBERS_OK
from adadelta_cli.cli.options import (
    Digits,
    Given,
    LatexFragment,
    MemberSetOpt,
    OptimizerOpt,
    OutputOpt,
    SheetFormat,
    SheetFormatOpt,
    settings_options,
)
from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _, _f

COMMAND = dict(name="worksheet", context_settings=NUMBERS_OK, help=N_(
    'Make an exercise: a worksheet with blank columns for the student, or its answer key.'))


@settings_options(without=("dtype",))
def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as for trace. None: --steps N pleasant gradients drawn with --seed, "
        "or else the article's example."), rich_help_panel="Input")] = None,
    hide: Annotated[Optional[str], typer.Option(
        "--hide", help=N_("Columns the student fills in: a comma-separated list of eg2, eta, dx, edx2, x (with "
        "--optimizer, its own: Adam's m, v, mhat, vhat, d, x, dx, eta, ...). [default: all of them]"),
        metavar="VALUE")] = None,
    steps: Annotated[Optional[int], typer.Option("--steps", max=100_000, rich_help_panel="Input", metavar="N", help=N_(
        "With no INPUT: draw this many gradients such as 0.1, -0.25, 0.3."))] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", min=0, rich_help_panel="Input", metavar="N", help=N_(
        "Seed for --steps: the same seed gives the same exercise. [default: a fresh one, shown]"))] = None,
    answers: Annotated[bool, typer.Option("--answers", help=N_(
        "The answer key: every cell filled. With --variants, each sheet's key in the --format too (and with latex, "
        "keys.tex: every key, one per page)."))] = False,
    working_space: Annotated[bool, typer.Option("--working-space", help=N_(
        "Room to write each step's working, under the table (latex, markdown, table)."))] = False,
    variants: Annotated[Optional[int], typer.Option(
        "--variants", help=N_("Write N different sheets (same settings and difficulty, other gradients) and their "
        "answer keys into the folder -o DIR."), metavar="N")] = None,
    sig_digits: Annotated[int, typer.Option(
        "--sig-digits", help=N_("Significant digits asked of each answer (check reads it from the sheet; Moodle's "
        "tolerance is half a unit in that digit)."), metavar="N")] = 3,
    format: SheetFormatOpt = SheetFormat("csv"), latex_fragment: LatexFragment = False,
    output_path: OutputOpt = None, digits: Digits = 6,
    optimizer: OptimizerOpt = "adadelta", set_: MemberSetOpt = None,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.cli.commands.trace import family
    from adadelta_cli.features import variants as variant_sheets
    from adadelta_cli.features import worksheet as sheets
    from adadelta_cli.marking.verdicts import check_sig_digits

    fmt = format.value
    check_sig_digits(sig_digits)
    member = family(optimizer, settings, set_, None)
    if member is not None:
        from adadelta_cli.features.stepping import Member

        hidden = sheets.parse_hide(hide, Member(*member.args[:2]))  # (the partial's name and settings)
    else:
        hidden = sheets.parse_hide(hide)
    if working_space and fmt not in ("latex", "markdown", "table"):
        raise SettingsError(_f("--working-space is room on a printed sheet: give it with --format latex, markdown or "
                               "table, not %(format)s", format=fmt))
    resolved = settings.beside(member)
    if inputs and (steps is not None or seed is not None or variants is not None):
        raise SettingsError(_("--steps, --seed and --variants draw gradients when there is no INPUT; give one or "
                              "the other"))
    if variants is not None:
        if output_path is None or str(output_path) == "-":
            raise SettingsError(_("--variants writes a folder of sheets: give it with -o DIR"))
        variant_sheets.write_variants(output_path, variants, 3 if steps is None else steps, _seed(seed),
                                      resolved, hidden, fmt, digits, sig_digits, answers=answers,
                                      working_space=working_space, member=member)
        return
    drawn = not inputs and steps is not None
    report, seed = _exercise(inputs, steps, seed, resolved, output_path, member)
    meta = sheets.Meta(seed=seed if drawn else None, sig_digits=sig_digits, working_space=working_space)
    _write_sheet(report, hidden, fmt, output_path, digits, meta, answers=answers, latex_fragment=latex_fragment)


def _write_sheet(report, hidden, fmt: str, output_path, digits: int, meta, *, answers: bool,
                 latex_fragment: bool) -> None:
    """One sheet (or its key) in the format asked for; a QTI zip to -o FILE.zip (or down a pipe with -o -), never
    to a terminal."""
    from adadelta_cli.features import quiz
    from adadelta_cli.features import worksheet as sheets
    from adadelta_cli.formats import writers
    from adadelta_cli.marking import sheet

    if fmt in ("moodle", "gift"):
        write = quiz.to_moodle if fmt == "moodle" else quiz.to_gift
        outfiles.emit(write([("", report)], hidden, digits, meta.sig_digits, seed=meta.seed), output_path)
    elif fmt == "qti":
        if output_path is None or (str(output_path) == "-" and sys.stdout.isatty()):
            raise SettingsError(_("--format qti writes a zip: give it with -o FILE.zip"))
        outfiles.write_atomic(output_path, quiz.to_qti([("", report)], hidden, digits, meta.sig_digits, meta.seed),
                              binary=True)
    else:
        writers.write_report(fmt, output_path, digits, fragment=latex_fragment,
                             document=lambda: sheets.document(report, hidden, answers=answers, digits=digits,
                                                              meta=meta),
                             records=lambda: sheet.records(report, hidden, answers=answers, digits=digits,
                                                            meta=meta))


def _exercise(inputs, steps, seed, resolved, output_path, member=None):
    """The trace a single sheet asks about (Adadelta's, or ``member``'s): gradients drawn (--steps, --seed) or read;
    and the seed drawn with."""
    from adadelta_cli.features import tracing
    from adadelta_cli.features.worksheet import drawn

    if not inputs and steps is not None:
        seed = _seed(seed)
        return drawn(steps, seed, resolved, member), seed
    if seed is not None:
        raise SettingsError(_("--seed goes with --steps"))
    if member is not None:
        from adadelta_cli.formats.readers import read_input

        gradients = read_input(inputs or [])
        report, source = member(gradients, resolved.initial(len(gradients.names)).x.tolist()), gradients
    else:
        report, source = tracing.trace_input(inputs or [], resolved)
    if output_path is not None:
        outfiles.check_target(output_path, [source.path])
    if not inputs:
        messages.message(_("no input given: the worksheet uses the article's example g = 0.1, 0.2, 0.15"))
    return report, seed


def _seed(seed):
    if seed is None:
        import secrets

        seed = secrets.randbelow(10**6)
        messages.message(_f('drew the gradients with --seed %(seed)s (give it again for the same exercise)', seed=seed))
    return seed
