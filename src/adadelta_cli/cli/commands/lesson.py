"""adadelta lesson: a self-contained web page that steps through the trace, for a classroom projector."""

from pathlib import Path
from typing import Annotated

import typer

from adadelta_cli import messages, outfiles
from adadelta_cli.cli.commands._common import NUMBERS_OK, read_gradients
from adadelta_cli.cli.options import (
    CONVENTIONS,
    SETTINGS,
    BesideOpt,
    Digits,
    Given,
    Inputs,
    MemberSetOpt,
    OptimizerOpt,
    StateOpt,
    settings_options,
)
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="lesson", context_settings=NUMBERS_OK, help=N_(
    "Write a web page that steps through the trace in class: each step's formulas with its numbers, the table so "
    "far, a chart; one file that needs no network."))

# Required: a page written to a terminal helps nobody; -o - still sends it down a pipe.
LessonOutput = Annotated[Path, typer.Option(
    "--output", "-o", help=N_("The page to write, such as lesson.html (- writes it to standard output)."),
    metavar="FILE", rich_help_panel="Output")]


@settings_options(*SETTINGS, *CONVENTIONS)
def command(
    inputs: Inputs = None,
    *,
    output_path: LessonOutput,
    exercise: Annotated[bool, typer.Option(
        "--exercise", help=N_("The page for the students: each step's g_t and formulas with boxes to fill in, the "
                              "table with blank cells; the worked values are left out of the page."))] = False,
    digits: Digits = 6,
    optimizer: OptimizerOpt = "adadelta", with_: BesideOpt = None, set_: MemberSetOpt = None,
    state: StateOpt = None,
    settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.cli.commands.trace import besides, family
    from adadelta_cli.features import lesson, shown, tracing

    beside, set_ = besides(with_, optimizer, set_, settings)
    member = family(optimizer, settings, set_, state)
    resolved = settings.beside(member)
    gradients = read_gradients(
        inputs, output_path, _("no input given: the lesson steps through the article's example g = 0.1, 0.2, 0.15"))
    x0 = resolved.initial(len(gradients.names)).x.tolist()
    main = shown.Adadelta(tracing.compute(gradients, resolved), digits) if member is None else member(gradients, x0)
    page = lesson.page(main, digits, exercise=exercise, beside=[make(gradients, x0) for make in beside])
    for note in main.notes:
        messages.warn(note)
    outfiles.write_atomic(output_path, page)
