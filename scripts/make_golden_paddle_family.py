"""Write golden vectors of Adadelta's family from PaddlePaddle (CPU, dygraph) to tests/golden/family/paddle.json.

paddle.optimizer.Adagrad, RMSProp, Momentum (the `sgd` member: momentum 0, heavy ball and Nesterov), Adam and
AdamW differ from torch.optim's in their defaults and in what they hold in float32: the ε/ρ/momentum/μ operator
attributes and Momentum's and AdamW's weight-decay coefficients are float32 attributes, rounded even for float64
parameters; a float `weight_decay` is L2Decay (g + wd·x) except for AdamW (decoupled, x − (lr·wd)·x first). See
docs/conventions.md for the exact formulas. Each optimizer over 20 random float64 cases (its options drawn
as make_golden_keras_family.py draws Keras's, under Paddle's names; the gradients and x0 drawn by the same
function). The file holds the settings under Paddle's names, x0, the gradients and x_t after each step. The tests
read the file and need no Paddle:

    pip install paddlepaddle numpy
    python scripts/make_golden_paddle_family.py

Each step feeds the case's gradient exactly: loss = sum(g ⊙ x), loss.backward() (the gradient is g·1, exact),
opt.step(), opt.clear_grad(); the parameter is float64 (its learning-rate tensor is float64 too).
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_golden_family import draw_case, log_uniform  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "family" / "paddle.json"
CASES = 20
SEED = 28
CLASSES = {"adagrad": "Adagrad", "rmsprop": "RMSProp", "sgd": "Momentum", "adam": "Adam", "adamw": "AdamW"}


def draw_settings(rng: random.Random, name: str) -> dict:
    """Random settings under Paddle's names; an option is left at Paddle's default about a third of the time."""
    s: dict = {"learning_rate": log_uniform(rng, 1e-4, 1.0)}  # Adagrad and RMSProp have no default
    if name != "sgd" and rng.random() < 2 / 3:
        s["epsilon"] = log_uniform(rng, 1e-10, 1e-3)
    if name == "adagrad":
        if rng.random() < 2 / 3:
            s["initial_accumulator_value"] = rng.choice([0.1, 0.0, log_uniform(rng, 1e-4, 1.0)])
    elif name == "rmsprop":
        if rng.random() < 2 / 3:
            s["rho"] = rng.choice([0.9, rng.uniform(0.0, 1.0), rng.uniform(0.9, 0.9999)])
        s["centered"] = rng.random() < 0.5
        s["momentum"] = 0.0 if rng.random() < 1 / 3 else rng.uniform(0.0, 0.99)
    elif name == "sgd":
        r = rng.random()
        if r < 0.2:
            s["momentum"] = 0.0
        elif r > 0.35:  # else Paddle's default 0.9
            s["momentum"] = rng.uniform(0.0, 0.99)
        s["use_nesterov"] = s.get("momentum", 0.9) > 0 and rng.random() < 0.5
    else:
        if rng.random() < 2 / 3:
            s["beta1"] = rng.choice([0.9, rng.uniform(0.0, 0.99), 0.0])
        if rng.random() < 2 / 3:
            s["beta2"] = rng.choice([0.999, rng.uniform(0.9, 0.99999), rng.uniform(0.0, 0.9)])
        s["amsgrad"] = rng.random() < 0.5
    if name == "adamw":
        if rng.random() < 2 / 3:
            s["weight_decay"] = rng.choice([0.01, 0.0, log_uniform(rng, 1e-4, 1.0)])
    elif rng.random() < 1 / 3:
        s["weight_decay"] = log_uniform(rng, 1e-4, 0.5)
    return s


def run_paddle(name: str, settings: dict, x0: list[float], grads: list[list[float]]) -> list[dict]:
    import numpy as np
    import paddle

    p = paddle.create_parameter([len(x0)], dtype="float64")
    p.set_value(np.array(x0, dtype=np.float64))
    if p.numpy().tolist() != x0:
        raise SystemExit("x0 did not reach the float64 parameter exactly")
    optimizer = getattr(paddle.optimizer, CLASSES[name])(parameters=[p], **settings)
    steps = []
    for g in grads:
        loss = (paddle.to_tensor(np.array(g, dtype=np.float64)) * p).sum()
        loss.backward()
        if p.grad.numpy().tolist() != g:
            raise SystemExit("the gradient did not reach the optimizer exactly")
        optimizer.step()
        optimizer.clear_grad()
        steps.append({"x": [float(v) for v in p.numpy().tolist()]})
    return steps


def dumps(doc: dict) -> str:
    """Compact but readable: one line per case's head, gradients and step."""
    d = json.dumps
    lines = ["{", f' "header": {d(doc["header"], ensure_ascii=False)},', ' "cases": [']
    for k, case in enumerate(doc["cases"]):
        head = {key: case[key] for key in ("id", "optimizer", "settings", "x0")}
        lines.append(f'  {d(head)[:-1]},')
        lines.append(f'   "grads": {d(case["grads"])},')
        lines.append('   "steps": [')
        for j, row in enumerate(case["steps"]):
            lines.append(f'    {d(row)}' + ("," if j + 1 < len(case["steps"]) else ""))
        lines.append("  ]}" + ("," if k + 1 < len(doc["cases"]) else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    import paddle

    paddle.set_device("cpu")
    cases = []
    for name in CLASSES:
        rng = random.Random(f"{SEED}-paddle-{name}")
        for i in range(CASES):
            while True:
                settings = draw_settings(rng, name)
                x0, grads = draw_case(rng, "float64")
                steps = run_paddle(name, settings, x0, grads)
                if all(math.isfinite(v) for row in steps for v in row["x"]):
                    break
            cases.append({"id": f"paddle-{name}-{i:02d}", "optimizer": name, "settings": settings, "x0": x0,
                          "grads": grads, "steps": steps})
    header = {"made_by": "python scripts/make_golden_paddle_family.py", "paddle": paddle.__version__,
              "device": "cpu", "dtype": "float64",
              "classes": {name: f"paddle.optimizer.{cls}" for name, cls in CLASSES.items()}}
    text = dumps({"header": header, "cases": cases})
    json.loads(text)  # well-formed
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
