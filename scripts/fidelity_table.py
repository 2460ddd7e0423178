"""Print the fidelity table of docs/fidelity.md: each recording of tests/golden/precision replayed with the options
that reproduce it, and how close the replay comes (bit-identical cells, worst difference).

Needs no framework: it reads the recordings (scripts/make_golden_precision.py wrote them). Run it after
re-recording and paste its output into docs/fidelity.md (tests/test_precision.py checks the page holds it):

    python scripts/fidelity_table.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adadelta_cli.maths import core  # noqa: E402

PRECISION = ROOT / "tests" / "golden" / "precision"

# (recording, the options that reproduce it, what the framework is)
ROWS = [
    ("torch_float64_single", "--preset pytorch", "torch.optim.Adadelta, float64"),
    ("torch_float64_foreach", "--preset pytorch --arithmetic foreach", "torch, float64, foreach=True"),
    ("torch_float32_single", "--preset pytorch --dtype float32", "torch, float32"),
    ("torch_float32_foreach", "--preset pytorch --dtype float32 --arithmetic foreach", "torch, float32, foreach=True"),
    ("torch_float16_single", "--preset pytorch --dtype float16", "torch, float16"),
    ("torch_float16_foreach", "--preset pytorch --dtype float16 --arithmetic foreach", "torch, float16, foreach=True"),
    ("torch_bfloat16_single", "--preset pytorch --dtype bfloat16", "torch, bfloat16"),
    ("torch_bfloat16_foreach", "--preset pytorch --dtype bfloat16 --arithmetic foreach",
     "torch, bfloat16, foreach=True"),
    ("torch-compile_float64", "--preset pytorch-compile", "torch.compile (inductor), float64"),
    ("torch-compile_float32", "--preset pytorch-compile --dtype float32", "torch.compile (inductor), float32"),
    ("optax_float64_eager", "--preset optax", "optax.adadelta, float64"),
    ("optax_float32_eager", "--preset optax --dtype float32", "optax, float32"),
    ("optax_float64_jit", "--preset optax", "optax under jax.jit, float64"),
    ("optax_float32_jit", "--preset optax --dtype float32", "optax under jax.jit, float32"),
    ("keras-torch_float64", "--preset keras", "Keras 3 on torch, float64"),
    ("keras-torch_float32", "--preset keras --dtype float32", "Keras 3 on torch, float32"),
    ("keras-jax_float64", "--preset keras-jax", "Keras 3 on JAX, float64"),
    ("keras-jax_float32", "--preset keras-jax --dtype float32", "Keras 3 on JAX, float32"),
    ("keras-tensorflow_float64", "--preset keras-tensorflow", "Keras 3 on TensorFlow, float64"),
    ("keras-tensorflow_float32", "--preset keras-tensorflow --dtype float32", "Keras 3 on TensorFlow, float32"),
    ("keras2_float64", "--preset keras2", "tf.keras 2 (tf_keras), float64"),
    ("keras2_float32", "--preset keras2 --dtype float32", "tf.keras 2 (tf_keras), float32"),
]


def options_of(text: str) -> dict:
    """The command line's options as settings: the preset's name and the options given beside it."""
    words = text.split()
    given = dict(zip(words[::2], words[1::2]))
    return {k.lstrip("-").replace("-", "_"): v for k, v in given.items()}


def replay(run: dict, options: dict) -> core.Step:
    """The run as `adadelta trace` computes it with ``options`` (the preset's settings, the run's ρ, ε, lr and
    weight decay, --nonfinite continue)."""
    from adadelta_cli.maths.settings import resolve

    s = run["settings"]
    options = dict(options)
    chosen = resolve(options.pop("preset"), {"rho": s["rho"], "eps": s["eps"], "lr": s["lr"],
                                             "weight_decay": s["weight_decay"], "maximize": s["maximize"],
                                             "nonfinite": "continue", **options})
    settings = core.Settings(**chosen)
    grads = np.array(run["grads"])
    return core.run(grads, settings, core.init(s["x0"], size=grads.shape[1], dtype=settings.dtype))


def measure(name: str, options: dict) -> tuple[int, int, float, float, bool]:
    """(runs, cells, share of cells bit-identical, worst difference, non-finite cells where the framework's are):
    the worst difference relative to each parameter's scale in float64, else in ulps of that scale."""
    doc = json.loads((PRECISION / f"{name}.json").read_text())
    dtype = options.get("dtype", "float64")
    same = total = 0
    worst = 0.0
    placed = True
    for run in doc["runs"]:
        steps = replay(run, options)
        for q in ("eg2", "edx2", "x"):
            ref = np.array(run["steps"][q])
            got = getattr(steps, q).astype(np.float64)
            equal = (got == ref) | (np.isnan(got) & np.isnan(ref))
            same += int(equal.sum())
            total += equal.size
            placed &= all(np.array_equal(f(got), f(ref)) for f in (np.isnan, np.isposinf, np.isneginf))
            finite = np.isfinite(got) & np.isfinite(ref)
            scale = np.array([np.max(np.abs(c[np.isfinite(c)]), initial=0.0) for c in ref.T])
            if dtype == "float64":
                unit = np.maximum(scale, np.finfo(float).tiny)
            elif dtype == "bfloat16":
                unit = np.spacing(np.maximum(scale, 1e-38).astype(np.float32)).astype(np.float64) * 65536
            else:
                unit = np.spacing(np.maximum(scale, 1e-38).astype(dtype)).astype(np.float64)
            with np.errstate(invalid="ignore"):
                worst = max(worst, float(np.max(np.where(finite, np.abs(got - ref) / unit, 0.0), initial=0.0)))
    return len(doc["runs"]), total, same / total, worst, placed


def table() -> str:
    lines = ["| framework (recording) | options | runs | cells bit-identical | worst difference | "
             "inf/NaN where the framework's |",
             "| --- | --- | ---: | ---: | ---: | --- |"]
    for name, text, label in ROWS:
        options = options_of(text)
        runs, cells, share, worst, placed = measure(name, options)
        dtype = options.get("dtype", "float64")
        if worst == 0:
            shown = "0"
        elif dtype == "float64":
            shown = f"{worst:.1e} of scale"
        else:
            shown = f"{worst:g} ulp{'s' if worst != 1 else ''} of scale"
        lines.append(f"| {label} (`{name}`) | `{text}` | {runs} | {100 * share:.1f}% of {cells} | {shown} | "
                     f"{'yes' if placed else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
