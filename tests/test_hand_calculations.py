"""trace --explain, step (with --expect) and check: the article's examples, slips, judging from own values."""

import json
import math

import pytest

from adadelta_cli.marking.digits import agrees

from .conftest import SAMPLES


def doc(result, code=0):
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


# --- trace --explain -------------------------------------------------------------------------------------------

def test_explain_writes_the_articles_arithmetic(run):
    result = run("trace", "0.1", "0.2", "0.15", "--explain")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "E[g²]_2 = ρ·E[g²]_1 + (1 - ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475" in out
    assert "E[g²]_3 = ρ·E[g²]_2 + (1 - ρ)·g_3² = 0.95·0.002475 + 0.05·0.15² = 0.00235125 + 0.001125 = 0.00347625" \
        in out
    assert "η_1 = √(E[Δx²]_0 + ε) / √(E[g²]_1 + ε) = √(0 + 1e-6) / √(0.0005 + 1e-6) = 0.001 / 0.022383 = 0.0446767" \
        in out
    assert "Δx_2 = -η_2·g_2 = -0.0284068·0.2 = -0.00568137" in out
    assert "E[Δx²]_1 = ρ·E[Δx²]_0 + (1 - ρ)·Δx_1² = 0.95·0 + 0.05·(-0.00446767)² = 0 + 9.98004e-7 = 9.98004e-7" in out
    assert "x_3 = x_2 + lr·Δx_3 = -0.010149 + 1·(-0.00480087) = -0.0149499" in out


def test_explain_in_markdown_and_latex(run):
    md = run("trace", "0.1", "--explain", "--format", "markdown").stdout
    assert "E[g²]_1 = ρ·E[g²]_0" in md
    tex = run("trace", "0.1", "--explain", "--format", "latex").stdout
    assert "\\begin{align*}" in tex and r"\eta_{1} &= \frac{\sqrt{E[\Delta x^2]_{0} + \varepsilon}}" in tex


def test_explain_refuses_machine_formats(run):
    result = run("trace", "0.1", "--explain", "--format", "json")
    assert result.exit_code == 2 and "--explain" in result.stderr


# --- step ------------------------------------------------------------------------------------------------------

ARTICLE_STEP = ["step", "--grad", "0.1", "--eg2", "0.002475", "--edx2-prev", "0.0001"]


def test_step_reproduces_the_articles_second_and_third_examples(run):
    (s,) = doc(run(*ARTICLE_STEP, "--format", "json"))["steps"]
    assert s["eta"] == pytest.approx(0.201969302998739, rel=1e-14)
    assert s["dx"] == pytest.approx(-0.0201969302998739, rel=1e-14)
    assert s["eg2"] == 0.002475 and s["edx2_prev"] == 0.0001
    (s,) = doc(run(*ARTICLE_STEP, "--eps", "0", "--format", "json"))["steps"]
    assert s["eta"] == pytest.approx(0.20100756305184242, rel=1e-14)
    assert s["dx"] == pytest.approx(-0.02010075630518424, rel=1e-14)


def test_step_shows_every_intermediate(run):
    out = run(*ARTICLE_STEP, "--eps", "0", "--digits", "9").stdout
    assert "√(0.0001 + 0) / √(0.002475 + 0) = 0.01 / 0.0497493719 = 0.201007563" in out
    assert "E[g²]_1 = 0.002475  (given)" in out


def test_step_computes_eg2_from_eg2_prev(run):
    (s,) = doc(run("step", "--grad", "0.2", "--eg2-prev", "0.0005", "--format", "json"))["steps"]
    assert s["eg2"] == pytest.approx(0.002475, rel=1e-14)
    assert run("step", "--grad", "0.2", "--eg2-prev", "0.0005", "--eg2", "0.1").exit_code == 2


def test_step_requires_grad(run):
    result = run("step")
    assert result.exit_code == 2 and "--grad" in result.stderr


def test_expect_judges_by_digits_written(run):
    # −0.0201 is wrong at ε = 1e-6 (the value is −0.0201969) and right at ε = 0 (−0.0201008).
    assert run(*ARTICLE_STEP, "--expect", "dx=-0.0201").exit_code == 1
    assert run(*ARTICLE_STEP, "--eps", "0", "--expect", "dx=-0.0201").exit_code == 0
    # 0.0005 is right for 0.0005000000000000004.
    assert run("step", "--grad", "0.1", "--expect", "eg2=0.0005").exit_code == 0
    assert run("step", "--grad", "0.1", "--expect", "eg2=0.00051").exit_code == 1


def test_expect_json_carries_the_checks(run):
    d = doc(run(*ARTICLE_STEP, "--expect", "eta=0.201969", "--expect", "dx=-0.002014", "--format", "json"), 1)
    checks = {c["name"]: c for c in d["checks"]}
    assert checks["eta"]["status"] == "right"
    assert checks["dx"]["status"] == "wrong"
    assert checks["dx"]["computed"] == pytest.approx(-0.0201969302998739, rel=1e-14)
    assert "power-of-ten" in checks["dx"]["slip"]


def test_expect_bad_name_is_usage_error(run):
    result = run("step", "--grad", "0.1", "--expect", "speed=3")
    assert result.exit_code == 2 and "NAME=VALUE" in result.stderr


def slip_of(run, *args):
    d = doc(run(*args, "--format", "json"), 1)
    (check,) = d["checks"]
    assert check["status"] == "wrong"
    return check["slip"] or ""


def test_slip_eps_left_out(run):
    assert slip_of(run, *ARTICLE_STEP, "--expect", "eta=0.201008") == "ε left out"
    assert slip_of(run, *ARTICLE_STEP, "--expect", "dx=-0.0201008") == "ε left out"


def test_slip_power_of_ten(run):
    assert "power-of-ten" in slip_of(run, *ARTICLE_STEP, "--expect", "dx=-0.00201969")
    # The article's own −0.002014: a tenth of the value (it also left ε out).
    assert "1/10 of the value" in slip_of(run, *ARTICLE_STEP, "--expect", "dx=-0.002014")


def test_slip_sign(run):
    assert "sign" in slip_of(run, *ARTICLE_STEP, "--expect", "dx=0.0201969")
    assert "sign" in slip_of(run, "step", "--grad", "0.1", "--x", "1", "--expect", "x=1.00446767")


def test_slip_tensorflow_ordering(run):
    # tensorflow#9058: ρ = 0, ε = 1, g = 1 gives Δx = −0.7071; the ordering bug gave −0.866.
    slip = slip_of(run, "step", "--grad", "1", "--rho", "0", "--eps", "1", "--expect", "dx=-0.866")
    assert "TensorFlow 1.0" in slip and "tensorflow#9058" in slip
    assert run("step", "--grad", "1", "--rho", "0", "--eps", "1", "--expect", "dx=-0.7071").exit_code == 0


def test_slip_previous_eg2(run):
    eta = math.sqrt(9.98004e-7 + 1e-6) / math.sqrt(0.0005 + 1e-6)
    args = ["step", "--grad", "0.2", "--eg2-prev", "0.0005", "--edx2-prev", "9.98004e-7", "--t", "2"]
    assert "E[g²]_{t−1}" in slip_of(run, *args, "--expect", f"eta={eta:.6g}")


def test_slip_forgotten_square_root(run):
    eta = (0.0001 + 1e-6) / (0.002475 + 1e-6)
    assert "square roots forgotten" in slip_of(run, *ARTICLE_STEP, "--expect", f"eta={eta:.6g}")


def test_slip_learning_rate_in_the_accumulator(run):
    # lr = 0.5: E[Δx²]_1 must take the unscaled Δx_1 = −0.0446767·0.1.
    dx = -(math.sqrt(1e-6) / math.sqrt(0.0005000000000000004 + 1e-6)) * 0.1
    wrong = 0.05 * (0.5 * dx) ** 2
    assert "accumulator" in slip_of(run, "step", "--grad", "0.1", "--lr", "0.5", "--expect", f"edx2={wrong:.6g}")


def test_slip_rho_swapped(run):
    assert "swapped" in slip_of(run, "step", "--grad", "0.2", "--eg2-prev", "0.0005", "--expect", "eg2=0.038025")


# --- check -----------------------------------------------------------------------------------------------------

def check(run, *args, code):
    return doc(run("check", *args, "--format", "json"), code)


def test_check_article_worksheet_all_right(run):
    d = check(run, SAMPLES / "article_worksheet.csv", code=0)
    assert (d["summary"]["score"], d["summary"]["out_of"], d["summary"]["unanswered"]) == (3, 3, 0)
    assert [c["written"] for c in d["cells"]] == ["0.0005", "0.002475", "0.00347625"]  # "-": not asked
    assert d["settings"]["rho"] == 0.95


def test_check_student_worksheet(run):
    d = check(run, SAMPLES / "student_worksheet.csv", code=1)
    cells = {(c["t"], c["name"]): c for c in d["cells"]}
    assert cells[(1, "dx")]["status"] == "wrong" and "sign" in cells[(1, "dx")]["slip"]
    assert cells[(1, "dx")]["computed"] == pytest.approx(-0.004467670516087701, rel=1e-15)
    # One early slip does not mark every later cell wrong: x_1 follows from the student's own Δx_1.
    assert cells[(1, "x")]["status"] == "right_given" and cells[(1, "x")]["given"] == ["Δx_1"]
    assert cells[(2, "eg2")]["status"] == "wrong" and "swapped" in cells[(2, "eg2")]["slip"]
    assert cells[(2, "eta")]["status"] == "right_given" and cells[(2, "eta")]["given"] == ["E[g²]_2"]
    assert cells[(3, "eg2")]["status"] == "right_given"
    assert cells[(3, "eta")]["slip"] == "ε left out"
    assert "power-of-ten" in cells[(3, "dx")]["slip"]
    assert d["summary"] == {"right": 9, "right_given": 6, "wrong": 4, "too_few": 0, "unanswered": 2, "given": 0,
                            "score": 9, "out_of": 15, "percent": 60}


def test_check_table_and_summary_line(run):
    result = run("check", SAMPLES / "student_worksheet.csv")
    assert result.exit_code == 1
    assert "Score 9/15 (60%): 9 right (6 of them given your own earlier values), 4 wrong, 2 unanswered" \
        in result.stdout
    assert "E[g²]_2" in result.stdout  # brackets survive Rich


def test_check_settings_from_worksheet_and_overrides(run, tmp_path):
    sheet = tmp_path / "w.csv"
    sheet.write_text("# rho = 0.9\nt,g,eg2\n1,0.1,0.00100\n")
    assert check(run, sheet, code=0)["summary"]["right"] == 1
    assert run("check", sheet, "--rho", "0.95").exit_code == 1


def test_check_rel_tol(run, tmp_path):
    sheet = tmp_path / "w.csv"
    sheet.write_text("g,eta\n0.1,0.0447\n")
    assert run("check", sheet).exit_code == 0
    sheet.write_text("g,eta\n0.1,0.0449\n")
    assert run("check", sheet).exit_code == 1
    assert run("check", sheet, "--rel-tol", "0.01").exit_code == 0


def test_check_multi_parameter(run, tmp_path):
    sheet = tmp_path / "w.csv"
    sheet.write_text("t,param,g,eg2\n1,w,0.1,0.0005\n1,b,0.2,0.002\n2,w,0.2,0.002475\n2,b,0.1,0.0025\n")
    d = check(run, sheet, code=1)
    statuses = {(c["t"], c["param"]): c["status"] for c in d["cells"]}
    assert statuses == {(1, "w"): "right", (1, "b"): "right", (2, "w"): "right", (2, "b"): "wrong"}


def test_an_unreadable_cell_is_one_bad_cell(run, tmp_path):
    # A cell that cannot be read no longer rejects the sheet: it is marked unreadable, with its place, and the rest
    # is marked.
    sheet = tmp_path / "w.csv"
    sheet.write_text("g,eg2,eta\n0.1,abc,0.0447\n")
    d = check(run, sheet, code=1)
    cells = {c["name"]: c for c in d["cells"]}
    assert cells["eg2"]["status"] == "unreadable" and f"{sheet}:2:2:" in cells["eg2"]["rounding"]
    assert "not a number" in cells["eg2"]["rounding"] and cells["eta"]["status"] == "right"
    assert d["summary"]["unreadable"] == 1 and (d["summary"]["score"], d["summary"]["out_of"]) == (1, 2)


@pytest.mark.parametrize("content,message", [
    ("t,eg2\n1,0.0005\n", "no g column"),
    ("g,eg2\nabc,0.0005\n", "not a number"),
    ("", "empty"),
])
def test_check_bad_worksheets(run, tmp_path, content, message):
    sheet = tmp_path / "w.csv"
    sheet.write_text(content)
    result = run("check", sheet)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_check_missing_file(run, tmp_path):
    result = run("check", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_agrees_by_digits():
    assert agrees("0.0005", 0.0005000000000000004)
    assert not agrees("-0.0201", -0.0201969302998739)
    assert agrees("-0.0201", -0.02010075630518424)
    assert agrees("≈0.201", 0.20100756305184242)
    assert agrees("1.0e-3", 0.00104) and not agrees("1.0e-3", 0.00106)


def test_step_json_settings_name_the_state(run):
    d = doc(run(*ARTICLE_STEP, "--x", "0.5", "--format", "json"))
    s = d["settings"]
    assert (s["grad"], s["eg2"], s["edx2_prev"], s["x"], s["t"]) == (0.1, 0.002475, 0.0001, 0.5, 1)
    assert (s["rho"], s["eps"], s["lr"]) == (0.95, 1e-6, 1.0)
    assert len(d["steps"]) == 1 and d["steps"][0]["x"] == pytest.approx(0.5 - 0.0201969302998739, rel=1e-14)


def test_check_takes_the_trace_settings(run, tmp_path):
    sheet = tmp_path / "w.csv"
    sheet.write_text("g,eg2,eta\n0.1,0.00100,0.0316070\n")
    assert run("check", sheet).exit_code == 1  # ρ 0.95 by default
    assert run("check", sheet, "--preset", "pytorch").exit_code == 0  # ρ 0.9
    assert run("check", sheet, "--preset", "pytorch", "--dtype", "float32").exit_code == 0
