"""One output path: every command builds a document (report.py) and one writer per format turns it into text
(writers.py). These tests hold the writers to what each format promises, whichever command the document comes from."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest

from adadelta_cli.formats import machine, writers
from adadelta_cli.formats.phrases import Phrase, Sym
from adadelta_cli.formats.report import (
    COUNT,
    TEXT,
    Column,
    Document,
    Gap,
    Heading,
    Para,
    Records,
    Styled,
    Table,
)

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [Column("t", kind=COUNT), Column("param", "param", kind=TEXT), Column("x", "x_t", "x_t")]


def sample(rows=None, **table) -> Document:
    rows = rows if rows is not None else [[1, "w", 0.30000000000000004], Gap(7), [9, "b", float("inf")]]
    return Document("Demo", [Heading("Part"), Para("ρ = 0.95, ε = 1e-6"), Table(COLUMNS, rows, **table)])


def test_numbers_for_people_have_the_digits_asked_and_nonfinite_values_stand_out():
    text = writers.text(sample(), "table", digits=3)
    assert re.search(r" 0\.3\s", text) and "0.30000000000000004" not in text
    assert "inf ⚠" in text and "⋮" in text
    md = writers.markdown(sample(), digits=3)
    assert "| 1 | w | 0.3 |" in md and "| 9 | b | inf ⚠ |" in md and "| ⋮ | ⋮ | ⋮ |" in md
    tex = writers.latex(sample(), digits=3)
    assert r"$1$ & w & $0.3$ \\" in tex and r"\boldsymbol{\infty}" in tex and r"$\vdots$" in tex


def test_markdown_aligns_numbers_right_and_text_left():
    md = writers.markdown(sample())
    assert "|---:|:---|---:|" in md.splitlines()
    assert md.startswith("# Demo\n\n## Part\n\nρ = 0.95, ε = 1e-6\n")


@pytest.mark.parametrize("name", ["p|q", "<img src=x onerror=alert(1)>", "*bold* _it_ `code` [a](b)", "\\input{x}",
                                  "$x$ & 50% #1 ~ ^", "名字"])
def test_text_from_the_data_is_escaped_in_every_format(name):
    doc = sample([[1, name, 0.1]])
    md = writers.markdown(doc)
    row = next(line for line in md.splitlines() if line.startswith("| 1 "))
    assert len(re.split(r"(?<!\\)\|", row)) == 5  # the name stays in its cell
    assert "<img" not in md and "](" not in md.replace("\\](", "") and "\\input" not in md.replace("\\\\input", "")
    tex = writers.latex(doc)
    assert "\\input{x}" not in tex and "$x$ &" not in tex and " 50% " not in tex
    csv_text = machine.csv(Records(["t", "param", "x"], [[1, name, 0.1]]))
    assert next(csv.reader(io.StringIO(csv_text.splitlines()[1]))) == ["1", name, "0.1"]


def test_a_spreadsheet_never_takes_a_cell_for_a_formula():
    text = machine.csv(Records(["student", "written"], [['=HYPERLINK("x")', "-0.0201"], ["@SUM(A1)", "+1"]],
                               spreadsheet=True))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-0.0201"] and rows[2] == ["'@SUM(A1)", "+1"]  # numbers stay numbers


@pytest.mark.parametrize("value", [0.1, 1e-05, -0.0, 5e-324, 1.7976931348623157e308, 2.0 / 3.0, 123456789.0])
def test_machine_numbers_read_back_to_the_same_double(value):
    text = machine.csv(Records(["x"], [[value]]))
    back = float(text.splitlines()[1])
    assert back == value and math.copysign(1, back) == math.copysign(1, value)
    doc = json.loads(machine.json(Records(["x"], [[value]], {"rho": 0.95})))
    assert doc["steps"][0]["x"] == value and doc["settings"] == {"rho": 0.95}


def test_json_marks_nonfinite_values_and_keeps_null_for_what_is_undefined():
    doc = json.loads(machine.json(Records(["eta", "x", "y"], [[None, float("nan"), float("-inf")]])))
    assert doc["steps"] == [{"eta": None, "x": "NaN", "y": "-Infinity"}]
    assert machine.csv(Records(["eta", "x", "y"], [[None, float("nan"), float("-inf")]])).splitlines()[1] == ",nan,-inf"


def test_records_are_written_a_slice_at_a_time_to_the_same_bytes(monkeypatch):
    records = lambda: Records(["t", "x"], ([t, t / 7] for t in range(1, 50)), {"a": 1},  # noqa: E731
                              extra={"parted": None})
    whole_csv, whole_json = machine.csv(records()), machine.json(records())
    monkeypatch.setattr(machine, "SLICE", 3)
    assert machine.csv(records()) == whole_csv and machine.json(records()) == whole_json
    assert json.loads(whole_json)["parted"] is None and len(json.loads(whole_json)["steps"]) == 49


def test_an_empty_record_list_is_still_a_document():
    assert json.loads(machine.json(Records(["t"], [], {"a": 1}))) == {"settings": {"a": 1}, "steps": []}


def test_styles_reach_the_terminal_only():
    doc = Document("D", [Table([Column("verdict", kind=TEXT)], [[Styled("✗ wrong", "bold red")]])])
    table = writers.table(doc).renderables[0]
    cell = table.columns[0]._cells[0]
    assert cell.plain == "✗ wrong" and str(cell.style) == "bold red"
    assert "✗ wrong" in writers.markdown(doc) and r"$\times$ wrong" in writers.latex(doc)


def test_a_wide_table_in_parts_keeps_each_group_whole():
    from adadelta_cli import terminal

    columns = [Column("t", kind=COUNT), Column("g", Sym("g"))] + [
        Column(f"{q}_{n}", Phrase(f"%(q)s {n}", q=Sym(q)), group=n) for n in ("adadelta", "adagrad", "rmsprop",
                                                                               "momentum") for q in ("eta", "x")]
    doc = Document("D", [Table(columns, [[1, 0.1] + [0.123456789] * 8])])
    rich = writers.table(doc).renderables[0]
    parts = terminal.split_table(rich, 60)
    headings = [[str(c.header) for c in part.columns] for part in parts]
    assert len(parts) > 1 and all(h[:2] == ["t", "g_t"] for h in headings)
    for h in headings:
        names = [x.split(" ", 1)[1] for x in h[2:]]
        assert all(names.count(n) == 2 for n in names)  # η_t and x_t of an optimizer side by side
    tex = writers.latex(Document("D", [Table(columns, [[1, 0.1] + [0.12345678901234567] * 8])]), digits=17)
    parts = tex.count(r"\begin{longtable}")
    assert parts > 1 and tex.count("$g_{t}$ &") == parts * 2  # t and g_t start every part (heading twice a part)


@pytest.mark.parametrize("command", [
    ["trace", "FILE"], ["compare", "FILE"], ["diff", "pytorch", "keras", "FILE"], ["worksheet", "FILE", "--answers"],
    ["optimize", "quadratic", "--x0", "1,2", "--steps", "3"], ["check", "SHEET"],
    ["step", "--grad", "0.2", "--eg2-prev", "0.0005", "--t", "2", "--maximize", "--expect", "eta=0.02"]])
@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_every_command_writes_every_format_for_people(run, tmp_path, command, fmt):
    from tests.test_classroom import compile_tex

    data = tmp_path / "g.csv"
    data.write_text('"p|q","$\\input{x}$"\n0.1,0.2\n0.3,-0.1\n', encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("# name = Ann\x1b[31m\u202e\nt,g,eg2,eta\n1,0.1,0.0005,0.0447\n", encoding="utf-8")
    args = [str(data) if a == "FILE" else str(sheet) if a == "SHEET" else a for a in command]
    result = run(*args, "--format", fmt)
    assert result.exit_code in ((0, 1) if command[0] in ("check", "step") else (0,)), result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout  # escaped in every format
    out = result.stdout
    named = "FILE" in command  # optimize names its variables itself
    if fmt == "table" and named:  # a terminal shows the name as written: no markup there, no control characters
        assert "$\\input{x}$" in out and "\x1b" not in out
    if fmt == "markdown" and named:
        assert r"\$\\input\{x\}\$" in out  # shown as written, never maths or markup
        assert out.startswith("# ") and "|---:|" in out
    if fmt == "latex":
        assert out.startswith("\\documentclass") and out.rstrip().endswith("\\end{document}")
        assert "\\input{x}" not in out and (r"\$\textbackslash{}input\{x\}\$" in out or not named)
        compile_tex(out, tmp_path)  # compiles, inside the margins, every character set


def test_greek_and_unknown_characters_in_names_are_set_never_dropped(run, tmp_path):
    from tests.test_classroom import compile_tex

    data = tmp_path / "g.csv"
    data.write_text("θ_1,poids_é,😀\n0.1,0.2,0.3\n", encoding="utf-8")
    tex = run("trace", data, "--format", "latex").stdout
    assert r"$\theta$\_1" in tex and r"\texttt{[U+1F600]}" in tex and "poids\\_é" in tex
    compile_tex(tex, tmp_path)  # no "Missing character": every name is on the page


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd", "-x"])
def test_a_name_a_spreadsheet_would_run_is_refused_where_it_is_read(run, tmp_path, name):
    data = tmp_path / "g.csv"
    data.write_text(f'"{name.replace(chr(34), chr(34) * 2)}",w\n0.1,0.2\n', encoding="utf-8")
    for command in ("trace", "compare", "worksheet"):
        result = run(command, data, "--format", "csv")
        assert result.exit_code == 2 and "formula" in result.stderr and f"{data}:1:1" in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize("command", [["trace", "0.1"], ["compare", "0.1"], ["worksheet"], ["step", "--grad", "0.1"],
                                     ["check", str(ROOT / "sample_gradients" / "article_worksheet.csv")]])
def test_latex_fragment_goes_with_latex_only(run, command):
    result = run(*command, "--format", "csv", "--latex-fragment")
    assert result.exit_code == 2 and "--latex-fragment goes with --format latex" in result.stderr


def test_settings_are_shown_as_given_whatever_the_digits(run):
    out = run("trace", "0.1", "--digits", "17", "--weight-decay", "0.1", "--lr", "0.001").stdout
    assert out.splitlines()[0] == "Adadelta: ρ = 0.95, ε = 1e-6, lr = 0.001, x₀ = 0, weight decay = 0.1 (coupled)"
    assert "0.94999999999999996" not in run("compare", "0.1", "--digits", "17", "-f", "markdown").stdout


@pytest.mark.parametrize("args", [["diff", "pytorch", "tfjs", "sample_gradients/two_params.csv"],
                                  ["check", "sample_gradients/class"],
                                  ["compare", "sample_gradients/two_params.csv"]])
def test_every_piece_fits_an_80_column_terminal(args):
    """On a terminal, text wraps at spaces, a column of sentences wraps at words, a wider table comes in parts of
    whole columns: no line is longer than the terminal, and no number is cut."""
    import os

    from rich.console import Console

    from adadelta_cli import terminal
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing, diffing
    from adadelta_cli.formats import readers
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.marking.sheet import read_worksheet
    from adadelta_cli.marking.verdicts import mark_worksheet
    from adadelta_cli.maths import core

    os.chdir(ROOT)
    if args[0] == "diff":
        a, b = diffing.side(args[1]), diffing.side(args[2])
        g = readers.read_input([args[3]])
        diffing.run(a, b, g.values, lambda n, dtype: core.init(0.0, 0.0, 0.0, size=n, dtype=dtype))
        doc = diffing.document(a, b, g.values, g.names, g.source, {"x0": 0.0, "eg2_init": 0.0, "edx2_init": 0.0}, 6)
    elif args[0] == "check":
        marked = []
        for path in book.sheet_paths([args[1]]):
            sheet = read_worksheet(path)
            resolved = resolve(base=sheet.settings)
            marked.append(book.Marked(sheet.source, resolved.as_dict(), mark_worksheet(sheet, resolved)[0],
                                          sheet.student, sheet.variant))
        doc = book.document(marked)
    else:
        g = readers.read_input([args[1]])
        chosen = comparing.parse_with(None)
        hyper = comparing.parse_sets(None, chosen)
        results = comparing.compute(g.values, resolve(), chosen, hyper)
        doc = comparing.document(g.values, g.names, results, {**resolve().as_dict(), "others": hyper}, 6)
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=True, color_system=None, highlight=False)
    terminal.print_fitted(writers.table(doc), console)
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80, text
    words = re.findall(r"-?\d+\.\d+(?:e-?\d+)?", writers.text(doc, "table"))
    assert set(words) <= set(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text))  # every number whole somewhere


@pytest.mark.parametrize("width", [60, 70, 80])
def test_a_verdict_table_in_parts_keeps_every_word_of_its_notes(width):
    """Too wide even with its notes wrapped, a verdict table comes in parts, and the part holding the notes still
    wraps them: a student's own value (0.00742425) is never cut to '0.00'."""
    from rich.console import Console

    from adadelta_cli import terminal
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.marking import gradebook as book
    from adadelta_cli.marking.sheet import read_worksheet
    from adadelta_cli.marking.verdicts import mark_worksheet

    sheet = read_worksheet(str(ROOT / "sample_gradients" / "student_worksheet.csv"))
    resolved = resolve(base=sheet.settings)
    marked = [book.Marked(sheet.source, resolved.as_dict(), mark_worksheet(sheet, resolved)[0])]
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None, highlight=False)
    terminal.print_fitted(writers.table(book.document(marked, digits=17)), console)
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= width, text
    words = " ".join(text.split())
    for note in ("from your own earlier values: 0.00742425", "from your own earlier values: -0.00079761",
                 "likely slip: ε left out"):
        assert note in words, text
