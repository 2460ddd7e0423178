"""A simulated class: students who work Adadelta by hand (or in code), each with one misconception or none, a
rounding habit, and carrying on either what they wrote or their calculator's full value.

Written independently of the package (plain Python floats, the formulas spelled out by hand), so that marking
them tests the tool against another reading of the algorithm, not against itself.
"""

from __future__ import annotations

import math
import random
import struct
from dataclasses import dataclass, field

MISCONCEPTIONS = (
    "sign_dx", "x_sign", "eps_dropped", "eps_outside_root", "no_sqrt", "numerator_root_missing",
    "fraction_inverted", "rho_swapped", "wrong_rho", "wrong_eps", "eg2_previous", "edx2_not_updated",
    "edx2_current", "g_not_squared", "edx2_accumulates_g2", "lr_in_accumulator", "power_of_ten", "truncation",
    "early_rounding", "float32",
)
COLUMNS = ("eg2", "eta", "dx", "edx2", "x")


def f32(v: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def round_sig(v: float, n: int) -> float:
    return float(f"{v:.{n - 1}e}") if v and math.isfinite(v) else v


def truncate_sig(v: float, n: int) -> str:
    """v cut (not rounded) to n significant digits, as text."""
    from decimal import ROUND_DOWN, Decimal

    d = Decimal(repr(v))
    place = d.adjusted() - (n - 1)
    return str(d.quantize(Decimal(1).scaleb(place), rounding=ROUND_DOWN))


@dataclass
class Student:
    misconception: str | None = None
    digits: int | None = 6  # significant digits written; None: every digit (a program's repr)
    carry: bool = True  # later values from what was written (else from the full values)
    value: object = None  # the wrong ρ, the wrong ε, the early rounding's digits, the slipped cell
    wrong_cells: set = field(default_factory=set)

    def write(self, v: float) -> str:
        if self.misconception == "float32":
            return repr(f32(v))
        if self.digits is None:
            return repr(v)
        if self.misconception == "truncation":
            return truncate_sig(v, self.digits)
        return f"{v:.{self.digits - 1}e}"


@dataclass
class Sheet:
    text: str
    options: list[str]
    student: Student
    rows: list[dict]  # per step: g and the written texts
    settings: dict


def work(student: Student, gradients: list[float], rho: float, eps: float, lr: float, x0: float) -> list[dict]:
    """The student's written values, step by step."""
    m = student.misconception
    r = student.value if m == "wrong_rho" else rho
    e = student.value if m == "wrong_eps" else eps
    op = f32 if m == "float32" else (lambda v: round_sig(v, student.value) if m == "early_rounding" else v)
    if m == "float32":
        r, e, lr = f32(r), f32(e), f32(lr)
        gradients = [f32(g) for g in gradients]
    eg2 = edx2 = 0.0
    x = f32(x0) if m == "float32" else x0
    rows = []
    slip_at = student.value if m == "power_of_ten" else None

    def keep(t, name, v):
        """Write v and return what the student carries on."""
        text = student.write(v)
        if slip_at == (t, name):
            text = student.write(v * 10)
            return text, float(text)
        return text, (float(text) if student.carry else v)

    for t, g in enumerate(gradients, start=1):
        row = {"t": t, "g": g}
        # E[g²]_t
        if m == "rho_swapped":
            new_eg2 = op(op((1 - r) * eg2) + op(r * op(g * g)))
        elif m == "g_not_squared":
            new_eg2 = op(op(r * eg2) + op((1 - r) * g))
        else:
            new_eg2 = op(op(r * eg2) + op(op(1 - r) * op(g * g)))
        row["eg2"], eg2_now = keep(t, "eg2", new_eg2)
        # η_t
        den = eg2 if m == "eg2_previous" else eg2_now
        num = edx2
        ee = 0.0 if m == "eps_dropped" else e
        if m == "edx2_current":
            dx0 = -math.sqrt(num + e) / math.sqrt(den + e) * g
            num = r * edx2 + (1 - r) * dx0 * dx0
        if m == "no_sqrt":
            eta = op(num + ee) / op(den + ee)
        elif m == "numerator_root_missing":
            eta = op(num + ee) / op(math.sqrt(op(den + ee)))
        elif m == "fraction_inverted":
            eta = op(math.sqrt(op(den + ee))) / op(math.sqrt(op(num + ee)))
        elif m == "eps_outside_root":
            eta = op(op(math.sqrt(num)) + ee) / op(op(math.sqrt(den)) + ee)
        else:
            eta = op(math.sqrt(op(num + ee))) / op(math.sqrt(op(den + ee)))
        eta = f32(eta) if m == "float32" else eta
        row["eta"], eta = keep(t, "eta", eta)
        # Δx_t
        dx = op(eta * g) if m == "sign_dx" else -op(eta * g)
        row["dx"], dx = keep(t, "dx", dx)
        # E[Δx²]_t
        if m == "edx2_not_updated":
            new_edx2 = edx2
        elif m == "edx2_accumulates_g2":
            new_edx2 = op(op(r * edx2) + op(op(1 - r) * op(g * g)))
        elif m == "lr_in_accumulator":
            new_edx2 = op(op(r * edx2) + op(op(1 - r) * op(op(lr * dx) * op(lr * dx))))
        elif m == "rho_swapped":
            new_edx2 = op(op((1 - r) * edx2) + op(r * op(dx * dx)))
        else:
            new_edx2 = op(op(r * edx2) + op(op(1 - r) * op(dx * dx)))
        row["edx2"], edx2 = keep(t, "edx2", new_edx2)
        # x_t
        new_x = op(x - op(lr * dx)) if m == "x_sign" else op(x + op(lr * dx))
        row["x"], x = keep(t, "x", new_x)
        eg2 = eg2_now
        rows.append(row)
    return rows


def sheet_text(rows: list[dict], rho: float, eps: float, lr: float, x0: float) -> str:
    lines = [f"# rho = {rho}", f"# eps = {eps}", f"# lr = {lr}", f"# x0 = {x0}", "t,g," + ",".join(COLUMNS)]
    for row in rows:
        lines.append(",".join([str(row["t"]), repr(row["g"])] + [row[c] for c in COLUMNS]))
    return "\n".join(lines) + "\n"


def draw(rng: random.Random, misconception: str | None) -> Sheet:
    """A student with ``misconception`` (None: an honest one) and a sheet of 3 or 4 steps (drawn again where the
    misconception makes the arithmetic undefined: the root of a negative E[g²])."""
    while True:
        try:
            return _draw(rng, misconception)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue


def _draw(rng: random.Random, misconception: str | None) -> Sheet:
    steps = rng.choice((3, 4))
    gradients = [rng.choice((-1, 1)) * rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 60, 80)) / 100 for _ in range(steps)]
    rho = rng.choice((0.95, 0.9))
    eps = 1e-6
    lr = rng.choice((1.0, 0.5)) if misconception != "lr_in_accumulator" else 0.5
    x0 = rng.choice((0.0, 1.0))
    digits = rng.choice((3, 4, 5, 6, 8, None))
    if misconception in ("truncation",):
        digits = rng.choice((3, 4, 5, 6))
    if misconception == "float32":
        digits = None
    carry = rng.random() < 0.6
    value = None
    if misconception == "wrong_rho":
        value = rng.choice([v for v in (0.9, 0.99, 0.5, 0.95) if v != rho])
    elif misconception == "wrong_eps":
        value = rng.choice((1e-8, 1e-4, 1e-3, 1e-2))
    elif misconception == "early_rounding":
        value = rng.choice((2, 3))
        digits = rng.choice((4, 5, 6))
    elif misconception == "power_of_ten":
        value = (rng.randint(1, steps), rng.choice(COLUMNS))
    student = Student(misconception, digits, carry, value)
    rows = work(student, gradients, rho, eps, lr, x0)
    return Sheet(sheet_text(rows, rho, eps, lr, x0), [], student, rows,
                 {"rho": rho, "eps": eps, "lr": lr, "x0": x0, "gradients": gradients})


def visible(sheet: Sheet) -> bool:
    """Whether the misconception shows in what was written: an honest student with the same habits writes
    something else somewhere."""
    if sheet.student.misconception is None:
        return False
    s = sheet.settings
    honest = Student(None, sheet.student.digits, sheet.student.carry)
    if sheet.student.misconception == "float32":
        honest.digits = None
    rows = work(honest, s["gradients"], s["rho"], s["eps"], s["lr"], s["x0"])
    return any(float(a[c]) != float(b[c]) for a, b in zip(rows, sheet.rows) for c in COLUMNS)
