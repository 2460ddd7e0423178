"""Every framework preset held by its framework's golden vectors (tests/golden/frameworks/, written by
scripts/make_golden_frameworks.py). No framework is needed to run these tests.

Each run of a golden file is replayed through the Python API with the preset and only the settings the case set
explicitly (the framework's defaults otherwise), so the preset's own conventions (where lr and weight decay
apply, which hyperparameters are float32, TensorFlow.js's E[g²]_{t−1}, float32 arithmetic) are what is tested.
float64: every finite value within 1e-12 of its parameter's scale (the largest |value| of that parameter over
the run). float32: within a few float32 ulps of that scale (the tool's float32 follows PyTorch's kernels, each
framework orders its float32 operations its own way; ULPS below records the worst measured per preset).
Non-finite values (runs that overflow, followed with nonfinite="continue") must sit in the same cells.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from adadelta_cli import api
from adadelta_cli.maths import presets

FOLDER = Path(__file__).parent / "golden" / "frameworks"
FILES = sorted(FOLDER.glob("*.json"))
DOCS = {p.stem: json.loads(p.read_text()) for p in FILES}
# The worst float32 difference measured against each framework, in float32 ulps of the parameter's scale; the
# test allows this and no more (a change of arithmetic that moves a preset further from its framework fails).
# Measured: MXNet 4, Paddle 5, MindSpore 11, MLX 4, Chainer 6, TensorFlow.js 3, tf.keras 6.5 (its legacy optimizer
# 14), TF1 14, Caffe2 6.
ULPS = {"mxnet": 8, "paddle": 8, "mindspore": 16, "mlx": 8, "chainer": 8, "tfjs": 8, "keras2": 16, "tf1": 16,
        "caffe": 8}
# tf.keras ≤ 2.10's optimizer (tf_keras.optimizers.legacy since 2.11) keeps ρ in float32 as well as lr.
VARIANTS = {("keras2", "legacy"): {"hyper_float32": "lr,rho"}}


def runs():
    for preset, doc in DOCS.items():
        for run in doc["runs"]:
            if "steps" in run:
                name = f"{preset}-{run['case']}-{run['dtype']}" + (f"-{run['variant']}" if run.get("variant") else "")
                yield pytest.param(preset, run, id=name)


def replay(preset: str, run: dict):
    """The run through the API: the preset, plus what the case set explicitly."""
    s = run["settings"]
    given = {k: s[k] for k in ("rho", "eps", "lr") if s.get(k) is not None}
    if s.get("weight_decay"):
        given["weight_decay"] = s["weight_decay"]
    given.update(VARIANTS.get((preset, run.get("variant")), {}))
    if run.get("variant") == "legacy" and given.get("eps") == 0:
        given["eps"] = 1e-7  # the legacy optimizer's `epsilon or backend.epsilon()`: ε = 0 becomes 1e-7
    # A preset that computes in float32 (MindSpore's CPU kernel, TensorFlow.js, Caffe2) does so for float64
    # parameters too: its own dtype; otherwise the run's.
    if presets.PRESETS[preset].get("dtype") != "float32":
        given["dtype"] = run["dtype"]
    return api.trace(run["grads"], preset=preset, x0=s["x0"], nonfinite="continue", **given)


def compare(got: np.ndarray, ref: np.ndarray, *, float32: bool) -> float:
    """The worst difference over finite cells: relative to the parameter's scale (float64) or in float32 ulps of
    it (float32). Non-finite cells must match exactly (same kind, same place)."""
    got = np.asarray(got, dtype=np.float64)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), finite), "non-finite cells differ"
    assert np.array_equal(np.isnan(got), np.isnan(ref)) and np.array_equal(got[np.isinf(ref)], ref[np.isinf(ref)])
    if not finite.any():
        return 0.0
    peak = np.max(np.where(finite, np.abs(ref), 0.0), axis=0)
    if float32:
        scale = np.spacing(peak.astype(np.float32)).astype(np.float64)
        scale = np.where(scale > 0, scale, float(np.spacing(np.float32(0))))
    else:
        scale = np.maximum(peak, np.finfo(float).tiny)
    diff = np.where(finite, np.abs(got - np.where(finite, ref, 0.0)), 0.0) / scale
    return float(diff.max())


def worst(preset: str, run: dict) -> tuple[float, bool]:
    steps = replay(preset, run)
    float32 = steps.settings.dtype == "float32"
    return max(compare(getattr(steps, q), np.array(run["steps"][q], dtype=np.float64), float32=float32)
               for q in ("x", "eg2", "edx2")), float32


def test_every_framework_has_golden_vectors():
    assert set(DOCS) == {"mxnet", "paddle", "mindspore", "mlx", "chainer", "tfjs", "keras2", "tf1", "dl4j",
                         "lua-torch", "caffe"}
    for preset, doc in DOCS.items():
        assert preset in presets.PRESETS
        assert doc["version"] and doc["framework"]
        assert sum("steps" in run for run in doc["runs"]) >= 6, preset


@pytest.mark.parametrize("preset,run", list(runs()))
def test_preset_reproduces_its_framework(preset, run):
    error, float32 = worst(preset, run)
    if float32:
        assert error <= ULPS[preset], f"{error} float32 ulps"
    else:
        assert error <= 1e-12, f"{error:.3g} of the parameter's scale"


def test_defaults_are_the_frameworks_own():
    """Each preset's ρ, ε and lr are the defaults read from the framework (its golden file's "defaults")."""
    for preset, doc in DOCS.items():
        d, p = doc["defaults"], presets.PRESETS[preset]
        assert p["rho"] == pytest.approx(d["rho"], rel=1e-7), preset
        assert p["eps"] == pytest.approx(d["eps"], rel=1e-7), preset
        if d.get("lr") is None or preset == "mxnet":  # no learning rate (MXNet's is ignored): the step is Δx
            assert p["lr"] in (1.0, None), preset
        else:
            assert p["lr"] == pytest.approx(d["lr"], rel=1e-7), preset


def test_rho_one_keeps_the_first_steps_size():
    # ρ = 1: E[g²] and E[Δx²] stay 0, η = √ε/√ε = 1, Δx = −g (Keras's testMinimizeSparseResourceVariable).
    for preset in ("keras2", "tf1", "mindspore", "mlx", "chainer", "paddle", "mxnet", "tfjs"):
        run = next(r for r in DOCS[preset]["runs"] if r["case"] == "rho_one" and "steps" in r)
        assert run["steps"]["x"][0] == [-111.0, -138.0]
        assert replay(preset, run).x[0].tolist() == [-111.0, -138.0]


def test_tensorflow_js_divides_by_the_previous_average():
    # Its first step is −lr·g exactly (√(0 + ε) / √(0 + ε) = 1), where Algorithm 1 gives a step of about 0.0045.
    run = next(r for r in DOCS["tfjs"]["runs"] if r["case"] == "article")
    assert run["steps"]["x"][0][0] == pytest.approx(-0.1, rel=1e-7)
    assert replay("tfjs", run).x[0, 0] == pytest.approx(-0.1, rel=1e-7)
    algorithm1 = api.trace([0.1], preset="tfjs", lr=1.0, eps=1e-6, rate_eg2="current").x[0, 0]
    assert algorithm1 == pytest.approx(-0.0044676705, rel=1e-6)


def test_overflow_carries_on_as_the_frameworks_do():
    # g = 1e200: E[g²] = inf, η = 0, x frozen at the step before (MXNet, MLX, Paddle, TF1, tf.keras, Chainer).
    for preset in ("mxnet", "mlx", "paddle", "keras2", "tf1", "chainer", "lua-torch"):
        run = next(r for r in DOCS[preset]["runs"] if r["case"] == "nonfinite" and r["dtype"] == "float64")
        steps = replay(preset, run)
        assert np.isinf(steps.eg2[2:, 0]).all() and steps.x[2, 0] == steps.x[1, 0] == steps.x[4, 0]


def test_dl4j_replaces_eps_zero_and_mlx_refuses_it():
    run = next(r for r in DOCS["dl4j"]["runs"] if r["case"] == "eps_zero")
    assert replay("dl4j", run).x[-1, 0] != run["settings"]["x0"][0]  # ε = 1e-7: x moves
    assert api.trace([0.5, 0.2], eps=0.0).x[-1, 0] == 0.0  # elsewhere ε = 0 keeps x where it is
    refused = [r for r in DOCS["mlx"]["runs"] if r["case"] == "eps_zero"]
    assert refused and all("refused" in r for r in refused)
    with pytest.raises(Exception, match="eps"):
        api.trace([0.5], preset="mlx", lr=1.0, eps=0.0)


def test_conventions_page_names_each_presets_framework_and_version():
    """docs/conventions.md: one row per preset, with the version its golden vectors were made with."""
    text = (Path(__file__).parent.parent / "docs" / "conventions.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|.*$", text, re.MULTILINE)}
    assert set(presets.PRESETS) <= set(rows)
    for preset, doc in DOCS.items():
        version = doc["version"].split(" ")[0]
        assert version in rows[preset], (preset, version)


# --- The step description's TensorFlow.js mode -------------------------------------------------------------------

def test_previous_average_mode_is_one_formula_the_engine_follows():
    from adadelta_cli.maths import core, recurrence, tree

    mode = recurrence.Mode(rate_eg2="previous")
    assert recurrence.BY_NAME["eta"].equation(mode) == "η_t = √(E[Δx²]_{t-1} + ε) / √(E[g²]_{t-1} + ε)"
    settings = core.Settings(rate_eg2="previous", lr=0.5)
    assert recurrence.Mode.of(settings) == mode
    steps = core.run(np.array([[0.1], [-0.2], [0.15], [0.3]]), settings, core.init(1.0, size=1))
    previous = {"eg2": 0.0, "edx2": 0.0, "x": 1.0}
    for t in range(4):
        record = {name: float(getattr(steps, name)[t, 0]) for name in core.FIELDS}
        values = recurrence.step_values(record, previous, settings)
        for q in recurrence.quantities(mode):
            assert tree.evaluate(q.formula(mode), values) == pytest.approx(record[q.name], rel=4e-16), q.name
        previous = {"eg2": record["eg2"], "edx2": record["edx2"], "x": record["x"]}


def test_explain_names_the_previous_average(run):
    out = run("trace", "0.1", "0.2", "--preset", "tfjs", "--explain").stdout
    assert "η divides by E[g²]_{t−1} (TensorFlow.js)" in out  # the settings line names the deviation
    assert "η_1 = √(E[Δx²]_0 + ε) / √(E[g²]_0 + ε)" in out


# --- ρ = 1, --nonfinite ------------------------------------------------------------------------------------------

def test_rho_one_is_accepted_as_torch_means_it(run):
    doc = json.loads(run("trace", "112", "1", "--rho", "1", "--eps", "1", "--x0", "1", "-f", "json").stdout)
    assert [s["x"] for s in doc["steps"]] == [-111.0, -112.0]
    assert run("trace", "0.1", "--rho", "1.5").exit_code == 2


def test_nonfinite_stop_names_the_step(run):
    result = run("trace", "1", "2", "1e200", "1", "0.5", "--preset", "pytorch")
    assert result.exit_code == 2 and "step 3: E[g²] overflows" in result.stderr


@pytest.mark.parametrize("fmt,marks", [("table", ["inf ⚠"]), ("markdown", ["inf ⚠"]), ("csv", [",inf,"]),
                                       ("json", ['"eg2":"Infinity"']), ("latex", [r"\boldsymbol{\infty}"])])
def test_nonfinite_continue_follows_torch_and_marks_cells(run, fmt, marks):
    result = run("trace", "1", "2", "1e200", "1", "0.5", "--preset", "pytorch", "--nonfinite", "continue", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert "from step 3 on" in result.stderr
    for mark in marks:
        assert mark in result.stdout
    if fmt == "csv":  # x frozen at torch's −0.007202857802615458 (shared facts), E[g²] = inf from step 3
        rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
        assert [float(r[-1]) for r in rows[1:]] == [-0.007202857802615458] * 4
        assert float(rows[0][-1]) == -0.0031622618488986636
        assert [r[3] for r in rows[2:]] == ["inf"] * 3


def test_nonfinite_continue_in_the_api():
    from adadelta_cli.errors import NumericError

    with pytest.raises(NumericError, match="step 3"):
        api.trace([1, 2, 1e200], preset="pytorch")
    steps = api.trace([1, 2, 1e200, 1], preset="pytorch", nonfinite="continue")
    assert np.isinf(steps.eg2[2:, 0]).all() and steps.x[-1, 0] == -0.007202857802615458


# --- Hyperparameters in float32, one by one; per-parameter lr and weight decay ---------------------------------

def test_hyper_float32_rounds_the_named_ones(run):
    doc = json.loads(run("trace", "0.1", "--hyper-float32", "rho,eps", "-f", "json").stdout)
    assert doc["settings"]["rho"] == 0.949999988079071 and doc["settings"]["eps"] == 9.999999974752427e-07
    assert doc["settings"]["lr"] == 1.0 and doc["settings"]["hyper_float32"] == "rho,eps"
    assert api.trace([0.1], preset="keras2").settings.lr == 0.0010000000474974513
    assert api.trace([0.1], preset="keras2", hyper_float32="none").settings.lr == 0.001
    bad = run("trace", "0.1", "--hyper-float32", "rho,gamma")
    assert bad.exit_code == 2 and "--hyper-float32 names hyperparameters among rho, eps, lr, weight_decay" in bad.stderr


def test_per_parameter_lr_and_weight_decay_are_separate_runs(run):
    grads = [[0.3, -0.1], [0.2, 0.4], [-0.5, 0.1]]
    both = api.trace(grads, preset="pytorch", lr=[1.0, 0.25], weight_decay=[0.0, 0.1], x0=[1.0, -2.0])
    for p, (lr, wd, x0) in enumerate([(1.0, 0.0, 1.0), (0.25, 0.1, -2.0)]):
        alone = api.trace([g[p] for g in grads], preset="pytorch", lr=lr, weight_decay=wd, x0=x0)
        assert both.x[:, p].tolist() == alone.x[:, 0].tolist()
    out = run("trace", "-", "--preset", "pytorch", "--lr", "1,0.25", "--weight-decay", "0,0.1", "--x0", "1,-2",
              "-f", "json", input="0.3,-0.1\n0.2,0.4\n-0.5,0.1\n")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["settings"]["lr"] == [1.0, 0.25] and doc["settings"]["weight_decay"] == [0.0, 0.1]
    assert [s["x"] for s in doc["steps"]] == both.x.reshape(-1).tolist()
    bad = run("trace", "0.1", "--lr", "1,2")
    assert bad.exit_code == 2 and "--lr has 2 values but the input has 1 parameters" in bad.stderr


# --- adadelta diff -----------------------------------------------------------------------------------------------

def test_diff_says_what_differs_why_and_where_the_traces_part(run):
    result = run("diff", "pytorch", "tfjs")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "rate_eg2" in out and "TensorFlow.js divides by E[g²]_{t−1}" in out
    assert "The traces part at step 1, in E[g²]_t" in out
    assert "x_t A" in out and "x_t B" in out


def test_diff_json_holds_both_trajectories_and_the_parting(run):
    out = run("diff", "pytorch", "preset=pytorch,lr=0.5", "0.1", "0.2", "-f", "json").stdout
    doc = json.loads(out)
    assert [d["setting"] for d in doc["differences"]] == ["lr"]
    assert doc["parted"]["t"] == 1 and doc["parted"]["quantity"] == "x"  # lr never enters the accumulators
    torch_x = api.trace([0.1, 0.2], preset="pytorch").x[:, 0].tolist()
    assert [s["x_a"] for s in doc["steps"]] == torch_x
    assert [s["x_b"] for s in doc["steps"]] == api.trace([0.1, 0.2], preset="pytorch", lr=0.5).x[:, 0].tolist()


def test_diff_of_equal_settings_agrees(run):
    out = run("diff", "pytorch", "rho=0.9,eps=1e-6,lr=1", "-f", "markdown").stdout
    assert "The settings in force are the same." in out and "The traces agree within 1e-12" in out


def test_diff_csv_has_both_sides(run):
    lines = run("diff", "article", "keras", "-f", "csv").stdout.splitlines()
    assert lines[0] == "t,param,g,eg2_a,eta_a,dx_a,edx2_a,x_a,eg2_b,eta_b,dx_b,edx2_b,x_b" and len(lines) == 4


@pytest.mark.parametrize("spec,message", [("torchy", "is neither a preset"), ("rho=abc", "'abc' is not a number"),
                                          ("gamma=0.9", "is not a setting"), ("rho=2", "rho must lie in [0, 1]")])
def test_diff_refuses_bad_sides_in_one_line(run, spec, message):
    result = run("diff", "pytorch", spec)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_tensorflow_js_worksheet_carries_its_mode_to_check(run, tmp_path):
    sheet = tmp_path / "key.csv"
    assert run("worksheet", "--preset", "tfjs", "--steps", "3", "--seed", "1", "--answers", "-o", sheet).exit_code == 0
    text = sheet.read_text()
    assert "# rate_eg2 = previous" in text and "# dtype = float32" in text
    printed = run("worksheet", "--preset", "tfjs", "--steps", "2", "--seed", "1", "--format", "markdown").stdout
    assert "η_t = √(E[Δx²]_{t-1} + ε) / √(E[g²]_{t-1} + ε)" in printed
    checked = run("check", sheet)
    assert checked.exit_code == 0 and "15 right" in checked.stdout
    # The same key checked as Algorithm 1 (the mode line removed) is wrong from η_1 on.
    sheet.write_text(text.replace("# rate_eg2 = previous\n", ""))
    assert run("check", sheet).exit_code == 1


def test_diff_follows_both_through_an_overflow(run):
    # MindSpore computes in float32: 1e200 is inf there, and its trace turns to NaN where PyTorch's carries on.
    result = run("diff", "pytorch", "mindspore", "1", "2", "1e200", "1")
    assert result.exit_code == 0, result.stderr
    assert "mindspore: values are no longer finite from step 3" in result.stderr
    assert "nan ⚠" in result.stdout
    bad = run("diff", "lr=0.1/0.2", "pytorch", "0.1")
    assert bad.exit_code == 2 and "lr has 2 values but the input has 1 parameters" in bad.stderr


def test_parameter_groups_give_the_same_doubles_on_every_method():
    from adadelta_cli.maths import core, kernel

    grads = np.random.default_rng(3).standard_normal((60, 3))
    settings = core.Settings(lr=[0.5, 0.2, 0.5], weight_decay=[0.0, 0.1, 0.0])
    methods = ["numpy", "python"] + (["kernel"] if kernel.available() else [])
    runs = [core.run(grads, settings, core.init([1.0, -1.0, 0.5]), method=m) for m in methods]
    for other in runs[1:]:
        for name in ("eg2", "edx2", "eta", "dx", "x"):
            assert np.array_equal(getattr(runs[0], name), getattr(other, name)), name
