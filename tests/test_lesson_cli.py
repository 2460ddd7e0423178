"""adadelta lesson on the command line: the page written whole, its options, its messages, both languages."""

from adadelta_cli import i18n
from adadelta_cli.features import lesson

from .test_lesson import english, report_for, section  # noqa: F401  (english: an autouse fixture)


def test_lesson_writes_the_page(run, tmp_path):
    out = tmp_path / "lesson.html"
    result = run("lesson", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "no input given" in result.stderr and "article's example" in result.stderr
    assert result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="en"' in page
    assert page == lesson.page(report_for())


def test_lesson_needs_an_output(run):
    result = run("lesson", "0.1")
    assert result.exit_code == 2
    assert "--output" in result.stderr and result.stdout == ""


def test_lesson_to_standard_output(run):
    result = run("lesson", "0.1", "0.2", "0.15", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == lesson.page(report_for(["0.1", "0.2", "0.15"]))
    assert "input: g = 0.1, 0.2, 0.15</p>" in result.stdout
    assert result.stderr == ""


def test_lesson_takes_the_trace_settings(run, tmp_path):
    out = tmp_path / "l.html"
    result = run("lesson", "0.1", "-0.2", "--rho", "0.9", "--eps", "1e-4", "--lr", "0.5", "--digits", "4",
                 "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "ρ = 0.9, ε = 0.0001, lr = 0.5" in page
    assert page == lesson.page(report_for(["0.1", "-0.2"], rho=0.9, eps=1e-4, lr=0.5), digits=4)


def test_bad_input_leaves_the_page_untouched(run, tmp_path):
    out = tmp_path / "lesson.html"
    out.write_text("before", encoding="utf-8")
    for args in (["0.1", "zz"], ["--rho", "2"], ["--digits", "0"], ["0.1"] * 2001):
        result = run("lesson", *args, "-o", out)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert out.read_text(encoding="utf-8") == "before"
    result = run("lesson", "0.1", "-o", tmp_path / "missing" / "l.html")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_lesson_refuses_to_overwrite_its_input(run, tmp_path):
    source = tmp_path / "g.csv"
    source.write_text("0.1\n", encoding="utf-8")
    result = run("lesson", source, "-o", source)
    assert result.exit_code == 2 and source.read_text(encoding="utf-8") == "0.1\n"


def test_lesson_in_chinese(run, tmp_path):
    out = tmp_path / "zh.html"
    result = run("lesson", "--lang", "zh", "-o", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert 'lang="zh"' in page
    for words in ("逐步计算", "第 3 步，共 3 步", "隐藏数值", "大字", "打印", "梯度平方的指数加权平均", "文章的例子"):
        assert words in page, words
    i18n.set_language("en")  # the command leaves the language it ran in
    in_english = lesson.page(report_for())
    for words in ("Hide the numbers", "Steps so far", "Large print", "Step 3 of 3"):
        assert words in in_english and words not in page
    # The numbers and the notation are the same in both languages.
    assert section(page, 3) .split("</h2>")[1] == section(in_english, 3).split("</h2>")[1]


