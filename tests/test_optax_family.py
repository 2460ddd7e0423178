"""`--preset optax` for Adadelta's family: optax's adagrad, rmsprop, sgd, adam and adamw (run eagerly, float64)
held against optax's own recorded runs (tests/golden/family/optax.json, made by scripts/make_golden_optax_family.py):
every x_t of every recorded case whose options this tool offers, to 1e-12 relative, through the description and
through `trace --optimizer NAME --preset optax`. optax's formulas differ from torch.optim's: ε inside Adagrad's and
RMSprop's roots, Adagrad's G₀ = 0.1, RMSprop's buffer of the update (−lr·g/d_t, x + b_t), Adam's ε added to √v̂_t,
AdamW's wd·x inside the learning rate, every operation rounded on its own.

Not bit for bit everywhere: optax takes 1/√ by XLA's rsqrt (on AVX-512 machines a hardware estimate refined twice,
within a few units in the last place of 1/√ — this tool's), and its bias correction divides by 1 − β^t for one
parameter, multiplies by its reciprocal for several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adadelta_cli.maths import family
from tests.framework_runs import options, run_description, traced, worst

GOLDEN = json.loads((Path(__file__).resolve().parent / "golden" / "family" / "optax.json").read_text("utf-8"))
OURS = {"learning_rate": "lr", "decay": "alpha", "b1": "beta1", "b2": "beta2"}
# optax's options beyond this tool's, at their defaults (a case that sets one otherwise is not replayed here)
DEFAULTS = {"eps_root": 0.0, "bias_correction": False, "bias_correction_mu": True, "bias_correction_nu": True,
            "eps_in_sqrt": True, "nesterov": False, "amsgrad": False}
REL = 1e-12


def offered(case: dict) -> bool:
    s = case["settings"]
    return all(s.get(k, v) == v for k, v in DEFAULTS.items() if not (k == "nesterov" and case["optimizer"] == "sgd"))


CASES = [c for c in GOLDEN["cases"] if offered(c)]


def settings(case: dict) -> tuple[dict, dict]:
    """The case's settings under this tool's names, and its state (RMSprop's initial_scale is v₀)."""
    h, state = {}, {}
    for key, value in case["settings"].items():
        if key == "initial_scale":
            state["v"] = value
        elif key not in DEFAULTS or key == "nesterov" and case["optimizer"] == "sgd":
            if not (key == "momentum" and value is None):
                h[OURS.get(key, key)] = value
    return h, state


def test_the_cases_replayed_cover_every_option_offered():
    assert GOLDEN["header"]["jit"] is False and len(CASES) >= 60
    seen = {(c["optimizer"], k) for c in CASES for k, v in settings(c)[0].items() if v not in (0.0, False, None)}
    seen |= {(c["optimizer"], "v0") for c in CASES if settings(c)[1].get("v")}
    for wanted in [("rmsprop", "centered"), ("rmsprop", "momentum"), ("rmsprop", "v0"), ("sgd", "nesterov"),
                   ("sgd", "momentum"), ("adamw", "weight_decay"), ("adagrad", "initial_accumulator_value"),
                   ("adam", "beta2"), ("rmsprop", "alpha")]:
        assert wanted in seen, wanted
    assert {c["optimizer"] for c in CASES} == {"adagrad", "rmsprop", "sgd", "adam", "adamw"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_optax_convention_gives_optax_numbers(case):
    h, state = settings(case)
    h = {**{k: v for k, v in family.OPTAX[case["optimizer"]].items() if v is not None}, "convention": "optax", **h}
    assert worst(run_description(case, h, state), [s["x"] for s in case["steps"]]) <= REL


def test_sgd_is_optax_to_the_last_bit():
    """No square root, no bias correction: optax's SGD (momentum, Nesterov) is matched bit for bit."""
    for case in (c for c in CASES if c["optimizer"] == "sgd"):
        h = {"convention": "optax", **settings(case)[0]}
        assert run_description(case, h) == [s["x"] for s in case["steps"]], case["id"]


def test_torch_conventions_miss_optax_runs():
    missed = sum(worst(run_description(c, {**{k: v for k, v in family.OPTAX[c["optimizer"]].items() if v is not None},
                                           **settings(c)[0]}, settings(c)[1]), [s["x"] for s in c["steps"]]) > 1e-9
                 for c in CASES)
    assert missed >= len(CASES) // 3, missed


@pytest.mark.parametrize("case", CASES[::8], ids=[c["id"] for c in CASES[::8]])
def test_trace_with_the_optax_preset_gives_optax_numbers(run, tmp_path, case):
    h, state = settings(case)
    assert worst(traced(run, tmp_path, case, options("optax", h, state)), [s["x"] for s in case["steps"]]) <= REL


def test_the_optax_preset_shows_its_formulas(run):
    out = run("trace", "0.1", "0.2", "--optimizer", "rmsprop", "--preset", "optax", "--lr", "0.1", "--set",
              "momentum=0.5", "--explain").stdout
    assert out.startswith("RMSprop (optax): lr = 0.1, α = 0.9, ε = 1e-8, μ = 0.5, x₀ = 0")
    assert "d_1 = √(v_1 + ε)" in out and "b_1 = μ·b_0 - lr·g_1 / d_1" in out and "x_1 = x_0 + b_1" in out
    adamw = run("trace", "0.1", "--optimizer", "adamw", "--preset", "optax", "--lr", "0.1", "--explain").stdout
    assert "weight decay = 0.0001 (decoupled)" in adamw and "d_1 = √(v̂_1) + ε" in adamw
    assert "x_1 = x_0 - lr·(m̂_1 / d_1 + wd·x_0)" in adamw


@pytest.mark.parametrize("args, words", [
    (["--optimizer", "adam"], "--preset optax: optax's adam has no default learning rate; give one (--lr"),
    (["--optimizer", "sgd", "--lr", "0.1", "--weight-decay", "0.1"], "optax's sgd has no weight_decay"),
    (["--optimizer", "adam", "--lr", "0.1", "--set", "amsgrad=true"], "optax's adam has no amsgrad"),
    (["--optimizer", "momentum", "--lr", "0.1", "--set", "dampening=0.5"], "optax's momentum has no dampening"),
    (["--optimizer", "adam", "--lr", "0.1", "--dtype", "float32"], "--preset optax is computed in float64"),
])
def test_what_optax_lacks_is_refused(run, args, words):
    result = run("trace", "0.1", "--preset", "optax", *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr
