"""Hostile input, safe output: output paths behave like the shell's `>`, nothing from the data reaches a terminal or a
document raw, every bad case ends in one line and exit 2, resources are bounded, nothing is silently misread."""

import csv
import errno
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adadelta_cli import messages, outfiles, safe, terminal

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "adadelta_cli"]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # raw control characters (newline and tab aside)


def one_error_line(result, *fragments):
    """Exit 2, one line on stderr holding every fragment, no traceback; returns the line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def shell(*args, input=None, env=None, **kwargs):
    """The console script in a subprocess (for closed streams, signals, encodings, devices)."""
    full_env = {**os.environ, "ADADELTA_LANG": "en", **(env or {})}
    return subprocess.run([*CLI, *map(str, args)], input=input, capture_output=True, env=full_env, timeout=120,
                          **kwargs)


# --- 1. Output paths as the shell's `>` -------------------------------------------------------------------------

def test_new_and_regular_files_are_replaced_whole_keeping_their_mode(run, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    assert run("trace", "0.1", "-f", "csv", "-o", target).exit_code == 0
    assert target.read_text().startswith("t,param,g,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_a_symlink_is_followed_and_stays_a_link(run, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert run("trace", "0.1", "-f", "csv", "-o", link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("t,param,g,")


def test_a_dangling_symlink_creates_its_target(run, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "new.csv")
    assert run("trace", "0.1", "-f", "csv", "-o", link).exit_code == 0
    assert link.is_symlink() and (tmp_path / "new.csv").read_text().startswith("t,param,g,")


def test_a_symlink_loop_is_one_line(run, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    one_error_line(run("trace", "0.1", "-o", a), "loop of symbolic links")


def _char_device(path: Path, minor: int) -> bool:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        return True
    except (PermissionError, OSError):
        return False


def test_a_character_device_is_written_through_never_replaced(run, tmp_path):
    null = tmp_path / "null"
    if not _char_device(null, 3):
        pytest.skip("cannot make a device node here")
    assert run("trace", "0.1", "-o", null).exit_code == 0
    assert stat.S_ISCHR(null.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_a_full_device_is_one_line_and_no_temp_file(run, tmp_path):
    full = tmp_path / "full"
    if not _char_device(full, 7):
        pytest.skip("cannot make a device node here")
    one_error_line(run("trace", "0.1", "-o", full), "the disk is full")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_dev_null_works_and_stays_a_device(run):
    assert run("trace", "0.1", "-f", "csv", "-o", "/dev/null").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    process = subprocess.Popen([*CLI, "trace", "0.1", "-f", "csv", "-o", str(fifo)], stderr=subprocess.PIPE)
    with open(fifo) as reader:
        text = reader.read()
    assert process.wait(timeout=60) == 0, process.stderr.read()
    assert text.startswith("t,param,g,") and stat.S_ISFIFO(fifo.stat().st_mode)


def test_dash_is_standard_output(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("trace", "0.1", "-f", "csv", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("t,param,g,")
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("args", [
    ["trace", "0.1", "-o", "X", "--export-html", "X"],
    ["trace", "0.1", "-o", "X", "--export-svg", "./X"],
    ["trace", "0.1", "--export-svg", "X", "--export-html", "L"],
    ["optimize", "rosenbrock", "--x0", "1,2", "-o", "X", "--plot", "X"],
])
def test_two_outputs_at_one_file_are_refused(run, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "X").write_text("old\n")
    (tmp_path / "L").symlink_to(tmp_path / "X")
    one_error_line(run(*args), "two outputs")
    assert (tmp_path / "X").read_text() == "old\n"


def test_a_250_character_name_gets_its_temporary_file(run, tmp_path):
    target = tmp_path / ("a" * 250)
    assert run("trace", "0.1", "-f", "csv", "-o", target).exit_code == 0
    assert target.read_text().startswith("t,param,g,")


def test_a_full_disk_leaves_the_old_file_and_no_temp_file(run, tmp_path, monkeypatch):
    """ENOSPC half-way through the write (the temporary file is /dev/full): one line, old file untouched."""
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    temp = tmp_path / ".adadelta-fake.tmp"
    real_mkstemp = outfiles.tempfile.mkstemp

    def full_mkstemp(*args, **kwargs):
        temp.write_text("")
        return os.open("/dev/full", os.O_WRONLY), str(temp)

    monkeypatch.setattr(outfiles.tempfile, "mkstemp", full_mkstemp)
    one_error_line(run("trace", *["0.1"] * 50, "-f", "csv", "-o", target), "the disk is full", str(target))
    monkeypatch.setattr(outfiles.tempfile, "mkstemp", real_mkstemp)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs, where the machine lets us mount one (root in a container usually can)."""
    where = tmp_path / "disk"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_really_full_disk(run, small_disk, tmp_path):
    many = tmp_path / "many.txt"
    many.write_text("0.1\n" * 20_000)
    target = small_disk / "out.csv"
    target.write_text("old\n")
    one_error_line(run("trace", many, "-f", "csv", "-o", target), "the disk is full")
    assert target.read_text() == "old\n"
    assert [p.name for p in small_disk.iterdir()] == ["out.csv"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to run as another user")
def test_ordinary_user_dev_null_and_read_only_folder(tmp_path):
    """As an ordinary user: -o /dev/null writes through; a folder one may not write is one line."""
    tmp_path.chmod(0o755)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o755)
    try:
        ok = shell("trace", "0.1", "-o", "/dev/null", user="nobody", cwd="/")
    except (PermissionError, OSError):
        pytest.skip("cannot run as nobody here")
    if b"Permission denied" in ok.stderr and b"python" in ok.stderr.lower():
        pytest.skip("the interpreter is not readable by nobody")
    assert ok.returncode == 0, ok.stderr
    refused = shell("trace", "0.1", "-o", locked / "out.txt", user="nobody", cwd="/")
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr
    assert b"permission denied" in refused.stderr and len(refused.stderr.splitlines()) == 1


def test_sigterm_during_a_large_write_leaves_no_temp_file(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("0.1\n0.2\n0.15\n" * 200_000)
    out = tmp_path / "out" / "trace.json"
    out.parent.mkdir()
    process = subprocess.Popen([*CLI, "trace", str(big), "-f", "json", "-o", str(out)], stderr=subprocess.PIPE,
                               env={**os.environ, "ADADELTA_LANG": "en"})
    deadline = time.monotonic() + 60
    while not any(out.parent.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    assert "Traceback" not in stderr
    leftovers = [p.name for p in out.parent.iterdir()]
    assert leftovers in ([], ["trace.json"]), (leftovers, code, stderr)  # killed before the rename, or finished first
    assert code in (0, 128 + signal.SIGTERM)


# --- 2. Nothing from the data raw -------------------------------------------------------------------------------

def test_safe_escapes_each_format():
    hostile = "a\x1b]2;PWNED\x1b\\|<script>`*_$\\{}%&#^~\u202e\ud800"
    shown = safe.terminal(hostile)
    assert not CONTROL.search(shown) and "\u202e" not in shown and "\ud800" not in shown
    shown.encode("utf-8")  # a lone surrogate never reaches an encoder
    md = safe.markdown(hostile)
    assert "<script>" not in md and "&lt;script&gt;" in md and "\\|" in md and "\\`" in md and "\\*" in md
    tex = safe.latex("50% of $x_1$ & {y} #2 ^ ~ \\cmd")
    assert tex == (r"50\% of \$x\_1\$ \& \{y\} \#2 \textasciicircum{} \textasciitilde{} "
                   r"\textbackslash{}cmd")
    assert next(csv.reader([safe.csv_cell('a,"b"\nc')])) == ['a,"b"\\nc']
    assert safe.plot_label(r"$\foo$") == r"\$\foo\$"
    assert safe.xml("<a href='x'>") == "&lt;a href=&#x27;x&#x27;&gt;"


@pytest.mark.parametrize("header", ["\x1b]2;PWNED\x1b\\", "\x1b[2J\x1b[H", "a\u202eb", "tab\there"])
def test_control_characters_in_names_are_refused_with_the_place(run, tmp_path, header):
    data = tmp_path / "g.csv"
    data.write_text(f"ok,{header}\n0.1,0.2\n", encoding="utf-8")
    line = one_error_line(run("trace", data), "control character", f"{data}:1:2")
    assert not CONTROL.search(line)


def test_a_lone_surrogate_json_key_is_refused(run, tmp_path):
    data = tmp_path / "g.json"
    data.write_text('{"\\ud800": [0.1]}')
    one_error_line(run("trace", data), "control character")


def test_messages_never_carry_raw_control_characters(capsys):
    messages.error("bad \x1b[2J name\nsecond line")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and not CONTROL.search(err) and "\\x1b[2J" in err


def test_markdown_names_stay_text_and_in_their_cells(run, tmp_path):
    data = tmp_path / "g.csv"
    data.write_text('"p|q","<img src=x onerror=alert(1)>"\n0.1,0.2\n')
    result = run("trace", data, "-f", "markdown")
    assert result.exit_code == 0, result.stderr
    assert "<img" not in result.stdout and "&lt;img" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 1 ")]
    heading = next(line for line in result.stdout.splitlines() if line.startswith("| t "))
    assert len(rows) == 2
    for row in rows:  # every row has as many cells as the heading: no name shifts the numbers
        assert len(re.split(r"(?<!\\)\|", row)) == len(re.split(r"(?<!\\)\|", heading)) == 10


def test_latex_names_never_become_commands(run, tmp_path):
    data = tmp_path / "g.csv"
    data.write_text("a_b,p50%\\input{x}\n0.1,0.2\n")
    result = run("trace", data, "-f", "latex")
    assert result.exit_code == 0, result.stderr
    assert "\\input{x}" not in result.stdout and r"\textbackslash{}input\{x\}" in result.stdout
    assert r"a\_b" in result.stdout and r"p50\%" in result.stdout


def test_formula_comments_and_control_characters_are_refused(run):
    one_error_line(run("optimize", "x^2 # \x1b]2;PWNED\x07", "--x0", "1"), "control character or a #")


# --- 3. Every listed case: one line and exit 2, or works -----------------------------------------------------------

def _files(tmp_path):
    (tmp_path / "dollar.csv").write_text("$\\foo$\n0.1\n0.2\n")
    (tmp_path / "digits.json").write_text("[" + "9" * 5000 + "]")
    (tmp_path / "tiny.csv").write_text("t,g,eg2\n1,1e-999999999,0.0005\n")  # a written cell: unreadable


LISTED = [  # (argv, what the one line says) -- the list of tracebacks
    (["optimize", "sin + x", "--x0", "1,2"], "without an argument"),
    (["optimize", "+".join(["x"] * 999), "--x0", "1", "--steps", "2"], None),
    (["optimize", "-" * 1990 + "x", "--x0", "1", "--steps", "2"], None),
    (["trace", "digits.json"], "too large for a double"),
    (["check", "tiny.csv"], "too small for a double"),
    (["step", "--grad", "0.1", "--expect", "eta=1e-999999999"], "too small for a double"),
    (["compare", "0.1", "0.2", "--set", "adam.beta1=1"], "adam.beta1 must be in [0, 1)"),
    (["compare", "0.1", "0.2", "--set", "adagrad.lr_decay=-1"], "adagrad.lr_decay must be >= 0"),
    (["worksheet", "--steps", "3", "--seed", "-1"], "--seed"),
    (["worksheet", "--steps", "99999999999"], "--steps"),
    (["trace", "/dev/zero"], "binary data"),
    (["optimize", "quadratic", "--x0", ",".join(["1"] * 20), "--steps", "10000000"], "the limit is"),
]


@pytest.mark.parametrize("argv, fragment", LISTED, ids=lambda v: " ".join(v)[:40] if isinstance(v, list) else None)
def test_listed_cases(run, tmp_path, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    _files(tmp_path)
    result = run(*argv)
    if fragment is None:
        assert result.exit_code == 0, result.stderr
    else:
        one_error_line(result, fragment)


def test_mathtext_header_plots_literally(run, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    _files(tmp_path)
    result = run("plot", "dollar.csv", "-o", "x.png")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("argv, stdin, stdout", [
    (["trace", "0.1", "--format", "csv"], None, "closed"),
    (["trace", "-"], "closed", None),
    (["walk", "0.1"], "closed", None),
])
def test_closed_standard_streams(argv, stdin, stdout):
    kwargs = {}
    if stdin == "closed":
        kwargs["stdin"] = subprocess.DEVNULL
        pre = "exec 0<&-; "
    else:
        pre = ""
    if stdout == "closed":
        pre += "exec 1>&-; "
    command = pre + " ".join([sys.executable, "-m", "adadelta_cli", *argv])
    result = subprocess.run(["bash", "-c", command], capture_output=stdout != "closed", timeout=60,
                            stderr=subprocess.PIPE if stdout == "closed" else None,
                            env={**os.environ, "ADADELTA_LANG": "en"})
    assert b"Traceback" not in result.stderr
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_ascii_only_output_encoding():
    result = shell("trace", "0.1", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr and b"0.0446767" in result.stdout


# --- 4. Bounded resources ---------------------------------------------------------------------------------------

def test_an_80000_name_header_is_read(run, tmp_path):
    names = [f"p{i}" for i in range(80_000)]
    data = tmp_path / "wide.csv"
    data.write_text(",".join(names) + "\n" + ",".join(["0.1"] * len(names)) + "\n")
    result = run("trace", data, "-f", "csv", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.stderr
    with open(tmp_path / "out.csv") as handle:
        assert sum(1 for _ in handle) == 80_001


def test_a_row_wider_than_the_limit_is_refused(run, tmp_path, monkeypatch):
    from adadelta_cli.formats import blocks

    monkeypatch.setattr(blocks, "MAX_ROW_BYTES", 1 << 16)
    monkeypatch.setattr(blocks, "CHUNK_BYTES", 1 << 14)
    data = tmp_path / "row.txt"
    data.write_text("0.1,0.2\n" + "0.1," * 40_000 + "0.1\n")
    one_error_line(run("trace", data, "-f", "csv"), "the limit for one row")


def test_a_first_row_longer_than_a_block_is_one_step(run, tmp_path, monkeypatch):
    """A row longer than a read block is one step, never split into several."""
    from adadelta_cli.formats import blocks

    monkeypatch.setattr(blocks, "CHUNK_BYTES", 1 << 12)
    monkeypatch.setattr(blocks, "WHOLE_BYTES", 1 << 10)
    data = tmp_path / "row.txt"
    width = 3000
    data.write_text(",".join(["0.1"] * width) + "\n" + ",".join(["0.2"] * width) + "\n")
    result = run("trace", data, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 * width and {r["t"] for r in rows} == {"1", "2"}


def test_optimize_in_many_dimensions_stays_small(run):
    """20,000 dimensions: the gradient is taken by reverse mode, one number per dimension."""
    formula = "x1^2 + 3*x20000^2"
    result = run("optimize", formula, "--x0", ",".join(["1"] * 20_000), "--steps", "2", "-f", "json")
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    first = {s["param"]: s for s in steps if s["t"] == 1}
    assert first["x1"]["g"] == 2.0 and first["x20000"]["g"] == 6.0 and first["x2"]["g"] == 0.0


def test_tape_gradient_matches_finite_differences():
    from adadelta_cli.maths import expr

    f = expr.parse("sin(x)*exp(y) + x^3/y - sqrt(abs(x*y)) + tanh(x - y)^2 + log(1 + x^2)")
    point = [0.7, -1.3]
    value, grad = f.value_and_grad(point)
    for i in range(2):
        h = 1e-6
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        assert grad[i] == pytest.approx((f.value(up) - f.value(down)) / (2 * h), rel=1e-6)
    assert value == pytest.approx(f.value(point), rel=0, abs=0)


# --- 5. No silent misreading ------------------------------------------------------------------------------------

def test_decimal_commas_are_refused_with_the_fix(run, tmp_path):
    data = tmp_path / "comma.txt"
    data.write_text("0,1\n0,2\n0,15\n")
    one_error_line(run("trace", data), "decimal commas", "0.1")
    data.write_text("0,1;0,2\n")
    one_error_line(run("trace", data), "decimal comma", "0.1")


def test_two_integer_columns_stay_two_parameters(run, tmp_path):
    data = tmp_path / "ints.csv"
    data.write_text("1,2\n3,4\n")
    result = run("trace", data, "-f", "csv")
    assert result.exit_code == 0 and {r["param"] for r in csv.DictReader(io.StringIO(result.stdout))} == {"x1", "x2"}


@pytest.mark.parametrize("text, params", [
    ("g,x\n0.1,0.2\n0.2,0.1\n", {"g", "x"}),
    ("T,a\n0.1,0.2\n0.2,0.1\n", {"T", "a"}),
    ("step,a\n1,0.2\n2,0.1\n", {"a"}),
    ("t,param,g,eg2\n1,x,0.1,0.0005\n", {"x"}),
])
def test_names_that_collide_with_the_tools_columns(run, tmp_path, text, params):
    data = tmp_path / "g.csv"
    data.write_text(text)
    result = run("trace", data, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert {r["param"] for r in csv.DictReader(io.StringIO(result.stdout))} == params


@pytest.mark.parametrize("where", ["file", "json", "option"])
def test_underflow_is_refused_like_overflow(run, tmp_path, where):
    data = tmp_path / ("g.json" if where == "json" else "g.txt")
    data.write_text("[0.1, 1e-400]" if where == "json" else "0.1\n1e-400\n")
    args = ["trace", "0.1", "--x0", "1e-400"] if where == "option" else ["trace", data]
    one_error_line(run(*args), "too small for a double")
    assert run("trace", "1e-310").exit_code == 0  # a subnormal is a double


def test_grad_takes_one_number(run):
    one_error_line(run("step", "--grad", "0.1,0.2"), "--grad takes one number")


def test_a_commented_header_is_taken_with_a_note(run, tmp_path):
    data = tmp_path / "g.csv"
    data.write_text("# a,b\n0.1,0.2\n")
    result = run("trace", data, "-f", "csv")
    assert result.exit_code == 0
    assert {r["param"] for r in csv.DictReader(io.StringIO(result.stdout))} == {"a", "b"}
    assert "taken as the header" in result.stderr


def test_an_unclosed_quote_is_an_error(run, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text('t,g,eg2\n1,0.1,"0.0005\n')
    one_error_line(run("check", sheet), "not closed", f"{sheet}:2")
    one_error_line(run("trace", sheet), "not closed")


@pytest.mark.parametrize("args, option", [
    (["step", "--grad", "0.1", "--eg2", "-1"], "--eg2"),
    (["step", "--grad", "0.1", "--edx2-prev", "-1"], "--edx2-prev"),
    (["step", "--grad", "0.1", "--eg2-prev", "-1"], "--eg2-prev"),
    (["trace", "0.1", "--eg2-init", "-1"], "--eg2-init"),
])
def test_negative_running_averages_are_named(run, args, option):
    one_error_line(run(*args), option, "cannot be negative")


# --- 7. Narrow terminals ----------------------------------------------------------------------------------------

def test_a_table_on_a_40_column_terminal_keeps_every_number():
    from rich.console import Console

    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import tracing
    from adadelta_cli.formats import render, writers
    from adadelta_cli.formats.readers import read_input

    report = tracing.compute(read_input(["0.1", "0.2", "0.15"]), resolve())
    buffer = io.StringIO()
    console = Console(file=buffer, width=40, force_terminal=True, color_system=None, highlight=False)
    terminal.print_fitted(writers.table(render.document(report)), console)
    text = buffer.getvalue()
    assert all(len(line) <= 40 for line in text.splitlines()), text
    for number in ("9.98004e-7", "-0.00446767", "0.0446767", "3.58632e-6", "-0.0149499"):
        assert number in text
    assert "parts" in text  # the note says the table is split


# --- Hypothesis over whole command lines ------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HOSTILE_VALUES = ["0", "-1", "3", "0.5", "0.1", "1e309", "1e-400", "nan", "-inf", "", " ", "-", "0,1", "1,2",
                  "a,b", "\x1b[2J", "\x1b]2;PWNED\x07", "a\u202eb", "$\\foo$", "<script>", "p|q", "x^2 + y", "sin",
                  "adam.beta1=1", "adagrad.lr=-1", "eta=1e-999999999", "99999999999", "/dev/zero", "%s%(x)s",
                  "{}", "🙂", "--", "-o", "table", "csv", "json", "markdown", "latex", "eg2,eta"]
SLOW_OR_FILE_OPTIONS = {"--plot", "--animate", "--export-svg", "--export-html", "--output", "--gradebook"}


def _commands():
    import typer

    from adadelta_cli.cli.app import app

    group = typer.main.get_command(app)
    out = {}
    for name, command in group.commands.items():
        if name == "lesson":
            continue
        options = [(p.opts[0], bool(getattr(p, "is_flag", False))) for p in command.params
                   if p.opts and p.opts[0].startswith("-") and p.opts[0] not in SLOW_OR_FILE_OPTIONS]
        out[name] = options
    return out


COMMANDS = _commands()


@st.composite
def command_lines(draw):
    name = draw(st.sampled_from(sorted(COMMANDS)))
    argv = [name]
    for _ in range(draw(st.integers(0, 3))):
        argv.append(draw(st.sampled_from(HOSTILE_VALUES)))
    for option, flag in draw(st.lists(st.sampled_from(COMMANDS[name]), max_size=4, unique=True)):
        argv.append(option)
        if not flag:
            argv.append(draw(st.sampled_from(HOSTILE_VALUES)))
    if name != "plot" and draw(st.booleans()):
        argv += ["-o", draw(st.sampled_from(["-", "out.txt", "sub/out.txt"]))]
    return argv


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(argv=command_lines())
def test_any_command_line_ends_cleanly(run, tmp_path, monkeypatch, argv):
    """Whatever the command line: exit 0, 1 or 2, no traceback, no raw control character in anything written."""
    monkeypatch.chdir(tmp_path)
    if "--steps" in argv and "optimize" in argv[:1]:
        argv = [("3" if a == "99999999999" else a) for a in argv]
    result = run(*argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exception)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, argv
    assert not CONTROL.search(result.stdout), (argv, result.stdout[:300])
    assert not CONTROL.search(result.stderr), (argv, result.stderr)
    if result.exit_code == 2 and argv[0] != "check":  # check says one line for each sheet it could not read
        errors = [line for line in result.stderr.splitlines() if "error" in line]
        assert len(errors) == 1, (argv, result.stderr)  # (a note such as "no input given" may come before it)


def test_a_folder_that_refuses_a_temporary_file(run, tmp_path, monkeypatch):
    """As an ordinary user in a folder one may not write: a new file is one line; an existing writable file in it is
    written through (as the shell's > would); a device never asks for a temporary file at all."""
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(outfiles.tempfile, "mkstemp", refuse)
    one_error_line(run("trace", "0.1", "-o", tmp_path / "new.txt"), "permission denied", "left as it was")
    existing = tmp_path / "existing.csv"
    existing.write_text("old\n")
    assert run("trace", "0.1", "-f", "csv", "-o", existing).exit_code == 0
    assert existing.read_text().startswith("t,param,g,")
    assert run("trace", "0.1", "-o", "/dev/null").exit_code == 0


BAD = Path(__file__).parent / "bad_inputs"


@pytest.mark.parametrize("name", sorted(json.loads((BAD / "EXPECTED.json").read_text())))
def test_corpus_messages_carry_no_raw_control_characters(run, name, monkeypatch):
    monkeypatch.chdir(BAD)
    line = one_error_line(run("trace", name))
    assert not CONTROL.search(line) and "\u202e" not in line


def test_a_name_cannot_close_the_markdown_code_block(run, tmp_path):
    data = tmp_path / "g.csv"
    data.write_text('"a```<b>x</b>",c\n0.1,0.2\n')
    result = run("trace", data, "-f", "markdown", "--explain")
    assert result.exit_code == 0, result.stderr
    fences = [line for line in result.stdout.splitlines() if line.startswith("```")]
    assert fences == ["````text", "````"]


def test_optimize_streams_the_same_bytes(monkeypatch):
    """Written a slice at a time (slices of 7 records here), the CSV and JSON are those of the whole run."""
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing, optimizing
    from adadelta_cli.formats import machine
    from adadelta_cli.formats.report import Records
    from adadelta_cli.maths import expr

    function = expr.parse("rosenbrock")
    adadelta = optimizing.run_adadelta(function, resolve(), 20)
    results = {"adam": optimizing.run_other("adam", dict(comparing.DEFAULTS["adam"]), function,
                                            __import__("numpy").array([0.0, 0.0]), 20)}
    whole_json = machine.json(Records([], list(optimizing.records(function, adadelta, results, with_optimizer=True)),
                                      {"a": 1}))
    whole_csv = machine.csv(optimizing.data(function, adadelta, results, {"a": 1}))
    monkeypatch.setattr(machine, "SLICE", 7)
    assert machine.json(optimizing.data(function, adadelta, results, {"a": 1})) == whole_json
    assert machine.csv(optimizing.data(function, adadelta, results, {"a": 1})) == whole_csv
    rows = list(csv.DictReader(io.StringIO(whole_csv)))
    assert len(rows) == 20 * 2 * 2 and rows[-1]["optimizer"] == "adam" and rows[-1]["t"] == "20"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_trace_that_stops_leaves_standard_output_untouched(fmt):
    # An overflow at step 3 is found after steps 1 and 2 are formatted: none of it reaches standard output.
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "adadelta_cli", "trace", "0.1", "0.2", "1e300", "-f", fmt],
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 2 and done.stdout == "" and "step 3" in done.stderr


def test_check_refuses_an_endless_or_huge_sheet_without_reading_it_whole(run, tmp_path):
    result = run("check", "/dev/zero")
    assert result.exit_code == 2 and "NUL" in result.stderr
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(65 << 20)  # sparse; its first byte is NUL, so write a text head over it
    with open(big, "r+b") as handle:
        handle.write(b"t,g,eg2\n" + b"1,0.1,0.0005\n" * 10)
    result = run("check", str(big))
    assert result.exit_code == 2 and "Traceback" not in result.stderr


# --- Round two: bounded reads, linear time, no hang, no silent misread ------------------------------------------

WHOLE_READERS = [["compare", "-"], ["plot", "-"], ["worksheet", "-"], ["lesson", "-", "-o", "-"],
                 ["diff", "pytorch", "keras", "-"], ["walk", "/dev/stdin"], ["trace", "-", "--all"]]


@pytest.mark.parametrize("argv", WHOLE_READERS, ids=lambda v: v[0])
def test_a_zero_device_on_standard_input_is_refused_at_once(argv):
    with open("/dev/zero", "rb") as zero:
        result = shell(*argv, stdin=zero)
    assert result.returncode == 2, result.stderr
    assert b"binary data" in result.stderr and b"Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _memory_limit():  # the goal: every command reads hostile input under `ulimit -v 1000000`
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1_000_000 * 1024, 1_000_000 * 1024))


@pytest.mark.parametrize("argv", [["compare", "-"], ["worksheet", "-"], ["diff", "pytorch", "keras", "-"]],
                         ids=lambda v: v[0])
def test_an_endless_pipe_is_refused_within_bounded_memory(argv):
    """`yes 0.1 | adadelta compare -`: a command that holds every step refuses an endless input at the limit."""
    yes = subprocess.Popen(["yes", "0.1"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run([*CLI, *argv], stdin=yes.stdout, capture_output=True, timeout=300,
                                env={**os.environ, "ADADELTA_LANG": "en"}, preexec_fn=_memory_limit)
    finally:
        yes.kill()
        yes.wait()
    assert result.returncode == 2, result.stderr
    assert b"is longer than 64 MiB" in result.stderr and b"MemoryError" not in result.stderr


def test_proc_self_mem_is_one_line():
    for argv in (["trace", "/proc/self/mem"], ["compare", "/proc/self/mem"]):
        result = shell(*argv)
        assert result.returncode == 2 and b"cannot be read (Input/output error)" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_variants_never_open_a_device_a_fifo_or_a_huge_file_in_their_folder(tmp_path):
    cases = {"zero": lambda d: (d / "keys").mkdir() or (d / "keys" / "key-01.csv").symlink_to("/dev/zero"),
             "fifo": lambda d: os.mkfifo(d / "sheet-01.csv"),
             "sparse": lambda d: os.truncate(d / "sheet-02.csv", 3 << 30) if (d / "sheet-02.csv").touch() is None
             else None}
    for name, make in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        make(folder)
        before = sorted(p.name for p in folder.rglob("*"))
        result = subprocess.run([*CLI, "worksheet", "--variants", "2", "--seed", "1", "-o", str(folder)],
                                capture_output=True, timeout=120, env={**os.environ, "ADADELTA_LANG": "en"},
                                preexec_fn=_memory_limit)
        assert result.returncode == 2, (name, result.stderr)
        assert b"nothing was written" in result.stderr and b"Traceback" not in result.stderr
        assert sorted(p.name for p in folder.rglob("*")) == before  # nothing added


def test_variants_decide_everything_before_writing(run, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "keys").write_text("a file where the keys folder goes\n")
    one_error_line(run("worksheet", "--variants", "2", "--seed", "1", "-o", folder), "is not a folder")
    assert sorted(p.name for p in folder.iterdir()) == ["keys"]
    result = run("worksheet", "--variants", "2", "--seed", "1", "-o", tmp_path / ("b" * 300))
    one_error_line(result, "File name too long")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class"]


# --- Linear time: each size here takes minutes if a cell is rescanned per character (measured: 40,000 characters
# took 74-88 s before), a fraction of a second when it is not.

RUN = "0" * 100_000


@pytest.mark.parametrize("argv, code, fragment", [
    (["trace", RUN, "0.1"], 0, None),                               # an argument of zeros
    (["trace", RUN + "x", "0.1"], 2, "is not a number"),            # of digits, then a typo
    (["step", "--grad", "0.1", "--expect", "eta=" + RUN], 1, None),  # --expect
    (["step", "--grad", "0.1", "--expect", "eta=" + RUN + "x"], 2, "is not a number"),
    (["step", "--grad", "1" + RUN], 2, "too large for a double"),
], ids=["argument", "argument-typo", "expect", "expect-typo", "grad"])
def test_long_runs_of_digits_in_arguments(run, argv, code, fragment):
    result = run(*argv)
    assert result.exit_code == code, result.stderr[-300:]
    if fragment:
        line = one_error_line(result, fragment)
        assert len(line) < 400  # the value is cut with an ellipsis, not echoed whole
        assert "…" in line


@pytest.mark.parametrize("text, fragment", [
    (RUN + "\n0.2\n", None),                             # a cell of zeros
    ("0." + RUN + "1\n0.2\n", "too small for a double"),  # a cell that underflows
    (RUN + "x\n0.2\n", "mistyped number"),                # a long mistyped first cell
    ("a," + RUN + "x\n0.1,0.2\n", "mistyped number"),     # a header
], ids=["zeros", "underflow", "typo", "header"])
def test_long_runs_of_digits_in_a_file(run, tmp_path, text, fragment):
    path = tmp_path / "g.txt"
    path.write_text(text)
    result = run("trace", path, "-f", "csv")
    if fragment is None:
        assert result.exit_code == 0, result.stderr[-300:]
        assert list(csv.DictReader(io.StringIO(result.stdout)))[0]["g"] == "0.0"
    else:
        assert len(one_error_line(result, fragment)) < 400


def test_number_patterns_backtrack_linearly():
    """The patterns that read numbers never have two quantifiers over the same characters in a row (the cause of
    the quadratic time): checked on the patterns themselves, whatever the machine's speed."""
    from adadelta_cli.formats import cells

    for pattern in (cells._NUMBER, cells._NONZERO_MANTISSA):
        assert not re.search(r"\\d[*+]\\.\?\\d[*+]|0\*\\\.\?0\*", pattern.pattern), pattern.pattern
    # and the values they give are those they gave
    assert cells.is_number("1.") and cells.is_number(".5e-3") and not cells.is_number("1..5")
    assert cells._NONZERO_MANTISSA.match("0.001") and not cells._NONZERO_MANTISSA.match("0.000")


def test_a_sheets_comment_line_of_spaces_is_read_in_one_pass(run, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("# student = Ann" + " " * 100_000 + "x\nt,g,eg2\n1,0.1,0.0005\n")
    assert run("check", sheet).exit_code == 0


# --- A closed pipe ends every command at once: long tables for people are written a block at a time -------------

class _ClosedAfterFirstWrite(io.StringIO):
    """Standard output whose reader goes away after the first write (`| head -c 100`)."""

    def write(self, text):
        super().write(text)
        if self.tell() > 100:
            raise BrokenPipeError(32, "Broken pipe")


def _long_report(steps=10_000):
    import numpy as np

    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import tracing
    from adadelta_cli.formats.tables import Gradients

    values = np.sin(np.arange(steps))[:, None]
    return tracing.compute(Gradients(values, ["x"], "test"), resolve())


@pytest.mark.parametrize("explain", [False, True])
def test_a_long_table_is_written_as_it_is_made(monkeypatch, explain):
    from rich.console import Console

    from adadelta_cli import terminal
    from adadelta_cli.formats import explain as explaining
    from adadelta_cli.formats import render, richtable

    made = {"blocks": 0, "steps": 0}
    real_table, real_steps = richtable.rich_table, explaining._step_data

    def counting_table(*args, **kwargs):
        made["blocks"] += 1
        return real_table(*args, **kwargs)

    def counting_steps(*args, **kwargs):
        for item in real_steps(*args, **kwargs):
            made["steps"] += 1
            yield item

    monkeypatch.setattr(richtable, "rich_table", counting_table)
    monkeypatch.setattr("adadelta_cli.formats.explain._step_data", counting_steps)
    report = _long_report()
    sink = _ClosedAfterFirstWrite()
    with pytest.raises(BrokenPipeError):
        terminal.print_fitted(richtable.table(render.document(report, 6, show_all=True, explain=explain), 6),
                            Console(file=sink, force_terminal=False, width=120))
    assert made["blocks"] == 1 and made["steps"] == 0  # one block of 10,000 rows made, not the whole table


def test_a_long_markdown_trace_is_written_as_it_is_made(monkeypatch):
    from adadelta_cli.formats import render, writers

    report = _long_report()
    pieces = writers.markdown_pieces(render.document(report, 6, show_all=True, explain=True, every_row=True), 6)
    first = next(pieces)
    assert first.startswith("# ") and first.count("\n") < 1000  # the first piece comes before the rest is made


def test_a_long_table_in_blocks_keeps_every_row_and_its_columns(run, tmp_path):
    data = tmp_path / "g.txt"
    data.write_text("\n".join(str((i % 7) / 10 - 0.3) for i in range(4500)) + "\n")
    result = run("trace", data, "--all")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if re.match(r"\s+\d+\s", line)]
    assert [int(r.split()[0]) for r in rows] == list(range(1, 4501))  # no row lost, none twice, no gap
    assert len({len(r) for r in rows if not r.rstrip().endswith("⚠")}) <= 2  # the same columns in every block
    assert "" not in lines[lines.index(rows[0]):lines.index(rows[-1])]  # no blank line between blocks
    file = tmp_path / "t.txt"
    assert run("trace", data, "--all", "-o", file).exit_code == 0
    assert file.read_text() == result.stdout  # the same text whole in a file


def test_trace_all_into_a_closed_pipe_ends_with_sigpipe(tmp_path):
    data = tmp_path / "g.txt"
    data.write_text("0.1\n0.2\n" * 20_000)
    command = f"{sys.executable} -m adadelta_cli trace {data} --all | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == str(128 + signal.SIGPIPE) and "Traceback" not in done.stderr


def _latex_docs():
    """Documents of every kind a LaTeX writer meets: short and over 2,000 rows, text beyond ASCII, the worked
    arithmetic, several tables, a verdict table (a column that wraps, styled cells)."""
    import numpy as np

    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing, tracing
    from adadelta_cli.formats import render
    from adadelta_cli.formats.phrases import Phrase, Sym
    from adadelta_cli.formats.report import COUNT, TEXT, Column, Document, Para, Styled, Table
    from adadelta_cli.formats.tables import Gradients

    rng = np.random.default_rng(7)
    spread = rng.normal(size=(2600, 2)) * 10.0 ** rng.integers(-12, 4, size=(2600, 2))
    spread[::9, 0] = 0.1
    spread[::13, 1] = 0.0
    short = tracing.compute(Gradients(np.array([[0.1], [0.2], [0.15]]), ["x"], "a.txt"), resolve())
    long = tracing.compute(Gradients(spread, ["w", "权重"], "b.csv"), resolve())
    digits = [(render.document(short, 6, show_all=True, explain=True, every_row=True), 6),
              (render.document(long, 6, show_all=True, explain=False, every_row=True), 6),
              (render.document(long, 3, show_all=True, explain=False, every_row=True), 3),
              (render.document(long, 17, show_all=True, explain=False, every_row=True), 17)]
    grads = spread[:2100, :1]
    resolved = resolve()
    results = comparing.compute(grads, resolved, ["adam", "momentum"], {"adam": {"lr": 0.001, "beta1": 0.9,
                                "beta2": 0.999, "eps": 1e-8}, "momentum": {"lr": 0.001, "momentum": 0.9,
                                                                           "dampening": 0.0}})
    settings = {**resolved.as_dict(), "input": "c.txt", "with": ["adam", "momentum"],
                "others": {"adam": {}, "momentum": {}}}
    digits.append((comparing.document(grads, ["x"], results, settings, 6, show_all=True), 6))
    slip = Phrase("likely slip: %(dx)s ×10 ", dx=Sym("dx", None))
    verdicts = Table([Column("t", kind=COUNT), Column("quantity", "quantity", kind=TEXT),
                      Column("verdict", "verdict", kind=TEXT), Column("computed", "computed", room=8),
                      Column("note", "note", kind=TEXT, wrap=True)],
                     [[t, Sym("eta", t), Styled("✗ wrong", "red"), 0.0123 * t, Phrase.joined("", [slip] * (t % 4))]
                      for t in range(1, 2200)], title="Your values", ruled=True)
    return digits + [(Document("Marked", [Para("a sheet"), verdicts, Para("2 of 3 right", strong=True)]), 6)]


@pytest.mark.parametrize("fragment", [False, True])
def test_latex_written_as_made_is_the_whole_document(fragment):
    from adadelta_cli.formats import writers

    for doc, digits in _latex_docs():
        whole = writers.latex(doc, digits, fragment=fragment)
        assert "".join(writers.latex_pieces(doc, digits, fragment=fragment)) == whole


@pytest.mark.parametrize("digits", [1, 3, 6, 17])
def test_latex_column_widths_from_shapes_are_every_cells(digits):
    import numpy as np

    from adadelta_cli.formats import latex, latexdoc
    from adadelta_cli.formats.report import COUNT, TEXT, Column, Gap, Table

    rng = np.random.default_rng(digits)
    values = (rng.normal(size=3000) * 10.0 ** rng.integers(-320, 308, size=3000)).tolist()
    values += [0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1.0, 1e-5, 9.9999995e-5, 123456.5, -1e100,
               5e-324, 1.7976931348623157e308, 0.1, 999999.5, 1e16]
    rows = [[i * 37 - 50, f"p{i % 3}", v, round(v, 2) if abs(v) < 1e300 else v] for i, v in enumerate(values)]
    rows.insert(5, Gap(7, 3))
    rows.insert(9, Gap(123))
    table = Table([Column("t", kind=COUNT), Column("param", "param", kind=TEXT), Column("a", "a_t", "a_t"),
                   Column("b", "b_t", "b_t")], rows)
    headings = [latex._latex_heading(c) for c in table.columns]
    every = latex._latex_rows(table, digits)
    expected = latexdoc.widths_em([[h] + [r[i] for r in every] for i, h in enumerate(headings)])
    assert latex.latex_widths(table, headings, digits) == expected


def test_a_long_latex_trace_is_written_as_it_is_made(monkeypatch):
    from adadelta_cli.formats import latex, render, spelling

    made = {"rows": 0}
    real = latex._latex_rows

    def counting(t, digits):
        made["rows"] += len(t.rows)
        return real(t, digits)

    monkeypatch.setattr(latex, "_latex_rows", counting)
    pieces = latex.latex_pieces(render.document(_long_report(), 6, show_all=True, explain=True, every_row=True), 6)
    first = next(pieces)
    assert first.startswith(r"\documentclass") and r"\begin{longtable}" in first
    assert 0 < made["rows"] <= spelling.BLOCK_ROWS  # one block of the 10,000 rows set, not the whole table


def _closed_pipe(args, timeout=300):
    """The exit status of ``adadelta ARGS | head -c 100`` (a hang would run past ``timeout`` and fail)."""
    command = f"{sys.executable} -m adadelta_cli {args} | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "ADADELTA_LANG": "en"})
    assert "Traceback" not in done.stderr, done.stderr
    return int(done.stdout.strip())


@pytest.mark.parametrize("args", ["trace {data} --all -f latex", "trace {data} --all -f latex --explain",
                                  "compare {data} --all -f latex", "compare {data} --all", "compare {data}",
                                  "compare {data} -f csv", "compare {data} -f json",
                                  "optimize rosenbrock --x0 -1,1 --steps 20000 --with adam --all -f markdown",
                                  "optimize rosenbrock --x0 -1,1 --steps 20000 --with adam -f csv"])
def test_every_format_into_a_closed_pipe_ends_with_sigpipe(tmp_path, args):
    data = tmp_path / "g.txt"
    data.write_text("0.1\n-0.2\n0.03\n" * 8_000)
    assert _closed_pipe(args.format(data=data)) == 128 + signal.SIGPIPE


@pytest.mark.parametrize("args", ["compare {data}", "compare {data} --all", "compare {data} --all -f markdown",
                                  "compare {data} -f latex", "compare {data} --with adam -f latex --latex-fragment",
                                  "optimize rosenbrock --x0 -1,1 --steps 300000 --all",
                                  "optimize rosenbrock --x0 -1,1 --steps 300000 --with adam --all -f markdown",
                                  "optimize rosenbrock --x0 -1,1 --steps 300000 --with adam -f latex",
                                  "optimize rosenbrock --x0 -1,1 --steps 30000 --with adam"])
def test_a_300000_step_table_for_people_into_a_closed_pipe_ends_early(tmp_path, args):
    """compare and optimize compute their tables for people as they write them: a reader gone away ends them long
    before the 300,000th step (in-process, test_a_reader_gone_away_ends_a_table_before_the_rest_is_computed counts
    the blocks). optimize's short table (its last rows set the widths of the first) is computed whole first."""
    data = tmp_path / "g.txt"
    data.write_text("0.1\n-0.2\n0.03\n" * 100_000)
    assert _closed_pipe(args.format(data=data), timeout=120) == 128 + signal.SIGPIPE


def test_other_optimizers_in_python_floats_are_numpys_doubles():
    import numpy as np

    from adadelta_cli.features import comparing

    rng = np.random.default_rng(3)
    for scale in (1e-300, 1e-3, 1.0, 1e150):
        grads = rng.normal(size=(300, 3)) * scale
        grads[::5, 1] = 0.0
        for name in comparing.NAMES:
            for change in ({}, {"eps": 0.0}, {"lr": 1e300}, {"lr_decay": 0.5}, {"dampening": 0.3}):
                offered = comparing.DEFAULTS[name]
                hyper = {**offered, **{k: v for k, v in change.items() if k in offered}}
                x0 = np.array([0.5, -2.0, 1e-300])
                scalar = comparing.run(name, hyper, grads, x0)
                stepped = comparing.Optimizer(name, hyper)
                x, xs = x0, []
                for g in grads:
                    _eta, x = stepped.step(g, x)
                    xs.append(x)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(comparing, "SCALAR_PARAMETERS", 0)
                    vector = comparing.run(name, hyper, grads, x0)
                for key in ("eta", "dx", "x"):
                    assert np.array_equal(scalar[key], vector[key], equal_nan=True), (name, change, key)
                assert np.array_equal(np.array(xs), vector["x"], equal_nan=True), (name, change)


def _closed_loop(function, settings, start, steps, *, python):
    """optimize's Adadelta run (adadelta_blocks, blocks of 7 steps) in Python floats or through core.update: its
    arrays, or the error it ends in."""
    from types import SimpleNamespace

    import numpy as np

    from adadelta_cli.errors import AdadeltaError
    from adadelta_cli.features import optimizing
    from adadelta_cli.maths import core

    resolved = SimpleNamespace(settings=settings, initial=lambda n: core.init(start, size=n, dtype=settings.dtype))
    with pytest.MonkeyPatch.context() as patch:
        if not python:
            patch.setattr(optimizing, "_in_python", lambda settings, dimensions: False)
        try:
            blocks = list(optimizing.adadelta_blocks(function, resolved, steps, 7))
        except AdadeltaError as exc:
            return type(exc).__name__ + ": " + str(exc)
    return [np.concatenate([getattr(out, name) for out, _f in blocks]) for name in core.Step._fields] + \
        [np.concatenate([f for _out, f in blocks])]


def test_optimize_in_python_floats_is_core_updates_doubles(monkeypatch):
    import numpy as np

    from adadelta_cli.features import optimizing
    from adadelta_cli.maths import expr
    from adadelta_cli.maths.formulas import Settings

    variants = [Settings(), Settings(lr=0.5, rho=0.9, eps=1e-8), Settings(weight_decay=0.1),
                Settings(weight_decay=0.01, weight_decay_mode="decoupled", lr=0.001, lr_dtype="float32"),
                Settings(maximize=True, nonfinite="continue"), Settings(eps=0.0, nonfinite="continue"),
                Settings(rho=1.0, eps=1.0), Settings(rho=0.0, lr=1e300, nonfinite="continue"),
                Settings(arithmetic="foreach", weight_decay=2.0, nonfinite="continue")]
    monkeypatch.delenv("ADADELTA_ENGINE", raising=False)  # (the suite's engines: numpy's would turn it off)
    assert all(optimizing._in_python(v, 2) for v in variants)
    compared = set()
    for scale in (1e-300, 1e-200, 1e-150, 1e-20, 1e-3, 1.0, 1e20, 1e100, 1e150):
        start = np.array([scale, -0.7 * scale])
        for text in ("quadratic", "3*x^2 + 0.5*y^4 - x*y", "rosenbrock", "1e-300*(x^2 + y^2)", "1e150*x + y^2"):
            function = expr.parse(text, 2)
            for variant in variants:
                python = _closed_loop(function, variant, start, 40, python=True)
                numpy = _closed_loop(function, variant, start, 40, python=False)
                if isinstance(numpy, str):
                    assert python == numpy, (scale, text, variant)
                    compared.add("error")
                    continue
                for a, b in zip(python, numpy):
                    assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True), \
                        (scale, text, variant)
                    assert np.array_equal(np.signbit(a), np.signbit(b)) or np.isnan(a).any()  # -0.0 kept
                compared.add("finite" if np.isfinite(python[-2]).all() else "nonfinite")
    assert compared == {"error", "finite", "nonfinite"}  # every kind of run met


def test_optimize_keeps_core_update_where_python_floats_do_not_apply(monkeypatch):
    from adadelta_cli.features import optimizing
    from adadelta_cli.maths.formulas import Settings

    assert not optimizing._in_python(Settings(dtype="float32"), 2)
    assert not optimizing._in_python(Settings(rate_eg2="previous"), 2)
    assert not optimizing._in_python(Settings(lr=[0.1, 0.2]), 2)
    assert not optimizing._in_python(Settings(arithmetic="unfused"), 2)
    monkeypatch.delenv("ADADELTA_ENGINE", raising=False)
    assert not optimizing._in_python(Settings(), 33)  # many parameters: numpy's rows
    monkeypatch.setenv("ADADELTA_ENGINE", "numpy")
    assert not optimizing._in_python(Settings(), 2)


def test_compare_in_blocks_is_compare_whole(monkeypatch):
    import numpy as np

    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing
    from adadelta_cli.formats import machine

    grads = np.random.default_rng(5).normal(size=(1000, 2)) * 0.1
    chosen = list(comparing.NAMES)
    hyper = comparing.parse_sets(["adagrad.lr_decay=0.01"], chosen)
    whole = comparing.records(grads, ["a", "b"], comparing.compute(grads, resolve(), chosen, hyper), {})
    blocks = comparing.records(grads, ["a", "b"], None, {},
                               blocks=comparing.compute_blocks(grads, resolve(), chosen, hyper, size=77))
    assert machine.csv(blocks) == machine.csv(whole)


@pytest.mark.parametrize("with_", [None, "adam,momentum"])
def test_optimize_in_blocks_is_optimize_whole(with_):
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import optimizing
    from adadelta_cli.formats import machine

    resolved = resolve()
    func, start, adadelta, results, hyper = optimizing.run_all("rosenbrock", resolved, "-1,1", 333, with_, None)
    settings = {"with": list(results)}
    whole = optimizing.data(func, adadelta, results, settings)
    blocks = optimizing.run_blocks(func, resolved, start, 333, list(results), hyper, size=50)
    assert machine.json(optimizing.data(func, None, None, settings, blocks=blocks)) == machine.json(whole)


def test_a_late_failure_of_a_streamed_compare_leaves_standard_output_empty(tmp_path):
    data = tmp_path / "g.txt"
    data.write_text("0\n" * 25_000 + "1\n1\n1\n")  # sgd's x runs past the largest double at step 25,002
    done = shell("compare", data, "-f", "csv", "--set", "sgd.lr=1e308")
    assert done.returncode == 2 and done.stdout == b"" and b"step 25002" in done.stderr
    out = tmp_path / "c.csv"
    assert shell("compare", data, "-f", "csv", "--set", "sgd.lr=1e308", "-o", out).returncode == 2
    assert not out.exists()


# The tables for people of compare and optimize: rows made as they are read (report.Rows), the same bytes.

def _hyper(chosen):
    from adadelta_cli.features import comparing

    return comparing.parse_sets(["adagrad.lr_decay=0.01"], chosen)


def _compare_docs(steps, params, *, show_all, size=77, zeros=True):
    """compare's document over ``steps`` × ``params`` gradients: a function giving it whole (from compute), one
    giving it made as read (blocks of ``size`` steps; ``watched``: as the command writes to standard output), and
    the number of blocks computed so far."""
    import numpy as np

    from adadelta_cli import streams
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing

    rng = np.random.default_rng(steps + params)
    grads = rng.normal(size=(steps, params)) * 10.0 ** rng.integers(-8, 3, size=(steps, params))
    if zeros:
        grads[::7, 0] = 0.0  # η undefined: a "—" cell
    names = ["w", "权重", "b"][:params]
    chosen = list(comparing.NAMES)
    hyper = _hyper(chosen)
    settings = {**resolve().as_dict(), "input": "g.csv", "with": chosen, "others": hyper}
    made = {"blocks": 0}

    def whole():
        return comparing.document(grads, names, comparing.compute(grads, resolve(), chosen, hyper), settings, 6,
                                  show_all=show_all)

    def streamed(*, watched=False, before_next=None):
        def counted():
            for block in comparing.compute_blocks(grads, resolve(), chosen, hyper, size=size):
                made["blocks"] += 1
                if made["blocks"] >= 2 and before_next:
                    before_next()  # what the blocks before this one gave is written and flushed by now
                yield block

        blocks = streams.watched(counted()) if watched else counted()
        return comparing.document(grads, names, None, settings, 6, show_all=show_all, blocks=blocks)

    return whole, streamed, made


def _optimize_docs(steps, with_, *, show_all, size=50):
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import optimizing

    resolved = resolve(x0="-1,1")
    func, start, adadelta, results, hyper = optimizing.run_all("rosenbrock", resolved, "-1,1", steps, with_, None)
    settings = {**resolved.as_dict(), "function": func.text, "steps": steps, "with": list(results),
                "others": hyper}
    whole = optimizing.document(func, adadelta, results, settings, 6, show_all=show_all)

    def streamed():
        runs = optimizing.table_runs(func, resolved, start, steps, list(results), hyper, size=size)
        return optimizing.document(func, None, None, settings, 6, show_all=show_all, runs=runs, steps=steps)

    return whole, streamed


def _people(doc, fmt):
    """Every way a document for people is written: its text, and what standard output gets (a pipe, a terminal)."""
    from rich.console import Console

    from adadelta_cli import terminal
    from adadelta_cli.formats import writers

    if fmt == "markdown":
        return ["".join(writers.markdown_pieces(doc, 6))]
    if fmt == "latex":
        return ["".join(writers.latex_pieces(doc, 6)), writers.latex(doc, 6, fragment=True)]
    if fmt == "file":
        return [writers.text(doc, "table", 6)]
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=fmt == "terminal", width=100, color_system=None)
    terminal.print_fitted(writers.table(doc, 6), console)
    return [sink.getvalue()]


@pytest.mark.parametrize("fmt", ["pipe", "terminal", "file", "markdown", "latex"])
@pytest.mark.parametrize("shape", [(3, 1, True), (40, 1, False), (40, 1, True), (2100, 2, False), (1100, 2, True),
                                   (30, 3, True)], ids=lambda s: "x".join(map(str, s)))
def test_compare_tables_made_as_read_are_the_whole_ones(fmt, shape):
    steps, params, show_all = shape
    whole, streamed, _made = _compare_docs(steps, params, show_all=show_all)
    assert _people(streamed(), fmt) == _people(whole(), fmt)


@pytest.mark.parametrize("fmt", ["pipe", "terminal", "file", "markdown", "latex"])
@pytest.mark.parametrize("case", [(5, None, False), (333, "adam,sgd", False), (2050, "adam", True),
                                  (40, "sgd", True)], ids=str)
def test_optimize_tables_made_as_read_are_the_whole_ones(fmt, case):
    steps, with_, show_all = case
    whole, streamed = _optimize_docs(steps, with_, show_all=show_all)
    assert _people(streamed(), fmt) == _people(whole, fmt)


def test_rows_made_as_read_elide_as_shown_spans():
    from adadelta_cli.formats import report

    for count in (1, 2, 25, 26, 27, 100, 2100):
        for show_all in (False, True):
            for size in (1, 7, 10, 20_000):
                blocks = ((first, min(first + size, count), first) for first in range(0, count, size))
                rows = report.step_rows(count, blocks, lambda first, i: [[first + i + 1, "a"], [first + i + 1, "b"]],
                                        show_all=show_all, per_step=2)
                expected = []
                for t in report.shown_steps(count, show_all=show_all):
                    expected += [report.Gap] if t is None else [[t + 1, "a"], [t + 1, "b"]]
                made = list(rows)
                assert len(made) == len(rows) == len(expected)
                assert [type(r) if isinstance(r, report.Gap) else r for r in made] == expected
                assert [g.count for g in rows.gaps] == [r.count for r in made if isinstance(r, report.Gap)]
                assert all(g.count == count - 2 * report.HEAD_ROWS for g in rows.gaps)


def test_the_first_rows_of_a_table_are_written_before_the_last_are_computed():
    from adadelta_cli.formats import writers

    whole, streamed, made = _compare_docs(2000, 1, show_all=False, size=100)
    pieces = writers.markdown_pieces(streamed(), 6)
    text = ""
    while "| 10 |" not in text or "⋮" not in text:
        text += next(pieces)
    assert made["blocks"] == 1 and "| 1991 |" not in text  # the head and the gap out, 1 block of 20 computed
    text += "".join(pieces)
    assert made["blocks"] == 20 and text == writers.markdown(whole(), 6)
    _whole, streamed, made = _compare_docs(2000, 1, show_all=False, size=100)
    first = next(writers.latex_pieces(streamed(), 6))  # LaTeX measures every row first: its preamble goes before
    assert first.startswith(r"\documentclass") and made["blocks"] == 1


class _Pipe:
    """Standard output as a real pipe whose reader reads ``wanted`` bytes, then goes away (``| head -c 100``)."""

    def __init__(self, wanted=100):
        import threading

        read, self.fd = os.pipe()
        self.stdout = open(self.fd, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        self.got = b""

        def reader():
            with open(read, "rb", buffering=0) as pipe:
                while len(self.got) < wanted and (chunk := pipe.read(wanted - len(self.got))):
                    self.got += chunk

        self.thread = threading.Thread(target=reader, daemon=True)
        self.thread.start()

    def close(self):
        self.thread.join(60)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.fd)  # what is still buffered goes nowhere, as after `| head`
        os.close(devnull)
        self.stdout.close()
        os.close(self.fd)


@pytest.mark.parametrize("fmt,show_all", [("table", False), ("table", True), ("markdown", True), ("latex", True)])
def test_a_reader_gone_away_ends_a_table_before_the_rest_is_computed(monkeypatch, fmt, show_all):
    """A reader that has taken its 100 bytes and gone (here: before the block after the first written one is
    computed, whatever the machine's load) ends the command at the next block. The short terminal table's only text
    before the table is its settings lines, which are more than 100 bytes; the whole terminal table (--all) is first
    written after the second block is computed."""
    from adadelta_cli.formats import writers

    _whole, streamed, made = _compare_docs(100_000, 1, show_all=show_all, size=250, zeros=False)
    pipe = _Pipe()
    monkeypatch.setattr(sys, "stdout", pipe.stdout)
    try:
        with pytest.raises(BrokenPipeError):
            writers.write_report(fmt, None, 6, document=lambda: streamed(
                watched=True, before_next=lambda: pipe.got and pipe.thread.join(60)))
    finally:
        monkeypatch.undo()
        pipe.close()
    assert len(pipe.got) == 100
    assert made["blocks"] < 200  # of 400: the rest was never computed


def test_reader_gone_is_seen_without_writing():
    from adadelta_cli import streams

    read, write = os.pipe()
    with open(write, "w", closefd=True) as stdout, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", stdout)
        assert not streams.reader_gone()
        os.close(read)
        assert streams.reader_gone()
        blocks = streams.watched(iter([1, 2, 3]))
        assert next(blocks) == 1
        with pytest.raises(BrokenPipeError):
            next(blocks)  # the second block is never asked for
        patch.setattr(sys, "stdout", io.StringIO())
        assert not streams.reader_gone()  # not a pipe: a write says so


def test_a_late_failure_of_a_table_keeps_what_was_written(tmp_path):
    """Past the first block of steps (20,000), an optimizer that stops being finite ends the command as CSV does past
    its first 8 MiB: what was written stays, one error line, exit 2; a file is written whole or not at all."""
    early, late = tmp_path / "early.txt", tmp_path / "late.txt"
    early.write_text("0\n" * 15_000 + "1\n1\n1\n" + "0.1\n" * 20_000)  # sgd runs past the largest double at 15,002
    late.write_text("0\n" * 25_000 + "1\n1\n1\n")  # ... at 25,002, in the second block
    for fmt in ("table", "markdown", "latex"):
        done = shell("compare", early, "-f", fmt, "--set", "sgd.lr=1e308")
        assert done.returncode == 2 and done.stdout == b"" and b"step 15002" in done.stderr, fmt
        done = shell("compare", late, "-f", fmt, "--set", "sgd.lr=1e308")
        assert done.returncode == 2 and b"step 25002" in done.stderr and b"Traceback" not in done.stderr, fmt
        assert len(done.stderr.strip().splitlines()) == 1
        written = done.stdout.decode()
        head = {"table": "Adadelta: ρ", "markdown": "# Adadelta beside", "latex": "\\documentclass"}[fmt]
        assert written.startswith(head) and "25001" not in written, fmt  # the head, no row past the first block
        out = tmp_path / f"c.{fmt}"
        assert shell("compare", late, "-f", fmt, "--set", "sgd.lr=1e308", "-o", out).returncode == 2
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["early.txt", "late.txt"]


def test_fma64_of_a_few_values_rounds_as_of_many():
    import numpy as np

    from adadelta_cli.maths import arith

    rng = np.random.default_rng(11)
    kinds = [lambda: rng.normal(), lambda: rng.normal() * 1e300, lambda: rng.normal() * 1e-300, lambda: -0.0,
             lambda: float("inf"), lambda: float("nan"), lambda: 5e-324 * int(rng.integers(1, 99))]
    for _ in range(3000):
        a, b, c = (np.array([kinds[int(rng.integers(0, 7))]() for _ in range(3)]) for _ in range(3))
        few = arith.fma64(a, b, c)
        many = arith.fma64(np.tile(a, 3), np.tile(b, 3), np.tile(c, 3))[:3]
        assert np.array_equal(few.view(np.int64), many.view(np.int64)) or np.array_equal(few, many, equal_nan=True)
    one = 1 + 2.0 ** -30
    assert float(arith.fma64(one, one, -1.0)) == 2.0 ** -29 + 2.0 ** -60


@pytest.mark.parametrize("formula,piece", [("{'a': 1}", "{'a': 1}"), ("x+{1:2}", "{1:2}"), ("[x,y]", "[x,y]"),
                                           ("(x,y)", "(x,y)"), ("x if y else 1", "x if y else 1"), ("x//y", "//"),
                                           ("x%y", "%"), ("not x", "not"), ("x<y", "x<y"), ("...", "..."),
                                           ("None*x", "None"), ("b'x'", "b'x'"), ("x.real", "x.real")])
def test_a_refused_formula_quotes_its_own_text_not_python(run, formula, piece):
    line = one_error_line(run("optimize", formula, "--x0", "1,1"), repr(piece))
    for python in ("dict", "list", "tuple", "ifexp", "floordiv", "compare", "Ellipsis", "attribute", "bytes",
                   "constant", "unaryop", "{'"):
        assert python not in line.replace(repr(formula), "").replace(repr(piece), ""), line


def test_a_json_value_in_a_message_is_cut_with_an_ellipsis(run, tmp_path):
    data = tmp_path / "g.json"
    data.write_text(json.dumps([{f"k{i}": list(range(50)) for i in range(100)}]))
    line = one_error_line(run("trace", data), "[0] is {\"k0\"", "…, not a number")
    assert len(line.split(": [0] is ")[1]) < 120  # the value cut at 40 characters


# --- Every OS error is one line ---------------------------------------------------------------------------------

def test_a_5000_character_path_or_token_is_one_short_line(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "a" * 5000
    for argv, fragment in ((["trace", name], "File name too long"), (["trace", "0.1", "-o", name],
                                                                     "the file name is too long")):
        line = one_error_line(run(*argv), fragment)
        assert len(line) < 400


def test_a_deleted_working_folder_is_one_line(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    command = f"cd {gone} && rmdir {gone} && {sys.executable} -m adadelta_cli trace 0.1 -o out.csv"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ADADELTA_LANG": "en"})
    assert done.returncode == 2 and "the current folder no longer exists" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["optimize", "x+1" + "1" * 401, "--x0", "1", "--steps", "2"],
                                  ["plot", "--function", "x*1e999", "--x0", "1"]], ids=["401-digits", "1e999"])
def test_a_formula_number_too_large_for_a_double(run, argv):
    assert len(one_error_line(run(*argv), "too large for a double")) < 400


# --- No silent misread ------------------------------------------------------------------------------------------

def test_thousands_separators_are_refused_with_line_and_column(run, tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("1,000.5\n2,000.5\n")
    one_error_line(run("trace", path), "g.txt:1:1", "'1,000.5' has thousands separators", "1000.5")
    long = tmp_path / "long.csv"
    long.write_text("0.1,0.2\n" * 20_000 + "12,345.5\n")  # past the first block, read by the quick parser
    one_error_line(run("trace", long), "long.csv:20001:1", "thousands separators")
    two = tmp_path / "two.csv"
    two.write_text("1,234\n5,678\n")  # two parameters, as 1,2 is
    assert run("trace", two, "-f", "csv").exit_code == 0


def test_a_json_key_given_twice_is_refused(run, tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"a": [0.1], "a": [0.2]}')
    one_error_line(run("trace", path), 'the key "a" appears twice')


def test_the_parameter_limit_holds_for_json(run, tmp_path, monkeypatch):
    from adadelta_cli.formats import tables

    monkeypatch.setattr(tables, "MAX_PARAMETERS", 5)
    path = tmp_path / "g.json"
    path.write_text("[[" + ",".join(["0.1"] * 6) + "]]")
    one_error_line(run("trace", path), "has 6 parameters; the limit is 5")
    path.write_text(json.dumps({f"p{i}": [0.1] for i in range(6)}))
    one_error_line(run("trace", path), "has 6 parameters")
    path.write_text("[[" + ",".join(["0.1"] * 5) + "]]")
    assert run("trace", path, "-f", "csv").exit_code == 0


@pytest.mark.parametrize("argv, fragment", [
    (["trace", "1e-46", "--dtype", "float32"], "g = 1e-46 is too small for float32"),
    (["trace", "1e39", "--dtype", "float32"], "g = 1e+39 is too large for float32"),
    (["trace", "0.1", "--eps", "1e-50", "--dtype", "float32"], "--eps = 1e-50 is too small for float32"),
    (["trace", "0.1", "--x0", "1e300", "--dtype", "float32"], "--x0 = 1e+300 is too large for float32"),
    (["trace", "0.1", "--preset", "tfjs", "--eps", "1e-50"], "too small for float32"),
    (["trace", "0.1", "--lr-dtype", "float32", "--lr", "1e-60"], "--lr = 1e-60 is too small for float32"),
])
def test_float32_underflow_and_overflow_are_said_in_words(run, argv, fragment):
    one_error_line(run(*argv), fragment)


def test_float32_subnormals_and_ieee_overflow_on_request_still_work(run):
    assert run("trace", "1e-40", "--dtype", "float32", "-f", "csv").exit_code == 0
    result = run("trace", "1e39", "--dtype", "float32", "--nonfinite", "continue", "-f", "csv")
    assert result.exit_code == 0 and "inf" in result.stdout


def test_no_raw_numpy_warning_even_under_w_error():
    done = subprocess.run([sys.executable, "-W", "error", "-m", "adadelta_cli", "trace", "0.1", "1e300", "1e300",
                           "--nonfinite", "continue", "-f", "csv"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ADADELTA_LANG": "en"})
    assert done.returncode == 0 and "RuntimeWarning" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("comment, fragment", [
    ("# maximize = maybe", "s.csv:1: '# maximize' is 'maybe'; expected yes or no"),
    ("# rho = 2", "s.csv:1: '# rho': rho must lie in [0, 1], got 2"),
    ("# dtype = float8", "s.csv:1: '# dtype'"),
    ("# dtype = float32\n# eps = 1e-50", "s.csv:2: '# eps': eps = 1e-50 is too small for float32"),
])
def test_a_sheets_settings_are_checked_where_they_are_written(run, tmp_path, comment, fragment):
    sheet = tmp_path / "s.csv"
    sheet.write_text(comment + "\nt,g,eg2\n1,0.1,\n")
    one_error_line(run("check", sheet), fragment)


@pytest.mark.parametrize("answer, maximize", [("yes", True), ("No", False), ("TRUE", True), ("0", False)])
def test_a_sheets_yes_no_settings_are_read(run, tmp_path, answer, maximize):
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"# maximize = {answer}\nt,g,eg2\n1,0.1,0.0005\n")
    result = run("check", sheet, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["maximize"] is maximize


@pytest.mark.parametrize("lead", ["\n" * 1_000_000, "# a comment\n" * 500_000, "  \n#\n\t\n" * 200_000])
def test_leading_blank_and_comment_lines_are_skipped_uncounted(run, tmp_path, lead):
    path = tmp_path / "g.txt"
    path.write_text(lead + "0.1\nbad\n")
    lines = lead.count("\n")
    one_error_line(run("trace", path), f"g.txt:{lines + 2}:1", "'bad' is not a number")
    path.write_text(lead + "a,b\n0.1,0.2\n")
    result = run("trace", path, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert [r["param"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["a", "b"]


def test_a_sheet_longer_than_the_limit_is_refused(run, tmp_path):
    from adadelta_cli.marking.sheet import MAX_SHEET_ROWS

    sheet = tmp_path / "s.csv"
    sheet.write_text("t,g,eg2\n" + "".join(f"{t},0.1,\n" for t in range(1, MAX_SHEET_ROWS + 2)))
    one_error_line(run("check", sheet), "a worksheet holds at most 10,000")


# --- Messages ---------------------------------------------------------------------------------------------------

def test_output_path_messages_are_true(run, tmp_path):
    link = tmp_path / "dl.csv"
    link.symlink_to(tmp_path / "missing" / "x.csv")
    one_error_line(run("trace", "0.1", "-o", link), "it is a link to", "missing' does not exist")
    result = run("trace", "0.1", "-f", "csv", "-o", str(tmp_path / "new.csv") + "/")
    one_error_line(result, "ends with '/'")
    assert not (tmp_path / "new.csv").exists()


def test_gradebook_and_report_cannot_share_standard_output(run, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("t,g,eg2\n1,0.1,0.0005\n")
    one_error_line(run("check", sheet, "--gradebook", "-", "-o", "-"), "both name standard output")


def test_a_long_title_is_cut_not_warned_about(tmp_path):
    pytest.importorskip("matplotlib")
    done = subprocess.run([sys.executable, "-W", "error", "-m", "adadelta_cli", "optimize", "rosenbrock", "--x0",
                           "1,2", "--steps", "5", "--title", "T" * 100_000, "--plot", str(tmp_path / "o.png")],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "ADADELTA_LANG": "en"})
    assert done.returncode == 0 and "Warning" not in done.stderr and "warning" not in done.stderr, done.stderr


# --- One case rule for option values -----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["trace", "0.1", "--hyper-float32", "ALL"], ["trace", "0.1", "--hyper-float32", "Rho,EPS"],
    ["compare", "0.1", "--with", "ADAGRAD"], ["diff", "PYTORCH", "Keras", "0.1"],
    ["diff", "PRESET=pytorch,RHO=0.5,DTYPE=FLOAT32", "keras", "0.1"],
    ["trace", "0.1", "--weight-decay", "0.1", "--weight-decay-mode", "DECOUPLED"],
    ["trace", "0.1", "--preset", "PYTORCH", "-f", "CSV", "--dtype", "FLOAT32", "--nonfinite", "CONTINUE"],
])
def test_option_values_fold_ascii_case(run, argv):
    result = run(*argv)
    assert result.exit_code == 0, result.stderr


def test_hyper_float32_in_capitals_is_the_same(run):
    upper = json.loads(run("trace", "0.1", "--hyper-float32", "ALL", "-f", "json").stdout)
    lower = json.loads(run("trace", "0.1", "--hyper-float32", "all", "-f", "json").stdout)
    assert upper == lower and lower["settings"]["rho"] != 0.95  # rounded to float32


# --- The terminal and invisible characters ---------------------------------------------------------------------

@pytest.mark.parametrize("key", ["²", "①", "٣", "９"])
def test_walk_takes_ascii_digits_only(key):
    from adadelta_cli.features import shown, walk

    state = walk.Walk(shown.Adadelta(_long_report(20), 6), 6)
    state.press(key)
    state.press("\r")
    assert state.typed == ""


def test_invisible_characters_never_reach_json_raw(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "a\u202eb.csv"
    Path(name).write_text("x\n0.1\n")
    out = run("trace", name, "-f", "json").stdout
    assert "\u202e" not in out and "\\u202e" in out
    assert json.loads(out)["settings"]["input"] == name
    sheet = Path("s.csv")
    sheet.write_text("# student = Ann\u202eE\nt,g,eg2\n1,0.1,0.0005\n")
    out = run("check", sheet, "-f", "json").stdout
    assert "\u202e" not in out and "\\u202e" in out
