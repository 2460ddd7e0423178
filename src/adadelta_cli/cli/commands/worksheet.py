"""adadelta worksheet: an exercise with blank cells for the student, or its answer key."""

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from adadelta_cli import output
from adadelta_cli.cli.commands._common import NUMBERS_OK, check_digits, check_fragment
from adadelta_cli.cli.options import (
    Digits,
    Given,
    LatexFragment,
    OutputOpt,
    format_option,
    settings_options,
)
from adadelta_cli.i18n import N_, _, _f

if TYPE_CHECKING:  # its choices are an Enum made when the module loads: to the type checker, any Enum
    FormatOpt = Enum
    DEFAULT_FORMAT: Enum
else:
    FormatOpt, DEFAULT_FORMAT = format_option("csv", "markdown", "latex", "table", "moodle", "gift", "qti", help=N_(
        "csv (what check reads back), markdown, latex (a printable document), table, moodle (Moodle XML: one numerical "
        "question per asked cell), gift (Moodle GIFT) or qti (an IMS QTI 2.1 package, a zip: Canvas, ILIAS, OpenOlat, "
        "Blackboard)."))

COMMAND = dict(name="worksheet", context_settings=NUMBERS_OK, help=N_(
    'Make an exercise: a worksheet with blank columns for the student, or its answer key.'))


@settings_options(without=("dtype",))
def command(
    inputs: Annotated[Optional[list[str]], typer.Argument(
        metavar="[INPUT]...", help=N_("Gradients as for trace. None: --steps N pleasant gradients drawn with --seed, "
        "or else the article's example."), show_default=False, rich_help_panel="Input")] = None,
    hide: Annotated[Optional[str], typer.Option(
        "--hide", help=N_("Columns the student fills in: a comma-separated list of eg2, eta, dx, edx2, x. "
        "[default: all five]"), show_default=False, metavar="VALUE")] = None,
    steps: Annotated[Optional[int], typer.Option(
        "--steps", help=N_(
            "With no INPUT: draw this many gradients such as 0.1, -0.25, 0.3."), show_default=False,
        max=100_000, rich_help_panel="Input", metavar="N")] = None,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help=N_("Seed for --steps: the same seed gives the same exercise. [default: a fresh one, shown]"),
        show_default=False, min=0, rich_help_panel="Input", metavar="N")] = None,
    answers: Annotated[bool, typer.Option("--answers", help=N_(
        "The answer key: every cell filled. With --variants, each sheet's key in the --format too (and with latex, "
        "keys.tex: every key, one per page)."))] = False,
    working_space: Annotated[bool, typer.Option("--working-space", help=N_(
        "Room to write each step's working, under the table (latex, markdown, table)."))] = False,
    variants: Annotated[Optional[int], typer.Option(
        "--variants", help=N_("Write N different sheets (same settings and difficulty, other gradients) and their "
        "answer keys into the folder -o DIR."), show_default=False, metavar="N")] = None,
    sig_digits: Annotated[int, typer.Option(
        "--sig-digits", help=N_("Significant digits asked of each answer (check reads it from the sheet; Moodle's "
        "tolerance is half a unit in that digit)."), metavar="N")] = 3,

    format: FormatOpt = DEFAULT_FORMAT, latex_fragment: LatexFragment = False,
    output_path: OutputOpt = None, digits: Digits = 6,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    """Make an exercise: a worksheet with blank columns for the student, or its answer key."""
    from adadelta_cli.errors import SettingsError
    from adadelta_cli.features import tracing
    from adadelta_cli.features import worksheet as sheets
    from adadelta_cli.formats.tables import Gradients

    check_digits(digits)
    check_fragment(format.value, fragment=latex_fragment)
    from adadelta_cli.marking.verdicts import check_sig_digits

    check_sig_digits(sig_digits)
    hidden = sheets.parse_hide(hide)
    if working_space and format.value not in ("latex", "markdown", "table"):
        raise SettingsError(_f("--working-space is room on a printed sheet: give it with --format latex, markdown or "
                               "table, not %(format)s", format=format.value))
    resolved = settings.resolve()
    if inputs and (steps is not None or seed is not None or variants is not None):
        raise SettingsError(_("--steps, --seed and --variants draw gradients when there is no INPUT; give one or "
                              "the other"))
    if variants is not None:
        if output_path is None or str(output_path) == "-":
            raise SettingsError(_("--variants writes a folder of sheets: give it with -o DIR"))
        seed = _seed(seed)
        steps = 3 if steps is None else steps
        _write_variants(output_path, variants, steps, seed, resolved, hidden, format.value, digits, sig_digits,
                        answers=answers, working_space=working_space)
        return
    if not inputs and steps is not None:
        seed = _seed(seed)
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
    meta = sheets.Meta(seed=seed if not inputs and steps is not None else None, sig_digits=sig_digits,
                       working_space=working_space)
    if format.value in ("moodle", "gift"):
        writer = sheets.to_moodle if format.value == "moodle" else sheets.to_gift
        output.emit(writer([("", report)], hidden, digits, sig_digits, seed=meta.seed), output_path)
        return
    if format.value == "qti":
        _write_qti(output_path, [("", report)], hidden, digits, sig_digits, meta.seed)
        return
    from adadelta_cli.formats import writers
    from adadelta_cli.marking import sheet

    writers.write_report(format.value, output_path, digits, fragment=latex_fragment,
                        document=lambda: sheets.document(report, hidden, answers=answers, digits=digits, meta=meta),
                        records=lambda: sheet.records(report, hidden, answers=answers, digits=digits, meta=meta))


def qti_package(exercises, hidden, digits: int, sig_digits: int, seed) -> bytes:
    from adadelta_cli.features import worksheet as sheets
    from adadelta_cli.formats import qti

    return qti.package(sheets.lms_questions(exercises, hidden, digits, sig_digits), sheets.title(answers=False), seed)


def _write_qti(output_path, exercises, hidden, digits: int, sig_digits: int, seed) -> None:
    """The QTI package to -o FILE.zip (or down a pipe with -o -): a zip is never written to a terminal."""
    import sys

    from adadelta_cli.errors import SettingsError

    if output_path is None or (str(output_path) == "-" and sys.stdout.isatty()):
        raise SettingsError(_("--format qti writes a zip: give it with -o FILE.zip"))
    output.write_atomic(output_path, qti_package(exercises, hidden, digits, sig_digits, seed), binary=True)


def _seed(seed):
    if seed is None:
        import secrets

        seed = secrets.randbelow(10**6)
        output.message(_f('drew the gradients with --seed %(seed)s (give it again for the same exercise)', seed=seed))
    return seed


SUFFIX = {"csv": "csv", "markdown": "md", "latex": "tex", "table": "txt"}


def _write_variants(folder, count: int, steps: int, seed: int, resolved, hidden, fmt: str, digits: int,
                    sig_digits: int, *, answers: bool = False, working_space: bool = False) -> None:
    """DIR/sheet-01.csv ... (what the students fill in and check marks), DIR/keys/key-01.csv ..., and the
    format asked for: a printable sheet-01.tex / .md per variant (with ``answers``, keys/key-01.tex / .md too; in
    LaTeX, sheets.tex and keys.tex: every sheet or key, one per page, for one print job), or one quiz.xml /
    quiz.gift / quiz-qti.zip with every variant."""
    from adadelta_cli.errors import InputError
    from adadelta_cli.features import tracing
    from adadelta_cli.features import worksheet as sheets
    from adadelta_cli.formats import writers
    from adadelta_cli.formats.tables import Gradients
    from adadelta_cli.marking import sheet

    gradients = sheets.variant_gradients(steps, seed, count)
    if folder.exists() and not folder.is_dir():
        raise InputError(_("is a file; --variants writes a folder of sheets"), source=str(folder))
    if not folder.parent.is_dir() if str(folder.parent) else False:
        raise InputError(_f("cannot write the sheets: the folder %(parent)s does not exist",
                            parent=repr(str(folder.parent))), source=str(folder))
    exercises = []
    for i, values in enumerate(gradients, start=1):
        vid = sheets.variant_id(i, count)
        report = tracing.compute(Gradients(values, ["x"], f"--variants {count} --seed {seed}"), resolved)
        exercises.append((vid, report))
    files: list[tuple] = []  # (path, text): every file, made before any is written
    printed: dict[bool, list] = {False: [], True: []}  # the sheets' and the keys' documents, for sheets.tex, keys.tex
    for vid, report in exercises:
        meta = sheets.Meta(variant=vid, seed=seed, sig_digits=sig_digits, working_space=working_space)
        files.append((folder / f"sheet-{vid}.csv", writers.csv(sheet.records(report, hidden, answers=False,
                                                                              digits=digits, meta=meta))))
        files.append((folder / "keys" / f"key-{vid}.csv", writers.csv(sheet.records(report, hidden, answers=True,
                                                                                     digits=digits, meta=meta))))
        if fmt in ("markdown", "latex", "table"):
            for key in (False, True) if answers else (False,):
                doc = sheets.document(report, hidden, answers=key, digits=digits, meta=meta)
                printed[key].append(doc)
                path = folder / "keys" / f"key-{vid}.{SUFFIX[fmt]}" if key else folder / f"sheet-{vid}.{SUFFIX[fmt]}"
                files.append((path, writers.text(doc, fmt, digits)))
    if fmt == "latex":
        files.append((folder / "sheets.tex", writers.latex_pages(printed[False], sheets.title(answers=False), digits)))
        if answers:
            files.append((folder / "keys.tex", writers.latex_pages(printed[True], sheets.title(answers=True), digits)))
    if fmt in ("moodle", "gift"):
        writer = sheets.to_moodle if fmt == "moodle" else sheets.to_gift
        name = "quiz.xml" if fmt == "moodle" else "quiz.gift"
        files.append((folder / name, writer(exercises, hidden, digits, sig_digits, seed=seed)))
    if fmt == "qti":
        files.append((folder / "quiz-qti.zip", qti_package(exercises, hidden, digits, sig_digits, seed)))
    # A folder handed out once holds the class's work: a sheet that differs from what would be written (a name, an
    # answer) is never replaced. Writing the same sheets again changes nothing.
    # Everything is decided before anything is written: each entry already in the folder is looked at (a regular
    # file is read, bounded by the size of the sheet it would be; anything else is refused unread), so a refused run
    # leaves the folder as it was.
    for where in (folder, folder / "keys"):
        if _entry(where) not in ("missing", "folder"):
            raise InputError(_("is not a folder; --variants writes its sheets into a folder and the answer keys into "
                               "its keys folder: nothing was written"), source=str(where))
    for path, text in files:
        if _entry(path) == "other":
            raise InputError(_("is not a regular file (a device, FIFO or socket); a sheet is never written into one: "
                               "nothing was written"), source=str(path))
        if _differs(path, text):
            raise InputError(_("already exists and differs from the sheet this would write (a student's work?); "
                               "nothing was written: choose a new folder, or move the old sheets away"),
                             source=str(path))
    made: list = []
    try:
        for where in (folder, folder / "keys"):
            if _entry(where) == "missing":
                where.mkdir()
                made.append(where)
        for path, text in files:
            new = _entry(path) == "missing"
            output.write_atomic(path, text, binary=isinstance(text, bytes))
            if new:
                made.append(path)
    except BaseException:
        for path in reversed(made):  # what this run made, and only that
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        raise
    output.message(_f("wrote %(count)s sheets and their answer keys to %(folder)s", count=count,
                      folder=str(folder)))


def _entry(path) -> str:
    """'missing', 'folder', 'file' or 'other' (a device, FIFO, socket), following links; an error of the system
    (a name too long, a loop of links) is one line from the command's handler."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def _differs(path, text: str | bytes) -> bool:
    """Whether an entry of the output folder holds anything but ``text``: a regular file is read up to one byte more
    than the sheet; a device, FIFO or folder is never opened (it differs)."""
    kind = _entry(path)
    if kind == "missing":
        return False
    if kind != "file":
        return True
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        if path.stat().st_size != len(data):
            return True
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) != data
    except OSError:
        return True
