"""`adadelta check` on a family member's worksheet (`# optimizer = adam`): the key passes its own check, each cell
judged by the digit rule against the member's trace, right from the student's own earlier values, and a wrong cell
given its named slip (each a change to the member's formulas), the students' values worked out here by hand."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

MEMBERS = ("adagrad", "rmsprop", "sgd", "momentum", "adam", "adamw")


@pytest.fixture(autouse=True)
def english():
    from adadelta_cli import i18n

    i18n.set_language("en")


def key(run, *args) -> tuple[list[str], list[dict]]:
    text = run("worksheet", *args, "--answers").stdout
    lines = text.splitlines()
    return [l for l in lines if l.startswith("#")], list(csv.DictReader(l for l in lines if not l.startswith("#")))


def write(path, comments: list[str], rows: list[dict]) -> None:
    comments = [c for c in comments if not c.startswith("# asked")] + [c for c in comments if c.startswith("# asked")]
    path.write_text("\n".join(comments + [",".join(rows[0])] + [",".join(r.values()) for r in rows]) + "\n",
                    encoding="utf-8")


def cells(run, path) -> list[dict]:
    result = run("check", path, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)["cells"]


@pytest.mark.parametrize("name", MEMBERS)
def test_the_key_passes_its_own_check(run, tmp_path, name):
    comments, rows = key(run, "--optimizer", name, "--steps", "4", "--seed", "3")
    write(tmp_path / "key.csv", comments, rows)
    result = run("check", tmp_path / "key.csv")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Score 32/32 (100%)" in result.stdout or "(100%)" in result.stdout


def test_a_blank_sheet_is_unanswered(run, tmp_path):
    sheet = tmp_path / "blank.csv"
    sheet.write_text(run("worksheet", "--optimizer", "adam", "--steps", "2", "--seed", "3").stdout, encoding="utf-8")
    result = run("check", sheet)
    assert result.exit_code == 1 and "0 right" in result.stdout and "16 unanswered" in result.stdout


def test_bias_correction_forgotten_in_x(run, tmp_path):
    """Adam with x asked, the rest given: x_t = x_{t−1} − lr·m_t/d_t, the 1/(1 − β₁^t) left out."""
    comments, rows = key(run, "--optimizer", "adam", "--steps", "3", "--seed", "3", "--hide", "x")
    x = 0.0
    for row in rows:
        x -= 0.001 * float(row["m"]) / float(row["d"])
        row["x"] = f"{x:.6g}"
    write(tmp_path / "s.csv", comments, rows)
    marked = [c for c in cells(run, tmp_path / "s.csv") if c["name"] == "x"]
    assert [c["status"] for c in marked] == ["wrong"] * 3
    assert [c["slip_id"] for c in marked] == ["no_bias_correction"] * 3
    assert marked[0]["slip"] == "the bias correction forgotten"


def test_eps_inside_the_root_and_own_values_carried(run, tmp_path):
    """Adagrad with d and x asked: d_t = √(G_t + ε) (ε 0.1 to see it), x from the student's own d and x."""
    comments, rows = key(run, "--optimizer", "adagrad", "--set", "eps=0.1", "--steps", "3", "--seed", "3",
                         "--hide", "d,x")
    x = 0.0
    for row in rows:  # as a student writes them: 6 digits, each written value carried on
        d = float(f"{math.sqrt(float(row['G']) + 0.1):.6g}")
        x = float(f"{x - 0.01 * float(row['g']) / d:.6g}")
        row["d"], row["x"] = repr(d), repr(x)
    write(tmp_path / "s.csv", comments, rows)
    marked = {(c["name"], c["t"]): c for c in cells(run, tmp_path / "s.csv") if c["name"] in ("d", "x")}
    assert all(marked[("d", t)]["slip_id"] == "eps_inside_root" for t in (1, 2, 3))
    # x follows from the student's own d: right given their values, resting on d_t
    assert [marked[("x", t)]["status"] for t in (1, 2, 3)] == ["right_given"] * 3
    assert marked[("x", 2)]["given"] == ["x_1", "d_2"]


def test_weights_swapped_and_betas_swapped(run, tmp_path):
    comments, rows = key(run, "--optimizer", "rmsprop", "--steps", "2", "--seed", "3", "--hide", "v")
    v = 0.0
    for row in rows:
        g = float(row["g"])
        v = 0.01 * v + 0.99 * g * g
        row["v"] = f"{v:.6g}"
    write(tmp_path / "r.csv", comments, rows)
    assert [c["slip_id"] for c in cells(run, tmp_path / "r.csv") if c["name"] == "v"] == ["weights_swapped"] * 2
    comments, rows = key(run, "--optimizer", "adam", "--steps", "2", "--seed", "3", "--hide", "m")
    m = 0.0
    for row in rows:
        m = 0.999 * m + 0.001 * float(row["g"])
        row["m"] = f"{m:.6g}"
    write(tmp_path / "a.csv", comments, rows)
    assert [c["slip_id"] for c in cells(run, tmp_path / "a.csv") if c["name"] == "m"] == ["betas_swapped"] * 2


def test_momentum_on_the_update(run, tmp_path):
    """SGD with momentum, b and x asked: b_t = μ·b_{t−1} + lr·g_t, x_t = x_{t−1} − b_t."""
    comments, rows = key(run, "--optimizer", "momentum", "--steps", "3", "--seed", "3", "--hide", "b,x")
    b = x = 0.0
    for i, row in enumerate(rows):
        g = float(row["g"])
        b = 0.001 * g if i == 0 else 0.9 * b + 0.001 * g
        x -= b
        row["b"], row["x"] = f"{b:.6g}", f"{x:.6g}"
    write(tmp_path / "m.csv", comments, rows)
    marked = {(c["name"], c["t"]): c for c in cells(run, tmp_path / "m.csv") if c["name"] in ("b", "x")}
    assert marked[("b", 2)]["slip_id"] == "lr_in_buffer" and marked[("b", 3)]["slip_id"] == "lr_in_buffer"


def test_the_sign(run, tmp_path):
    comments, rows = key(run, "--optimizer", "sgd", "--steps", "2", "--seed", "3", "--hide", "x")
    x = 0.0
    for row in rows:
        x += 0.001 * float(row["g"])
        row["x"] = f"{x:.6g}"
    write(tmp_path / "s.csv", comments, rows)
    assert [c["slip_id"] for c in cells(run, tmp_path / "s.csv") if c["name"] == "x"] == ["sign", "sign"]


def test_a_class_of_members_and_adadelta_in_one_gradebook(run, tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    for name in ("adam", "adagrad"):
        comments, rows = key(run, "--optimizer", name, "--steps", "2", "--seed", "1")
        write(folder / f"{name}.csv", comments, rows)
    (folder / "adadelta.csv").write_text(run("worksheet", "--steps", "2", "--seed", "1", "--answers").stdout,
                                         encoding="utf-8")
    book = tmp_path / "grades.csv"
    result = run("check", folder, "--gradebook", book)
    assert result.exit_code == 0, result.stderr
    grades = list(csv.DictReader(io.StringIO(book.read_text(encoding="utf-8"))))
    assert len(grades) == 3 and all(g["percent"] == "100" for g in grades), grades
    assert {g["file"].rsplit("/", 1)[-1]: g["optimizer"] for g in grades} == {
        "adam.csv": "adam", "adagrad.csv": "adagrad", "adadelta.csv": "adadelta"}


def test_a_sheet_of_an_unknown_optimizer_or_bad_settings(run, tmp_path):
    comments, rows = key(run, "--optimizer", "adam", "--steps", "1", "--seed", "1")
    write(tmp_path / "n.csv", [c.replace("adam", "nadam") if c.startswith("# optimizer") else c for c in comments],
          rows)
    result = run("check", tmp_path / "n.csv")
    assert result.exit_code == 2 and "'# optimizer = nadam': expected one of adadelta, adagrad" in result.stderr
    write(tmp_path / "b.csv", [c.replace("0.999", "2") if c.startswith("# beta2") else c for c in comments], rows)
    result = run("check", tmp_path / "b.csv")
    assert result.exit_code == 2 and "its settings cannot be read" in result.stderr and "beta2" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_keras_sheet_is_checked(run, tmp_path):
    comments, rows = key(run, "--optimizer", "adagrad", "--preset", "keras", "--steps", "2", "--seed", "1")
    assert "# preset = keras" in comments and not any(c.startswith("# lr_decay") for c in comments)
    write(tmp_path / "k.csv", comments, rows)
    result = run("check", tmp_path / "k.csv")
    assert result.exit_code == 0 and "Adagrad (Keras)" in result.stdout and "(100%)" in result.stdout


def test_adams_eps_inside_the_root_a_diagnosis_and_the_student_s_precision(run, tmp_path):
    """Adam's d_t = √(v̂_t + ε) (ε = 0.01 to see it): named on d, the diagnosis says so; x_t from the student's own d,
    worked at calculator precision from unrounded values (x_t − x_{t−1} loses digits), is right given their values."""
    comments, rows = key(run, "--optimizer", "adam", "--set", "eps=0.01", "--steps", "3", "--seed", "3",
                         "--hide", "d,x,dx")
    x = 0.0
    for t, row in enumerate(rows, 1):
        d = math.sqrt(float(row["vhat"]) + 0.01)
        new = x - 0.001 / (1 - 0.9 ** t) * float(row["m"]) / d
        row["d"], row["x"], row["dx"] = f"{d:.6g}", f"{new:.6g}", f"{new - x:.6g}"
        x = new
    write(tmp_path / "e.csv", comments, rows)
    result = run("check", tmp_path / "e.csv", "-f", "json")
    out = json.loads(result.stdout)
    by = {(c["name"], c["t"]): c for c in out["cells"]}
    assert [by[("d", t)]["slip_id"] for t in (1, 2, 3)] == ["eps_inside_root"] * 3
    assert {by[(q, t)]["status"] for q in ("x", "dx") for t in (1, 2, 3)} == {"right_given"}
    assert out["diagnosis"] == [{"id": "eps_inside_root", "cells": 3}]
    text = run("check", tmp_path / "e.csv").stdout
    assert "Diagnosis: ε inside the square root (3 cells)" in text


def test_too_few_digits_are_not_a_slip(run, tmp_path):
    comments, rows = key(run, "--optimizer", "adam", "--steps", "2", "--seed", "3", "--hide", "m")
    rows[1]["m"] = f"{float(rows[1]['m']):.1g}"  # one significant digit, otherwise right
    write(tmp_path / "f.csv", comments, rows)
    m2 = [c for c in cells(run, tmp_path / "f.csv") if c["name"] == "m" and c["t"] == 2][0]
    assert m2["status"] == "too_few" and m2["slip_id"] is None


def test_adamws_sign_and_swapped_betas_everywhere(run, tmp_path):
    comments, rows = key(run, "--optimizer", "adamw", "--steps", "2", "--seed", "3", "--hide", "x")
    x = 0.0
    for t, row in enumerate(rows, 1):
        x = x * (1 - 0.001 * 0.01) + 0.001 / (1 - 0.9 ** t) * float(row["m"]) / float(row["d"])
        row["x"] = f"{x:.6g}"
    write(tmp_path / "w.csv", comments, rows)
    assert [c["slip_id"] for c in cells(run, tmp_path / "w.csv") if c["name"] == "x"] == ["sign", "sign"]
    comments, rows = key(run, "--optimizer", "adam", "--steps", "2", "--seed", "3", "--hide", "m,v,mhat,vhat,d,x")
    m = v = x = 0.0
    for t, row in enumerate(rows, 1):
        g = float(row["g"])
        m, v = 0.999 * m + 0.001 * g, 0.9 * v + 0.1 * g * g  # β₁ and β₂ swapped throughout
        mhat, vhat = m / (1 - 0.999 ** t), v / (1 - 0.9 ** t)
        d = math.sqrt(v) / math.sqrt(1 - 0.9 ** t) + 1e-8
        x -= 0.001 / (1 - 0.999 ** t) * m / d
        row.update(m=f"{m:.6g}", v=f"{v:.6g}", mhat=f"{mhat:.6g}", vhat=f"{vhat:.6g}", d=f"{d:.6g}", x=f"{x:.6g}")
    write(tmp_path / "b.csv", comments, rows)
    named = {(c["name"], c["t"]): c["slip_id"] for c in cells(run, tmp_path / "b.csv") if c["status"] == "wrong"}
    assert set(named.values()) == {"betas_swapped"} and ("x", 2) in named and ("vhat", 2) in named  # (v̂_1 is right)


def test_the_first_buffer_with_lr(run, tmp_path):
    comments, rows = key(run, "--optimizer", "momentum", "--steps", "2", "--seed", "3", "--hide", "b")
    b = 0.0
    for row in rows:
        b = 0.9 * b + 0.001 * float(row["g"])
        row["b"] = f"{b:.6g}"
    write(tmp_path / "b.csv", comments, rows)
    assert [c["slip_id"] for c in cells(run, tmp_path / "b.csv") if c["name"] == "b"] == ["lr_in_buffer"] * 2


def test_what_a_member_sheet_cannot_be(run, tmp_path):
    comments, rows = key(run, "--optimizer", "adam", "--steps", "1", "--seed", "1")
    write(tmp_path / "a.csv", comments, rows)
    options = run("check", tmp_path / "a.csv", "--lr", "0.1")
    assert options.exit_code == 2 and "the settings options (--lr) are for Adadelta's sheets" in options.stderr
    write(tmp_path / "x0.csv", [c.replace("# x0 = 0.0", "# x0 = 1,2") for c in comments], rows)
    assert "gives 2 values for 1 parameters" in run("check", tmp_path / "x0.csv").stderr
    write(tmp_path / "q.csv", [c.replace("# asked = ", "# asked = q,") for c in comments], rows)
    assert "q: not a quantity of Adam, whose sheet has m, v" in run("check", tmp_path / "q.csv").stderr
    write(tmp_path / "o.csv", [c.replace("adam", "adagrad") if c.startswith("# optimizer") else c
                               for c in comments], rows)
    assert "not a quantity of Adagrad" in run("check", tmp_path / "o.csv").stderr


def _cut(value: float, digits: int = 6) -> str:
    """``value`` cut off (not rounded) after ``digits`` significant digits, as a student who truncates writes it."""
    from decimal import ROUND_DOWN, Decimal

    d = Decimal(repr(value))
    return str(d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_DOWN))


def test_truncation_named_as_a_habit(run, tmp_path):
    """RMSprop with d asked: every d_t truncated to 6 digits (d_t = √v_t + ε by hand from the sheet's v_t, cut, not
    rounded). A cell whose cut-off part is most of a unit is wrong, named as truncation with the rounded value said;
    one where cutting and rounding agree is right; one in between (within what the sheet's rounded v_t lets d_t
    move) is not asserted."""
    comments, rows = key(run, "--optimizer", "rmsprop", "--steps", "12", "--seed", "5", "--hide", "d")
    kinds = []
    for row in rows:
        exact = math.sqrt(float(row["v"])) + 1e-8
        row["d"] = _cut(exact)
        unit = 10.0 ** (math.floor(math.log10(exact)) - 5)
        part = (exact - float(row["d"])) / unit  # the part cut off, in units of the last digit written
        kinds.append("cut" if part > 0.85 else "same" if part < 0.45 else "either")
    assert "cut" in kinds and "same" in kinds, kinds
    write(tmp_path / "s.csv", comments, rows)
    marked = [c for c in cells(run, tmp_path / "s.csv") if c["name"] == "d"]
    for c, kind in zip(marked, kinds):
        if kind == "cut":
            assert c["status"] == "wrong" and c["slip_id"] == "truncation", c
            assert c["rounding"].startswith(f"truncated: {c['written']}; rounded it is ")
        elif kind == "same":
            assert c["status"] == "right", c
    text = run("check", tmp_path / "s.csv").stdout
    named = sum(c["slip_id"] == "truncation" for c in marked)
    assert f"Diagnosis: values truncated instead of rounded ({named} cells)" in text


def test_power_of_ten_named_and_carried(run, tmp_path):
    """Adagrad with G, d and x asked: G₂ written 10× too big, carried on by the student: G₂ a power-of-ten slip,
    d₂ and x₂ right given the student's values, step 3 wrong again from G₃ = G₂ + g₃² (right given G₂)."""
    comments, rows = key(run, "--optimizer", "adagrad", "--steps", "3", "--seed", "3", "--hide", "G,d,x")
    G, x = 0.0, 0.0
    for i, row in enumerate(rows):
        g = float(row["g"])
        G = float(f"{G + g * g:.6g}") * (10 if i == 1 else 1)
        d = float(f"{math.sqrt(G) + 1e-10:.6g}")
        x = float(f"{x - 0.01 * g / d:.6g}")
        row["G"], row["d"], row["x"] = repr(G), repr(d), repr(x)
    write(tmp_path / "s.csv", comments, rows)
    marked = {(c["t"], c["name"]): c for c in cells(run, tmp_path / "s.csv")}
    assert marked[(2, "G")]["status"] == "wrong"
    assert marked[(2, "G")]["slip_id"] == "power_of_ten"
    assert marked[(2, "G")]["slip"] == "a power-of-ten slip (10× the value)"
    assert [marked[(2, n)]["status"] for n in ("d", "x")] == ["right_given", "right_given"]
    assert marked[(3, "G")]["status"] == "right_given" and marked[(1, "G")]["status"] == "right"
