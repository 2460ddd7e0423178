"""`--preset keras` for Adadelta's family: Keras 3's Adagrad, RMSprop, SGD, Adam and AdamW held against Keras's own
recorded runs (tests/golden/family/keras.json, made by scripts/make_golden_keras_family.py on Keras's torch backend):
every x_t of 100 random float64 cases, every option, to 1e-12 relative; through the description and through
`trace --optimizer NAME --preset keras`. Keras's formulas differ from torch.optim's (ε inside the root, lr inside
RMSprop's buffer, SGD's buffer from 0, Adam's ε̂, decoupled weight decay, lr in float32): torch's conventions
are shown to miss the same runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adadelta_cli.maths import family
from tests.framework_runs import options, run_description, traced, worst

GOLDEN = json.loads((Path(__file__).resolve().parent / "golden" / "family" / "keras.json").read_text("utf-8"))
CASES = GOLDEN["cases"]
OURS = {"learning_rate": "lr", "epsilon": "eps", "rho": "alpha", "beta_1": "beta1", "beta_2": "beta2"}
REL = 1e-12


def settings(case: dict) -> dict:
    return {OURS.get(k, k): v for k, v in case["settings"].items()}


def theirs(case: dict) -> list[list[float]]:
    return [step["x"] for step in case["steps"]]


def test_the_golden_file_covers_every_option():
    assert GOLDEN["header"]["backend"] == "torch" and len(CASES) == 100
    seen = {(c["optimizer"], k) for c in CASES for k, v in c["settings"].items() if v not in (0.0, False)}
    for wanted in [("rmsprop", "centered"), ("rmsprop", "momentum"), ("sgd", "nesterov"), ("sgd", "momentum"),
                   ("adam", "amsgrad"), ("adamw", "weight_decay"), ("adagrad", "weight_decay"),
                   ("rmsprop", "weight_decay"), ("sgd", "weight_decay"), ("adam", "weight_decay"),
                   ("adagrad", "initial_accumulator_value")]:
        assert wanted in seen, wanted


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_keras_convention_gives_keras_numbers(case):
    h = {**family.KERAS[case["optimizer"]], "convention": "keras", **settings(case)}
    assert worst(run_description(case, h), theirs(case)) <= REL


def test_torch_conventions_miss_keras_runs():
    """The same settings under torch's formulas: most Keras runs are missed by far more than 1e-12 (where they
    agree, no option that differs was drawn and ε is too small to matter)."""
    missed = sum(worst(run_description(c, {**family.KERAS[c["optimizer"]], **settings(c)}), theirs(c)) > 1e-9
                 for c in CASES)
    assert missed >= 60, missed


@pytest.mark.parametrize("case", CASES[::7], ids=[c["id"] for c in CASES[::7]])
def test_trace_with_the_keras_preset_gives_keras_numbers(run, tmp_path, case):
    assert worst(traced(run, tmp_path, case, options("keras", settings(case))), theirs(case)) <= REL


def test_the_keras_preset_shows_keras_formulas_and_defaults(run):
    result = run("trace", "0.1", "0.2", "--optimizer", "rmsprop", "--preset", "keras", "--set", "momentum=0.5",
                 "--set", "centered=true", "--explain")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("RMSprop (Keras): lr = 0.001, α = 0.9, ε = 1e-7, μ = 0.5, centered")
    assert "d_1 = √(v_1 - ḡ_1² + ε)" in out  # ε inside the root
    assert "b_1 = μ·b_0 + lr·g_1 / d_1" in out and "x_1 = x_0 - b_1" in out
    sgd = run("trace", "0.1", "--optimizer", "momentum", "--preset", "keras", "--explain").stdout
    assert "b_1 = μ·b_0 - lr·g_1 = 0.9·0 - 0.01·0.1 = 0 - 0.001 = -0.001" in sgd and "x_1 = x_0 + b_1" in sgd
    assert sgd.startswith("SGD with momentum (Keras): lr = 0.01, μ = 0.9, x₀ = 0, b₀ = 0\n")  # no τ: Keras has none
    adagrad = json.loads(run("trace", "0.1", "--optimizer", "adagrad", "--preset", "keras", "-f", "json").stdout)
    assert adagrad["settings"]["initial_accumulator_value"] == 0.1 and adagrad["settings"]["convention"] == "keras"
    # G_1 = 0.1 + 0.01; x_1 = −lr·g/√(G_1 + ε), lr held in float32 as Keras holds it
    import numpy as np

    lr = float(np.float32(0.001))
    assert adagrad["steps"][0]["x"] == -(0.1 * lr) / np.sqrt((0.1 + 0.1 * 0.1) + 1e-7)


@pytest.mark.parametrize(("args", "words"), [
    (["--optimizer", "adagrad", "--set", "lr_decay=0.1"], "Keras's adagrad has no lr_decay"),
    (["--optimizer", "momentum", "--set", "dampening=0.5"], "Keras's momentum has no dampening"),
    (["--optimizer", "adam", "--maximize"], "Keras's adam has no maximize"),
    (["--optimizer", "adam", "--dtype", "float32"], "--preset keras is computed in float64"),
])
def test_what_keras_lacks_is_refused(run, args, words):
    result = run("trace", "0.1", "--preset", "keras", *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_other_presets_are_refused_for_the_family(run):
    result = run("step", "--optimizer", "adam", "--grad", "0.1", "--preset", "tf1")
    assert result.exit_code == 2
    assert ("--preset tf1: adam's presets are pytorch (torch.optim's, the default), keras (Keras 3's), paddle "
            "(PaddlePaddle's) and optax" in result.stderr)
