"""Optimizers side by side: `trace --with` and `lesson --with` (Adadelta, or any --optimizer, beside Adagrad, RMSprop,
SGD, momentum, Adam, AdamW on the same gradients), and `lesson --optimizer` for each family member.

The values are held against torch.optim's recorded runs (tests/golden/family/), against each optimizer's own trace
(`trace --optimizer NAME`), and against Adagrad's rate written out by hand; the pages are read as text and in
Chromium; the LaTeX is compiled in English and Chinese."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest

from tests.browser import CHROMIUM, dump_dom
from tests.test_classroom import compile_tex
from tests.test_family_golden import CASES
from tests.test_lesson import section

ARTICLE = ["0.1", "0.2", "0.15"]


@pytest.fixture(autouse=True)
def english():
    from adadelta_cli import i18n

    i18n.set_language("en")


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def dotted(name: str, settings: dict) -> list[str]:
    """A recorded case's settings as --set NAME.SETTING=VALUE items for --with ``name``."""
    out: list[str] = []
    for key, value in settings.items():
        if key == "betas":
            out += ["--set", f"{name}.beta1={value[0]!r}", "--set", f"{name}.beta2={value[1]!r}"]
        else:
            out += ["--set", f"{name}.{key}={str(value).lower() if isinstance(value, bool) else repr(value)}"]
    return out


# --- trace --with ------------------------------------------------------------------------------------------------

def test_adagrads_rate_shrinks_as_written_by_hand(run):
    """Adagrad beside Adadelta on the article's gradients: η_t = lr/(√(Σ g²) + ε), written out here; Adadelta's
    rows are the article's."""
    result = run("trace", *ARTICLE, "--with", "adagrad", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    got = rows(result.stdout)
    assert [r["optimizer"] for r in got] == ["adadelta", "adagrad"] * 3
    total = 0.0
    for t, g in enumerate(map(float, ARTICLE), 1):
        total += g * g
        eta = 0.01 / (math.sqrt(total) + 1e-10)
        adagrad = got[2 * t - 1]
        assert int(adagrad["t"]) == t and float(adagrad["g"]) == g
        assert float(adagrad["eta"]) == pytest.approx(eta, rel=1e-15)
    assert [float(r["eta"]) for r in got[1::2]] == sorted((float(r["eta"]) for r in got[1::2]), reverse=True)
    assert [round(float(r["x"]), 7) for r in got[0::2]] == [-0.0044677, -0.010149, -0.0149499]


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "sgd", "adam", "adamw"])
def test_a_member_beside_adadelta_gives_torchs_numbers(run, tmp_path, name):
    """A recorded torch run (float64) as a --with member, its settings by --set NAME.SETTING=VALUE: every x_t to
    1e-12 relative, every parameter."""
    case = next(c for n, c in CASES if n == name and c["dtype"] == "float64" and len(c["x0"]) > 1)
    path = tmp_path / "g.csv"
    params = [f"p{i}" for i in range(len(case["x0"]))]
    path.write_text(",".join(params) + "\n" + "".join(",".join(repr(g) for g in step) + "\n"
                                                      for step in case["grads"]), encoding="utf-8")
    x0 = ",".join(repr(x) for x in case["x0"])
    result = run("trace", path, "--x0", x0, "--with", name, *dotted(name, case["settings"]), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    mine = [r for r in rows(result.stdout) if r["optimizer"] == name]
    assert len(mine) == len(case["steps"]) * len(params)
    for r in mine:
        theirs = case["steps"][int(r["t"]) - 1]["x"][params.index(r["param"])]
        assert abs(float(r["x"]) - theirs) <= 1e-12 * max(abs(theirs), 1e-300), (r, theirs)


def test_each_one_side_by_side_is_its_own_trace(run):
    """Adam as the --optimizer with --set beta2, RMSprop (centered) and momentum beside it: each one's rows are
    those of its own `trace --optimizer`, bit for bit (η_t null where g_t = 0)."""
    grads = ["0.3", "-0.1", "0", "0.25", "-0.4"]
    result = run("trace", *grads, "--optimizer", "adam", "--set", "beta2=0.99", "--with", "rmsprop,momentum",
                 "--set", "rmsprop.centered=true", "--set", "momentum.lr=0.05", "--x0", "0.5", "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [s["optimizer"] for s in out["settings"]["optimizers"]] == ["adam", "rmsprop", "momentum"]
    assert out["settings"]["optimizers"][0]["beta2"] == 0.99 and out["settings"]["optimizers"][1]["centered"] is True
    together = out["steps"]
    for name, own in (("adam", ["--set", "beta2=0.99"]), ("rmsprop", ["--set", "centered=true"]),
                      ("momentum", ["--lr", "0.05"])):
        alone = json.loads(run("trace", *grads, "--optimizer", name, *own, "--x0", "0.5", "-f", "json").stdout)
        mine = [r for r in together if r["optimizer"] == name]
        assert [(r["t"], r["g"], r["eta"], r["dx"], r["x"]) for r in mine] == [
            (r["t"], r["g"], r["eta"], r["dx"], r["x"]) for r in alone["steps"]]
    # g_3 = 0: η_3 is undefined where the step follows an average (Adam, momentum), RMSprop's lr/d_3 is not.
    at3 = {r["optimizer"]: r for r in together if r["t"] == 3}
    own3 = json.loads(run("trace", *grads, "--optimizer", "rmsprop", "--set", "centered=true", "--x0", "0.5",
                          "-f", "json").stdout)["steps"][2]
    assert at3["adam"]["eta"] is None and at3["momentum"]["eta"] is None
    assert at3["rmsprop"]["eta"] == pytest.approx(0.01 / own3["d"], rel=1e-15)


def test_the_table_side_by_side_then_each_trace_and_a_chart_of_the_rates(run):
    markdown = run("trace", *ARTICLE, "--with", "adagrad,rmsprop", "-f", "markdown").stdout
    assert "| t | g\\_t | η\\_t Adadelta | x\\_t Adadelta | η\\_t Adagrad | x\\_t Adagrad | η\\_t RMSprop | x\\_t " \
           "RMSprop |" in markdown
    assert "| 1 | 0.1 | 0.0446767 | -0.00446767 | 0.1 | -0.01 | 0.999999 | -0.0999999 |" in markdown
    result = run("trace", *ARTICLE, "--with", "adagrad,rmsprop")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert re.search(r"^\s+1\s+0\.1\s+0\.0446767\s+-0\.00446767\s+0\.1\s+-0\.01\s+0\.999999\s+-0\.0999999\s*$",
                     out, re.M)
    # Then each one's own trace, under its name, with its settings and its own quantities.
    assert out.index("\nAdadelta\n") < out.index("\nAdagrad\n") < out.index("\nRMSprop\n")
    assert "Adagrad: lr = 0.01, lr_decay = 0" in out and "G_t" in out and "E[Δx²]_t" in out
    assert "η_t of each optimizer (log scale)" in out
    assert "•• Adadelta" in out and "xx Adagrad" in out and "++ RMSprop" in out


def test_the_eta_chart_is_symmetric_log_where_some_are_negative(run):
    """Momentum's η_t turns negative on noisy gradients: a symmetric log scale (linear within the smallest |η_t|)
    keeps every optimizer's rate apart from 0 instead of flattening the small ones on a linear axis."""
    out = run("trace", "0.3", "-0.2", "0.25", "-0.3", "0.01", "0.02", "--with", "adagrad,momentum").stdout
    title = re.search(r"η_t of each optimizer \(symmetric log scale, linear within ±(\S+)\)", out)
    assert title, out
    import numpy as np

    from adadelta_cli.maths import family

    etas = [family.run(family.SGD, {"momentum": 0.9}, np.array([[0.3], [-0.2], [0.25], [-0.3], [0.01], [0.02]]),
                       np.zeros(1))["eta"][:, 0]]
    assert min(etas[0]) < 0  # (the case: momentum's η_t negative somewhere)
    smallest = min(abs(float(v)) for v in etas[0] if v)  # (momentum's: the smallest |η_t| here)
    assert float(title.group(1)) == pytest.approx(smallest, rel=0.5)
    assert re.search(r"^\s*0┤", out, re.M) and re.search(r"^\s*-\S+┤", out, re.M)  # 0 and a negative tick


def test_explained_side_by_side_in_latex_compiles(run, tmp_path):
    result = run("trace", "0.1", "-0.2", "0", "--with", "adam,adagrad", "--explain", "-f", "latex")
    assert result.exit_code == 0, result.stderr
    tex = result.stdout
    assert tex.count("\\subsection*") >= 3 and "\\hat{m}" in tex and "\\text{---}" in tex
    assert "-{}-lr, -{}-maximize" in tex  # the options as typed, not TeX's dashes
    compile_tex(tex, tmp_path)


def test_print_has_a_chart_of_the_rates(run, tmp_path):
    """In LaTeX a pgfplots chart of each one's η_t: its points are the CSV's, on a log scale where all are > 0."""
    tex = run("trace", "0.5", "0.5", "0.5", "--with", "adagrad", "-f", "latex").stdout
    rows_of = list(csv.DictReader(io.StringIO(run("trace", "0.5", "0.5", "0.5", "--with", "adagrad",
                                                         "-f", "csv").stdout)))
    assert "\\usepackage{pgfplots}" in tex and "ymode=log" in tex
    plots = re.findall(r"coordinates \{([^}]*)\};\n\\addlegendentry\{([^}]*)\}", tex)
    assert [name for _points, name in plots] == ["Adadelta", "Adagrad"]
    for (points, _name), optimizer in zip(plots, ("adadelta", "adagrad")):
        mine = [float(v) for v in re.findall(r"\(\d+,([^)]*)\)", points)]
        assert mine == [float(r["eta"]) for r in rows_of if r["optimizer"] == optimizer]
    assert rows_of
    compile_tex(tex, tmp_path)
    negative = run("trace", "0.3", "0.3", "-0.01", "--with", "adam", "-f", "latex").stdout
    assert "\\begin{axis}" in negative and "ymode=log" not in negative


def test_in_chinese_and_compiled_with_xelatex(run, tmp_path):
    result = run("trace", *ARTICLE, "--with", "rmsprop", "--explain", "-f", "latex", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    assert "对照" in result.stdout and "逐步计算" in result.stdout
    compile_tex(result.stdout, tmp_path)
    table = run("trace", *ARTICLE, "--with", "rmsprop", "--lang", "zh").stdout
    assert "各优化器的 η_t" in table and "按平均值更新时" in table


def test_exported_as_a_web_page(run, tmp_path):
    page = tmp_path / "t.html"
    result = run("trace", *ARTICLE, "--with", "adagrad", "--explain", "--export-html", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert "η_t Adagrad" in text and "lr_decay" in text and "G_3" in text


@pytest.mark.parametrize(("args", "words"), [
    (["--with", "adagrad,nadam"], "--with 'adagrad,nadam': expected a comma-separated list of adagrad, rmsprop"),
    (["--with", "adadelta"], "other than --optimizer adadelta"),
    (["--optimizer", "adam", "--with", "adam"], "other than --optimizer adam"),
    (["--with", ","], "expected a comma-separated list"),
    (["--with", "adagrad", "--set", "adam.lr=0.1"], "--set 'adam.lr=0.1': 'adam' is not among --with adagrad"),
    (["--with", "adagrad", "--set", "adagrad.rho=0.9"],
     "--set 'adagrad.rho=0.9': expected NAME=VALUE with NAME one of lr"),
    (["--with", "adagrad", "--set", "adagrad.lr=-1"], "--set 'adagrad.lr=-1': lr must be >= 0"),
    (["--with", "rmsprop", "--set", "lr=0.1"], "--set 'lr=0.1': name the optimizer it sets, e.g. --set rmsprop.lr"),
    (["--with", "adagrad", "--with", "adagrad"], "--with 'adagrad,adagrad': adagrad named twice"),
    (["--with", "adam", "--nonfinite", "continue"], "--nonfinite continue goes with Adadelta alone"),
    (["--with", "adam", "--dtype", "float16"], "--dtype float16: adam is computed in float64 or float32"),
])
def test_bad_company_is_one_message_and_the_output_is_untouched(run, tmp_path, args, words):
    out = tmp_path / "out.csv"
    out.write_text("kept\n", encoding="utf-8")
    result = run("trace", *ARTICLE, *args, "-o", out)
    assert result.exit_code == 2, result.stdout
    assert words in result.stderr and "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "kept\n"


def test_a_failure_says_whose_it_is(run):
    result = run("trace", "0", "--with", "adagrad", "--set", "adagrad.eps=0")
    assert result.exit_code == 2 and "Adagrad: step 1: x_1 = nan is not a finite number" in result.stderr


def test_lesson_takes_the_same_with(run, tmp_path):
    out = tmp_path / "l.html"
    result = run("lesson", *ARTICLE, "--with", "adagrad,nadam", "-o", out)
    assert result.exit_code == 2 and "nadam" in result.stderr and not out.exists()


# --- lesson --optimizer and --with --------------------------------------------------------------------------------

def test_a_members_lesson_works_each_step_as_its_trace_explains_it(run, tmp_path):
    out = tmp_path / "adam.html"
    result = run("lesson", "0.1", "-0.2", "0.3", "--optimizer", "adam", "--set", "beta1=0.8", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Adam, step by step</title>" in page and "β₁ = 0.8" in page
    explained = run("trace", "0.1", "-0.2", "0.3", "--optimizer", "adam", "--set", "beta1=0.8", "--explain").stdout
    # m_2 = β₁·m_1 + (1 − β₁)·g_2 = 0.8·0.02 + 0.2·(-0.2) = 0.016 + (-0.04) = -0.024, in both.
    assert "= 0.016 + (-0.04) = -0.024" in explained
    step2 = re.sub(r"<[^>]+>", " ", section(page, 2)).replace("−", "-")
    assert re.search(r"0\.016\s+\+\s+\(\s*-0\.04\s*\)\s+=\s+-0\.024", step2)
    legend = page.split('<section id="legend">')[1]
    assert re.findall(r"<li><math><msub>(?:<mover>)?(?:<mrow>)?<mi[^>]*>([^<]*)</mi>", legend) == [
        "m", "v", "m", "v", "d", "x", "Δ", "η"]
    assert legend.count("bias-corrected") == 2  # m̂_t, v̂_t


def test_a_members_exercise_page_holds_no_worked_value(run, tmp_path):
    out = tmp_path / "ex.html"
    result = run("lesson", *ARTICLE, "--optimizer", "adagrad", "--exercise", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Adagrad, step by step: exercise</title>" in page
    for worked in ("0.0447214", "0.269258", "0.0725", "-0.0245151"):  # η_2, d_3, G_3, x_3
        assert worked not in page
    assert '<svg class="chart"' not in page


def test_the_lesson_side_by_side(run, tmp_path):
    out = tmp_path / "with.html"
    result = run("lesson", *ARTICLE, "--with", "adagrad,rmsprop", "--set", "rmsprop.lr=0.001", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Adadelta beside Adagrad, RMSprop, step by step</title>" in page
    assert "RMSprop: lr = 0.001, α = 0.99" in page
    step3 = section(page, 3)
    assert [m for m in re.findall(r'<h4 class="optimizer">([^<]*)</h4>', step3)] == ["Adadelta", "Adagrad", "RMSprop"]
    # The table: t, g, then η and x of each; step 2's row as the CSV has it, to 6 digits.
    values = rows(run("trace", *ARTICLE, "--with", "adagrad,rmsprop", "--set", "rmsprop.lr=0.001",
                      "-f", "csv").stdout)
    row = re.search(r'<tr data-t="2"[^>]*>(.*?)</tr>', page).group(1)
    cells = re.findall(r"<td[^>]*>(?:<span>)?([^<]*)", row)
    assert cells == ["0.2"] + [f"{float(v):.6g}" for r in values[3:6] for v in (r["eta"], r["x"])]
    # The rates on a log scale: every η_t is positive.
    assert "(log scale)" in page and page.count('class="pt s') == 2 * 3 * 3


def test_the_lesson_side_by_side_in_chinese(run, tmp_path):
    out = tmp_path / "zh.html"
    result = run("lesson", *ARTICLE, "--with", "adam", "--lang", "zh", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Adadelta 与 Adam 对照：逐步计算</title>" in page and "(对数坐标)" in page
    assert "Adam：" in page or "Adam:" in page


def test_a_rate_below_zero_keeps_the_linear_scale(run, tmp_path):
    """Adam's η_t = −Δx_t/g_t turns negative when g_t changes sign against the average: no log scale then."""
    out = tmp_path / "neg.html"
    assert run("lesson", "0.3", "0.3", "-0.01", "--with", "adam", "-o", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "log scale" not in page
    assert re.search(r'<line class="zero"', page.split('<text class="title"')[2])  # η's panel: a zero line


def test_hostile_names_beside_are_escaped(run, tmp_path):
    path = tmp_path / "g.csv"
    path.write_text('"<script>alert(1)</script>",w&b\n0.1,0.2\n0.3,-0.1\n', encoding="utf-8")
    out = tmp_path / "h.html"
    result = run("lesson", path, "--optimizer", "rmsprop", "--with", "sgd", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "w&amp;b" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_side_by_side_page_in_a_browser(run, tmp_path):
    out = tmp_path / "b.html"
    assert run("lesson", *ARTICLE, "--with", "adagrad,momentum", "-o", out).exit_code == 0
    dom = dump_dom(out, "step=2")
    shown = re.findall(r'<section class="step" id="step-(\d)" data-t="\d">', dom)
    assert shown == ["2"]  # the other steps hidden
    later = re.findall(r'<tr data-t="(\d)" class="([^"]*)"', dom)
    assert later == [("1", ""), ("2", "now"), ("3", "later")]
    assert len(re.findall(r'<circle class="pt s\d mark now"', dom)) == 2 * 3  # x and η of each optimizer
