"""`adadelta trace` through the CLI: every input kind and format, parsed rather than matched."""

import csv
import io
import json
import sys

import pytest

from .conftest import SAMPLES
from .reference import adadelta as reference

COLUMNS = ["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"]


def as_json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_article_table_prints_article_values(run):
    result = run("trace", SAMPLES / "article.csv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line.split() for line in lines if line.strip()[:1].isdigit()]
    assert [r[2] for r in rows] == ["0.0005", "0.002475", "0.00347625"]
    assert [r[4] for r in rows] == ["-0.00446767", "-0.00568137", "-0.00480087"]
    assert "E[g²]_t" in result.stdout and "E[Δx²]_t" in result.stdout and "η_t" in result.stdout
    assert "0.0005000000000000004" not in result.stdout


def test_table_exact_output(run):
    result = run("trace", "0.1", "0.2", "0.15")
    expected = """\
Adadelta: ρ = 0.95, ε = 1e-6, lr = 1, x₀ = 0

  t    g_t      E[g²]_t         η_t          Δx_t     E[Δx²]_t           x_t
 ────────────────────────────────────────────────────────────────────────────
  1    0.1       0.0005   0.0446767   -0.00446767   9.98004e-7   -0.00446767
  2    0.2     0.002475   0.0284068   -0.00568137     2.562e-6     -0.010149
  3   0.15   0.00347625   0.0320058   -0.00480087   3.58632e-6    -0.0149499
"""
    assert "\n".join(line.rstrip() for line in result.stdout.splitlines()).strip("\n") == expected.strip("\n")


def test_no_input_traces_the_article_and_says_so(run):
    result = run("trace", "--format", "json")
    doc = as_json(result)
    assert [s["g"] for s in doc["steps"]] == [0.1, 0.2, 0.15]
    assert "article" in result.stderr


def test_json_shape_and_full_precision(run):
    doc = as_json(run("trace", "0.1", "0.2", "0.15", "--format", "json"))
    assert set(doc) == {"settings", "steps"}
    s = doc["settings"]
    assert (s["rho"], s["eps"], s["lr"], s["x0"], s["weight_decay"]) == (0.95, 1e-6, 1.0, 0.0, 0.0)
    assert [list(step) for step in doc["steps"]] == [COLUMNS] * 3
    ref = reference([0.1, 0.2, 0.15])
    for step, want in zip(doc["steps"], ref):
        assert step["param"] == "x"
        for name in COLUMNS[2:]:
            assert step[name] == pytest.approx(want[name], rel=1e-15)
    assert doc["steps"][0]["eg2"] == 0.0005000000000000004  # round-trips every bit


def test_csv_header_and_rows(run):
    result = run("trace", "0.1", "-0.2", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == COLUMNS
    assert [float(r["g"]) for r in rows] == [0.1, -0.2]
    ref = reference([0.1, -0.2])
    assert [float(r["x"]) for r in rows] == [r["x"] for r in ref]


def test_negative_numbers_need_no_double_dash(run):
    doc = as_json(run("trace", "0.1", "-0.2", "-1e-3", "--format", "json"))
    assert [s["g"] for s in doc["steps"]] == [0.1, -0.2, -0.001]


def test_multi_parameter_csv_with_header(run):
    doc = as_json(run("trace", SAMPLES / "two_params.csv", "--format", "json"))
    assert [s["param"] for s in doc["steps"][:4]] == ["w", "b", "w", "b"]
    w = [s for s in doc["steps"] if s["param"] == "w"]
    ref = reference([0.1, 0.2, 0.15, -0.05, 0.08])
    assert [s["x"] for s in w] == pytest.approx([r["x"] for r in ref], rel=1e-15)


def test_headerless_multi_column_names(run, tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("0.1,0.3\n0.2,-0.1\n")
    doc = as_json(run("trace", f, "--format", "json"))
    assert [s["param"] for s in doc["steps"]] == ["x1", "x2", "x1", "x2"]


def test_plain_text_and_json_inputs(run, tmp_path):
    text = tmp_path / "g.txt"
    text.write_text("# gradients\n0.1\n\n0.2\n0.15\n")
    doc = as_json(run("trace", text, "--format", "json"))
    assert [s["eg2"] for s in doc["steps"]] == pytest.approx([0.0005, 0.002475, 0.00347625], rel=1e-14)
    for content, params in (("[0.1, 0.2]", ["x", "x"]), ("[[0.1, 1], [0.2, 2]]", ["x1", "x2", "x1", "x2"]),
                            ('{"a": [0.1, 0.2], "b": [1, 2]}', ["a", "b", "a", "b"])):
        j = tmp_path / "g.json"
        j.write_text(content)
        doc = as_json(run("trace", j, "--format", "json"))
        assert [s["param"] for s in doc["steps"]] == params


def test_json_sample(run):
    doc = as_json(run("trace", SAMPLES / "article.json", "--format", "json"))
    assert {s["param"] for s in doc["steps"]} == {"w", "b"}


def test_stdin(run):
    doc = as_json(run("trace", "-", "--format", "json", input="0.1\n0.2\n0.15\n"))
    assert [s["g"] for s in doc["steps"]] == [0.1, 0.2, 0.15]


def test_bom_crlf_tabs(run, tmp_path):
    f = tmp_path / "g.csv"
    f.write_bytes(b"\xef\xbb\xbfa\tb\r\n 0.1\t0.2 \r\n0.3\t0.4\r\n")
    doc = as_json(run("trace", f, "--format", "json"))
    assert [s["param"] for s in doc["steps"][:2]] == ["a", "b"]
    f.write_bytes("g\n0.1\n-0.2\n".encode("utf-16"))
    doc = as_json(run("trace", f, "--format", "json"))
    assert [s["g"] for s in doc["steps"]] == [0.1, -0.2]


def test_settings_options_and_alias(run):
    doc = as_json(run("trace", "0.1", "0.2", "--gamma", "0.9", "--eps", "1e-8", "--lr", "0.5", "--x0", "2",
                      "--format", "json"))
    assert (doc["settings"]["rho"], doc["settings"]["eps"], doc["settings"]["lr"], doc["settings"]["x0"]) == \
        (0.9, 1e-8, 0.5, 2.0)
    ref = reference([0.1, 0.2], rho=0.9, eps=1e-8, lr=0.5, x0=2.0)
    assert [s["x"] for s in doc["steps"]] == pytest.approx([r["x"] for r in ref], rel=1e-15)


def test_initial_accumulators(run):
    doc = as_json(run("trace", "0.1", "--eg2-init", "0.0005", "--edx2-init", "1e-4", "--format", "json"))
    ref = reference([0.1], eg2=0.0005, edx2=1e-4)
    assert doc["steps"][0]["eta"] == pytest.approx(ref[0]["eta"], rel=1e-15)
    assert doc["steps"][0]["edx2_prev"] == 1e-4


def test_x0_list_per_parameter(run, tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("a,b\n0.1,0.2\n")
    doc = as_json(run("trace", f, "--x0", "1,-2", "--format", "json"))
    assert doc["settings"]["x0"] == [1.0, -2.0]
    assert doc["steps"][0]["x"] == pytest.approx(1.0 + reference([0.1])[0]["dx"])
    assert doc["steps"][1]["x"] == pytest.approx(-2.0 + reference([0.2])[0]["dx"])
    bad = run("trace", f, "--x0", "1,2,3")
    assert bad.exit_code == 2 and "--x0 has 3 values" in bad.stderr


def test_weight_decay_and_maximize_show_g_eff(run):
    doc = as_json(run("trace", "0.1", "0.2", "--x0", "1", "--weight-decay", "0.1", "--maximize", "--format",
                      "json"))
    ref = reference([0.1, 0.2], x0=1.0, weight_decay=0.1, maximize=True)
    assert [s["g_eff"] for s in doc["steps"]] == pytest.approx([r["g_eff"] for r in ref], rel=1e-15)
    assert [s["x"] for s in doc["steps"]] == pytest.approx([r["x"] for r in ref], rel=1e-15)
    plain = as_json(run("trace", "0.1", "--format", "json"))
    assert "g_eff" not in plain["steps"][0]


@pytest.mark.parametrize("preset,rho,eps,lr", [("article", 0.95, 1e-6, 1.0), ("paper", 0.95, 1e-6, 1.0),
                                               ("pytorch", 0.9, 1e-6, 1.0), ("keras", 0.95, 1e-7, 0.001)])
def test_presets(run, preset, rho, eps, lr):
    doc = as_json(run("trace", "0.1", "--preset", preset, "--format", "json"))
    s = doc["settings"]
    assert (s["rho"], s["eps"], s["lr"], s["preset"]) == (rho, eps, lr, preset)


def test_explicit_option_beats_preset(run):
    doc = as_json(run("trace", "0.1", "--preset", "keras", "--lr", "1", "--format", "json"))
    assert (doc["settings"]["lr"], doc["settings"]["eps"]) == (1.0, 1e-7)


def test_optax_preset_asks_for_lr(run):
    result = run("trace", "0.1", "--preset", "optax")
    assert result.exit_code == 2
    assert "--lr" in result.stderr and "learning_rate=None" in result.stderr
    doc = as_json(run("trace", "0.1", "--preset", "optax", "--lr", "1", "--format", "json"))
    assert (doc["settings"]["rho"], doc["settings"]["eps"]) == (0.9, 1e-6)


def test_digits(run):
    result = run("trace", "0.1", "0.2", "0.15", "--digits", "3")
    assert "0.00348" in result.stdout and "-0.00447" in result.stdout


def test_markdown(run):
    result = run("trace", "0.1", "0.2", "0.15", "--format", "markdown")
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].split("|")[3].strip() == "E\\[g²\\]\\_t"
    assert [r.split("|")[3].strip() for r in rows[1:]] == ["0.0005", "0.002475", "0.00347625"]


def test_latex(run):
    result = run("trace", "0.1", "0.2", "0.15", "--format", "latex")
    assert result.exit_code == 0
    assert "\\begin{longtable}" in result.stdout and "$E[g^2]_t$" in result.stdout
    assert "$9.98004 \\times 10^{-7}$" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("$1$")]
    assert rows[0].split(" & ")[2] == "$0.0005$"


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown", "latex"])
def test_output_file(run, tmp_path, fmt):
    out = tmp_path / f"trace.{fmt}"
    result = run("trace", "0.1", "0.2", "0.15", "--format", fmt, "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "0.002475" in text
    if fmt == "json":
        assert len(json.loads(text)["steps"]) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_version(run):
    from adadelta_cli import __version__

    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_bare_command_prints_help(run):
    result = run()
    assert result.exit_code == 0
    for command in ("trace", "step", "check", "worksheet", "plot", "walk", "compare", "optimize"):
        assert command in result.stdout


@pytest.mark.parametrize("argv, code, expect", [
    (["trace", "0.1", "0.2", "0.15"], 0, "0.00347625"),
    (["--lang", "zh", "trace", "0.1"], 0, "0.0005"),
    (["trace", "--lang=en", "0.1", "--rho", "0.9"], 0, "0.001"),
    (["--help"], 0, "worksheet"),
    (["traec", "0.1"], 2, "adadelta: error: no such command: traec"),
    (["step", "--grad", "0.1", "--eg2-prev", "0", "--edx2-prev", "0"], 0, "Δx"),
])
def test_console_script_runs_every_command(argv, code, expect, monkeypatch, capsys):
    # The console script: help, a typo (Click's "No such command", in the CLI's one error form) and a command, all
    # through cli.main.
    from adadelta_cli.cli import app as cli
    from adadelta_cli.cli.commands import NAMES

    before = list(cli.app.registered_commands)
    monkeypatch.setattr(sys, "argv", ["adadelta", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    captured = capsys.readouterr()
    assert exit_.value.code == code, captured
    assert expect in captured.out + captured.err
    assert cli.app.registered_commands == before and len(before) == len(NAMES)


@pytest.mark.parametrize("argv, name", [
    (["trace", "0.1"], "trace"), (["--lang", "zh", "step", "--grad", "0.1"], "step"),
    (["--lang=zh", "check", "x"], "check"),
    (["--help"], None), (["-h", "trace"], None), (["--version"], None), (["traec"], None), ([], None),
    (["--", "trace"], None), (["trace", "--help"], "trace"),
])
def test_the_console_script_builds_the_command_it_runs(argv, name):
    from adadelta_cli.cli import app as cli

    assert cli.command_named(argv) == name


def test_a_command_alone_prints_what_the_whole_app_prints(monkeypatch, capsys):
    from adadelta_cli.cli import app as cli

    argv = ["trace", "0.1", "0.2", "0.15", "--explain"]
    monkeypatch.setattr(sys, "argv", ["adadelta", *argv])
    with pytest.raises(SystemExit):
        cli.main()
    alone = capsys.readouterr().out
    from typer.testing import CliRunner

    whole = CliRunner().invoke(cli.app, argv).stdout
    assert alone == whole and "0.00347625" in alone
