"""Diagnosis a teacher can trust: the marking rule (right chain or the student's own written values, exactly as
written), a model of the whole sheet from a catalogue of misconceptions, every mode and dtype, a bad cell is one bad
cell, and a simulated class (tests/students.py) marked as a teacher would."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from decimal import Decimal

import pytest

from . import students

ARTICLE = [0.1, 0.2, 0.15]


def sheet(tmp_path, text, name="w.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def marked(run, path, *args, code=None):
    result = run("check", path, *args, "--format", "json")
    if code is not None:
        assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def cells_of(d):
    return {(c["t"], c["name"]): c for c in d["cells"]}


# --- The rule: right chain, or the student's own values exactly as written --------------------------------------

def test_honest_rounding_carried_on_is_right_without_notes(run, tmp_path):
    # 0.0038564 × 0.82 = 0.003162248: written 0.0031622, right given the η_1 written (never "truncated").
    path = sheet(tmp_path, "# rho = 0.9\nt,g,eta,dx\n1,-0.82,0.0038564,0.0031622\n")
    d = marked(run, path, code=0)
    dx = cells_of(d)[(1, "dx")]
    assert dx["status"] in ("right", "right_given") and dx["rounding"] is None and dx["slip"] is None
    assert d["diagnosis"] == []


def test_a_written_zero_that_follows_from_what_was_written_is_right(run, tmp_path):
    # x_2 = 0.0000494 + 0.1·(−0.000494) = 0 by hand (a few units of rounding in doubles).
    path = sheet(tmp_path, "# rho = 0.9\n# lr = 0.1\nt,g,dx,x\n1,-0.0005,0.000494,0.0000494\n2,0.0005,-0.000494,0\n")
    d = marked(run, path, code=0)
    assert cells_of(d)[(2, "x")]["status"] == "right_given" and d["diagnosis"] == []


def test_an_exact_value_from_what_was_written_needs_no_more_digits(run, tmp_path):
    # η_1 written 0.0004 (exact) gives Δx_1 = −0.0004·2.5 = −0.001 exactly: not "too few digits".
    path = sheet(tmp_path, "t,g,eta,dx\n1,2.5,0.0004,-0.001\n")
    assert cells_of(marked(run, path))[(1, "dx")]["status"] == "right_given"


def test_another_epsilon_is_one_change_not_two_slips(run, tmp_path):
    path = sheet(tmp_path, "# lr = 0.1\nt,g,dx,x\n1,3,-0.0004472,-0.0000447\n2,5,-0.0005460,-0.0000993\n")
    d = marked(run, path, code=1)
    assert [e["id"] for e in d["diagnosis"]] == ["wrong_eps"] and "1e-8" in d["diagnosis"][0]["text"]


def test_a_german_sheet_with_powers_of_ten_and_settings(run, tmp_path):
    path = sheet(tmp_path, "# rho = 0,95\nt;g;eg2;edx2\n1;0,1;5,0·10^-4;9,98 x 10^-7\n")
    assert marked(run, path, code=0)["summary"]["score"] == 2


def test_a_value_that_follows_from_what_was_written_is_right(run, tmp_path):
    # E[Δx²]_1 = 0.05 · 0.00447102² = 9.99501e-7 from the Δx_1 written (the right chain says 9.99500e-7 ...).
    path = sheet(tmp_path, "t,g,dx,edx2\n1,0.2,-0.00447102,9.99501e-7\n")
    d = marked(run, path, code=0)
    assert cells_of(d)[(1, "edx2")]["status"] in ("right", "right_given")


def test_truncated_work_is_not_credited(run, tmp_path):
    # x_2 = 1.009 where the student's own values give 1.00994: agrees with neither chain, so wrong (truncated).
    text = "# x0 = 1\nt,g,dx,x\n1,-0.1,0.00446767,1.00447\n2,-0.2,0.00547,1.009\n"
    d = marked(run, sheet(tmp_path, text), code=1)
    x2 = cells_of(d)[(2, "x")]
    assert x2["status"] == "wrong"
    assert x2["slip_id"] == "truncation" and x2["rounding"] == "truncated: 1.009; rounded it is 1.010"


def test_four_decimal_places_everywhere_is_not_credited(run, tmp_path):
    # Every intermediate rounded to 4 decimal places (ε = 1e-6 becomes 0): η is written 0.0000 at every step. No η
    # is credited and the sheet is diagnosed; Δx, E[Δx²] and x follow from the η written (0), so they are right.
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.0000,-0.0000,0.0000,0.0000\n"
                           "2,0.2,0.0025,0.0000,-0.0000,0.0000,0.0000\n3,0.15,0.0035,0.0000,-0.0000,0.0000,0.0000\n")
    d = marked(run, path, code=1)
    assert [c["status"] for c in d["cells"] if c["name"] == "eta"] == ["wrong"] * 3
    assert d["summary"]["score"] == 11 and d["diagnosis"]  # E[g²]_3 = 0.95·0.0025 + 0.05·0.15² = 0.0035 exactly
    assert {c["name"] for c in d["cells"] if c["status"] == "right_given"} == {"eg2", "dx", "edx2", "x"}


@pytest.mark.parametrize("written,plain,last_digit", [
    ("0.04468", "right", "right"),  # η_1 = 0.0446767 rounds to 0.04468
    ("0.04467", "wrong", "right"), ("0.04469", "wrong", "right"),  # ±1 in the last digit
    ("0.04466", "wrong", "wrong"), ("0.04470", "wrong", "wrong"),
])
def test_last_digit_allows_one_unit(run, tmp_path, written, plain, last_digit):
    path = sheet(tmp_path, f"g,eta\n0.1,{written}\n")
    assert cells_of(marked(run, path))[(1, "eta")]["status"] == plain
    assert cells_of(marked(run, path, "--last-digit"))[(1, "eta")]["status"] == last_digit


# --- The catalogue and the model of the sheet -------------------------------------------------------------------

def test_the_catalogue_has_the_issues_ids_each_in_both_languages():
    from adadelta_cli.marking import slips

    ids = [m.id for m in slips.CATALOGUE]
    for mid in ("sign_dx", "x_sign", "eps_dropped", "eps_outside_root", "no_sqrt", "numerator_root_missing",
                "fraction_inverted", "rho_swapped", "wrong_rho", "wrong_eps", "eg2_previous", "edx2_not_updated",
                "edx2_current", "g_not_squared", "edx2_accumulates_g2", "lr_in_accumulator", "power_of_ten",
                "truncation", "early_rounding", "float32"):
        assert mid in ids
    assert len(set(ids)) == len(ids)


def implementation(gradients, rho=0.95, eps=1e-6, bug=None):
    eg2 = edx2 = x = 0.0
    out = ["t,g,eg2,eta,dx,edx2,x"]
    for t, g in enumerate(gradients, start=1):
        eg2 = rho * eg2 + (1 - rho) * g * g
        eta = math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps)
        dx = -eta * g
        if bug != "no_edx2_update":
            edx2 = rho * edx2 + (1 - rho) * dx * dx
        x += dx
        out.append(",".join([str(t), repr(g)] + [repr(v) for v in (eg2, eta, dx, edx2, x)]))
    return "\n".join(out) + "\n"


def test_pytorchs_rho_is_named_with_its_value(run, tmp_path):
    path = sheet(tmp_path, implementation([0.1, 0.2, 0.15, -0.3], rho=0.9))
    d = marked(run, path, code=1)
    (first, *_rest) = d["diagnosis"]
    assert first["id"] == "wrong_rho" and "ρ = 0.9" in first["text"] and "pytorch" in first["text"]
    assert "instead of 0.95" in first["text"]
    wrong = [c for c in d["cells"] if c["status"] == "wrong"]
    assert wrong and all(c["slip_id"] == "wrong_rho" for c in wrong)
    assert sorted(map(tuple, first["cells"])) == sorted((c["t"], c["name"]) for c in wrong)


def test_a_program_that_never_updates_the_accumulator(run, tmp_path):
    d = marked(run, sheet(tmp_path, implementation([0.1, 0.2, 0.15], bug="no_edx2_update")), code=1)
    assert [e["id"] for e in d["diagnosis"]] == ["edx2_not_updated"]


def test_a_written_zero_for_the_accumulator_is_not_tf1_order(run, tmp_path):
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.0446767,-0.00446767,0,-0.00446767\n"
                           "2,0.2,0.002475,0.0201008,-0.00402015,0,-0.00848782\n")
    d = marked(run, path, code=1)
    assert d["diagnosis"][0]["id"] == "edx2_not_updated"
    assert "TensorFlow 1.0" not in json.dumps(d, ensure_ascii=False)


def test_correct_three_digit_work_gets_no_notes(run, tmp_path):
    path = sheet(tmp_path, "t,g,eg2,eta,dx,edx2,x\n1,0.1,0.0005,0.0447,-0.00447,9.98e-7,-0.00447\n"
                           "2,0.2,0.00248,0.0284,-0.00568,2.56e-6,-0.0102\n"
                           "3,0.15,0.00348,0.0320,-0.00480,3.58e-6,-0.0150\n")
    d = marked(run, path, code=0)
    assert d["diagnosis"] == [] and all(not (c["slip"] or c["rounding"]) for c in d["cells"])


def test_one_off_slips_are_each_named(run):
    from .conftest import SAMPLES

    d = marked(run, SAMPLES / "student_worksheet.csv", code=1)
    assert {e["id"] for e in d["diagnosis"]} == {"sign_dx", "rho_swapped", "eps_dropped", "power_of_ten"}
    for entry in d["diagnosis"]:
        for t, name in entry["cells"]:
            assert cells_of(d)[(t, name)]["slip_id"] == entry["id"]


def test_the_diagnosis_is_said_once_before_the_cells(run, tmp_path):
    path = sheet(tmp_path, implementation([0.1, 0.2, 0.15, -0.3], rho=0.9))
    out = run("check", path).stdout
    line = next(line for line in out.splitlines() if line.startswith("Diagnosis"))
    assert "ρ = 0.9" in line and out.index(line) < out.index("E[g²]_1")
    md = run("check", path, "--format", "markdown").stdout
    assert "Diagnosis" in md and "ρ = 0.9" in md


def test_csv_and_gradebook_carry_the_ids(run, tmp_path):
    path = sheet(tmp_path, implementation([0.1, 0.2, 0.15], rho=0.9), "s.csv")
    rows = list(csv.DictReader(io.StringIO(run("check", path, "--format", "csv").stdout)))
    assert {r["slip_id"] for r in rows if r["verdict"] == "wrong"} == {"wrong_rho"}
    book = list(csv.DictReader(io.StringIO(run("check", path, "--gradebook", "-").stdout)))
    assert book[0]["diagnosis"] == "wrong_rho" and "ρ = 0.9" in book[0]["diagnosis_text"]


# --- Every mode and dtype ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [["--dtype", "float32"], ["--preset", "tfjs"], ["--weight-decay", "0.1"],
                                     ["--weight-decay", "0.1", "--weight-decay-mode", "decoupled", "--lr", "0.5"],
                                     ["--maximize"], ["--preset", "keras", "--weight-decay", "0.01"],
                                     ["--preset", "tf1"], ["--preset", "mindspore"]])
def test_the_tools_own_trace_checks_right_in_every_mode(run, tmp_path, options):
    trace = run("trace", "0.1", "-0.2", "0.15", "0.3", "--x0", "1", *options, "--format", "csv")
    assert trace.exit_code == 0, trace.stderr
    d = marked(run, sheet(tmp_path, trace.stdout), "--x0", "1", *options, code=0)
    assert d["summary"]["score"] == d["summary"]["out_of"] >= 24 and d["diagnosis"] == []


def test_a_float32_program_checked_as_float64_is_diagnosed_float32(run, tmp_path):
    np = pytest.importorskip("numpy")
    rho, eps = np.float32(0.95), np.float32(1e-6)
    eg2 = edx2 = x = np.float32(0)
    lines = ["t,g,eg2,eta,dx,edx2,x"]
    for t, g in enumerate(np.array([0.1, 0.2, 0.15, -0.3, 0.25], dtype=np.float32), start=1):
        eg2 = rho * eg2 + (np.float32(1) - rho) * g * g
        eta = np.sqrt(edx2 + eps) / np.sqrt(eg2 + eps)
        dx = -eta * g
        edx2 = rho * edx2 + (np.float32(1) - rho) * dx * dx
        x = x + dx
        lines.append(",".join([str(t), str(g)] + [str(v) for v in (eg2, eta, dx, edx2, x)]))
    path = sheet(tmp_path, "\n".join(lines) + "\n")
    d = marked(run, path)
    wrong = [c for c in d["cells"] if c["status"] == "wrong"]
    assert wrong and [e["id"] for e in d["diagnosis"]] == ["float32"]
    assert all(c["slip_id"] == "float32" for c in wrong)


def test_a_tfjs_sheet_filled_with_algorithm_1_is_not_nearly_right(run, tmp_path):
    trace = run("trace", "0.1", "0.2", "0.15", "--format", "csv").stdout
    d = marked(run, sheet(tmp_path, "# rate_eg2 = previous\n" + trace), code=1)
    etas = [c for c in d["cells"] if c["name"] == "eta"]
    assert [c["status"] for c in etas] == ["wrong"] * 3
    assert [e["id"] for e in d["diagnosis"]] == ["eg2_current"]  # Algorithm 1's order, named


# --- A bad cell is one bad cell ---------------------------------------------------------------------------------

def test_a_german_spreadsheet_is_recognised_and_said(run, tmp_path):
    path = sheet(tmp_path, "t;g;eg2;eta;dx\n1;0,1;0,0005;0,0447;-0,00447\n2;0,2;0,002475;0,0284;-0,00568\n")
    d = marked(run, path, code=0)
    assert d["summary"]["score"] == 6 and any("','" in note for note in d["notes"])
    assert "German" in run("check", path).stdout


def test_decimal_comma_option(run, tmp_path):
    path = sheet(tmp_path, "t;g;eta\n1;0,1;0,0447\n")
    assert marked(run, path, "--decimal-comma", code=0)["summary"]["score"] == 1


def test_powers_of_ten_written_out_are_read(run, tmp_path):
    path = sheet(tmp_path, "g,eta,edx2\n0.1,4.47×10^-2,9.98 x 10⁻⁷\n")
    assert marked(run, path, code=0)["summary"]["score"] == 2


def test_an_unreadable_sheet_keeps_the_students_name_in_the_gradebook(run, tmp_path):
    path = sheet(tmp_path, "# name = Li Wei\n# variant = 07\nt,g,eta\n1,abc,0.1\n")
    rows = list(csv.DictReader(io.StringIO(run("check", path, "--gradebook", "-").stdout)))
    assert rows[0]["student"] == "Li Wei" and rows[0]["variant"] == "07" and "not a number" in rows[0]["error"]


# --- A simulated class ------------------------------------------------------------------------------------------

def _agrees(text: str, value: float) -> bool:
    """An independent reading of the rule: ``value`` within half a unit of the last digit written."""
    d = Decimal(text)
    if d.is_zero():
        return value == 0
    place = max(d.as_tuple().exponent, d.adjusted() - 11)
    return abs(Decimal(value) - d) <= Decimal(5).scaleb(place - 1) * (1 + Decimal("1e-9")) + abs(Decimal(value)) * \
        Decimal("1e-13")


def _chains(s: students.Sheet):
    """The right chain and the chain from the written values, by hand (plain floats)."""
    rho, eps, lr = s.settings["rho"], s.settings["eps"], s.settings["lr"]
    out = []
    for own in (False, True):
        eg2 = edx2 = 0.0
        x = s.settings["x0"]
        steps = []
        for row in s.rows:
            g = row["g"]
            v = {"eg2": rho * eg2 + (1 - rho) * g * g}
            e_now = float(row["eg2"]) if own else v["eg2"]
            v["eta"] = math.sqrt(edx2 + eps) / math.sqrt(e_now + eps)
            eta = float(row["eta"]) if own else v["eta"]
            v["dx"] = -eta * g
            dx = float(row["dx"]) if own else v["dx"]
            v["edx2"] = rho * edx2 + (1 - rho) * dx * dx
            v["x"] = x + lr * dx
            steps.append(v)
            eg2, edx2, x = e_now, (float(row["edx2"]) if own else v["edx2"]), (float(row["x"]) if own else v["x"])
        out.append(steps)
    return out


def _mark(text, tmp_path):
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.marking.sheet import read_worksheet
    from adadelta_cli.marking.verdicts import mark_worksheet

    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    s = read_worksheet(str(path))
    return mark_worksheet(s, resolve(base=s.settings))


@pytest.fixture
def once(engine):
    if engine != "auto":  # marking computes through the description's loop whatever engine traces use
        pytest.skip("the simulated class is marked once, under the auto engine")


def test_honest_students_are_never_given_a_misconception(tmp_path, once):
    rng = random.Random(11)
    for _ in range(60):
        s = students.draw(rng, None)
        verdicts, diagnosis = _mark(s.text, tmp_path)
        assert diagnosis == [], s.text
        assert all(v.status in ("right", "right_given") for v in verdicts), (s.text, s.student)


def test_no_cell_is_credited_that_agrees_with_neither_chain(tmp_path, once):
    rng = random.Random(12)
    for i in range(120):
        s = students.draw(rng, students.MISCONCEPTIONS[i % len(students.MISCONCEPTIONS)] if i % 4 else None)
        truth, own = _chains(s)
        verdicts, _diagnosis = _mark(s.text, tmp_path)
        for v in verdicts:
            if v.status in ("right", "right_given", "too_few"):
                step = v.t - 1
                assert _agrees(v.written, truth[step][v.name]) or _agrees(v.written, own[step][v.name]), \
                    (s.text, v)


def test_a_single_misconception_is_named_first(tmp_path, once):
    rng = random.Random(13)
    seen = first = 0
    missed = []
    for m in students.MISCONCEPTIONS:
        for _ in range(6):
            s = students.draw(rng, m)
            if not students.visible(s):
                continue
            seen += 1
            _verdicts, diagnosis = _mark(s.text, tmp_path)
            named = diagnosis[0].id if diagnosis else None
            named = "lr_in_accumulator" if named == "lr_in_update" else named
            first += named == m
            if named != m:
                missed.append((m, named))
    # The rates per misconception are measured by benchmarks/diagnosis.py (docs/classroom.md); here, nearly all.
    assert seen > 100 and first >= 0.9 * seen, missed


def test_a_long_programs_output_is_diagnosed_whole(run, tmp_path):
    # Ranked on its first steps, every wrong cell of all 150 steps is then explained by what was named there.
    gradients = [math.sin(t) / 2 for t in range(1, 151)]
    d = marked(run, sheet(tmp_path, implementation(gradients, rho=0.9)), code=1)
    wrong = [c for c in d["cells"] if c["status"] == "wrong"]
    assert len(wrong) > 200 and {c["slip_id"] for c in wrong} == {"wrong_rho"}
    assert [e["id"] for e in d["diagnosis"]] == ["wrong_rho"] and len(d["diagnosis"][0]["cells"]) == len(wrong)
