"""`adadelta worksheet --optimizer NAME`: worksheets and answer keys for Adagrad, RMSprop, SGD (with momentum), Adam
and AdamW, in every format a class uses (the CSV, LaTeX in both languages, Markdown, Moodle XML, GIFT, IMS QTI),
their values held against each member's own trace and its formulas written out by hand; `check` refuses a member's
sheet with one message (it marks Adadelta's)."""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET

import pytest

from tests.test_classroom import compile_tex
from tests.test_qti import QTI, package

MEMBERS = ("adagrad", "rmsprop", "sgd", "momentum", "adam", "adamw")


@pytest.fixture(autouse=True)
def english():
    from adadelta_cli import i18n

    i18n.set_language("en")


def sheet(text: str) -> tuple[dict, list[dict]]:
    """A sheet's comment lines (key -> value) and rows."""
    comments = dict(m.groups() for line in text.splitlines() if (m := re.match(r"#\s*(\w+) = (.*)", line)))
    return comments, list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@pytest.mark.parametrize("name", MEMBERS)
def test_the_key_holds_the_members_own_trace(run, name):
    """The key's every cell is the member's trace of the sheet's gradients, to the key's digits; the sheet says its
    optimizer, settings, start and what is asked (every quantity by default)."""
    key = run("worksheet", "--optimizer", name, "--steps", "4", "--seed", "7", "--answers")
    assert key.exit_code == 0, key.stderr
    comments, rows = sheet(key.stdout)
    assert comments["optimizer"] == name and comments["x0"] == "0.0" and comments["seed"] == "7"
    grads = [row["g"] for row in rows]
    trace = run("trace", *grads, "--optimizer", name, "-f", "csv")
    traced = list(csv.DictReader(trace.stdout.splitlines()))
    shown = [c for c in traced[0] if c not in ("t", "param", "g")]
    assert comments["asked"] == ",".join(shown) and list(rows[0]) == ["t", "g", *shown]
    for mine, theirs in zip(rows, traced, strict=True):
        for column in shown:
            assert float(mine[column]) == pytest.approx(float(theirs[column]), rel=5e-6), (column, mine, theirs)
    blank = sheet(run("worksheet", "--optimizer", name, "--steps", "4", "--seed", "7").stdout)[1]
    assert [row["g"] for row in blank] == grads and all(row[c] == "" for row in blank for c in shown)


def test_adams_key_by_hand(run):
    """Adam's first two steps on g = 0.1, −0.2 (torch's defaults), written out here."""
    text = run("worksheet", "0.1", "-0.2", "--optimizer", "adam", "--answers").stdout
    rows = sheet(text)[1]
    b1, b2, lr, eps = 0.9, 0.999, 0.001, 1e-8
    m = v = x = 0.0
    for t, (row, g) in enumerate(zip(rows, (0.1, -0.2)), 1):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        d = math.sqrt(v) / math.sqrt(1 - b2 ** t) + eps
        x -= lr / (1 - b1 ** t) * m / d
        for column, value in (("m", m), ("v", v), ("mhat", m / (1 - b1 ** t)), ("vhat", v / (1 - b2 ** t)),
                              ("d", d), ("x", x)):
            assert float(row[column]) == pytest.approx(value, rel=5e-6), (t, column)


def test_hide_takes_the_members_own_names(run):
    result = run("worksheet", "--optimizer", "adagrad", "0.1", "0.2", "--hide", "G,x")
    assert result.exit_code == 0, result.stderr
    comments, rows = sheet(result.stdout)
    assert comments["asked"] == "G,x" and rows[0]["d"] != "" and rows[0]["G"] == ""
    bad = run("worksheet", "--optimizer", "adam", "0.1", "--hide", "eg2,m")
    assert bad.exit_code == 2
    assert ("--hide 'eg2,m': unknown column eg2; expected a comma-separated list of m, v, mhat, vhat, d, x, dx, eta"
            in bad.stderr)


@pytest.mark.parametrize("name", MEMBERS)
def test_the_printed_sheet_and_key_compile(run, tmp_path, name):
    for answers in ([], ["--answers"]):
        result = run("worksheet", "--optimizer", name, "--steps", "3", "--seed", "2", "-f", "latex",
                     "--working-space", *answers)
        assert result.exit_code == 0, result.stderr
        tex = result.stdout
        assert "\\begin{align*}" in tex and ("answer key" in tex) == bool(answers)
        compile_tex(tex, tmp_path)


def test_in_chinese_with_xelatex(run, tmp_path):
    result = run("worksheet", "--optimizer", "rmsprop", "--set", "centered=true", "--steps", "2", "--seed", "2",
                 "-f", "latex", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    assert "RMSprop 练习表" in result.stdout and "\\bar{g}" in result.stdout
    compile_tex(result.stdout, tmp_path)


def test_markdown_sheet_formulas_are_the_members(run):
    text = run("worksheet", "--optimizer", "momentum", "0.1", "0.2", "-f", "markdown").stdout
    assert text.startswith("# SGD with momentum worksheet")
    assert "- `b_t = μ·b_{t-1} + (1 - τ)·g_t`" in text and "- `x_t = x_{t-1} - lr·b_t`" in text


def test_moodle_questions_carry_the_keys_answers(run):
    xml = run("worksheet", "--optimizer", "adam", "0.1", "-0.2", "--hide", "m,x", "-f", "moodle").stdout
    questions = ET.fromstring(xml).findall("question[@type='numerical']")
    key = sheet(run("worksheet", "--optimizer", "adam", "0.1", "-0.2", "--hide", "m,x", "--answers").stdout)[1]
    assert [q.findtext("name/text") for q in questions] == ["m_1", "x_1", "m_2", "x_2"]
    for q, (row, column) in zip(questions, [(r, c) for r in key for c in ("m", "x")]):
        assert float(q.findtext("answer/text")) == float(row[column])
        text = q.findtext("questiontext/text")
        assert "Adam: lr = 0.001" in text and "\\hat{m}" in text and "Compute" in text
    step2 = questions[2].findtext("questiontext/text")
    assert "m_{1} = 0.01" in step2 and "v_{1} = 1" in step2  # the state step 2 starts from


def test_gift_and_qti(run, tmp_path):
    gift = run("worksheet", "--optimizer", "adagrad", "0.1", "0.2", "--hide", "x", "-f", "gift").stdout
    assert gift.startswith("// Adagrad worksheet") and gift.count("::x_") == 2
    resources, files = package(run, tmp_path, "--optimizer", "sgd", "0.1", "0.2", "--hide", "x")
    items = [files[r[1]] for r in resources.values() if r[0] == "imsqti_item_xmlv2p1"]
    assert len(items) == 2
    # SGD: x_1 = −0.001·0.1, x_2 = x_1 − 0.001·0.2
    answers = sorted(float(i.findtext(f".//{QTI}correctResponse/{QTI}value")) for i in items)
    assert answers == pytest.approx(sorted([-0.0001, -0.0003]), rel=1e-9)


def test_variants_for_a_member(run, tmp_path):
    folder = tmp_path / "class"
    result = run("worksheet", "--optimizer", "adam", "--variants", "3", "--steps", "2", "--seed", "5", "-o", folder,
                 "-f", "latex", "--answers")
    assert result.exit_code == 0, result.stderr
    keys = [sheet((folder / "keys" / f"key-0{i}.csv").read_text("utf-8")) for i in (1, 2, 3)]
    assert all(k[0]["optimizer"] == "adam" for k in keys)
    assert len({tuple(r["g"] for r in k[1]) for k in keys}) == 3  # each variant its own gradients
    tex = (folder / "sheets.tex").read_text("utf-8")
    assert tex.count("Adam worksheet") >= 3
    compile_tex(tex, tmp_path)


def test_keras_conventions_on_a_sheet(run):
    comments, rows = sheet(run("worksheet", "--optimizer", "adagrad", "--preset", "keras", "0.1", "--answers").stdout)
    assert comments["preset"] == "keras" and comments["initial_accumulator_value"] == "0.1"
    assert float(rows[0]["d"]) == pytest.approx(math.sqrt(0.1 + 0.01 + 1e-7), rel=5e-6)


def test_check_marks_a_members_sheet(run, tmp_path):
    path = tmp_path / "adam.csv"
    path.write_text(run("worksheet", "--optimizer", "adam", "0.1", "0.2").stdout, encoding="utf-8")
    result = run("check", path)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "Adam: lr = 0.001" in result.stdout and "0 right" in result.stdout and "16 unanswered" in result.stdout
