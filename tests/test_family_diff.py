"""`adadelta diff A B --optimizer NAME`: one family member under two settings (pytorch against keras, or
NAME=VALUE,... sets): the settings and formulas that differ, where the traces part, both side by side; each side's
numbers its own trace's."""

from __future__ import annotations

import csv
import io
import json

import pytest


@pytest.fixture(autouse=True)
def english():
    from adadelta_cli import i18n

    i18n.set_language("en")


GRADS = ["0.1", "0.2", "-0.15"]


def test_torch_against_keras_adam(run):
    result = run("diff", "pytorch", "keras", *GRADS, "--optimizer", "adam")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "A: pytorch — Adam: lr = 0.001" in out and "B: keras — Adam (Keras): lr = 0.001" in out
    assert " eps " in out and "1e-8" in out and "1e-7" in out and "convention" in out
    assert "d_t = √(v_t) / √(1 - β₂^t) + ε" in out and "d_t = √(v_t) + ε" in out
    assert "The traces part at step 1, in d_1: 0.10000001000000001 (A) against 0.003162377660168381 (B)." in out


def test_each_side_is_its_own_trace(run):
    result = run("diff", "beta2=0.99,lr=0.01", "preset=keras,beta1=0.5", *GRADS, "--optimizer", "adam", "--x0", "1",
                 "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    for side, options in (("A", ["--set", "beta2=0.99", "--lr", "0.01"]),
                          ("B", ["--preset", "keras", "--set", "beta1=0.5"])):
        alone = json.loads(run("trace", *GRADS, "--optimizer", "adam", *options, "--x0", "1", "-f", "json").stdout)
        mine = [r for r in rows if r["optimizer"] == side]
        assert [float(r["x"]) for r in mine] == [s["x"] for s in alone["steps"]]
        assert [float(r["eta"]) for r in mine] == [s["eta"] for s in alone["steps"]]


def test_the_same_settings_are_the_same_trace(run):
    out = run("diff", "keras", "preset=keras", "0.1", "--optimizer", "rmsprop").stdout
    assert "The settings in force are the same." in out
    assert "The traces are the same, every value to the last bit." in out


def test_a_setting_alone_shows_no_formula(run):
    out = run("diff", "momentum=0.5", "momentum=0.9", *GRADS, "--optimizer", "momentum").stdout
    assert " momentum " in out and "0.5" in out and "b_t = " not in out.split("The traces part")[0]
    assert "The traces part at step 2, in b_2" in out  # b_1 = g_1 on both sides


def test_json_names_each_side(run):
    data = json.loads(run("diff", "pytorch", "keras", "0.1", "--optimizer", "adagrad", "-f", "json").stdout)
    sides = data["settings"]["optimizers"]
    assert [(s["side"], s["spec"], s.get("convention")) for s in sides] == [("A", "pytorch", None),
                                                                            ("B", "keras", "keras")]


@pytest.mark.parametrize(("args", "words"), [
    (["pytorch", "tf1"], "'tf1': expected pytorch, keras, paddle, optax or NAME=VALUE,... settings of adam"),
    (["pytorch", "beta9=1"], "--set 'beta9=1': expected NAME=VALUE with NAME one of lr, beta1"),
    (["pytorch", "preset=tf1"], "--preset tf1: adam's presets are pytorch"),
    (["pytorch", "keras", "--eg2-init", "0.1"], "--eg2-init: Adadelta's own, not adam's"),
])
def test_bad_sides_are_one_message(run, args, words):
    result = run("diff", *args, "0.1", "--optimizer", "adam")
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_latex_compiles(run, tmp_path):
    from tests.test_classroom import compile_tex

    result = run("diff", "pytorch", "keras", *GRADS, "--optimizer", "rmsprop", "-f", "latex")
    assert result.exit_code == 0, result.stderr
    compile_tex(result.stdout, tmp_path)
