"""The step description is the one home of the formulas: the printed formulas produce the printed numbers.

The formulas a worksheet prints (Markdown, every mode) are read back as text by an independent translator into
Python arithmetic, applied step by step, and must give the answer key's numbers; the description's own trees must
agree with the engine to the last few ulps; --explain prints the same formulas.
"""

import csv
import io
import math
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from adadelta_cli.cli.app import app
from adadelta_cli.maths import core, formulas, notation, recurrence, tree
from adadelta_cli.maths.arith import arithmetic

GRADS = ["0.1", "-0.2", "0.15", "0.3"]
MODE_OPTIONS = {
    recurrence.Mode(False, None): [],
    recurrence.Mode(False, "coupled"): ["--weight-decay", "0.5"],
    recurrence.Mode(False, "decoupled"): ["--weight-decay", "0.5", "--weight-decay-mode", "decoupled"],
    recurrence.Mode(True, None): ["--maximize"],
    recurrence.Mode(True, "coupled"): ["--maximize", "--weight-decay", "0.5"],
    recurrence.Mode(True, "decoupled"): ["--maximize", "--weight-decay", "0.5", "--weight-decay-mode", "decoupled"],
}

# Printed notation -> Python names, longest first. Written independently of the renderer on purpose.
SYMBOLS = [
    ("E[g²]_{t-1}", "eg2_prev"), ("E[Δx²]_{t-1}", "edx2_prev"), ("E[g²]_t", "eg2"), ("E[Δx²]_t", "edx2"),
    ("g_eff,t", "g_eff"), ("x_{t-1}", "x_prev"), ("η_t", "eta"), ("Δx_t", "dx"), ("g_t", "g"), ("x_t", "x"),
    ("ρ", "rho"), ("ε", "eps"), ("√", "sqrt"), ("·", "*"), ("²", "**2"),
]


def to_python(formula: str) -> tuple[str, str]:
    left, right = (side.strip() for side in formula.split(" = ", 1))
    for text, name in SYMBOLS:
        left, right = left.replace(text, name), right.replace(text, name)
    assert re.fullmatch(r"[a-z_0-9 .*+\-/()]+", right), right  # nothing left untranslated
    return left, right


def sheet(options: list[str], fmt: str, *extra: str) -> str:
    result = CliRunner().invoke(app, ["worksheet", *GRADS, "--x0", "1", "--lr", "0.5", *options, "--answers",
                                      "-f", fmt, *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("mode", list(MODE_OPTIONS), ids=str)
def test_printed_formulas_give_the_answer_key(mode):
    options = MODE_OPTIONS[mode]
    printed = [line[2:].strip("`") for line in sheet(options, "markdown").splitlines() if line.startswith("- ")]
    assert printed == [q.equation(mode) for q in recurrence.quantities(mode)]
    key = list(csv.DictReader(line for line in io.StringIO(sheet(options, "csv", "--digits", "17"))
                              if not line.startswith("#")))
    program = [to_python(f) for f in printed]
    state = {"eg2_prev": 0.0, "edx2_prev": 0.0, "x_prev": 1.0, "rho": 0.95, "eps": 1e-6, "lr": 0.5, "wd": 0.5,
             "sqrt": math.sqrt}
    for row in key:
        env = {**state, "g": float(row["g"])}
        for name, expression in program:
            env[name] = eval(expression, {"__builtins__": {}}, env)  # noqa: S307  (our own printed formulas)
        for name in ("eg2", "eta", "dx", "edx2", "x") + (("g_eff",) if mode.g_eff else ()):
            assert env[name] == pytest.approx(float(row[name]), rel=1e-13, abs=1e-300), (row["t"], name)
        state.update(eg2_prev=env["eg2"], edx2_prev=env["edx2"], x_prev=env["x"])


def test_the_decoupled_sheet_prints_the_shrink_the_engine_applies():
    # The formula a student applies must be the one the key was computed with (it once printed x + lr·Δx).
    printed = sheet(MODE_OPTIONS[recurrence.Mode(False, "decoupled")], "markdown")
    assert "- `x_t = x_{t-1}·(1 - lr·wd) + lr·Δx_t`" in printed
    assert "x_t = x_{t-1} + lr·Δx_t" not in printed


@pytest.mark.parametrize("mode", recurrence.MODES, ids=str)
def test_trees_agree_with_the_engine(mode):
    settings = core.Settings(lr=0.5, maximize=mode.maximize, weight_decay=0.5 if mode.weight_decay else 0.0,
                             weight_decay_mode=mode.weight_decay or "coupled")
    steps = core.run(np.array([[0.1], [-0.2], [0.15], [0.3]]), settings, core.init(1.0, size=1))
    previous = {"eg2": 0.0, "edx2": 0.0, "x": 1.0}
    for t in range(4):
        record = {name: float(getattr(steps, name)[t, 0]) for name in core.FIELDS}
        values = recurrence.step_values(record, previous, settings)
        for q in recurrence.quantities(mode):
            tree_value = tree.evaluate(q.formula(mode), values)
            assert tree_value == pytest.approx(record[q.name], rel=4e-16, abs=1e-300), (t, q.name)
        previous = {"eg2": record["eg2"], "edx2": record["edx2"], "x": record["x"]}


def test_explain_prints_the_description_formulas():
    out = CliRunner().invoke(app, ["trace", "--explain"]).stdout
    assert "E[g²]_2 = ρ·E[g²]_1 + (1 - ρ)·g_2² = 0.95·0.0005 + 0.05·0.2² = 0.000475 + 0.002 = 0.002475" in out
    assert "Δx_1 = -η_1·g_1 = -0.0446767·0.1 = -0.00446767" in out


def test_every_quantity_names_its_engine_function():
    for q in recurrence.QUANTITIES:
        assert getattr(formulas, q.compute.__name__) is q.compute  # the engine's function (core runs formulas')


MODES = [recurrence.Mode(m, w, r) for m in (False, True) for w in (None, "coupled", "decoupled")
         for r in ("current", "previous")]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_the_engine_computes_each_quantity_from_the_leaves_of_its_formula(mode):
    # Each record's function takes exactly its formula's symbols (its inputs), in order; the loop over the records
    # gives what each tree gives, in every mode.
    import inspect

    settings = core.Settings(maximize=mode.maximize, weight_decay=0.1 if mode.weight_decay else 0.0,
                             weight_decay_mode=mode.weight_decay or "coupled", rate_eg2=mode.rate_eg2, lr=0.5)
    for q in recurrence.quantities(mode):
        function = getattr(formulas, q.compute.__name__)
        positional = [p for p in inspect.signature(function).parameters.values() if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert len(q.inputs(mode)) <= len(positional), (q.name, q.inputs(mode))
        assert all(p.default is not p.empty for p in positional[len(q.inputs(mode)):])
    rng = np.random.default_rng(7)
    values = {"g": rng.standard_normal(5), "eg2_prev": rng.random(5), "edx2_prev": rng.random(5) / 100,
              "x_prev": rng.standard_normal(5)}
    out = recurrence.run_step(dict(values), settings, arithmetic("float64"), mode)
    hyper = recurrence.hyper_values(settings)
    for j in range(5):
        plain = {**hyper, **{k: float(v[j]) for k, v in out.items()}}
        plain.setdefault("g_eff", plain["g"])
        for q in recurrence.quantities(mode):
            assert tree.evaluate(q.formula(mode), plain) == pytest.approx(plain[q.name], rel=4e-16, abs=1e-300)


def test_update_is_the_description_loop():
    # core.update runs recurrence.run_step: the same bits as a trace by any engine.
    grads = np.random.default_rng(3).standard_normal((20, 2))
    s = core.Settings(rho=0.9, weight_decay=0.01, lr=0.7)
    state = core.init(size=2)
    trace = core.run(grads, s, method="numpy")
    for t in range(20):
        step, state = core.update(grads[t], state, s)
        assert np.array_equal(step.x, trace.x[t]) and np.array_equal(step.eta, trace.eta[t])


def test_latex_squares_a_subscripted_symbol_in_braces():
    # g^{eff}_t^2 is a double superscript for TeX; {g^{eff}_t}^2 is not.
    mode = recurrence.Mode(maximize=True)
    assert r"\left(g^{\mathrm{eff}}_{t}\right)^2" in recurrence.BY_NAME["eg2"].equation(mode, notation.LATEX)


def test_settings_are_resolved_once_and_spelled_as_the_caller_knows_them():
    from adadelta_cli import i18n, trace
    from adadelta_cli.errors import SettingsError

    i18n.set_language("en")  # (the API speaks the process's language: a test before may have left another)

    with pytest.raises(SettingsError, match=r"^rho must lie in \[0, 1\], got 2$"):
        trace([0.1], rho=2)
    with pytest.raises(SettingsError, match=r"^preset='optax' needs an explicit lr="):
        trace([0.1], preset="optax")
    result = CliRunner().invoke(app, ["trace", "0.1", "--rho", "2"])
    assert result.exit_code == 2 and "--rho must lie in [0, 1], got 2" in result.stderr
    # The API and the command line resolve a preset to the same settings.
    api = trace([0.1, 0.2], preset="keras", x0=1.0)
    cli = CliRunner().invoke(app, ["trace", "0.1", "0.2", "--preset", "keras", "--x0", "1", "-f", "json"])
    import json

    doc = json.loads(cli.stdout)
    assert [s["x"] for s in doc["steps"]] == api.x[:, 0].tolist()
    assert {k: doc["settings"][k] for k in ("rho", "eps", "lr", "weight_decay_mode", "lr_dtype")} == {
        "rho": api.settings.rho, "eps": api.settings.eps, "lr": api.settings.lr,
        "weight_decay_mode": api.settings.weight_decay_mode, "lr_dtype": api.settings.lr_dtype}


@pytest.mark.parametrize("args, message", [
    (["--x", "1e999"], "--x: '1e999' is too large"),
    (["--edx2-prev", "-1"], "--edx2-prev is a running average of squares"),
    (["--eg2-prev", "-1"], "--eg2-prev is a running average of squares"),
])
def test_step_messages_name_steps_own_options(args, message):
    result = CliRunner().invoke(app, ["step", "--grad", "0.1", *args])
    assert result.exit_code == 2 and message in result.stderr
    assert "--x0" not in result.stderr and "-init" not in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex"])
def test_step_expect_says_what_was_wrong_in_every_format(fmt):
    result = CliRunner().invoke(app, ["step", "--grad", "0.1", "--expect", "eta=0.5", "-f", fmt])
    assert result.exit_code == 1
    if fmt == "csv":  # the CSV keeps the trace's columns: the marking goes to standard error
        assert "η_1" in result.stderr and "0.0446767" in result.stderr and "0/1" in result.stderr
        assert result.stdout.splitlines()[0].startswith("t,param,g,")
    else:  # a document for people holds the marking, after the step's row and arithmetic
        out = result.stdout
        assert result.stderr == "" and "0/1" in out and "0.5" in out
        assert out.index("0.0446767") < out.index("0/1")
        assert ("η\\_1" if fmt == "markdown" else r"$\eta_{1}$") in out


@pytest.mark.parametrize("args, note", [
    (["--preset", "mxnet", "--lr", "0.5"], "MXNet's Adadelta has no learning rate; --lr 0.5 is applied anyway"),
    (["--preset", "chainer", "--lr", "0.5"], "Chainer's Adadelta has no learning rate"),
    (["--preset", "dl4j", "--eps", "0"], "DL4J replaces ε = 0 with 1e-07"),
])
def test_a_setting_the_framework_would_not_honour_is_said(args, note):
    result = CliRunner().invoke(app, ["trace", "0.1", *args, "-f", "csv"])
    assert result.exit_code == 0 and note in result.stderr


def test_a_presets_own_settings_are_quiet():
    result = CliRunner().invoke(app, ["trace", "0.1", "--preset", "mxnet", "--lr", "1", "-f", "csv"])
    assert result.exit_code == 0 and result.stderr == ""
