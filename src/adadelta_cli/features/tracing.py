"""The trace command's work: read the gradients, run the recurrence, present the result."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from adadelta_cli import messages, outfiles, terminal
from adadelta_cli.features.resolved import Resolved
from adadelta_cli.formats import render
from adadelta_cli.formats.readers import read_input
from adadelta_cli.formats.report import HEAD_ROWS, SHORT, TAIL_ROWS
from adadelta_cli.formats.tables import Gradients, check_float32
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import core


def warnings_for(settings: core.Settings, state: core.State) -> list[str]:
    if settings.eps == 0 and not np.any(state.edx2):
        return ["ε = 0 with E[Δx²]_0 = 0 makes η_t = √(E[Δx²]_{t−1}) / √(E[g²]_t) = 0 at every step: "
                "nothing ever moves (ε is what starts Adadelta); give --eps > 0 or --edx2-init > 0"]
    return []


def compute(gradients: Gradients, resolved: Resolved) -> render.Report:
    """Run the recurrence over ``gradients`` with ``resolved`` settings; the Report carries any warnings."""
    settings = resolved.settings
    state = resolved.initial(gradients.values.shape[1])
    if settings.dtype == "float32":
        check_float32(gradients.values, gradients.source, gradients.names,
                      overflow_allowed=settings.nonfinite == "continue")
    steps = core.run(gradients.values, settings, state)
    notes = warnings_for(settings, state) + [note for note in [nonfinite_note(steps, gradients.names),
                                                                one_row_note(len(gradients.values), gradients.names,
                                                                             gradients.source)] if note]
    return render.Report(steps, gradients.names, {**resolved.as_dict(), "input": gradients.source},
                         show_g_eff=settings.g_eff_differs, notes=notes)


def one_row_note(rows: int, names: list[str], source: str) -> str | None:
    """A file or standard input of one line of several numbers, without a header (``0.1 0.2 0.15``), is one step of
    several parameters: said, since three steps of one parameter may have been meant."""
    if rows != 1 or len(names) < 2 or source == "arguments" or names != [f"x{i}" for i in range(1, len(names) + 1)]:
        return None
    return _f("read as 1 step of %(count)s parameters (one line of %(count)s numbers); for %(count)s steps put one "
              "number a line", count=len(names))


def nonfinite_note(steps: core.Step, names: list[str], first_t: int = 1) -> str | None:
    """With --nonfinite continue: from which step (and parameter) the values stop being finite numbers."""
    where = core.first_nonfinite(steps)
    if where is None:
        return None
    t, p = where
    step = _f("step %(t)s", t=t + first_t) + (f" ({names[p]})" if len(names) > 1 else "")
    return _f("values are no longer finite numbers from %(where)s on: IEEE arithmetic carried on "
              "(--nonfinite continue); those cells are marked", where=step)


def trace_input(tokens: list[str], resolved: Resolved) -> tuple[render.Report, Gradients]:
    gradients = read_input(tokens)
    return compute(gradients, resolved), gradients


def emit(report: render.Report, fmt: str, output_path: Path | None, digits: int = 6,
         *, show_all: bool = False, explain: bool = False, latex_fragment: bool = False) -> None:
    """The whole output, to a file or standard output (Markdown and LaTeX hold every step)."""
    from adadelta_cli.formats import writers

    writers.write_report(fmt, output_path, digits, fragment=latex_fragment, records=lambda: render.records(report),
                         document=lambda: render.document(report, digits, show_all=show_all, explain=explain,
                                                          every_row=fmt != "table"))


def single_step(g: float, resolved: Resolved, *, t: int = 1, eg2_given: float | None = None,
                cells: list | None = None, rel_tol: float | None = None, sig_digits: int = 3):
    """One step from the state in ``resolved`` (its x0, eg2_init, edx2_init); a verdict for each --expect item in
    ``cells`` ((name, Cell) pairs; a name may come more than once)."""
    from adadelta_cli.marking.verdicts import judge_expectations

    state = resolved.initial(1)
    step, _after = core.update(np.array([g]), state, resolved.settings,
                               eg2=None if eg2_given is None else np.array([eg2_given]))
    steps = core.Step(*(np.asarray(v).reshape(1, 1) for v in step))
    core.check_finite(steps, resolved.settings, first_step=t)
    settings = resolved.as_dict()
    # The state, also under step's own option names: --grad, --eg2-prev (or --eg2), --edx2-prev, --x, --t.
    settings.update(grad=g, x=settings["x0"], edx2_prev=settings["edx2_init"], t=t)
    if eg2_given is not None:
        settings["eg2"] = eg2_given
    else:
        settings["eg2_prev"] = settings["eg2_init"]
    report = render.Report(steps, ["x"], settings, show_g_eff=resolved.settings.g_eff_differs, first_t=t)
    return report, judge_expectations(g, t, list(cells), resolved.settings, state, rel_tol, eg2_given,
                                      sig_digits) if cells else []


def emit_step(report: render.Report, verdicts: list, fmt: str, output_path: Path | None, digits: int = 6,
              *, eg2_given: bool = False, latex_fragment: bool = False) -> None:
    """A single step: its row, its arithmetic and, with --expect, the verdicts (in JSON, under ``checks``; beside
    CSV, which stays the trace's columns, on standard error; in a document for people, part of it)."""
    data = render.records(report)
    if fmt == "json" and verdicts:
        data.extra = {"checks": [v.as_dict() for v in verdicts]}
    emit_single(lambda: data, lambda: step_document(report, verdicts, digits, eg2_given=eg2_given,
                                                    explain=fmt in ("markdown", "latex")),
                verdicts, fmt, output_path, digits, latex_fragment=latex_fragment)


def emit_single(records, document, verdicts: list, fmt: str, output_path: Path | None, digits: int = 6,
                *, latex_fragment: bool = False) -> None:
    """One step of any optimizer, given its ``records()`` and its ``document()``: the verdicts of --expect beside
    CSV on standard error."""
    from adadelta_cli.formats import writers

    writers.write_report(fmt, output_path, digits, fragment=latex_fragment, records=records, document=document,
                         console=_marking_console() if fmt == "table" else None)
    if fmt == "csv" and verdicts:
        table = writers.rich_table(render.verdict_table(verdicts, digits, title=_("Your values")), digits)
        sys.stderr.write(terminal.render_text(table) + checking_summary(verdicts) + "\n")


def step_document(report: render.Report, verdicts: list, digits: int, *, eg2_given: bool, explain: bool = False):
    """A single step for people: the settings (the state before it labelled with the step's own index: x₂,
    E[Δx²]₂ for ``--t 3``), its row (g_3, η_3), its arithmetic and the verdicts of ``--expect``. ``explain``: the
    arithmetic as a document's (Markdown, LaTeX); else as lines under the table."""
    from adadelta_cli.formats import explain as explain_block
    from adadelta_cli.formats.report import Document, Para

    t = report.first_t
    blocks = [Para(render.settings_line(report.settings, digits, before=t - 1)),
              render.trace_table(report, t=t if t > 1 else None)]
    if explain:
        blocks.append(explain_block.arithmetic(report, digits, eg2_given=eg2_given))
    else:
        (_t, _param, lines), = explain_block.steps(report, digits, [0], eg2_given=eg2_given)
        blocks.append(Para("\n".join("  " + line for line in lines)))  # one line a quantity, under the table
    if verdicts:
        blocks += ["", render.verdict_table(verdicts, digits, title=_("Your values")),
                   Para(checking_summary(verdicts), strong=True)]
    return Document(_("Adadelta: one step"), blocks, words=tuple(report.names))


def checking_summary(verdicts: list) -> str:
    from adadelta_cli.marking.gradebook import summary_line

    return summary_line(verdicts)


def _marking_console():
    """The console for step's and check's reports: a reader gone away (`| head -1`) raises BrokenPipeError, so the
    exit status stays the marking's (Rich's own handling would exit 1)."""
    console = terminal.stdout_console()

    def closed() -> None:
        console.quiet = True
        raise BrokenPipeError

    console.on_broken_pipe = closed
    return console


def emit_verdicts(marked: list, fmt: str, output_path: Path | None, digits: int = 6,
                  *, only_wrong: bool = False, latex_fragment: bool = False) -> None:
    """check's report for one or more marked sheets (gradebook.Marked): the verdicts of the asked cells (with
    ``only_wrong``, those not right) and the score, in any of its formats."""
    from adadelta_cli.formats import writers
    from adadelta_cli.marking.gradebook import document, records

    writers.write_report(fmt, output_path, digits, fragment=latex_fragment,
                        document=lambda: document(marked, only_wrong=only_wrong, digits=digits),
                        records=lambda: records(marked, only_wrong=only_wrong), console=_marking_console())


def trace_command(tokens: list[str], resolved: Resolved, fmt: str, output_path: Path | None, digits: int = 6,
                  *, show_all: bool = False, explain: bool = False, export_svg: Path | None = None,
                  export_html: Path | None = None, latex_fragment: bool = False, member=None) -> None:
    """adadelta trace: CSV, JSON and the (abridged) table are computed and written a block at a time, so a trace
    of millions of steps needs little memory; the other presentations are built whole. ``member``: another
    optimizer's trace in place of Adadelta's (``stepping.Traced.given``'s), made whole."""
    stream = opened(tokens, fmt, output_path, explain=explain, exports=(export_svg, export_html))
    if member is not None:
        gradients = stream.collect()
        traced = member(gradients, resolved.initial(len(gradients.names)).x.tolist())
        traced.emit(fmt, output_path, digits, show_all=show_all, explained=explain, latex_fragment=latex_fragment)
        export(lambda explained: traced.document(digits, show_all=show_all, explained=explain and explained),
               digits, svg=export_svg, html=export_html)
        return
    if export_svg or export_html or not (fmt in ("csv", "json") or (fmt == "table" and not show_all and not explain)):
        report = compute(stream.collect(), resolved)
        for note in report.notes:
            messages.warn(note)
        emit(report, fmt, output_path, digits, show_all=show_all, explain=explain, latex_fragment=latex_fragment)
        export(lambda explained: render.document(report, digits, show_all=show_all, explain=explain and explained),
               digits, svg=export_svg, html=export_html)
        return
    notes = warnings_for(resolved.settings, resolved.initial(len(stream.names)))  # said once the trace has gone
    # through (an error says enough alone)
    _stream_trace(stream, resolved, fmt, output_path, digits, notes)
    for note in notes:
        messages.warn(note)


def opened(tokens: list[str], fmt: str, output_path: Path | None, *, explain: bool, exports=()):
    """trace's input opened (``formats.readers.open_stream``), its outputs and --explain checked first, and said
    where there is none (the article's example is traced)."""
    from adadelta_cli.formats.readers import open_stream

    stream = open_stream(tokens)
    outfiles.check_outputs(output_path, *exports, inputs=[stream.path])
    if explain and fmt in ("csv", "json"):
        from adadelta_cli.errors import SettingsError

        raise SettingsError(_f('--explain goes with --format table, markdown or latex, not %(format)s', format=fmt))
    if not tokens:
        messages.message(_("no input given: tracing the article's example g = 0.1, 0.2, 0.15"))
    return stream


def _computed(stream, resolved: Resolved, notes: list[str]):
    """The stream's steps a piece at a time, (Step, first t) each; the non-finite note (once) and the one-row note
    added to ``notes``."""
    settings, state, t = resolved.settings, resolved.initial(len(stream.names)), 1
    said = False
    with terminal.Progress(stream.total_bytes, lambda: stream.done_bytes[0]) as progress:
        for block in _pieces(stream.blocks()):
            if settings.dtype == "float32":
                check_float32(block, stream.source, stream.names, t, overflow_allowed=settings.nonfinite == "continue")
            steps, state = core.advance(block, settings, state, first_step=t)
            note = nonfinite_note(steps, stream.names, t) if settings.nonfinite == "continue" and not said else None
            if note:
                notes.append(note)
                said = True
            yield steps, t
            t += block.shape[0]
            progress.update()
    if t == 1:
        from adadelta_cli.errors import InputError

        raise InputError(_("holds no gradients"), source=stream.source)
    note = one_row_note(t - 1, stream.names, stream.source)
    if note:
        notes.append(note)


def _stream_trace(stream, resolved: Resolved, fmt: str, output_path: Path | None, digits: int,
                  notes: list[str]) -> None:
    """CSV, JSON or the abridged table, computed a piece at a time; CSV and JSON on standard output held back
    until HELD_CHARACTERS are made (an error before then leaves it untouched)."""
    from adadelta_cli.formats import machine
    from adadelta_cli.formats.report import Records, Steps

    show_g_eff = resolved.settings.g_eff_differs
    settings_doc = {**resolved.as_dict(), "input": stream.source}
    if fmt == "table":
        kept: dict = {"head": [], "tail": None, "count": 0}
        for steps, _t in _computed(stream, resolved, notes):
            _keep_ends(kept, steps)
        emit(_ends_report(kept, stream.names, settings_doc, show_g_eff=show_g_eff), "table", output_path, digits)
        return
    columns = render.machine_columns(show_g_eff=show_g_eff)

    def produce(out) -> None:  # out: a binary file; the text is UTF-8
        blocks = (Steps(t, stream.names, [getattr(steps, c) for c in columns[2:]])
                  for steps, t in _computed(stream, resolved, notes))
        (machine.write_csv if fmt == "csv" else machine.write_json)(out, Records(columns, blocks, settings_doc),
                                                                   binary=True)

    outfiles.emit_stream(produce, output_path, outfiles.HELD_CHARACTERS, binary=True)


PIECE_VALUES = 1 << 15  # values (steps × parameters) computed and formatted at a time: bounds the memory of a block


def _pieces(blocks):
    for block in blocks:
        step = max(1, PIECE_VALUES // max(1, block.shape[1]))
        for start in range(0, block.shape[0], step):
            yield block[start:start + step]


KEEP = SHORT  # up to this many steps, a table shows them all


def _keep_ends(kept: dict, steps: core.Step) -> None:
    """Keep the first KEEP and the last TAIL_ROWS steps of a stream, for the abridged table."""
    count = steps.g.shape[0]
    if kept["count"] < KEEP:
        kept["head"].append(core.Step(*(c[:KEEP - kept["count"]].copy() for c in steps)))
    tail = steps if kept["tail"] is None else core.Step(*(np.concatenate([a, b]) for a, b in zip(kept["tail"], steps)))
    kept["tail"] = core.Step(*(c[-TAIL_ROWS:].copy() for c in tail))
    kept["count"] += count


def _ends_report(kept: dict, names, settings_doc: dict, *, show_g_eff: bool) -> render.Report:
    head = core.Step(*(np.concatenate(columns) for columns in zip(*kept["head"])))
    if kept["count"] <= KEEP:
        return render.Report(head, names, settings_doc, show_g_eff=show_g_eff)
    steps = core.Step(*(np.concatenate([a[:HEAD_ROWS], b]) for a, b in zip(head, kept["tail"])))
    return render.Report(steps, names, settings_doc, show_g_eff=show_g_eff,
                         hidden=kept["count"] - HEAD_ROWS - TAIL_ROWS, head=HEAD_ROWS)


EXPORT_ID = "adadelta"  # a fixed id: the same trace exports to the same bytes


def export(document, digits: int, *, svg: Path | None, html: Path | None) -> None:
    """A document for people (``document(explained)``: the table alone, or with the worked arithmetic as asked),
    as Rich records it, at a width that holds every line, as SVG and/or HTML.

    Everything printed is in the picture: the width is the widest line's (counted in terminal cells, Chinese
    characters two), the legend wraps at it. Rich writes each SVG text's length as one cell a character, which
    squeezes Chinese text into half its room; ``_svg_cells`` gives each its cells. Both files name a monospaced font
    with Chinese characters of exactly two cells, where the reader's system has one."""
    if svg is None and html is None:
        return
    import io

    from rich.cells import cell_len
    from rich.console import Console

    from adadelta_cli.features.plotting import confirm
    from adadelta_cli.formats import spelling, writers
    from adadelta_cli.formats.report import Arithmetic

    whole = document(True)
    width = writers.table_width(writers.table(document(False), digits))
    worked = [block for block in whole.blocks if isinstance(block, Arithmetic)]
    if worked:
        width = max([width, 60] + [cell_len(line) + 2 for block in worked
                                   for heading, lines in spelling.arithmetic_lines(block)
                                   for line in lines if heading is not None])
    console = Console(record=True, file=io.StringIO(), width=width, color_system="truecolor",
                      force_terminal=True, legacy_windows=False, highlight=False)
    console.print(writers.table(whole, digits))  # the legend wraps
    if svg is not None:
        picture = _svg_cells(console.export_svg(title="adadelta trace", unique_id=EXPORT_ID, clear=False))
        outfiles.write_atomic(svg, picture.replace("font-family: Fira Code, monospace;",
                                                 f"font-family: Fira Code, {MONO_FONTS};"))
        confirm(svg)
    if html is not None:
        from rich.terminal_theme import DEFAULT_TERMINAL_THEME

        page = console.export_html(inline_styles=True, clear=False, theme=DEFAULT_TERMINAL_THEME,
                                   code_format=HTML_PAGE)
        outfiles.write_atomic(html, page)
        confirm(html)


# A monospaced font for Latin and Greek, then monospaced fonts with Chinese characters for the rest.
MONO_FONTS = ('"DejaVu Sans Mono", Menlo, Consolas, "Noto Sans Mono CJK SC", "Noto Sans Mono CJK TC", '
              '"Sarasa Mono SC", monospace')
HTML_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<style>
{stylesheet}
body {{
    color: {foreground};
    background-color: {background};
}}
pre {{
    font-family: """ + MONO_FONTS.replace("{", "{{").replace("}", "}}") + """;
    line-height: 1.3;
}}
@media print {{  /* on paper nothing may run off the page: smaller, and long lines wrap */
    pre {{ font-size: 6.5pt; white-space: pre-wrap; }}
}}
</style>
</head>
<body>
    <pre><code>{code}</code></pre>
</body>
</html>
"""


def _svg_cells(picture: str) -> str:
    """Each SVG text as long as the terminal cells it covers (Rich counts characters; a Chinese one takes two)."""
    import html
    import re

    from rich.cells import cell_len

    def fix(match: re.Match) -> str:
        length, content = float(match.group(2)), html.unescape(match.group(4))
        characters, cells = len(content), cell_len(content)
        if not characters or cells == characters:
            return match.group(0)
        return f'{match.group(1)}{length / characters * cells:g}{match.group(3)}{match.group(4)}</text>'

    return re.sub(r'(<text [^>]*textLength=")([0-9.]+)("[^>]*>)([^<]*)</text>', fix, picture)
