"""One output path: every command builds a document (report.py) and one writer per format turns it into text
(writers.py). These tests hold the writers to what each format promises, whichever command the document comes from."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest

from adadelta_cli import writers
from adadelta_cli.report import COUNT, TEXT, Column, Document, Gap, Heading, Para, Records, Styled, Table

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
    csv_text = writers.csv(Records(["t", "param", "x"], [[1, name, 0.1]]))
    assert next(csv.reader(io.StringIO(csv_text.splitlines()[1]))) == ["1", name, "0.1"]


def test_a_spreadsheet_never_takes_a_cell_for_a_formula():
    text = writers.csv(Records(["student", "written"], [['=HYPERLINK("x")', "-0.0201"], ["@SUM(A1)", "+1"]],
                               spreadsheet=True))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-0.0201"] and rows[2] == ["'@SUM(A1)", "+1"]  # numbers stay numbers


@pytest.mark.parametrize("value", [0.1, 1e-05, -0.0, 5e-324, 1.7976931348623157e308, 2.0 / 3.0, 123456789.0])
def test_machine_numbers_read_back_to_the_same_double(value):
    text = writers.csv(Records(["x"], [[value]]))
    back = float(text.splitlines()[1])
    assert back == value and math.copysign(1, back) == math.copysign(1, value)
    doc = json.loads(writers.json(Records(["x"], [[value]], {"rho": 0.95})))
    assert doc["steps"][0]["x"] == value and doc["settings"] == {"rho": 0.95}


def test_json_marks_nonfinite_values_and_keeps_null_for_what_is_undefined():
    doc = json.loads(writers.json(Records(["eta", "x", "y"], [[None, float("nan"), float("-inf")]])))
    assert doc["steps"] == [{"eta": None, "x": "NaN", "y": "-Infinity"}]
    assert writers.csv(Records(["eta", "x", "y"], [[None, float("nan"), float("-inf")]])).splitlines()[1] == ",nan,-inf"


def test_records_are_written_a_slice_at_a_time_to_the_same_bytes(monkeypatch):
    records = lambda: Records(["t", "x"], ([t, t / 7] for t in range(1, 50)), {"a": 1},  # noqa: E731
                              extra={"parted": None})
    whole_csv, whole_json = writers.csv(records()), writers.json(records())
    monkeypatch.setattr(writers, "SLICE", 3)
    assert writers.csv(records()) == whole_csv and writers.json(records()) == whole_json
    assert json.loads(whole_json)["parted"] is None and len(json.loads(whole_json)["steps"]) == 49


def test_an_empty_record_list_is_still_a_document():
    assert json.loads(writers.json(Records(["t"], [], {"a": 1}))) == {"settings": {"a": 1}, "steps": []}


def test_styles_reach_the_terminal_only():
    doc = Document("D", [Table([Column("verdict", kind=TEXT)], [[Styled("✗ wrong", "bold red")]])])
    table = writers.table(doc).renderables[0]
    cell = table.columns[0]._cells[0]
    assert cell.plain == "✗ wrong" and str(cell.style) == "bold red"
    assert "✗ wrong" in writers.markdown(doc) and r"$\times$ wrong" in writers.latex(doc)


def test_a_wide_table_in_parts_keeps_each_group_whole():
    from adadelta_cli import output

    columns = [Column("t", kind=COUNT), Column("g", "g_t")] + [
        Column(f"{q}_{n}", f"{q}_t {n}", group=n) for n in ("adadelta", "adagrad", "rmsprop", "momentum")
        for q in ("eta", "x")]
    doc = Document("D", [Table(columns, [[1, 0.1] + [0.123456789] * 8])])
    rich = writers.table(doc).renderables[0]
    parts = output.split_table(rich, 60)
    headings = [[str(c.header) for c in part.columns] for part in parts]
    assert len(parts) > 1 and all(h[:2] == ["t", "g_t"] for h in headings)
    for h in headings:
        names = [x.split(" ", 1)[1] for x in h[2:]]
        assert all(names.count(n) == 2 for n in names)  # η_t and x_t of an optimizer side by side
    tex = writers.latex(Document("D", [Table(columns, [[1, 0.1] + [0.12345678901234567] * 8])]), digits=17)
    parts = tex.count(r"\begin{longtable}")
    assert parts > 1 and tex.count("$g_{t}$ &") == parts * 2  # t and g_t start every part (heading twice a part)


@pytest.mark.parametrize("command", [
    ["trace", "FILE"], ["compare", "FILE"], ["diff", "pytorch", "keras", "FILE"],
    ["optimize", "quadratic", "--x0", "1,2", "--steps", "3"]])
@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_every_command_writes_every_format_for_people(run, tmp_path, command, fmt):
    data = tmp_path / "g.csv"
    data.write_text('"p|q","$\\input{x}$"\n0.1,0.2\n0.3,-0.1\n', encoding="utf-8")
    result = run(*[str(data) if a == "FILE" else a for a in command], "--format", fmt)
    assert result.exit_code == 0, result.stderr
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
