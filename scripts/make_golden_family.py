"""Write golden vectors of Adadelta's family from torch.optim (CPU) to tests/golden/family/<optimizer>.json.

Adagrad, RMSprop, SGD (with momentum), Adam and AdamW, each over 20 random cases in float64 and 20 in float32:
random settings within torch's valid ranges (every option of the optimizer, `maximize` included), 1 to 4
parameters, 3 to 12 steps, gradients of mixed magnitudes (1e-4 to 10, either sign) and a random x0. For each case
the file holds the settings under torch's names, x0, the gradients, and per step the parameters x_t and every state
tensor torch keeps (its state_dict: sum, square_avg, grad_avg, momentum_buffer, exp_avg, exp_avg_sq,
max_exp_avg_sq, step). Values are exact: float64 as Python writes them (round-trip), float32 as the float64 they
widen to. The tests read the files and need no torch:

    pip install torch
    python scripts/make_golden_family.py            # all five; or name some: adam adamw

The optimizer runs as torch runs it on the CPU by default: the single-tensor path (foreach=False), one tensor of
the case's parameters, the gradient set by hand before each step.
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "family"
CASES = 20  # per optimizer and dtype
DTYPES = ("float64", "float32")
SEED = 28  # with the optimizer's name and the dtype: each file is remade alike
REMAKE = "python scripts/make_golden_family.py"

CLASSES = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
# The options each case draws, under torch's names; the others keep torch's defaults.
OPTIONS = {
    "adagrad": ("lr", "lr_decay", "eps", "initial_accumulator_value", "weight_decay", "maximize"),
    "rmsprop": ("lr", "alpha", "eps", "centered", "momentum", "weight_decay", "maximize"),
    "sgd": ("lr", "momentum", "dampening", "nesterov", "weight_decay", "maximize"),
    "adam": ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"),
    "adamw": ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"),
}
# The options `adadelta compare` (features/others.py) reads; a case drawn "plain" sets no other.
PLAIN = {
    "adagrad": ("lr", "lr_decay", "eps", "initial_accumulator_value"),
    "rmsprop": ("lr", "alpha", "eps"),
    "sgd": ("lr", "momentum", "dampening"),
    "adam": ("lr", "betas", "eps"),
    "adamw": ("lr", "betas", "eps", "weight_decay"),
}


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return 10 ** rng.uniform(math.log10(low), math.log10(high))


def draw_settings(rng: random.Random, name: str, plain: bool) -> dict:
    """Random settings within torch's valid ranges; an option is left at torch's default about a third of the
    time, so each option is seen both on and off."""
    s: dict = {}
    off = (lambda: True) if plain else (lambda: rng.random() < 1 / 3)
    s["lr"] = log_uniform(rng, 1e-4, 1.0)
    if "eps" in OPTIONS[name] and rng.random() < 2 / 3:
        s["eps"] = log_uniform(rng, 1e-10, 1e-3)
    if name == "adagrad":
        s["lr_decay"] = 0.0 if rng.random() < 1 / 3 else log_uniform(rng, 1e-3, 1.0)
        s["initial_accumulator_value"] = 0.0 if rng.random() < 1 / 3 else log_uniform(rng, 1e-4, 1.0)
    elif name == "rmsprop":
        s["alpha"] = rng.choice([0.99, rng.uniform(0.0, 1.0), rng.uniform(0.9, 0.9999)])
        s["centered"] = not off() and rng.random() < 0.75
        s["momentum"] = 0.0 if off() else rng.uniform(0.0, 0.99)
    elif name == "sgd":
        s["momentum"] = 0.0 if rng.random() < 0.2 else rng.uniform(0.0, 0.99)
        s["nesterov"] = not off() and s["momentum"] > 0 and rng.random() < 0.75
        # torch: Nesterov momentum requires a momentum and zero dampening
        s["dampening"] = 0.0 if s["nesterov"] or rng.random() < 0.4 else rng.uniform(0.0, 1.0)
    else:
        b1 = rng.choice([0.9, rng.uniform(0.0, 0.99), 0.0])
        b2 = rng.choice([0.999, rng.uniform(0.9, 0.99999), rng.uniform(0.0, 0.9)])
        s["betas"] = [b1, b2]
        s["amsgrad"] = not off() and rng.random() < 0.75
    if name == "adamw":
        s["weight_decay"] = rng.choice([0.01, 0.0, log_uniform(rng, 1e-4, 1.0)])
    elif not off():
        s["weight_decay"] = log_uniform(rng, 1e-4, 0.5)
    if not plain:
        s["maximize"] = rng.random() < 0.3
    return s


def draw_case(rng: random.Random, dtype: str) -> tuple[list[float], list[list[float]]]:
    import numpy as np

    n = rng.randint(1, 4)
    steps = rng.randint(3, 12)
    narrow = np.float32 if dtype == "float32" else np.float64

    def value(low: float, high: float) -> float:
        return float(narrow(rng.choice((-1, 1)) * log_uniform(rng, low, high)))

    x0 = [value(1e-3, 5.0) for _ in range(n)]
    grads = [[value(1e-4, 10.0) for _ in range(n)] for _ in range(steps)]
    return x0, grads


def run_torch(name: str, settings: dict, dtype: str, x0: list[float], grads: list[list[float]]) -> list[dict]:
    import torch

    cls = getattr(torch.optim, CLASSES[name])
    tdtype = getattr(torch, dtype)
    p = torch.nn.Parameter(torch.tensor(x0, dtype=tdtype))
    kwargs = dict(settings)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = cls([p], foreach=False, **kwargs)
    steps = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=tdtype)
        opt.step()
        row = {"x": [float(v) for v in p.detach().tolist()]}
        for key, value in sorted(opt.state_dict()["state"].get(0, {}).items()):
            if value is None:  # SGD without momentum keeps momentum_buffer = None
                continue
            if key == "step":
                row[key] = float(value.item())
            else:
                if value.dtype != tdtype:
                    raise SystemExit(f"{name}: state {key} is {value.dtype}, not {dtype}")
                row[key] = [float(v) for v in value.tolist()]
        steps.append(row)
    return steps


def finite(steps: list[dict]) -> bool:
    return all(math.isfinite(v) for row in steps for key, vals in row.items()
               for v in (vals if isinstance(vals, list) else [vals]))


def make(name: str) -> dict:
    import torch

    cases = []
    for dtype in DTYPES:
        rng = random.Random(f"{SEED}-{name}-{dtype}")
        for i in range(CASES):
            while True:  # a draw whose run leaves the finite numbers (none so far) is drawn again
                settings = draw_settings(rng, name, plain=i % 4 == 0)
                x0, grads = draw_case(rng, dtype)
                steps = run_torch(name, settings, dtype, x0, grads)
                if finite(steps):
                    break
            cases.append({"id": f"{name}-{dtype}-{i:02d}", "dtype": dtype, "settings": settings, "x0": x0,
                          "grads": grads, "steps": steps})
    header = {
        "optimizer": f"torch.optim.{CLASSES[name]}",
        "torch": torch.__version__,
        "how": ("torch.optim on the CPU, single-tensor path (foreach=False); one parameter tensor per case; the "
                "gradient set before each step; after it, x and the optimizer's state_dict. Random settings, x0 "
                "and gradients (seeded); float32 values written as the float64 they widen to."),
        "remake": f"{REMAKE} {name}",
        "cases_per_dtype": CASES,
    }
    return {"header": header, "cases": cases}


def dumps(doc: dict) -> str:
    """Compact but readable: one line per case's settings, x0 and gradients, one line per step."""
    d = json.dumps
    lines = ["{", f' "header": {d(doc["header"], ensure_ascii=False)},', ' "cases": [']
    for k, case in enumerate(doc["cases"]):
        head = {key: case[key] for key in ("id", "dtype", "settings", "x0")}
        lines.append(f'  {d(head)[:-1]},')
        lines.append(f'   "grads": {d(case["grads"])},')
        lines.append('   "steps": [')
        for j, row in enumerate(case["steps"]):
            lines.append(f'    {d(row)}' + ("," if j + 1 < len(case["steps"]) else ""))
        lines.append("  ]}" + ("," if k + 1 < len(doc["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    names = argv or list(OPTIONS)
    unknown = [n for n in names if n not in OPTIONS]
    if unknown:
        print(f"unknown optimizer {', '.join(unknown)}; expected some of {', '.join(OPTIONS)}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = dumps(make(name))
        json.loads(text)  # well-formed
        path = OUT / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(OUT.parent.parent.parent)}: {len(text) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
