"""Write golden vectors of Adadelta's family from Keras 3 (torch backend, CPU) to tests/golden/family/keras.json.

Keras's Adagrad, RMSprop, SGD (with momentum and Nesterov), Adam and AdamW differ from torch.optim's: ε inside the
root (Adagrad, RMSprop), the learning rate inside RMSprop's momentum buffer, SGD's buffer μ·b − lr·g from 0, Adam's
ε added to √v_t (the paper's ε̂), every weight decay decoupled, the learning rate held in a float32 variable. Each
optimizer over 20 random float64 cases (its options drawn as make_golden_family.py draws torch's, under Keras's
names; the gradients and x0 drawn by the same function). The file holds the settings under Keras's names, x0, the
gradients and x_t after each step. The tests read the file and need neither Keras nor torch:

    pip install torch keras
    KERAS_BACKEND=torch python scripts/make_golden_keras_family.py
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_golden_family import draw_case, log_uniform  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "family" / "keras.json"
CASES = 20
SEED = 28
CLASSES = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}


def draw_settings(rng: random.Random, name: str) -> dict:
    """Random settings under Keras's names; an option is left at Keras's default about a third of the time."""
    s: dict = {"learning_rate": log_uniform(rng, 1e-4, 1.0)}
    if name != "sgd" and rng.random() < 2 / 3:
        s["epsilon"] = log_uniform(rng, 1e-10, 1e-3)
    if name == "adagrad":
        s["initial_accumulator_value"] = rng.choice([0.1, 0.0, log_uniform(rng, 1e-4, 1.0)])
    elif name == "rmsprop":
        s["rho"] = rng.choice([0.9, rng.uniform(0.0, 1.0), rng.uniform(0.9, 0.9999)])
        s["centered"] = rng.random() < 0.5
        s["momentum"] = 0.0 if rng.random() < 1 / 3 else rng.uniform(0.0, 0.99)
    elif name == "sgd":
        s["momentum"] = 0.0 if rng.random() < 0.2 else rng.uniform(0.0, 0.99)
        s["nesterov"] = s["momentum"] > 0 and rng.random() < 0.5
    else:
        s["beta_1"] = rng.choice([0.9, rng.uniform(0.0, 0.99), 0.0])
        s["beta_2"] = rng.choice([0.999, rng.uniform(0.9, 0.99999), rng.uniform(0.0, 0.9)])
        s["amsgrad"] = rng.random() < 0.5
    if name == "adamw":
        s["weight_decay"] = rng.choice([0.004, 0.0, log_uniform(rng, 1e-4, 1.0)])
    elif rng.random() < 1 / 3:
        s["weight_decay"] = log_uniform(rng, 1e-4, 0.5)
    return s


def run_keras(name: str, settings: dict, x0: list[float], grads: list[list[float]]) -> list[dict]:
    import keras
    import numpy as np

    variable = keras.Variable(np.array(x0, dtype=np.float64), dtype="float64")
    kwargs = dict(settings)
    if kwargs.get("weight_decay") == 0.0 and name != "adamw":
        kwargs["weight_decay"] = None
    optimizer = getattr(keras.optimizers, CLASSES[name])(**kwargs)
    steps = []
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.array(g, dtype=np.float64)), variable)])
        steps.append({"x": [float(v) for v in variable.value.detach().cpu().numpy().tolist()]})
    return steps


def main() -> None:
    if os.environ.get("KERAS_BACKEND") != "torch":
        raise SystemExit("run with KERAS_BACKEND=torch (the goldens are Keras 3 on its torch backend)")
    import keras

    cases = []
    for name in CLASSES:
        rng = random.Random(f"{SEED}-keras-{name}")
        for i in range(CASES):
            while True:
                settings = draw_settings(rng, name)
                x0, grads = draw_case(rng, "float64")
                steps = run_keras(name, settings, x0, grads)
                if all(math.isfinite(v) for row in steps for v in row["x"]):
                    break
            cases.append({"id": f"keras-{name}-{i:02d}", "optimizer": name, "settings": settings, "x0": x0,
                          "grads": grads, "steps": steps})
    header = {"made_by": "KERAS_BACKEND=torch python scripts/make_golden_keras_family.py",
              "keras": keras.__version__, "backend": "torch", "dtype": "float64"}
    OUT.write_text(json.dumps({"header": header, "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
