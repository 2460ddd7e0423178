"""adadelta worksheet: exercises and answer keys that adadelta check reads back."""

import csv
import io
import json

import pytest

from .reference import adadelta as reference


def lines_of(text):
    return [line for line in text.splitlines() if not line.startswith("#")]


def table_rows(text):
    return list(csv.DictReader(io.StringIO("\n".join(lines_of(text)))))


def test_blank_worksheet_layout(run):
    result = run("worksheet", "0.1", "0.2", "0.15")
    assert result.exit_code == 0, result.stderr
    rows = table_rows(result.stdout)
    assert list(rows[0]) == ["t", "g", "eg2", "eta", "dx", "edx2", "x"]
    assert [r["g"] for r in rows] == ["0.1", "0.2", "0.15"]
    assert all(r[c] == "" for r in rows for c in ("eg2", "eta", "dx", "edx2", "x"))
    assert "# rho = 0.95" in result.stdout and "# eps = 1e-6" in result.stdout


def test_hide_leaves_other_columns_filled(run):
    rows = table_rows(run("worksheet", "0.1", "0.2", "--hide", "eta,dx").stdout)
    ref = reference([0.1, 0.2])
    assert [r["eta"] for r in rows] == ["", ""]
    assert [float(r["eg2"]) for r in rows] == pytest.approx([r["eg2"] for r in ref], rel=1e-6)
    assert [float(r["x"]) for r in rows] == pytest.approx([r["x"] for r in ref], rel=1e-5)


def test_answers_fill_every_cell(run):
    rows = table_rows(run("worksheet", "0.1", "0.2", "0.15", "--answers").stdout)
    assert [r["eg2"] for r in rows] == ["0.0005", "0.002475", "0.00347625"]
    assert [r["dx"] for r in rows] == ["-0.00446767", "-0.00568137", "-0.00480087"]


def test_seeded_exercise_is_reproducible_and_pleasant(run):
    a = run("worksheet", "--steps", "8", "--seed", "3").stdout
    b = run("worksheet", "--steps", "8", "--seed", "3").stdout
    c = run("worksheet", "--steps", "8", "--seed", "4").stdout
    assert a == b and a != c
    gs = [float(r["g"]) for r in table_rows(a)]
    assert len(gs) == 8
    for g in gs:
        assert g != 0 and len(f"{abs(g):g}".replace("0.", "").lstrip("0")) <= 2  # one or two significant digits


def test_unseeded_exercise_says_its_seed(run):
    result = run("worksheet", "--steps", "3")
    assert result.exit_code == 0 and "--seed" in result.stderr


def roundtrip(run, tmp_path, *args):
    key = tmp_path / "key.csv"
    assert run("worksheet", *args, "--answers", "-o", key).exit_code == 0
    return key


@pytest.mark.parametrize("args", [
    ["0.1", "0.2", "0.15"],
    ["--steps", "10", "--seed", "1", "--rho", "0.9", "--eps", "1e-8", "--lr", "0.5", "--x0", "2"],
    ["--steps", "6", "--seed", "2", "--preset", "keras", "--weight-decay", "0.1", "--x0", "1"],
    ["--steps", "6", "--seed", "5", "--weight-decay", "0.05", "--maximize", "--x0", "-1"],
])
def test_answer_key_passes_check_with_no_flags(run, tmp_path, args):
    key = roundtrip(run, tmp_path, *args)
    d = json.loads(run("check", key, "--format", "json").stdout)
    s = d["summary"]
    assert s["wrong"] == s["too_few"] == s["unanswered"] == 0 and s["right"] == s["out_of"] > 0
    assert run("check", key).exit_code == 0


def test_blank_worksheet_scores_zero_and_fails(run, tmp_path):
    sheet = tmp_path / "sheet.csv"
    run("worksheet", "--steps", "4", "--seed", "9", "-o", sheet)
    result = run("check", sheet, "--format", "json")
    assert result.exit_code == 1
    d = json.loads(result.stdout)
    assert (d["summary"]["score"], d["summary"]["out_of"], d["summary"]["unanswered"]) == (0, 20, 20)


def test_key_with_one_altered_cell_fails_on_exactly_that_cell(run, tmp_path):
    key = roundtrip(run, tmp_path, "--steps", "5", "--seed", "11")
    text = key.read_text().splitlines()
    header_at = next(i for i, line in enumerate(text) if line.startswith("t,"))
    cells = text[header_at + 3].split(",")  # step 3
    cells[3] = str(float(cells[3]) * 1.5)  # its η
    text[header_at + 3] = ",".join(cells)
    key.write_text("\n".join(text) + "\n")
    result = run("check", key, "--format", "json")
    assert result.exit_code == 1
    wrong = [(c["t"], c["name"]) for c in json.loads(result.stdout)["cells"] if c["status"] == "wrong"]
    assert wrong == [(3, "eta")]


def test_markdown_and_latex(run):
    md = run("worksheet", "0.1", "0.2", "--format", "markdown").stdout
    assert "E[Δx²]_t = ρ·E[Δx²]_{t-1} + (1 - ρ)·Δx_t²" in md
    assert "| 1 | 0.1 |   |   |   |   |   |" in md.splitlines()
    tex = run("worksheet", "0.1", "0.2", "--format", "latex").stdout
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert r"E[\Delta x^2]_{t} &= \rho \cdot E[\Delta x^2]_{t-1}" in tex
    assert r"\rule{0pt}{4ex}" in tex  # room to write
    key = run("worksheet", "0.1", "0.2", "--format", "latex", "--answers").stdout
    assert "$0.0005$" in key and r"\rule{0pt}{4ex}" not in key


def test_table_format(run):
    out = run("worksheet", "0.1", "--format", "table", "--answers").stdout
    assert "E[g²]_t" in out and "0.0005" in out


@pytest.mark.parametrize("args,message", [
    (["--hide", "speed"], "unknown column speed"),
    (["0.1", "--steps", "3"], "--steps, --seed and --variants"),
    (["--seed", "3"], "--seed goes with --steps"),
    (["--steps", "0"], "--steps must be at least 1"),
])
def test_worksheet_errors(run, args, message):
    result = run("worksheet", *args)
    assert result.exit_code == 2 and message in result.stderr
