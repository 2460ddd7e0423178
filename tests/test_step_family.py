"""`adadelta step --optimizer` and `adadelta trace --optimizer`: a step of Adagrad, RMSprop, SGD (with momentum), Adam
and AdamW from a given state, and a whole run over a gradient sequence, held against torch.optim's recorded runs
(tests/golden/family/, see test_family_golden.py), the printed arithmetic re-evaluated by a parser of its own, the
LaTeX compiled, hostile input refused."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from tests.test_classroom import compile_tex
from tests.test_family_golden import CASES, TORCH_STATE, ULPS32, worst

MEMBERS = ("adagrad", "rmsprop", "sgd", "momentum", "adam", "adamw")


def options(name: str, settings: dict) -> list[str]:
    """A recorded case's settings as step's options: its own where Adadelta has them, --set for the rest."""
    out: list[str] = []
    for key, value in settings.items():
        if key == "betas":
            out += ["--set", f"beta1={value[0]!r}", "--set", f"beta2={value[1]!r}"]
        elif key == "maximize":
            out.append("--maximize" if value else "--minimize")
        elif key in ("lr", "eps", "weight_decay"):
            out += [f"--{key.replace('_', '-')}", repr(value)]
        else:
            out += ["--set", f"{key}={str(value).lower() if isinstance(value, bool) else repr(value)}"]
    return out


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def _cases():
    """For each optimizer, float64 cases: one parameter of each, stepped from the state torch recorded before a
    middle step (and from nothing before the first)."""
    picked = []
    for name, case in CASES:
        if case["dtype"] != "float64" or not case["id"].endswith(("00", "03", "07", "08", "11", "15")):
            continue
        for t in (1, len(case["grads"]) // 2 + 1):
            picked.append(pytest.param(name, case, t, id=f"{case['id']}-t{t}"))
    return picked


@pytest.mark.parametrize(("name", "case", "t"), _cases())
def test_step_gives_torchs_numbers_from_a_recorded_state(run, name, case, t):
    """x_t and every state tensor after step t, from x_{t−1} and the state torch recorded, to 1e-12 relative."""
    p = len(case["x0"]) - 1  # the last parameter of the case
    before = case["steps"][t - 2] if t > 1 else {"x": case["x0"]}
    after = case["steps"][t - 1]
    args = ["step", "--optimizer", name, "--grad", repr(case["grads"][t - 1][p]), "--x", repr(before["x"][p]),
            "--t", t, *options(name, case["settings"]), "--format", "json"]
    for theirs, mine in TORCH_STATE.items():
        if theirs in before:
            args += ["--state", f"{mine}={before[theirs][p]!r}"]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    step = out["steps"][0]
    assert out["settings"]["optimizer"] == name and step["t"] == t
    assert close(step["x"], after["x"][p]), (step["x"], after["x"][p])
    compared = 1
    for theirs, mine in TORCH_STATE.items():
        if theirs in after and mine in step:
            assert close(step[mine], after[theirs][p]), (mine, step[mine], after[theirs][p])
            compared += 1
    assert compared >= (1 if name == "sgd" and not case["settings"].get("momentum") else 2)
    assert close(step["dx"], step["x"] - before["x"][p], 1e-15)


def test_momentum_is_compares_sgd_with_momentum_and_sgd_its_plain_step(run):
    """One vocabulary with compare's --with: momentum is SGD with μ = 0.9, sgd without."""
    momentum = json.loads(run("step", "--optimizer", "momentum", "--grad", "0.2", "--state", "b=0.1",
                              "--x", "1", "-f", "json").stdout)
    sgd = json.loads(run("step", "--optimizer", "SGD", "--grad", "0.2", "--x", "1", "-f", "json").stdout)
    assert momentum["settings"]["momentum"] == 0.9 and momentum["steps"][0]["b"] == 0.9 * 0.1 + 0.2
    assert momentum["steps"][0]["x"] == 1 - 0.001 * (0.9 * 0.1 + 0.2)
    assert "b" not in sgd["steps"][0] and sgd["steps"][0]["x"] == 1 - 0.001 * 0.2
    first = json.loads(run("step", "--optimizer", "momentum", "--grad", "0.2", "-f", "json").stdout)["steps"][0]
    assert first["b"] == 0.2  # torch's first buffer is the gradient itself


# --- The printed arithmetic, re-evaluated ---------------------------------------------------------------------

_PYTHON = str.maketrans({"·": "*", "²": "**2", "^": "**", "√": "sqrt"})


def value_of(text: str) -> float:
    """A substituted side of the printed arithmetic (``0.9·0.02 + 0.1·(-0.2)``, ``√(4e-5) / √(1 - 0.999^3)``)
    as a number, by Python's own parser: nothing of the package's."""
    return eval(text.translate(_PYTHON), {"sqrt": math.sqrt, "max": max, "__builtins__": {}})  # noqa: S307


ARITHMETIC = {
    "adagrad": ["--set", "lr_decay=0.1", "--state", "G=0.3", "--weight-decay", "0.01"],
    "rmsprop": ["--set", "centered=true", "--set", "momentum=0.5", "--state", "v=0.001", "--state", "gbar=-0.01",
                "--state", "b=0.2", "--maximize"],
    "sgd": ["--set", "momentum=0.8", "--set", "nesterov=true", "--state", "b=-0.05", "--weight-decay", "0.1"],
    "momentum": ["--set", "dampening=0.3", "--state", "b=0.05"],
    "adam": ["--set", "amsgrad=true", "--state", "m=0.01", "--state", "v=1e-4", "--state", "vmax=2e-4"],
    "adamw": ["--state", "m=-0.02", "--state", "v=3e-4", "--weight-decay", "0.1", "--lr", "0.01"],
}


@pytest.mark.parametrize("name", MEMBERS)
@pytest.mark.parametrize("digits", [6, 17])
def test_the_printed_arithmetic_gives_the_printed_values(run, name, digits):
    """Each line ``symbol = formula = numbers = (terms) = value``: every side written with numbers evaluates to
    the value printed (to its digits), and the value printed is the step's own (JSON)."""
    args = ["step", "--optimizer", name, "--grad", "0.3", "--x", "0.7", "--t", "4", *ARITHMETIC[name]]
    table = run(*args, "--digits", digits)
    assert table.exit_code == 0, table.stderr
    values = json.loads(run(*args, "-f", "json").stdout)["steps"][0]
    lines = [line.strip() for line in table.stdout.splitlines() if re.match(r"\s+\S+[_,]4 = ", line)]
    assert len(lines) == len(values) - 3  # a line for each quantity (t, param and g are not worked out)
    rel = 1e-12 if digits == 17 else 5e-5
    for line in lines:
        symbol, _formula, *sides = line.split(" = ")
        printed = float(sides[-1])
        for side in sides:
            got = value_of(side)
            # a difference of two rounded numbers (Δx = x_t − x_{t−1}) is good to the digits of its operands
            scale = max([abs(printed)] + [abs(float(n)) for n in re.findall(r"\d[\d.]*(?:e-?\d+)?", side)])
            assert abs(got - printed) <= rel * scale * 4, (line, side, got)
    assert [line.split(" = ")[0] for line in lines][-1] in ("η_4", "x_4", "Δx_4")
    shown = {line.split(" = ")[0]: float(line.split(" = ")[-1]) for line in lines}
    assert close(shown["x_4"], values["x"], 10.0 ** (1 - digits))


# --- Documents ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", MEMBERS)
def test_latex_of_every_member_compiles(run, tmp_path, name):
    result = run("step", "--optimizer", name, "--grad", "0.3", "--x", "0.7", "--t", "4", *ARITHMETIC[name],
                 "--expect", "x=0.7", "--format", "latex")
    assert result.exit_code == 1, result.stderr  # x = 0.7 is wrong
    assert "\\begin{align*}" in result.stdout
    assert ("\\beta_1" in result.stdout) == name.startswith("adam")
    compile_tex(result.stdout, tmp_path)


def test_a_legend_sets_its_subscripts_as_subscripts(run, tmp_path):
    """The momentum buffer's meaning says b₁ = g₁: in LaTeX a subscript, not the character's code point."""
    result = run("step", "--optimizer", "momentum", "--grad", "0.1", "--format", "latex")
    assert "(torch.optim's first is b$_1$ = g$_1$ where none is given)" in result.stdout
    assert "U+2081" not in result.stdout
    compile_tex(result.stdout, tmp_path)


def test_adam_in_chinese_compiles_and_reads_in_chinese(run, tmp_path):
    result = run("step", "--optimizer", "adam", "--grad", "0.3", "--format", "latex", "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    assert "梯度的指数加权平均" in result.stdout and "Adam：单步" in result.stdout
    compile_tex(result.stdout, tmp_path)
    markdown = run("step", "--optimizer", "adam", "--grad", "0.3", "--format", "markdown", "--lang", "zh").stdout
    assert "m: 梯度的指数加权平均" in markdown and "超参数" in markdown


def test_markdown_and_json_carry_the_members_own_quantities(run):
    args = ["step", "--optimizer", "rmsprop", "--set", "centered=true", "--grad", "0.2"]
    record = json.loads(run(*args, "-f", "json").stdout)["steps"][0]
    assert list(record) == ["t", "param", "g", "v", "gbar", "d", "x", "dx", "eta"]
    markdown = run(*args, "-f", "markdown").stdout
    assert "# RMSprop: one step" in markdown and "ḡ_1 = α·ḡ_0 + (1 - α)·g_1" in markdown
    csv = run(*args, "-f", "csv").stdout.splitlines()
    assert csv[0] == "t,param,g,v,gbar,d,x,dx,eta"


def test_expect_checks_any_quantity_by_the_digit_rule(run):
    right = run("step", "--optimizer", "adam", "--grad", "0.2", "--expect", "m=0.02", "--expect", "v=4e-5",
                "--expect", "d=0.200", "--expect", "eta=0.005000", "-f", "json")
    assert right.exit_code == 0, right.stderr
    checks = json.loads(right.stdout)["checks"]
    assert [(c["name"], c["status"]) for c in checks] == [("m", "right"), ("v", "right"), ("d", "right"),
                                                         ("eta", "right")]
    wrong = run("step", "--optimizer", "adam", "--grad", "0.2", "--expect", "x=-0.00200")
    assert wrong.exit_code == 1 and "✗ wrong" in wrong.stdout
    few = run("step", "--optimizer", "adagrad", "--grad", "0.2", "--x", "0.5", "--expect", "x=0.5",
              "-f", "json")
    assert few.exit_code == 1 and json.loads(few.stdout)["checks"][0]["status"] == "too_few"


def test_adadelta_stays_the_default(run):
    plain = run("step", "--grad", "0.1")
    named = run("step", "--grad", "0.1", "--optimizer", "adadelta")
    assert plain.exit_code == named.exit_code == 0 and plain.stdout == named.stdout
    assert plain.stdout.startswith("Adadelta: ρ = 0.95")


# --- Hostile input -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (["--optimizer", "adamax"], "--optimizer 'adamax': expected one of adadelta, adagrad, rmsprop, sgd, momentum"),
    (["--optimizer", "adam", "--rho", "0.9"], "--rho: Adadelta's own, not adam's"),
    (["--optimizer", "sgd", "--eg2-prev", "0.1", "--rho", "0.9"], "--rho, --eg2-prev: Adadelta's own"),
    (["--optimizer", "adam", "--set", "beta3=0.5"], "--set 'beta3=0.5': expected NAME=VALUE with NAME one of lr"),
    (["--optimizer", "adam", "--set", "beta1=1"], "beta1 must be in [0, 1)"),
    (["--optimizer", "adam", "--set", "beta2=-0.1"], "beta2 must be in [0, 1)"),
    (["--optimizer", "rmsprop", "--set", "centered=maybe"], "centered is true or false"),
    (["--optimizer", "adam", "--set", "lr=abc"], "--set"),
    (["--optimizer", "adam", "--lr", "-1"], "--lr: lr must be >= 0"),
    (["--optimizer", "adam", "--state", "v=-1"], "v (running average of squared gradients) cannot be negative"),
    (["--optimizer", "adagrad", "--state", "G=-1"], "G (the sum of squared gradients) cannot be negative"),
    (["--optimizer", "adam", "--state", "G=1"], "--state 'G=1': expected NAME=VALUE with NAME one of m, v, vmax"),
    (["--optimizer", "adam", "--expect", "eg2=0.1"], "--expect 'eg2=0.1': expected NAME=VALUE with NAME one of m"),
    (["--optimizer", "adam", "--expect", "m=zz"], "--expect 'm=zz': 'zz' is not a number"),
    (["--optimizer", "sgd", "--set", "nesterov=true"], "nesterov=true needs momentum > 0 and dampening = 0"),
    (["--optimizer", "momentum", "--set", "nesterov=true", "--set", "dampening=0.1"], "nesterov=true needs"),
    (["--set", "lr=0.1"], "--set goes with the other optimizers (--optimizer adagrad"),
    (["--state", "m=0.1"], "--state goes with the other optimizers (--optimizer adagrad"),
    (["--optimizer", "adam", "--grad", "1e200"], "step 1: v_1 = inf is not a finite number"),
    (["--optimizer", "adagrad", "--x", "1,2"], "--x takes one number"),
    (["--optimizer", "adam", "--state", "m=\x1b[2J"], "--state m"),
    (["--optimizer", "adam", "--lr", "0.2", "--set", "lr=0.1"], "--set 'lr=0.1': lr is given by --lr too"),
    (["--optimizer", "adam", "--set", "beta1=0.5", "--set", "beta1=0.6"], "beta1 is given by --set 'beta1=0.5'"),
    (["--optimizer", "adam", "--state", "vmax=1"], "--state 'vmax=1': vmax (the largest v so far (AMSGrad)) is not "
                                                   "read with these settings"),
    (["--optimizer", "sgd", "--state", "b=1"],
     "b (the momentum buffer (torch.optim's first is b₁ = g₁ where none is given)) is not read"),
    (["--optimizer", "rmsprop", "--state", "v=1", "--state", "v=2"], "--state 'v=2': v is given twice"),
])
def test_hostile_input_gets_one_clear_message_and_exit_2(run, args, says):
    if "--grad" not in args:
        args = [*args, "--grad", "0.1"]
    result = run("step", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("command", ["step", "trace"])
def test_help_names_every_optimizer_offered(run, command):
    from adadelta_cli.features import stepping

    text = " ".join(run(command, "--help", "--lang", "en").stdout.split())
    named = re.search(r"--optimizer NAME The optimizer: (.*?), with PyTorch", text).group(1)
    assert re.split(r", | or ", re.sub(r" \(.*?\)", "", named)) == list(stepping.NAMES)


# --- trace --optimizer: a whole run ------------------------------------------------------------------------------

def _trace_cases():
    """Float64 cases of every optimizer, several parameters each where torch recorded them."""
    return [pytest.param(name, case, id=case["id"]) for name, case in CASES
            if case["dtype"] == "float64" and case["id"].endswith(("00", "05", "10", "15"))]


@pytest.mark.parametrize(("name", "case"), _trace_cases())
def test_trace_gives_torchs_run_step_by_step(run, tmp_path, name, case):
    """Every step's x and state, for every parameter, from the gradients as a CSV file and x₀ by --x0: torch's
    to 1e-12 relative."""
    params = len(case["x0"])
    path = tmp_path / "g.csv"
    path.write_text(",".join(f"p{i}" for i in range(params)) + "\n" + "".join(
        ",".join(repr(g) for g in row) + "\n" for row in case["grads"]), encoding="utf-8")
    args = ["trace", path, "--optimizer", name, "--x0", ",".join(repr(x) for x in case["x0"]),
            *options(name, case["settings"]), "-f", "json"]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)["steps"]
    assert len(records) == len(case["grads"]) * params
    for record in records:
        t, p = record["t"], int(record["param"][1:])
        after = case["steps"][t - 1]
        assert record["g"] == case["grads"][t - 1][p]
        assert close(record["x"], after["x"][p]), (t, p, record["x"], after["x"][p])
        for theirs, mine in TORCH_STATE.items():
            if theirs in after and mine in record:
                assert close(record[mine], after[theirs][p]), (t, p, mine)


def test_trace_is_the_steps_of_step_chained(run):
    """Each step of a trace is `step` from the state the step before it left (the same description, the same
    loop): t, x and the state carried by hand through --state, --x and --t."""
    grads = ["0.3", "-0.2", "0", "0.5"]
    args = ["--optimizer", "adam", "--set", "amsgrad=true", "--weight-decay", "0.1"]
    traced = json.loads(run("trace", *grads, *args, "--x0", "0.7", "-f", "json").stdout)["steps"]
    x, state = "0.7", []
    for t, (g, record) in enumerate(zip(grads, traced), start=1):
        one = json.loads(run("step", *args, "--grad", g, "--x", x, "--t", t, *state, "-f", "json").stdout)
        assert one["steps"][0] == {**record, "t": t}
        x, state = repr(record["x"]), [f"--state={k}={record[k]!r}" for k in ("m", "v", "vmax")]
    # g_3 = 0, but the step uses g_eff,3 = g_3 + wd·x_2 (coupled weight decay): η_3 = −Δx_3/g_eff,3
    assert close(traced[2]["eta"], -traced[2]["dx"] / traced[2]["g_eff"])
    plain = json.loads(run("trace", *grads, "--optimizer", "adam", "-f", "json").stdout)["steps"]
    assert plain[2]["eta"] is None  # g_3 = 0: η_3 = −Δx_3/g_3 is undefined (null, as compare writes it)
    maximized = json.loads(run("trace", *grads, "--optimizer", "sgd", "--set", "momentum=0.9", "--maximize",
                               "-f", "json").stdout)["steps"]
    assert maximized[0]["eta"] == 0.001  # −Δx/g_eff: as plain SGD's lr, whichever way the step goes


def test_trace_momentum_is_compares_momentum(run):
    grads = ["0.1", "-0.3", "0.25", "0.05"]
    compared = json.loads(run("compare", *grads, "--with", "momentum", "-f", "json").stdout)["steps"]
    traced = json.loads(run("trace", *grads, "--optimizer", "momentum", "-f", "json").stdout)["steps"]
    assert [r["x"] for r in compared if r["optimizer"] == "momentum"] == [r["x"] for r in traced]


def test_trace_for_people_elides_as_every_trace_and_explains(run):
    grads = [f"{k / 100}" for k in range(1, 41)]
    table = run("trace", *grads, "--optimizer", "rmsprop", "--explain")
    assert table.exit_code == 0, table.stderr
    out = table.stdout
    assert out.startswith("RMSprop: lr = 0.01, α = 0.99, ε = 1e-8, μ = 0, x₀ = 0, v₀ = 0\n")
    assert "20 steps hidden; --all shows every step" in out
    assert "Steps 11 to 30 are left out here; --all explains every step." in out
    assert "Step 10\n" in out and "Step 11\n" not in out and "Step 31\n" in out
    assert "v_31 = α·v_30 + (1 - α)·g_31²" in out
    every = run("trace", *grads, "--optimizer", "rmsprop", "--all").stdout
    assert "hidden" not in every and len([line for line in every.splitlines() if re.match(r"\s+\d+\s", line)]) == 40
    markdown = run("trace", *grads, "--optimizer", "rmsprop", "-f", "markdown").stdout
    assert markdown.startswith("# RMSprop, step by step") and markdown.count("\n| ") == 41  # every row, and heads
    zero = run("trace", "0.1", "0", "--optimizer", "adam").stdout
    assert re.search(r"\n\s+2\s+0\s.*—\n", zero), zero  # η_2 undefined where g_2 = 0


def test_trace_arithmetic_gives_the_printed_values(run):
    """Every worked line of a trace (two parameters, Nesterov momentum, weight decay) evaluates to its value."""
    result = run("trace", "0.3", "-0.1", "0.2", "--optimizer", "sgd", "--set", "momentum=0.8", "--set",
                 "nesterov=true", "--weight-decay", "0.1", "--x0", "0.7", "--explain", "--digits", "17")
    assert result.exit_code == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if re.match(r"\s+\S+[_,]\d = ", line)]
    assert len(lines) == 3 * 6  # g_eff, b, g̃, x, Δx, η a step
    for line in lines:
        _symbol, _formula, *sides = line.split(" = ")
        printed = float(sides[-1])
        for side in sides:
            scale = max([abs(printed)] + [abs(float(n)) for n in re.findall(r"\d[\d.]*(?:e-?\d+)?", side)])
            assert abs(value_of(side) - printed) <= 4e-12 * scale, (line, side)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trace_latex_with_several_parameters_compiles(run, tmp_path, lang):
    path = tmp_path / "g.csv"
    path.write_text("w,权重_1\n0.1,1\n0.2,-1\n0,0.5\n", encoding="utf-8")
    result = run("trace", path, "--optimizer", "adagrad", "--x0", "1,2", "--explain", "-f", "latex", "--lang", lang)
    assert result.exit_code == 0, result.stderr
    assert "\\begin{align*}" in result.stdout and ("逐步计算" in result.stdout) == (lang == "zh")
    compile_tex(result.stdout, tmp_path)


def test_trace_exports_its_own_table_as_svg_and_html(run, tmp_path):
    svg, html = tmp_path / "t.svg", tmp_path / "t.html"
    result = run("trace", "0.1", "0.2", "--optimizer", "adam", "--explain", "--export-svg", svg, "--export-html",
                 html)
    assert result.exit_code == 0, result.stderr
    page = html.read_text(encoding="utf-8")
    assert "Adam: lr = 0.001" in page and "m_2 = β₁·m_1 + (1 - β₁)·g_2" in page
    assert re.search(r"@media print \{\{?[^}]*pre \{ font-size: 6.5pt; white-space: pre-wrap; \}", page)  # paper
    assert "<svg" in svg.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "says"), [
    (["--optimizer", "adam", "--rho", "0.9"], "--rho: Adadelta's own, not adam's"),
    (["--optimizer", "sgd", "--eg2-init", "0.1", "--nonfinite", "continue"], "--eg2-init, --nonfinite: Adadelta's"),
    (["--optimizer", "adam", "--set", "beta1=1"], "beta1 must be in [0, 1)"),
    (["--optimizer", "adam", "--set", "amsgrad=true", "--state", "vmax=-1"],
     "vmax (the largest v so far (AMSGrad)) cannot be negative"),
    (["--optimizer", "adam", "--x0", "1,2"], "--x0 has 2 values but the input has 1 parameters"),
    (["--optimizer", "adam", "--lr", "0.1,0.2"], "--lr"),
    (["--optimizer", "sgd", "--lr", "1e308", "1e300"], "step 2: x_2 = -inf is not a finite number"),
    (["--set", "lr=0.1"], "--set goes with the other optimizers (--optimizer adagrad"),
    (["--optimizer", "adam", "--explain", "-f", "csv"], "--explain goes with --format table, markdown or latex"),
])
def test_trace_hostile_input_gets_one_clear_message_and_exit_2(run, tmp_path, args, says):
    out = tmp_path / "kept.json"
    out.write_text("mine", encoding="utf-8")
    result = run("trace", "0.1", *args, "-o", out)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_shows_the_textbooks_bias_corrected_averages(run, amsgrad):
    """m̂_t = m_t/(1 − β₁^t) and v̂_t = v_t/(1 − β₂^t) (v_t^max with AMSGrad, as torch's documented algorithm), and
    the textbook's step x_{t−1} − lr·m̂_t/(√v̂_t + ε) lands on torch's x_t; a student's m̂ and v̂ are checked."""
    args = ["step", "--optimizer", "adam", "--grad", "0.1", "--state", "m=0.01", "--state", "v=0.0001", "--t", "3",
            "--x", "0.5"] + (["--set", "amsgrad=true", "--state", "vmax=0.0002"] if amsgrad else [])
    step = json.loads(run(*args, "-f", "json").stdout)["steps"][0]
    m = 0.9 * 0.01 + 0.1 * 0.1
    v = max(0.0002, step["v"]) if amsgrad else 0.999 * 0.0001 + 0.001 * 0.1 ** 2
    assert close(step["mhat"], m / (1 - 0.9 ** 3)) and close(step["vhat"], v / (1 - 0.999 ** 3))
    assert close(step["x"], 0.5 - 0.001 * step["mhat"] / (math.sqrt(step["vhat"]) + 1e-8), 1e-13)
    checked = run(*args, "--expect", f"mhat={step['mhat']:.4g}", "--expect", f"vhat={step['vhat']:.4g}")
    assert checked.exit_code == 0, checked.stdout
    assert ("vᵐᵃˣ_3 = max(vᵐᵃˣ_2, v_3)" in checked.stdout) == amsgrad and "v̂_3 = " in checked.stdout


@pytest.mark.parametrize(("name", "case"), [pytest.param(n, c, id=c["id"]) for n, c in CASES
                                            if c["dtype"] == "float32"])
def test_trace_in_float32_follows_torchs_float32_kernels(run, tmp_path, name, case):
    """--dtype float32: every step's x and state of each of torch's recorded float32 runs (every option), within
    32 ulps of torch's CPU kernels."""
    params = len(case["x0"])
    path = tmp_path / "g.csv"
    path.write_text(",".join(f"p{i}" for i in range(params)) + "\n" + "".join(
        ",".join(repr(g) for g in row) + "\n" for row in case["grads"]), encoding="utf-8")
    result = run("trace", path, "--optimizer", name, "--dtype", "float32", "--x0",
                 ",".join(repr(x) for x in case["x0"]), *options(name, case["settings"]), "-f", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["settings"]["dtype"] == "float32"
    rows = []
    for t, after in enumerate(case["steps"], start=1):
        records = [r for r in out["steps"] if r["t"] == t]
        row = {key: [r[TORCH_STATE.get(key, key)] for r in records] for key in after if key != "step"}
        rows.append({**row, **({"step": float(t)} if "step" in after else {})})
    far, where = worst(name, case, rows)
    assert far <= ULPS32, where


def test_float32_values_beyond_float32_are_refused(run):
    for args, says in ((["--grad", "1e39"], "--grad = 1e+39 is too large for float32"),
                       (["--grad", "0.1", "--set", "eps=1e-50"], "eps = 1e-50 is too small for float32"),
                       (["--grad", "0.1", "--state", "m=1e39"], "--state m = 1e+39 is too large for float32")):
        result = run("step", "--optimizer", "adam", "--dtype", "float32", *args)
        assert result.exit_code == 2 and says in result.stderr and result.stdout == "", result.stderr
    traced = run("trace", "0.1", "1e39", "--optimizer", "adam", "--dtype", "float32")
    assert traced.exit_code == 2 and "step 2: g = 1e+39 is too large for float32" in traced.stderr


def test_walk_steps_through_a_member_as_through_adadelta(run):
    """walk --optimizer: without a terminal, every step's arithmetic in order, the same lines as trace --explain;
    in a window, the table so far with the current step's arithmetic under it, narrow columns left out first."""
    from rich.cells import cell_len

    from adadelta_cli.features import family_trace
    from adadelta_cli.features import walk as walking
    from adadelta_cli.formats.tables import Gradients

    args = ["0.1", "-0.2", "0", "--optimizer", "rmsprop", "--set", "centered=true", "--x0", "1"]
    walked = run("walk", *args)
    assert walked.exit_code == 0, walked.stderr
    assert walked.stdout.startswith("RMSprop: lr = 0.01, α = 0.99, ε = 1e-8, μ = 0, centered, x₀ = 1, v₀ = 0, ḡ₀ = 0")
    explained = run("trace", *args, "--explain").stdout
    for line in [line for line in walked.stdout.splitlines() if line.startswith("  ")]:
        assert line in explained, line
    assert "Step 3 of 3" in walked.stdout and "End of the trace: step 3 was the last." in walked.stdout
    traced = family_trace.Traced.given("adam", {}, ["amsgrad=true"], [])(
        Gradients(np.array([[0.1], [-0.2], [0.0]]), ["x"], "arguments"), [0.5])
    state = walking.Walk(traced, 6)
    state.press("n")
    state.press("n")
    screen = [str(line) for line in state.screen(60, 30)]
    assert screen[1].startswith("Step 3 of 3") and "left out to fit" in screen[1]
    assert any(line.startswith("  m_3 = β₁·m_2 + (1 - β₁)·g_3") for line in screen)
    assert any(line.split()[:1] == ["3"] and line.rstrip().endswith("—") for line in screen)  # η_3: g_3 = 0
    assert max(cell_len(line) for line in screen) <= 60  # (m̂ is two characters, one cell)


def test_walk_refuses_what_another_optimizer_does_not_take(run):
    for args, says in ((["--optimizer", "adam", "--rho", "0.9"], "--rho: Adadelta's own"),
                       (["--set", "lr=1"], "--set goes with the other optimizers")):
        result = run("walk", "0.1", *args)
        assert result.exit_code == 2 and says in result.stderr and result.stdout == "", result.stderr


def test_a_long_member_trace_is_computed_as_it_is_written():
    """CSV and JSON take the steps as they are computed (the memory of a step, not of the run); the last step of
    20,000 is the one compare's momentum reaches."""
    import collections.abc

    from adadelta_cli.features import comparing, family_trace
    from adadelta_cli.formats.tables import Gradients

    grads = np.random.default_rng(3).normal(size=(20_000, 1))
    traced = family_trace.Traced.given("momentum", {}, [], [])(Gradients(grads, ["x"], "arguments"), [0.0])
    rows = traced.records().rows
    assert isinstance(rows, collections.abc.Iterator)
    last = collections.deque(rows, maxlen=1)[0]
    assert last[0] == 20_000 and last[4] == comparing.family.run(comparing.OFFERED["momentum"][0], {"momentum": 0.9},
                                                                 grads, np.zeros(1))["x"][-1, 0]


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam"])
def test_a_step_that_nearly_cancels_x_is_rounded_as_torch_rounds_it(run, name):
    """x_{t−1} − (lr·g)/d ≈ 0 leaves only the roundings: the family computes addcdiv_ in torch's order, (v·a)/b,
    as the exact-arithmetic reference of test_family_golden does (v·(a/b) was 1.4e-12 relative off here)."""
    from tests.test_family_golden import Reference

    grads = [0.0, 0.0, 1e-3, -2.5, 0.0]
    reference, x = Reference(name, {}, "float64"), [0.0]
    records = json.loads(run("trace", *map(repr, grads), "--optimizer", name, "-f", "json").stdout)["steps"]
    for g, record in zip(grads, records):
        x, _state = reference.step([g], x)
        assert record["x"] == x[0], (record["t"], record["x"], x[0])


def test_an_undefined_eta_is_a_dash_in_every_notation(run, tmp_path):
    """η_t = −Δx_t/g_t where g_t = 0: "—" in the worked arithmetic as in the table, null in JSON; LaTeX sets it as
    text (it compiles without a warning about math mode)."""
    table = run("trace", "0.1", "0", "--optimizer", "adam", "--explain").stdout
    assert "η_2 = -Δx_2 / g_2 = -(-0.000670058) / 0 = —\n" in table and "nan" not in table
    latex = run("trace", "0.1", "0", "--optimizer", "adam", "--explain", "-f", "latex").stdout
    assert "&= \\text{---}" in latex
    assert "invalid in math mode" not in compile_tex(latex, tmp_path)
