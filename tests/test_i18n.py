"""中文 and English: every message translated, the notation and machine formats the same in both languages."""

import json
import os
import re
import sys

import pytest
from rich.cells import cell_len

from adadelta_cli import i18n

from .conftest import ROOT, SAMPLES

sys.path.insert(0, str(ROOT / "scripts"))
import extract_messages  # noqa: E402

CATALOG = ROOT / "src" / "adadelta_cli" / "locale" / "zh" / "LC_MESSAGES" / "adadelta.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w*(?:![rs])?\}")  # %(name)s, and Click's {name} / {name!r}


def catalog():
    from babel.messages.pofile import read_po

    with open(CATALOG, "rb") as handle:
        return read_po(handle, locale="zh", domain="adadelta")


def test_every_user_facing_string_has_a_translation():
    found = extract_messages.messages()  # extracted by Babel from every _(), _f() and N_()
    translated = {m.id: m.string for m in catalog() if m.id and not m.fuzzy}
    missing = [f"{msgid!r} ({', '.join(places)})" for msgid, places in found.items() if not translated.get(msgid)]
    assert not missing, "no Chinese translation for:\n" + "\n".join(missing)
    assert len(found) > 150
    for msgid in found:
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(translated[msgid])), msgid


def test_placeholders_are_named():
    """A translator sees what goes where: %(step)s, never %(v0)s or a bare %s."""
    opaque = re.compile(r"%\(v\d+\)|%[sdr]")
    assert not [msgid for msgid in extract_messages.messages() if opaque.search(msgid)]


def test_full_width_punctuation_after_chinese():
    """错误：, never 错误: : after a Chinese character, a colon, comma, semicolon or parenthesis is full-width."""
    half = re.compile(r"[\u4e00-\u9fff][:;,(?!]|[:;,][\u4e00-\u9fff]")
    bad = [m.string for m in catalog() if m.id and half.search(m.string)]
    assert not bad, bad


def test_catalog_compiles_to_gettext():
    import gettext
    import io

    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog())
    translations = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    assert translations.gettext("no such file") == "文件不存在"
    assert translations.gettext("not in the catalog") == "not in the catalog"


def test_importing_decides_nothing():
    """No work at import: a fresh interpreter that imports the package is in English whatever its argv says."""
    import subprocess

    code = "import sys; sys.argv[1:] = ['--lang', 'zh']; from adadelta_cli import cli, i18n; print(i18n.language())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**__import__("os").environ, "ADADELTA_LANG": "en"})
    assert done.stdout.strip() == "en", done.stderr


def test_a_source_tree_without_compiled_catalog(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "adadelta.po").write_bytes(CATALOG.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.set_language("zh")  # compiled in memory by Babel
    assert i18n._("no such file") == "文件不存在" and capsys.readouterr().err == ""
    (folder / "adadelta.mo").write_bytes(b"\xde\x12\x04\x95 damaged")
    i18n.set_language("zh")  # a damaged catalog: English, with one line saying so
    assert i18n._("no such file") == "no such file"
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("adadelta: note: ") and line.endswith("messages stay in English")


def test_trace_in_chinese_keeps_the_notation(run):
    out = run("trace", "0.1", "0.2", "0.15", "--lang", "zh", "--explain").stdout
    assert "Adadelta 超参数：ρ = 0.95" in out
    assert "第 2 步" in out and "梯度平方的指数加权平均" in out and "参数更新" in out and "学习率" in out
    assert "E[g²]_t" in out and "η_t" in out and "Δx_t" in out  # notation stays
    assert "E[g²]_2 = ρ·E[g²]_1 + (1 - ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475" in out


def test_machine_formats_do_not_change_with_the_language(run):
    for fmt in ("csv", "json"):
        en = run("trace", "0.1", "-0.2", "--format", fmt).stdout
        zh = run("trace", "0.1", "-0.2", "--format", fmt, "--lang", "zh").stdout
        assert en == zh
    assert list(json.loads(en)["steps"][0]) == ["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"]


def test_check_in_chinese(run):
    result = run("check", SAMPLES / "student_worksheet.csv", "--lang", "zh")
    assert result.exit_code == 1
    assert "✗ 错误" in result.stdout and "漏掉了 ε" in result.stdout and "依据你的 Δx_1" in result.stdout
    assert "9 个正确（其中 6 个依据你前面的数值），4 个错误，2 个未作答" in result.stdout


def test_errors_and_warnings_in_chinese(run, tmp_path):
    result = run("trace", tmp_path / "missing.csv", "--lang", "zh")
    assert result.exit_code == 2 and "错误：" in result.stderr and "文件不存在" in result.stderr
    result = run("trace", "0.1", "--eps", "0", "--lang", "zh")
    assert result.exit_code == 0 and "警告" in result.stderr


def test_language_choice(run, monkeypatch):
    monkeypatch.setenv("ADADELTA_LANG", "zh")
    assert "第 1 步" in run("trace", "0.1", "--explain").stdout
    assert "Step 1" in run("trace", "0.1", "--explain", "--lang", "en").stdout  # --lang wins over the environment
    monkeypatch.delenv("ADADELTA_LANG")
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.language_from_environment() == "zh"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.language_from_environment() == "en"
    monkeypatch.setenv("ADADELTA_LANG", "en")
    result = run("trace", "0.1", "--lang", "fr")
    assert result.exit_code == 2 and "--lang" in result.stderr


def test_wide_characters_line_up(run, tmp_path):
    sheet = tmp_path / "g.csv"
    sheet.write_text("权重,偏置项\n0.1,-0.2\n0.2,0.05\n", encoding="utf-8")
    out = run("worksheet", sheet, "--answers", "--format", "table", "--lang", "zh").stdout
    rows = [line for line in out.splitlines() if "│" in line]
    assert len(rows) >= 5 and any("权重" in r for r in rows) and any("偏置项" in r for r in rows)

    def bars(line):
        return [cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│"]

    assert len({tuple(bars(r)) for r in rows}) == 1, "\n".join(rows)
    table = run("trace", sheet, "--lang", "zh").stdout.splitlines()
    body = [line for line in table if line.strip()[:1].isdigit()]
    assert len({cell_len(line.rstrip()) for line in body}) == 1  # every row ends in the same column


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.set_language("en")


def test_no_function_hides_the_translation_function():
    """`_` is gettext's: a function that also assigns `_` (as a throwaway name) would break its own messages."""
    import ast

    offenders = []
    for path in sorted((ROOT / "src" / "adadelta_cli").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                    in_comprehension = any(isinstance(c, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp))
                                           and node in ast.walk(c) for c in ast.walk(func))
                    if not in_comprehension:
                        offenders.append(f"{path.name}:{node.lineno} in {func.name}")
    assert not offenders


# --- The command line's own words: Click's and Typer's texts, usage errors, the help ------------------------------

CLICK_ENGLISH = ("Usage:", "Options", "Arguments", "Commands", "Show this message", "default:", "required", "Missing",
                 "Invalid value", "Error", "No such", "Try '", "see '")
INTERNAL_NOTATION = re.compile(r"\[x[<>]=|<=x|<(?:list\[|float>|int>|str>|bool>|path>)|\{[A-Z]+\}|\[\[")


def commands():
    from adadelta_cli.cli.commands import NAMES

    return NAMES


@pytest.mark.parametrize("where", ["after", "before"])
def test_help_in_chinese_has_no_english_of_click(run, where):
    for command in [None, *commands()]:
        args = [command] if command else []
        args = ["--lang", "zh", *args, "--help"] if where == "before" else [*args, "--help", "--lang", "zh"]
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr)
        out = result.stdout
        assert out.startswith("用法：adadelta"), out[:40]
        assert "选项：" in out and "显示此帮助并退出。" in out
        assert not [word for word in CLICK_ENGLISH if word in out], (command, out)
        assert not INTERNAL_NOTATION.search(out), (command, INTERNAL_NOTATION.search(out))


def test_help_in_english_has_no_internal_notation(run):
    for command in commands():
        out = run(command, "--help").stdout
        assert out.startswith("Usage: adadelta") and "Show this message and exit." in out
        assert not INTERNAL_NOTATION.search(out), (command, INTERNAL_NOTATION.search(out))
    out = " ".join(run("optimize", "--help").stdout.split())
    assert "--steps N Number of steps. [default: 100; from 1 to 10000000]" in out  # a range said in words


def test_help_ranges_and_defaults_in_chinese(run):
    out = " ".join(run("optimize", "--help", "--lang", "zh").stdout.split())
    assert "[默认：100；从 1 到 10000000]" in out
    assert "[必填]" in out


@pytest.mark.parametrize("args, english, chinese", [
    (["step"], "missing option '--grad'", "缺少选项 '--grad'"),
    (["trace", "--digits", "x", "0.1"], "invalid value for '--digits': expected a whole number",
     "'--digits' 的值无效：应为整数"),
    (["optimize", "quadratic", "--x0", "1", "--steps", "0"], "invalid value for '--steps': must be at least 1",
     "'--steps' 的值无效：至少应为 1"),
    (["trace", "-f", "xx", "0.1"], "invalid value for '--format' / '-f': 'xx' is not one of",
     "'--format' / '-f' 的值无效：'xx' 不是 "),
    (["nope"], "no such command", "没有这个命令"),
])
def test_usage_errors_in_both_languages(run, args, english, chinese):
    en = run(*args)
    assert en.exit_code == 2 and en.stdout == ""
    line, *tips = en.stderr.splitlines()  # where there is a clear fix, a tip line follows
    assert len(tips) <= 1 and all(": tip: " in tip for tip in tips)
    assert ": error: " in line and english in line and "Value error" not in line and "Input should" not in line
    zh = run(*args, "--lang", "zh")
    assert zh.exit_code == 2 and zh.stdout == ""
    line, *tips = zh.stderr.splitlines()
    assert len(tips) <= 1 and all(": 建议：" in tip for tip in tips)
    assert ": 错误：" in line and chinese in line and line.endswith(f"（参见 '{line.split(':')[0]} --help'）")
    assert not re.search(r"[A-Z][a-z]+ [a-z]+", line.split("：", 1)[1].replace("'--", "")), line  # no English words


def test_chinese_help_fits_the_terminal_and_breaks_between_characters(run):
    from rich.cells import cell_len

    from adadelta_cli.cli.clitext import wrap_cells

    for command in commands():
        out = run(command, "--help", "--lang", "zh").stdout
        lines = out.splitlines()
        assert max(cell_len(line) for line in lines) <= 120, command  # the tests' terminal is 120 columns wide
        assert not [line for line in lines if line.strip()[:1] in set("，。、；：）]")], command
    assert wrap_cells("从同一起点运行的其他优化器：adagrad、rmsprop、sgd、momentum、adam。", 30) == [
        "从同一起点运行的其他优化器：", "adagrad、rmsprop、sgd、", "momentum、adam。"]
    assert wrap_cells("一个值（或每个参数一个值）。 [默认：0]", 30) == ["一个值（或每个参数一个值）。", "[默认：0]"]


def test_lang_without_a_value(run):
    result = run("trace", "0.1", "--lang")
    assert result.exit_code == 2 and result.stderr == "adadelta: error: --lang needs a value: en or zh\n"


@pytest.mark.parametrize("value, heading", [("en_US", "Adadelta: ρ"), ("en_GB.UTF-8", "Adadelta: ρ"),
                                            ("zh_CN.UTF-8", "Adadelta 超参数"), ("fr", "Adadelta: ρ")])
def test_adadelta_lang_in_locale_style_never_stops_a_command(value, heading):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "adadelta_cli", "trace", "0.1"], capture_output=True, text=True,
                          env={**os.environ, "ADADELTA_LANG": value}, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(heading)
    assert ("English is used" in done.stderr) == (value == "fr")


def test_the_chinese_guide_has_its_glossary():
    guide = (ROOT / "docs" / "zh.md").read_text(encoding="utf-8")
    for term in ("梯度平方的指数加权平均", "二阶矩", "不是二阶导数", "1/(1−ρ)", "ln 0.5 / ln ρ", "13.5"):
        assert term in guide, term
