"""The command line as its ecosystem's users expect it: standard input when piped, `-` everywhere, one error form
with a tip where there is a clear fix, suggestions for typos, help in panels with examples that run, completion."""

import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

ARTICLE_DX = [-0.004467670516087701, -0.005681367090731249, -0.004800873720760839]


def steps(result):
    return json.loads(result.stdout)["steps"]


# --- Standard input and arguments as people type them --------------------------------------------------------------

def test_piped_standard_input_is_read_when_no_input_is_named(run):
    result = run("trace", "-f", "json", input="0.3\n-0.1\n")
    assert result.exit_code == 0, result.stderr
    assert [s["g"] for s in steps(result)] == [0.3, -0.1]
    assert "article" not in result.stderr


def test_no_input_and_nothing_piped_is_the_article_example(run):
    result = run("trace", "-f", "json")
    assert [s["dx"] for s in steps(result)] == ARTICLE_DX
    assert result.stderr == "adadelta trace: no input given: tracing the article's example g = 0.1, 0.2, 0.15\n"


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipe")
def test_a_real_pipe_and_dev_null():
    exe = [sys.executable, "-m", "adadelta_cli"]
    env = {**os.environ, "ADADELTA_LANG": "en"}
    piped = subprocess.run([*exe, "trace", "-f", "csv"], input=b"0.1\n0.2\n0.15\n", capture_output=True, env=env,
                           timeout=60)
    assert piped.returncode == 0 and piped.stderr == b""
    rows = list(csv.DictReader(io.StringIO(piped.stdout.decode())))
    assert [float(r["dx"]) for r in rows] == ARTICLE_DX
    null = subprocess.run([*exe, "trace", "-f", "csv"], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          timeout=60)
    assert null.returncode == 0 and b"no input given" in null.stderr  # /dev/null is no input: the article's example
    empty = subprocess.run([*exe, "trace"], input=b"", capture_output=True, env=env, timeout=60)
    assert empty.returncode == 2 and empty.stderr.startswith(b"adadelta trace: error: <stdin>: is empty")


def test_check_reads_standard_input_with_a_dash(run):
    sheet = run("worksheet", "--hide", "eg2,dx", "--answers", "0.1", "0.2")
    assert sheet.exit_code == 0
    marked = run("check", "-", "-f", "json", input=sheet.stdout)
    assert marked.exit_code == 0, marked.stderr
    blank = run("worksheet", "--hide", "eg2", "0.1", "0.2")
    unanswered = run("check", "-", input=blank.stdout)
    assert unanswered.exit_code == 1 and "unanswered" in unanswered.stdout


def test_a_comma_list_gets_the_command_to_type(run):
    result = run("trace", "0.1,0.2,0.15", "--digits", "3")
    assert result.exit_code == 2 and result.stdout == ""
    error, tip = result.stderr.splitlines()
    assert error == ("adadelta trace: error: '0.1,0.2,0.15' is neither a number nor a file: the gradients are "
                     "separate arguments")
    assert tip == "adadelta trace: tip: for 3 steps, put spaces between the numbers: adadelta trace 0.1 0.2 0.15 " \
                  "--digits 3"
    typed = run(*shlex.split(tip.split(": ", 3)[-1])[1:], "-f", "json")  # the tip, typed: it runs
    assert typed.exit_code == 0 and len(steps(typed)) == 3


def test_a_decimal_comma_gets_both_readings(run):
    result = run("trace", "0,1")
    assert result.exit_code == 2
    tip = result.stderr.splitlines()[1]
    assert tip == ("adadelta trace: tip: for the number 0.1, write a decimal point: adadelta trace 0.1; for 2 steps, "
                   "put spaces between the numbers: adadelta trace 0 1")


@pytest.mark.parametrize("args, example", [(["step"], "adadelta step --grad 0.1"),
                                           (["diff", "pytorch"], "adadelta diff pytorch keras")])
def test_a_missing_option_or_argument_gets_an_example(run, args, example):
    result = run(*args)
    error, tip = result.stderr.splitlines()
    assert result.exit_code == 2 and ": error: missing " in error
    assert tip.startswith(f"adadelta {args[0]}: tip: for example: {example}")
    typed = run(*shlex.split(tip.split("for example: ", 1)[1])[1:])  # the example, typed: it runs
    assert typed.exit_code == 0, typed.stderr


def test_a_file_named_like_a_list_is_still_a_file(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "0.1,0.2").write_text("0.5\n", encoding="utf-8")
    result = run("trace", "0.1,0.2", "-f", "json")
    assert result.exit_code == 0 and [s["g"] for s in steps(result)] == [0.5]


def test_one_line_of_several_numbers_is_said_in_one_line(run):
    result = run("trace", "-", "-f", "json", input="0.1 0.2 0.15\n")
    assert result.exit_code == 0
    assert [s["param"] for s in steps(result)] == ["x1", "x2", "x3"]
    assert result.stderr.count("\n") == 1
    assert "read as 1 step of 3 parameters" in result.stderr and "for 3 steps put one number a line" in result.stderr
    alone = run("trace", "-", "-f", "json", input="0.1\n0.2\n0.15\n")
    assert alone.stderr == ""


# --- One error form, tips and suggestions --------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["trace", "--digits", "x", "0.1"], ["trace", "/no/such/file.csv"],
                                  ["trace", "--rho", "2", "0.1"], ["step"], ["trace", "--digts", "3", "0.1"]])
def test_every_error_names_the_command(run, args):
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0].startswith("adadelta trace: error: " if args[0] == "trace"
                                                    else "adadelta step: error: ")


@pytest.mark.parametrize("args, tip", [
    (["trace", "--digts", "3", "0.1"], "did you mean --digits?"),
    (["trace", "--presett", "pytorch"], "did you mean --preset"),
    (["step", "--gard", "0.1"], "did you mean --grad"),
    (["trcae", "0.1"], "did you mean 'trace'?"),
])
def test_mistyped_options_and_commands_get_a_suggestion(run, args, tip):
    result = run(*args)
    assert result.exit_code == 2
    error, tip_line = result.stderr.splitlines()
    assert ": error: " in error and "Did you mean" not in error and "Possible options" not in error
    assert tip_line.split(": ", 1)[1].startswith("tip: " + tip), tip_line


def test_tips_and_suggestions_in_chinese(run):
    result = run("trace", "--digts", "3", "0.1", "--lang", "zh")
    assert result.stderr == "adadelta trace: 错误：没有这个选项：--digts\nadadelta trace: 建议：是否想用 --digits？\n"
    result = run("trcae", "--lang", "zh")
    error, tip = result.stderr.splitlines()
    assert "没有这个命令：trcae" in error and tip == "adadelta: 建议：是否想用 'trace'？"
    result = run("diff", "pytorch", "keras", "--lang", "zh")
    assert "两个序列都基于 文章的例子" in result.stdout and "the article" not in result.stdout


# --- Help as people read it ----------------------------------------------------------------------------------------

def commands():
    from adadelta_cli.cli.commands import NAMES

    return NAMES


@pytest.mark.parametrize("command", commands())
def test_help_has_panels_examples_and_a_docs_link(run, command):
    from adadelta_cli.cli.examples import EXAMPLES, docs_url

    out = run(command, "--help").stdout
    assert "\nExamples:\n" in out
    for example in EXAMPLES[command]:
        assert f"\n  {example}\n" in out  # whole, never wrapped
    assert f"Docs: {docs_url(command)}" in out
    if command not in ("diff",):
        assert "\nAdadelta settings:\n" in out
    assert out.index("Options:") < out.index("Examples:")
    assert 2 <= len(EXAMPLES[command]) <= 3


def _section(out: str, heading: str) -> str:
    """The rows of one panel of a help page (from its heading to the next blank line)."""
    start = out.index(f"\n{heading}\n") + len(heading) + 2
    end = out.find("\n\n", start)
    return out[start:end if end >= 0 else len(out)]


# What each command reads, under Input: its gradients (files, standard input, numbers) or what stands for them, and
# how they are read. The command's other options stay under Options, the shared ones under their panels.
INPUTS = {
    "trace": ["INPUT               Gradients as numbers", "--state NAME=VALUE"], "walk": ["INPUT"],
    "lesson": ["INPUT"], "plot": ["INPUT", "--function"],
    "compare": ["INPUT"], "diff": ["INPUT"], "worksheet": ["INPUT", "--steps N", "--seed N"],
    "check": ["FILE_OR_DIR", "--decimal-comma"], "optimize": ["FUNCTION", "--x0"],
    "step": ["--grad", "--eg2-prev", "--eg2 ", "--edx2-prev", "--x ", "--t N"],
}


@pytest.mark.parametrize("command", commands())
def test_help_has_an_input_panel(run, command):
    out = run(command, "--help").stdout
    panel = _section(out, "Input:")
    for row in INPUTS[command]:
        assert f"\n  {row}" in "\n" + panel, (command, row, panel)
    assert out.index("Input:") < out.index("Options:") < out.index("Examples:")
    options = _section(out, "Options:")
    for row in INPUTS[command]:
        assert f"  {row.split()[0]} " not in options, (command, row)  # listed once, under Input
    if command in ("diff",):  # the two sides are settings, not input: under Arguments
        assert _section(out, "Arguments:").startswith("  A  A preset")


def test_the_input_panel_in_chinese(run):
    out = run("check", "--help", "--lang", "zh").stdout
    panel = _section(out, "输入：")
    assert "FILE_OR_DIR" in panel and "--decimal-comma" in panel and "练习表" in panel


def test_help_rows_are_written_alike_on_every_typer():
    """Each row comes from the parameter's public attributes (clitext.help_record): an argument's help is shown,
    the closing note is plain text (older Typer escaped it), ranges are in words, and the usage line brackets what
    is optional."""
    result = subprocess.run([sys.executable, "-m", "adadelta_cli", "check", "--help"], capture_output=True,
                            text=True, env={**os.environ, "COLUMNS": "100"}, cwd=ROOT)
    out = result.stdout
    assert out.startswith("Usage: adadelta check [OPTIONS] FILE_OR_DIR...\n"), out
    assert "FILE_OR_DIR      Worksheets: CSV with a g column" in out and "\\[" not in out
    trace = subprocess.run([sys.executable, "-m", "adadelta_cli", "trace", "--help"], capture_output=True,
                           text=True, env={**os.environ, "COLUMNS": "100"}, cwd=ROOT).stdout
    assert trace.startswith("Usage: adadelta trace [OPTIONS] [INPUT]...\n")
    assert "--digits N  Significant digits shown in tables" in trace and "[default: 6]" in trace
    step = subprocess.run([sys.executable, "-m", "adadelta_cli", "step", "--help"], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "100"}, cwd=ROOT).stdout
    step = " ".join(step.split())
    assert "[default: 1; at least 1]" in step and "x>=1" not in step and "[required]" in step


def test_the_program_help_has_examples_and_the_guide(run):
    from adadelta_cli.cli.examples import DOCS, EXAMPLES

    out = run("--help").stdout
    assert out.index("Commands:") < out.index("Examples:")
    for example in EXAMPLES[""]:
        assert f"\n  {example}\n" in out
    assert f"Docs: {DOCS}guide.md" in out


def test_docs_links_name_pages_that_exist():
    from adadelta_cli.cli.examples import PAGES

    for page in PAGES.values():
        assert (ROOT / "docs" / page.split("#")[0]).is_file(), page


def _run_example(line, run):
    """One example as a shell would run it: `printf ... |` and `adadelta ... |` stages, each adadelta in-process."""
    data = None
    result = None
    for stage in line.split(" | "):
        words = shlex.split(stage)
        if words[0] == "printf":
            data = subprocess.run(["printf", *words[1:]], capture_output=True, text=True, check=True).stdout
            continue
        assert words[0] == "adadelta"
        result = run(*words[1:], input=data)
        data = result.stdout
    return result


@pytest.mark.skipif(shutil.which("printf") is None, reason="printf is not installed")
def test_every_example_in_help_runs(run, tmp_path, monkeypatch):
    from adadelta_cli.cli.examples import EXAMPLES

    monkeypatch.chdir(tmp_path)
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    order = ["worksheet", *[name for name in EXAMPLES if name != "worksheet"]]  # check marks the sheets it wrote
    assert "" in order  # the program's own examples too
    for name in order:
        for line in EXAMPLES[name]:
            result = _run_example(line, run)
            # check, step --expect: 1 when a value is wrong or unanswered
            expected = (0, 1) if name == "check" or "--expect" in line else (0,)
            assert result.exit_code in expected, (line, result.stderr)
            assert "error" not in result.stderr, (line, result.stderr)


# --- Shell completion ----------------------------------------------------------------------------------------------

BIN = os.path.dirname(sys.executable)  # where the console script `adadelta` is installed beside this Python


def installed_script():
    script = shutil.which("adadelta", path=BIN)
    if script is None:
        pytest.skip("the console script adadelta is not installed beside this Python")
    return script


def complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(cword), "_ADADELTA_COMPLETE": "complete_bash"}
    done = subprocess.run([installed_script()], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize("words, cword, expected", [
    ("adadelta tr", 1, ["trace"]),
    ("adadelta trace --preset py", 3, ["pytorch", "pytorch-compile"]),
    ("adadelta trace --preset ker", 3, ["keras", "keras-jax", "keras-tensorflow", "keras2"]),
    ("adadelta trace --format ", 3, ["table", "csv", "json", "markdown", "latex"]),
    ("adadelta step --gr", 2, ["--grad"]),
    ("adadelta diff pytorch ker", 3, ["keras", "keras-jax", "keras-tensorflow", "keras2"]),
    ("adadelta diff mx", 2, ["mxnet"]),
])
def test_completion_of_commands_options_presets_and_formats(words, cword, expected):
    assert complete(words, cword) == expected


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o default -F"), ("zsh", "#compdef adadelta"),
                                           ("fish", "complete --command adadelta"),
                                           ("powershell", "Register-ArgumentCompleter")])
def test_completion_scripts_for_each_shell(shell, marker):
    env = {**os.environ, "_ADADELTA_COMPLETE": f"source_{shell}"}
    done = subprocess.run([installed_script()], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and marker in done.stdout, (shell, done.stdout[:200], done.stderr)


def test_completion_in_a_real_bash():
    """The script bash sources, then bash's own completion function called as Tab calls it."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    installed_script()
    program = """
source <(_ADADELTA_COMPLETE=source_bash adadelta)
COMP_WORDS=(adadelta trace --preset ker); COMP_CWORD=3
_adadelta_completion adadelta
printf '%s\n' "${COMPREPLY[@]}"
"""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", "--norc", "-c", program], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["keras", "keras-jax", "keras-tensorflow", "keras2"]


_TMUX_CALLS: list[str] = []


def _tmux_screen(shell_command: list[str], setup: str, typed: str, expected: str, tmp_path) -> str:
    """``typed`` in a real interactive shell in tmux, then Tab; the screen as the person sees it (once it shows
    ``expected``, or after 30 s)."""
    import time

    # A tmux server of this call's own: a server shared with other tests (or other runs) may be exiting as its
    # last session ends, and a new session started then fails.
    _TMUX_CALLS.append(typed)
    tmux, session = ["tmux", "-L", f"adadelta-{os.getpid()}-{len(_TMUX_CALLS)}"], "completion"
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "ZDOTDIR": str(tmp_path), "TERM": "xterm"}
    started = subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30", *shell_command],
                             env=env, capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        def screen():
            return subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True,
                                  text=True).stdout

        subprocess.run([*tmux, "send-keys", "-t", session, setup, "Enter"], check=True)
        deadline = time.monotonic() + 30
        subprocess.run([*tmux, "send-keys", "-t", session, "echo READY", "Enter"], check=True)
        while "READY\n" not in screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        subprocess.run([*tmux, "send-keys", "-t", session, "clear", "Enter"], check=True)
        time.sleep(0.5)
        subprocess.run([*tmux, "send-keys", "-t", session, typed, "Tab"], check=True)
        found = ""
        while time.monotonic() < deadline:
            time.sleep(0.5)
            found = screen()
            if expected in found:
                break
        return found
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_typed_in_an_interactive_shell(shell, tmp_path):
    """A person's shell: the completion installed as `adadelta --show-completion` prints it, then Tab."""
    if shutil.which("tmux") is None or shutil.which(shell) is None:
        pytest.skip(f"tmux and {shell} are needed")
    installed_script()
    if shell == "bash":
        command, setup = ["bash", "--norc", "--noprofile", "-i"], "source <(_ADADELTA_COMPLETE=source_bash adadelta)"
    else:
        command = ["zsh", "-f", "-i"]
        setup = "autoload -Uz compinit && compinit -u && eval \"$(_ADADELTA_COMPLETE=source_zsh adadelta)\""
    screen = _tmux_screen(command, setup, "adadelta trace --preset pyt", "--preset pytorch", tmp_path)
    assert "adadelta trace --preset pytorch" in screen, screen
    screen = _tmux_screen(command, setup, "adadelta trace --form", "--format", tmp_path)
    assert "adadelta trace --format" in screen, screen
