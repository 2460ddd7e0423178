"""Marking a teacher can trust: the judgement rule, rounding told from slips, rows by t, given and unanswered cells,
scores, a whole class with a gradebook, one sheet per student, Moodle, and a student's own implementation."""

import csv
import io
import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from adadelta_cli.marking.digits import judge, significant_digits

from .conftest import ROOT

ARTICLE_STEP = ["step", "--grad", "0.1", "--eg2", "0.002475", "--edx2-prev", "0.0001"]
EDX2_1 = 9.980039920159682e-07  # E[Δx²]_1 of the article's example


def doc(result, code):
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def sheet(tmp_path, text, name="w.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def marked(run, path, *args, code):
    return doc(run("check", path, *args, "--format", "json"), code)


# --- 1. The judgement rule --------------------------------------------------------------------------------------

def test_digits_written_decide():
    assert judge("0.0005", 0.0005000000000000004) == "right"  # exact: E[g²]_1 itself
    assert judge("0.000500", 0.0005000000000000004) == "right"
    assert judge("0.0447", 0.044676705160877) == "right"
    assert judge("0.04468", 0.044676705160877) == "right"
    assert judge("0.04", 0.044676705160877) == "too_few"  # agrees, one significant digit
    assert judge("0.0450", 0.044676705160877) == "wrong"  # trailing zero written counts
    assert judge("0.0000", EDX2_1) == "wrong"  # a written 0 for a non-zero value
    assert judge("0", 0.0) == "right"
    assert judge("9.98e-7", EDX2_1) == "right" and judge("1.0e-6", EDX2_1) == "too_few"
    assert significant_digits("0.2000") == 4 and significant_digits("1.00e-3") == 3
    assert significant_digits("0.0005") == 1 and significant_digits("0e400") == 0


def test_a_sheet_rounded_to_four_decimals_is_not_all_right(run, tmp_path):
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.0447,-0.0045,0.0000,-0.0045\n")
    d = marked(run, path, code=1)
    status = {c["name"]: c["status"] for c in d["cells"]}
    # x_1 = x_0 + Δx_1 = −0.0045 exactly from the Δx_1 written: exact, so right given it (the too few digits of
    # Δx_1 are marked once, where they were written).
    assert status == {"eg2": "right", "eta": "right", "dx": "too_few", "edx2": "wrong", "x": "right_given"}
    assert (d["summary"]["score"], d["summary"]["out_of"]) == (3, 5)


def test_a_sheet_of_zeros_earns_only_what_follows_from_its_zeros(run, tmp_path):
    # The rule holds for every cell: Δx_t = −η_t·g_t with the η_t = 0 written is 0, and so are E[Δx²]_t and x_t
    # from it ("right, given your η_t"); E[g²]_t and η_t themselves are wrong at every step.
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,0,0,0,0,0\n2,0.2,0,0,0,0,0\n3,0.15,0,0,0,0,0\n")
    d = marked(run, path, code=1)
    assert d["summary"]["score"] == 9 and d["summary"]["wrong"] == 6
    assert {c["name"] for c in d["cells"] if c["status"] == "wrong"} == {"eg2", "eta"}


@pytest.mark.parametrize("value,status", [("0.2", "too_few"), ("0e400", "wrong"), ("0.202", "right"),
                                          ("0.2020", "right"), ("-0.2020", "wrong")])
def test_expect_follows_the_rule(run, value, status):
    d = doc(run(*ARTICLE_STEP, "--expect", f"eta={value}", "--format", "json"), 0 if status == "right" else 1)
    assert [c["status"] for c in d["checks"]] == [status]


@pytest.mark.parametrize("value", ["1e-999999999", "1e-99999999999999999999", "12e99999"])
def test_absurd_exponents_get_one_clear_message(run, value):
    result = run(*ARTICLE_STEP, "--expect", f"eta={value}")
    assert result.exit_code in (1, 2) and "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert "--expect" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("tol", ["nan", "inf", "-0.1"])
def test_rel_tol_refuses_nan_inf_and_negatives(run, tmp_path, tol):
    path = sheet(tmp_path, "g,eta\n0.1,0.045\n")
    for args in (["check", path], ARTICLE_STEP + ["--expect", "eta=0.2"]):
        result = run(*args, "--rel-tol", tol)
        assert result.exit_code == 2 and "--rel-tol" in result.stderr and "Traceback" not in result.stderr


def test_rel_tol_is_the_alternative_rule(run, tmp_path):
    path = sheet(tmp_path, "g,eta\n0.1,0.045\n")
    assert run("check", path).exit_code == 1
    assert run("check", path, "--rel-tol", "0.01").exit_code == 0


def test_huge_exponents_in_a_sheet_are_one_clear_message(run, tmp_path):
    path = sheet(tmp_path, "g,eta,dx\n0.1,1e-999999999,-4.47e-999999999\n")
    result = run("check", path)
    assert result.exit_code in (1, 2) and "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- 2. Rounding told from slips --------------------------------------------------------------------------------

def test_truncation_is_named_as_such_not_as_a_slip(run):
    d = doc(run(*ARTICLE_STEP, "--expect", "eta=0.2019", "--format", "json"), 1)
    (c,) = d["checks"]
    assert c["status"] == "wrong" and c["slip"] is None
    assert c["rounding"] == "truncated: 0.2019; rounded it is 0.2020"


def test_a_slip_is_named_only_when_nearer_than_the_right_value(run):
    # 0.2010 is the ε-free value 0.201008 rounded: nearer to it than to 0.201969.
    d = doc(run(*ARTICLE_STEP, "--expect", "eta=0.2010", "--format", "json"), 1)
    assert d["checks"][0]["slip"] == "ε left out"
    d = doc(run(*ARTICLE_STEP, "--expect", "eta=0.2018", "--format", "json"), 1)
    assert d["checks"][0]["slip"] is None


def test_an_earlier_value_rounded_too_soon(run):
    # η_1 from the article's printed 0.001 / 0.022383 with the denominator rounded to 0.0224: 0.0446429.
    d = doc(run("step", "--grad", "0.1", "--expect", "eta=0.0446429", "--format", "json"), 1)
    (c,) = d["checks"]
    assert c["rounding"] and "rounded too early" in c["rounding"] and "√(E[g²]_1 + ε)" in c["rounding"]


# --- 3. Rows by their t -----------------------------------------------------------------------------------------

def key_text(run, *args):
    result = run("worksheet", *args, "--answers")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_rows_in_any_order(run, tmp_path):
    text = key_text(run, "0.1", "0.2", "0.15")
    lines = text.splitlines()
    head = [line for line in lines if line.startswith("#") or line.startswith("t,")]
    body = [line for line in lines if line[:1].isdigit()]
    path = sheet(tmp_path, "\n".join(head + body[::-1]) + "\n")
    d = marked(run, path, code=0)
    assert (d["summary"]["score"], d["summary"]["out_of"]) == (15, 15)


@pytest.mark.parametrize("text,message", [
    ("t,g,eg2\n1,0.1,0.0005\n1,0.2,0.002475\n", "t = 1 appears twice (lines 2 and 3)"),
    ("t,param,g,eg2\n1,w,0.1,0.0005\n1,b,0.1,0.0005\n1,w,0.2,0.002\n", "t = 1 appears twice for w"),
    ("t,g,eg2,eg2\n1,0.1,0.0005,0.0005\n", "the column 'eg2' appears twice (columns 3 and 4)"),
    ("t,g,eg2\n1,0.1,0.0005\n3,0.2,0.002475\n", "no row for t = 2"),
    ("t,g,eg2\n1,0.1,-\n", "asks for nothing"),
])
def test_bad_layouts_are_named(run, tmp_path, text, message):
    result = run("check", sheet(tmp_path, text))
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


# --- 4. Given, answered, unanswered -----------------------------------------------------------------------------

def test_given_cells_are_not_scored(run, tmp_path):
    path = tmp_path / "sheet.csv"
    assert run("worksheet", "0.1", "0.2", "0.15", "--hide", "eta,dx,edx2,x", "-o", path).exit_code == 0
    assert "# asked = eta,dx,edx2,x" in path.read_text()
    d = marked(run, path, code=1)  # handed back blank
    assert d["summary"] == {"right": 0, "right_given": 0, "wrong": 0, "too_few": 0, "unanswered": 12, "given": 3,
                            "score": 0, "out_of": 12, "percent": 0}
    key = tmp_path / "key.csv"
    run("worksheet", "0.1", "0.2", "0.15", "--hide", "eta,dx,edx2,x", "--answers", "-o", key)
    assert marked(run, key, code=0)["summary"]["score"] == 12


def test_the_values_a_right_cell_rests_on_are_symbols_in_every_format(run, tmp_path):
    # E[g²]_1 written 10× too large and E[g²]_2 left blank: E[g²]_3, worked from the student's own E[g²]_1, rests
    # on a value two steps back. Each format spells it in its own notation (LaTeX as mathematics, not as text).
    key = key_text(run, "0.1", "0.2", "0.15", "--hide", "eg2,eta,dx,edx2,x", "--format", "csv")
    text = key.replace("\n1,0.1,0.0005,", "\n1,0.1,0.005,").replace("\n2,0.2,0.002475,", "\n2,0.2,,") \
        .replace("\n3,0.15,0.00347625,", "\n3,0.15,0.0075375,")
    path = sheet(tmp_path, text)
    cells = {(c["t"], c["name"]): c for c in marked(run, path, code=1)["cells"]}
    assert cells[(3, "eg2")]["status"] == "right_given" and cells[(3, "eg2")]["given"] == ["E[g²]_1"]
    assert "given your E[g²]_1" in run("check", path).stdout
    latex = run("check", path, "--format", "latex").stdout
    assert "given your $E[g^2]_{1}$" in latex and r"E[g$^2$]\_1" not in latex

    from adadelta_cli.cli.options import resolve
    from adadelta_cli.marking.sheet import read_worksheet
    from adadelta_cli.marking.verdicts import mark_worksheet

    s = read_worksheet(str(path))
    verdicts = mark_worksheet(s, resolve(base=s.settings))[0]
    assert next(v for v in verdicts if (v.t, v.name) == (3, "eg2")).given == [("eg2", 1)]


def test_blank_sheet_scores_zero_and_exits_1(run, tmp_path):
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,,,,,\n2,0.2,,,,,\n")
    result = run("check", path)
    assert result.exit_code == 1 and "Score 0/10 (0%)" in result.stdout


def test_dash_and_absent_columns_are_not_asked(run, tmp_path):
    path = sheet(tmp_path, "t,g,eg2,eta\n1,0.1,0.0005,-\n2,0.2,0.002475,\n")
    d = marked(run, path, code=1)
    assert [(c["t"], c["name"], c["status"]) for c in d["cells"]] == [
        (1, "eg2", "right"), (2, "eg2", "right"), (2, "eta", "unanswered")]
    assert d["summary"]["out_of"] == 3


# --- 5. A score, --only-wrong, the formats, the exit status -----------------------------------------------------

STUDENT = "t,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.0447,0.00447,9.98e-7,0.00447\n2,0.2,0.002475,0.0284,,,\n"


def test_score_line_and_only_wrong(run, tmp_path):
    path = sheet(tmp_path, STUDENT)
    result = run("check", path, "--only-wrong")
    assert result.exit_code == 1
    assert "Score 6/10 (60%): 6 right (1 of them given your own earlier values), 1 wrong, 3 unanswered" \
        in result.stdout
    assert "Δx_1" in result.stdout and "η_1" not in result.stdout and "E[g²]_2" not in result.stdout


def test_formats(run, tmp_path):
    path = sheet(tmp_path, STUDENT)
    rows = list(csv.DictReader(io.StringIO(run("check", path, "--format", "csv").stdout)))
    assert [(r["t"], r["quantity"], r["verdict"]) for r in rows][:3] == [
        ("1", "eg2", "right"), ("1", "eta", "right"), ("1", "dx", "wrong")]
    assert float(rows[2]["computed"]) == pytest.approx(-0.004467670516087701, rel=1e-15)
    assert "sign" in rows[2]["slip"]
    md = run("check", path, "--format", "markdown").stdout
    assert "| 1 | Δx\\_1 | 0.00447 | ✗ wrong | -0.00446767 |" in md and "**Score 6/10 (60%)" in md
    assert doc(run("check", path, "--format", "json"), 1)["summary"]["percent"] == 60


def test_closed_pipe_keeps_the_marking_status(tmp_path):
    key = tmp_path / "key.csv"
    subprocess.run([sys.executable, "-m", "adadelta_cli", "worksheet", "--steps", "400", "--seed", "3",
                    "--answers", "-o", str(key)], check=True, capture_output=True)
    shell = f"{sys.executable} -m adadelta_cli check {key} | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "0", out.stderr
    assert "Traceback" not in out.stderr


# --- 6. A whole class at once -----------------------------------------------------------------------------------

def test_gradebook_over_a_folder(run, tmp_path):
    folder = tmp_path / "returned"
    assert run("worksheet", "--variants", "3", "--seed", "5", "--hide", "eta,dx", "-o", folder).exit_code == 0
    key1 = (folder / "keys" / "key-01.csv").read_text()
    (folder / "sheet-01.csv").write_text(key1.replace("# Adadelta answer key", "# name = Ada\n# x"))
    sheet2 = (folder / "sheet-02.csv").read_text().replace("# name = ", "# name = =HYPERLINK(\"x\")")
    (folder / "sheet-02.csv").write_text(sheet2)
    (folder / "sheet-03.csv").write_text("t,g,eta\n1,abc,0.1\n")
    grades = tmp_path / "grades.csv"
    result = run("check", folder, "--gradebook", grades)
    assert result.exit_code == 2
    assert "sheet-03.csv" in result.stderr and "not a number" in result.stderr
    rows = {r["file"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(grades.read_text()))}
    assert rows["sheet-01.csv"]["student"] == "Ada" and rows["sheet-01.csv"]["variant"] == "01"
    assert (rows["sheet-01.csv"]["score"], rows["sheet-01.csv"]["out_of"], rows["sheet-01.csv"]["percent"]) == \
        ("6", "6", "100")
    assert rows["sheet-02.csv"]["student"].startswith("'=")  # never a spreadsheet formula
    assert rows["sheet-02.csv"]["unanswered"] == "6" and rows["sheet-02.csv"]["score"] == "0"
    assert "not a number" in rows["sheet-03.csv"]["error"]
    (folder / "sheet-03.csv").unlink()
    assert run("check", folder, "--gradebook", grades).exit_code == 0


def test_gradebook_names_the_diagnosis(run, tmp_path):
    # The gradebook's first_slip became the sheet's diagnosis: ids joined by ';' and the sentences.
    a = sheet(tmp_path, STUDENT, "a.csv")
    b = sheet(tmp_path, "g,eta\n0.1,0.0447\n", "b.csv")
    result = run("check", a, b, "--gradebook", "-")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["diagnosis"] == "sign_dx" and rows[0]["diagnosis_text"].startswith("the sign: Δx_t")
    assert rows[1]["diagnosis"] == rows[1]["diagnosis_text"] == ""


# --- 7. One sheet per student -----------------------------------------------------------------------------------

def test_variants_differ_at_the_same_difficulty_and_check_needs_no_flags(run, tmp_path):
    folder = tmp_path / "class"
    result = run("worksheet", "--variants", "5", "--seed", "42", "--steps", "4", "--rho", "0.9", "-o", folder)
    assert result.exit_code == 0, result.stderr
    sheets = sorted(folder.glob("sheet-*.csv"))
    keys = sorted((folder / "keys").glob("key-*.csv"))
    assert len(sheets) == len(keys) == 5
    gradients = []
    for i, path in enumerate(sheets, start=1):
        text = path.read_text()
        assert f"# variant = 0{i}" in text and "# name = " in text and "# rho = 0.9" in text
        gradients.append([float(line.split(",")[1]) for line in text.splitlines() if line[:1].isdigit()])
    assert len({tuple(g) for g in gradients}) == 5
    for g in gradients:  # the same signs, and tenths where the first has tenths (else 0.05, 0.15, ...)
        assert [math.copysign(1, v) for v in g] == [math.copysign(1, v) for v in gradients[0]]
        assert [round(abs(v) * 10, 9).is_integer() for v in g] == [round(abs(v) * 10, 9).is_integer()
                                                                   for v in gradients[0]]
    for key in keys:
        d = marked(run, key, code=0)
        assert d["summary"]["score"] == d["summary"]["out_of"] == 20 and d["settings"]["rho"] == 0.9


# --- 8. Into the school's LMS -----------------------------------------------------------------------------------

def key_values(text):
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith("#")]
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def test_moodle_xml_is_well_formed_and_holds_the_keys_numbers(run, tmp_path):
    xml = run("worksheet", "0.1", "0.2", "0.15", "--hide", "eta,dx", "--format", "moodle").stdout
    quiz = ET.fromstring(xml)
    questions = quiz.findall("question[@type='numerical']")
    assert len(questions) == 6 and len(quiz.findall("question[@type='category']")) == 1
    key = key_values(key_text(run, "0.1", "0.2", "0.15", "--hide", "eta,dx"))
    expected = [(r[name], name, r["t"]) for r in key for name in ("eta", "dx")]
    for q, (value, _name, t) in zip(questions, expected):
        assert float(q.find("answer/text").text) == float(value)
        tolerance = float(q.find("answer/tolerance").text)
        assert tolerance == pytest.approx(0.5 * 10 ** (math.floor(math.log10(abs(float(value)))) - 2))
        text = q.find("questiontext/text").text
        assert rf"\(g_{{{t}}} = " in text and rf"\(E[g^2]_{{{t}}} = " in text  # the step's givens, in TeX
        solution = q.find("generalfeedback/text").text  # the step's worked solution, shown after the attempt
        assert rf"\(\eta_{{{t}}} = \frac{{" in solution and value in solution
    assert quiz.findall("question[@type='numerical']")[0].find("answer/text").text == "0.0446767"


def test_moodle_variants_one_category_per_variant(run, tmp_path):
    folder = tmp_path / "quiz"
    assert run("worksheet", "--variants", "3", "--seed", "1", "--steps", "2", "--hide", "eta", "--format",
               "moodle", "--sig-digits", "4", "-o", folder).exit_code == 0
    quiz = ET.parse(folder / "quiz.xml").getroot()
    children = list(quiz)
    categories = [c for c in children if c.get("type") == "category"]
    assert [c.find("category/text").text.rsplit("/", 1)[-1] for c in categories] == [
        "Variant 01", "Variant 02", "Variant 03"]  # a student's quiz: their own paper variant
    assert len(children) == 3 + 2 * 3
    assert [c.get("type") for c in children[:3]] == ["category", "numerical", "numerical"]
    names = [c.find("name/text").text for c in children if c.get("type") == "numerical"]
    assert names[:3] == ["Variant 01: η_1", "Variant 01: η_2", "Variant 02: η_1"]
    for i, q in enumerate(c for c in children if c.get("type") == "numerical"):
        variant, t = i // 2 + 1, i % 2 + 1
        key = key_values((folder / "keys" / f"key-0{variant}.csv").read_text())
        assert float(q.find("answer/text").text) == float(key[t - 1]["eta"])
        assert "4 significant digits" in q.find("questiontext/text").text


def test_gift_escapes_its_special_characters(run):
    from adadelta_cli.features.quiz import gift_escape

    assert gift_escape("a~b=c#d{e}f:g\\h") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h"
    gift = run("worksheet", "0.1", "0.2", "--hide", "eta", "--format", "gift").stdout
    questions = [line for line in gift.splitlines() if line.startswith("::")]
    assert len(questions) == 2
    assert questions[0].startswith("::η_1::[html]")
    assert "{#0.0446767:0.00005####" in questions[0] and questions[0].endswith("}")
    assert gift_escape(r"\(\eta_{1} = \frac{") in questions[0].rsplit("####", 1)[1]  # the worked solution
    body = questions[0][len("::η_1::[html]"):questions[0].rindex("{#")]
    for special in "~=#{}:":
        assert all(body[i - 1] == "\\" for i, c in enumerate(body) if c == special)


# --- 9. Checking code, not only hand work -----------------------------------------------------------------------

def implementation(gradients, rho=0.95, eps=1e-6, lr=1.0, bug=None):
    """A from-scratch Adadelta as a student writes it, with one of the known bugs."""
    eg2 = edx2 = x = 0.0
    rows = []
    for t, g in enumerate(gradients, start=1):
        eg2_prev, edx2_prev = eg2, edx2
        eg2 = rho * eg2 + (1 - rho) * g * g
        denominator = eg2_prev if bug == "eg2_prev" else eg2
        if bug == "tf1":  # TensorFlow 1.0: E[Δx²] updated with the new step before η reads it
            dx0 = -math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps) * g
            edx2_now = rho * edx2 + (1 - rho) * dx0 * dx0
            eta = math.sqrt(edx2_now + eps) / math.sqrt(eg2 + eps)
        elif bug == "no_numerator_root":
            eta = (edx2 + eps) / math.sqrt(denominator + eps)
        elif bug == "stale":  # E[Δx²] brought up to date with the last step's Δx before η reads it
            edx2 = rho * edx2 + (1 - rho) * (rows[-1][6] if rows else 0.0) ** 2
            edx2_prev = edx2
            eta = math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps)
        elif bug == "eps_outside":
            eta = (math.sqrt(edx2) + eps) / (math.sqrt(eg2) + eps)
        else:
            eta = math.sqrt(edx2 + eps) / math.sqrt(denominator + eps)
        dx = -eta * g
        step = lr * dx if bug == "lr_first" else dx
        if bug != "stale":
            edx2 = rho * edx2 + (1 - rho) * (g * g if bug == "g2" else step * step)
        x = x + (step if bug == "lr_first" else lr * dx)
        rows.append([t, "x", g, eg2, edx2_prev, eta, step if bug == "lr_first" else dx, edx2, x])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"])
    writer.writerows([[r[0], r[1], *map(repr, r[2:])] for r in rows])
    return buffer.getvalue()


@pytest.mark.parametrize("bug,args,cell,words", [
    (None, {}, None, None),
    ("tf1", {"rho": 0.0, "eps": 1.0}, "eta", "tensorflow#9058"),
    ("eg2_prev", {}, "eta", "E[g²]_{t−1} used where E[g²]_t belongs"),
    ("no_numerator_root", {}, "eta", "square root missing in the numerator"),
    ("eps_outside", {}, "eta", "ε outside the roots"),
    ("lr_first", {"lr": 0.5}, "dx", "lr applied before the accumulator"),
    ("g2", {}, "edx2", "g² accumulated into E[Δx²]"),
    ("stale", {}, "edx2", "previous step's Δx_{t−1}"),
])
def test_an_implementations_first_wrong_cell_names_its_bug(run, tmp_path, bug, args, cell, words):
    gradients = [1.0] if bug == "tf1" else [0.1, 0.2, 0.15, -0.3]
    path = sheet(tmp_path, implementation(gradients, bug=bug, **args))
    options = [f"--{k}={v}" for k, v in args.items()]
    d = marked(run, path, *options, code=0 if bug is None else 1)
    wrong = [c for c in d["cells"] if c["status"] != "right"]
    if bug is None:
        assert not wrong and d["summary"]["score"] == d["summary"]["out_of"] == 6 * len(gradients)
        return
    first = wrong[0]
    assert (first["t"], first["name"]) == (1, cell) and words in first["slip"], first
    if bug == "tf1":
        assert float(first["written"]) == pytest.approx(0.8660254037844386)  # −0.866 for Δx, as in the issue
        assert first["computed"] == pytest.approx(0.7071067811865476)


# --- 10. step --t N and repeated --expect -----------------------------------------------------------------------

def test_step_header_has_the_real_indices(run):
    out = run("step", "--grad", "0.1", "--edx2-prev", "0.0001", "--x", "1", "--t", "3").stdout
    assert "x₂ = 1, E[Δx²]₂ = 0.0001" in out
    assert "g_3" in out and "E[g²]_3" in out and "η_3" in out and "x_3" in out
    assert "x₀" not in out and "η_t" not in out


def test_expect_repeated_checks_each_value(run):
    d = doc(run(*ARTICLE_STEP, "--expect", "eta=0.202", "--expect", "eta=0.2019", "--expect", "dx=-0.0202",
                "--format", "json"), 1)
    assert [(c["name"], c["written"], c["status"]) for c in d["checks"]] == [
        ("eta", "0.202", "right"), ("eta", "0.2019", "wrong"), ("dx", "-0.0202", "right")]


def test_one_lr_per_parameter(run, tmp_path):
    # lr = 0.5 for a, 1 for b: x_1 = lr·Δx_1 = -0.00223 for a, -0.00447 for b; E[Δx²] never takes lr.
    path = sheet(tmp_path, "# lr = 0.5,1\nt,param,g,eta,dx,edx2,x\n1,a,0.1,0.0447,-0.00447,9.98e-7,-0.00223\n"
                           "1,b,0.2,0.0224,-0.00447,9.99e-7,-0.00447\n")
    d = marked(run, path, code=0)
    assert d["summary"]["score"] == d["summary"]["out_of"] == 8


def test_printed_sheets_carry_name_variant_and_what_to_fill_in(run, tmp_path):
    folder = tmp_path / "print"
    assert run("worksheet", "--variants", "2", "--seed", "3", "--hide", "eta,dx", "--format", "latex",
               "-o", folder).exit_code == 0
    tex = (folder / "sheet-02.tex").read_text()
    assert r"Name: \rule{9cm}{0.4pt}" in tex and "Variant 02" in tex and r"Fill in: $\eta_{t}$" in tex
    md = run("worksheet", "0.1", "--hide", "eta", "--format", "markdown").stdout
    assert "Name: ....." in md and "| t | g\\_t | E\\[g²\\]\\_t | **η\\_t** |" in md


@pytest.mark.parametrize("args,message", [
    (["--variants", "3"], "-o DIR"),
    (["--variants", "0", "-o", "{tmp}/v"], "--variants must be at least 1"),
    (["--variants", "100", "--steps", "1", "--seed", "1", "-o", "{tmp}/v"], "allow only"),
    (["0.1", "--variants", "2", "-o", "{tmp}/v"], "--variants draw gradients when there is no INPUT"),
    (["--variants", "2", "--sig-digits", "0", "-o", "{tmp}/v"], "--sig-digits must be between 1 and 17"),
])
def test_variant_errors(run, tmp_path, args, message):
    result = run("worksheet", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_variants_never_replace_a_students_sheet(tmp_path):
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    folder = tmp_path / "class"
    args = ["worksheet", "--variants", "2", "--seed", "7", "-o", str(folder)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert CliRunner().invoke(app, args).exit_code == 0  # the same sheets again: nothing changes
    sheet = folder / "sheet-01.csv"
    filled = sheet.read_text().replace("# name = ", "# name = Ann Lee", 1)
    sheet.write_text(filled)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "sheet-01.csv" in result.stderr and "nothing was written" in result.stderr
    assert sheet.read_text() == filled


def test_a_given_cell_changed_after_the_sheet_was_handed_out_is_said(tmp_path):
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    sheet = tmp_path / "sheet.csv"
    assert CliRunner().invoke(app, ["worksheet", "0.1", "0.2", "--hide", "eta,dx", "-o", str(sheet)]).exit_code == 0
    sheet.write_text(sheet.read_text().replace("\n1,0.1,0.0005,", "\n1,0.1,0.0006,"))
    result = CliRunner().invoke(app, ["check", str(sheet), "-f", "json"])
    import json

    cells = json.loads(result.stdout)["cells"]
    changed = [c for c in cells if c["status"] == "given" and c["changed"]]
    assert [(c["t"], c["name"], c["written"]) for c in changed] == [(1, "eg2", "0.0006")]
    assert json.loads(result.stdout)["summary"]["out_of"] == 4  # still not scored


@pytest.mark.parametrize("written, note", [
    ("0.201", "likely slip: ε left out"),  # 0.2010076 with ε = 0: the article's own slip, though 0.2019 cut short
    ("0.2019", "truncated: 0.2019; rounded it is 0.2020"),  # nearer the right value: a truncation, not a slip
])
def test_a_slip_that_every_written_digit_fits_is_named_before_truncation(written, note):
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    result = CliRunner().invoke(app, ["step", "--grad", "0.1", "--eg2", "0.002475", "--edx2-prev", "0.0001",
                                      "--expect", f"eta={written}", "-f", "json"])
    import json

    (check,) = json.loads(result.stdout)["checks"]
    assert (check["slip"] or check["rounding"]) in note


def test_rel_tol_is_its_own_rule():
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    far = CliRunner().invoke(app, ["step", "--grad", "0.1", "--expect", "eta=0.04", "--rel-tol", "0.001"])
    near = CliRunner().invoke(app, ["step", "--grad", "0.1", "--expect", "eta=0.04467", "--rel-tol", "0.001"])
    assert far.exit_code == 1 and near.exit_code == 0


def test_own_earlier_values_are_taken_exactly_as_written(tmp_path):
    # A student who scales the accumulator by lr, carrying full precision and writing four digits. The rule takes
    # the student's own values exactly as written: Δx_2 = −0.004493 does not follow from the η_2 = 0.02246 they
    # wrote (−0.004492), nor from the right chain, so it is wrong (before, anything within half a unit of the
    # written η_2 was allowed, which also credited truncated work). It follows from their bug carried at full
    # precision, so the diagnosis names it: the accumulator bug explains every wrong cell.
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    sheet = tmp_path / "lrbug.csv"
    sheet.write_text("# lr = 0.5\nt,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.04468,-0.004468,2.495e-07,-0.002234\n"
                     "2,0.2,0.002475,0.02246,-0.004493,4.893e-07,-0.00448\n"
                     "3,0.15,0.003476,0.0207,-0.003104,5.853e-07,-0.006032\n")
    import json

    result = CliRunner().invoke(app, ["check", str(sheet), "-f", "json"])
    d = json.loads(result.stdout)
    cells = {(c["t"], c["name"]): c for c in d["cells"]}
    assert cells[(2, "dx")]["status"] == "wrong" and cells[(2, "dx")]["own"] == pytest.approx(-0.004492)
    assert [(t, name) for (t, name), c in cells.items() if c["status"] == "wrong"] == [
        (1, "edx2"), (2, "dx"), (2, "edx2"), (3, "dx"), (3, "edx2")]
    assert all("lr applied before the accumulator" in cells[(t, "edx2")]["slip"] for t in (1, 2, 3))
    assert [e["id"] for e in d["diagnosis"]] == ["lr_in_accumulator"]
    assert {c["slip_id"] for c in cells.values() if c["status"] == "wrong"} == {"lr_in_accumulator"}
