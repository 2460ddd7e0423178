"""Write golden vectors of the frameworks' arithmetic to tests/golden/precision/<framework>_<variant>.json.

What these runs pin is *how* each framework rounds, not its defaults: torch.optim.Adadelta on the CPU in float64,
float32, float16 and bfloat16 (single-tensor and foreach), and optax.adadelta in float32 and float64 with and
without jax.jit; each over the same cases, including gradients that are inf or NaN mid-run, that overflow g² in
float32 (1e20, 1e30) or float16, and that are tiny (1e-30) or subnormal. None of the frameworks is a dependency: the
tests read the files and need none of them. Run in an environment holding them::

    python3 -m venv /tmp/fw && /tmp/fw/bin/pip install torch==2.13.0 jax optax
    /tmp/fw/bin/python scripts/make_golden_precision.py            # every framework importable here
    /tmp/fw/bin/python scripts/make_golden_precision.py torch      # or some of them
    KERAS_BACKEND=jax /tmp/fw/bin/python scripts/make_golden_precision.py keras    # Keras 3 on one backend
    (KERAS_BACKEND=torch and, with tensorflow-cpu installed, KERAS_BACKEND=tensorflow, likewise)

Each file holds the framework's name and version, the machine's CPU, and runs: a case (gradients, x0, settings
under this tool's option names) and per step x, E[g²] and E[Δx²] as the framework's state holds them, stored exactly
as the float64 they widen to (non-finite values as JSON's NaN/Infinity).
"""

from __future__ import annotations

import json
import math
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "precision"


def noisy(steps: int, params: int, seed: int, scale=1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(1, steps + 1)[:, None]
    g = np.cos(t / 7.0 + np.arange(params)) * np.exp(-t / 80.0) + 0.3 * rng.standard_normal((steps, params))
    return g * np.asarray(scale)


def with_nonfinite(seed: int) -> np.ndarray:
    g = noisy(30, 3, seed)
    g[5, 0] = math.inf  # E[g²] infinite from here: η = 0, Δx = 0·inf = NaN
    g[8, 1] = math.nan
    g[12, 2] = -math.inf
    return g


def overflowing(scale: float, seed: int) -> np.ndarray:
    """Gradients whose squares pass float32's (or float16's) largest value at some steps, not at others."""
    g = noisy(40, 2, seed)
    g[::5, 0] *= scale
    g[3::7, 1] *= scale
    return g


CASES = [
    {"name": "article", "grads": [[0.1], [0.2], [0.15]], "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "noisy", "grads": noisy(200, 2, 41), "rho": 0.9, "eps": 1e-6, "lr": 1.0, "x0": [0.5, -1.0]},
    {"name": "small_lr", "grads": noisy(100, 2, 42), "rho": 0.95, "eps": 1e-6, "lr": 0.01, "x0": [1.0, -1.0]},
    {"name": "scales", "grads": noisy(60, 4, 43, [1e-3, 0.1, 10.0, 100.0]), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "weight_decay", "grads": noisy(60, 2, 44), "rho": 0.9, "eps": 1e-6, "lr": 0.5, "weight_decay": 0.05,
     "x0": [2.0, -3.0]},
    {"name": "maximize", "grads": noisy(40, 2, 45), "rho": 0.9, "eps": 1e-6, "lr": 1.0, "maximize": True},
    {"name": "nonfinite_inputs", "grads": with_nonfinite(46), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "overflow_1e20", "grads": overflowing(1e20, 47), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "overflow_1e30", "grads": overflowing(1e30, 48), "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "overflow_300", "grads": overflowing(300.0, 49), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "tiny_1e-30", "grads": noisy(40, 2, 50, 1e-30), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "subnormal", "grads": noisy(40, 2, 51, [1e-40, 1e-310]), "rho": 0.9, "eps": 1e-40, "lr": 1.0},
    # 70 parameters in one tensor: torch's vectorized loop takes the first 64 (two float16 vectors on AVX-512), its
    # scalar loop the last 6, and the two round add_(alpha=) differently in float16 and bfloat16.
    {"name": "wide", "grads": noisy(30, 70, 53), "rho": 0.9, "eps": 1e-6, "lr": 0.3, "weight_decay": 0.01,
     "x0": 0.5},
    {"name": "zeros", "grads": np.where(noisy(30, 2, 52) > 0.5, 0.0, noisy(30, 2, 52)), "rho": 0.95, "eps": 1e-6,
     "lr": 1.0},
]


def initial_x(case: dict, params: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(case.get("x0", 0.0), dtype=np.float64), (params,)).copy()


def settings_of(case: dict) -> dict:
    return {"rho": case["rho"], "eps": case["eps"], "lr": case["lr"], "x0": case.get("x0", 0.0),
            "weight_decay": case.get("weight_decay", 0.0), "maximize": case.get("maximize", False)}


def widen(values) -> list:
    return np.asarray(values, dtype=np.float64).tolist()


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ---------------------------------------------------------------------------------------------------- frameworks

def run_torch(case: dict, dtype: str, *, foreach: bool) -> dict:
    import torch

    grads = np.asarray(case["grads"], dtype=np.float64)
    tdtype = getattr(torch, dtype)
    param = torch.nn.Parameter(torch.tensor(initial_x(case, grads.shape[1]), dtype=tdtype))
    opt = torch.optim.Adadelta([param], lr=case["lr"], rho=case["rho"], eps=case["eps"],
                               weight_decay=case.get("weight_decay", 0.0), maximize=case.get("maximize", False),
                               foreach=foreach)
    out = {"g": [], "x": [], "eg2": [], "edx2": []}
    for g in grads:
        param.grad = torch.tensor(g, dtype=torch.float64).to(tdtype)  # as a float64 gradient is cast
        opt.step()
        state = opt.state[param]
        out["g"].append(widen(param.grad.double()))
        out["x"].append(widen(param.detach().double()))
        out["eg2"].append(widen(state["square_avg"].double()))
        out["edx2"].append(widen(state["acc_delta"].double()))
    return out


COMPILED_CASES = ("article", "noisy", "weight_decay", "scales", "overflow_1e20", "wide")  # inductor compiles each


def run_torch_compile(case: dict, dtype: str) -> dict:
    """torch.optim.Adadelta's step under torch.compile (inductor, the CPU): a few cases, each compiled anew."""
    import torch

    if case["name"] not in COMPILED_CASES:
        raise Unsupported("compiled for a few cases only (each takes half a minute)")
    torch._dynamo.reset()
    grads = np.asarray(case["grads"], dtype=np.float64)
    tdtype = getattr(torch, dtype)
    param = torch.nn.Parameter(torch.tensor(initial_x(case, grads.shape[1]), dtype=tdtype))
    opt = torch.optim.Adadelta([param], lr=case["lr"], rho=case["rho"], eps=case["eps"],
                               weight_decay=case.get("weight_decay", 0.0), maximize=case.get("maximize", False))

    @torch.compile
    def step():
        opt.step()

    out = {"g": [], "x": [], "eg2": [], "edx2": []}
    for g in grads:
        param.grad = torch.tensor(g, dtype=torch.float64).to(tdtype)
        step()
        state = opt.state[param]
        out["g"].append(widen(param.grad.double()))
        out["x"].append(widen(param.detach().double()))
        out["eg2"].append(widen(state["square_avg"].double()))
        out["edx2"].append(widen(state["acc_delta"].double()))
    return out


def torch_compile_variants():
    import torch

    for dtype in ("float32", "float64"):
        yield "torch-compile", dtype, torch.__version__, dtype, lambda case, d=dtype: run_torch_compile(case, d)


def run_optax(case: dict, dtype: str, *, jit: bool) -> dict:
    import jax
    import jax.numpy as jnp
    import optax

    jax.config.update("jax_enable_x64", True)
    grads = np.asarray(case["grads"], dtype=np.float64)
    params = jnp.asarray(initial_x(case, grads.shape[1]), dtype=dtype)
    opt = optax.adadelta(learning_rate=case["lr"], rho=case["rho"], eps=case["eps"],
                         weight_decay=case.get("weight_decay", 0.0))
    state = opt.init(params)

    def step(g, state, params):
        updates, state = opt.update(g, state, params)
        return optax.apply_updates(params, updates), state

    if jit:
        step = jax.jit(step)
    out = {"g": [], "x": [], "eg2": [], "edx2": []}
    for g in grads:
        gj = jnp.asarray(g, dtype=dtype)
        if case.get("maximize"):
            raise Unsupported("optax.adadelta has no maximize")
        params, state = step(gj, state, params)
        inner = next(s for s in state if hasattr(s, "e_g"))
        out["g"].append(widen(gj))
        out["x"].append(widen(params))
        out["eg2"].append(widen(inner.e_g))
        out["edx2"].append(widen(inner.e_x))
    return out


class Unsupported(Exception):
    pass


def run_keras(case: dict, dtype: str) -> dict:
    """Keras 3 on the backend KERAS_BACKEND names (torch, jax, tensorflow), eager."""
    import os

    if os.environ.get("KERAS_BACKEND") == "jax":  # else JAX holds a float64 variable in float32
        import jax

        jax.config.update("jax_enable_x64", True)
    import keras

    if case.get("maximize"):
        raise Unsupported("keras.optimizers.Adadelta has no maximize")
    grads = np.asarray(case["grads"], dtype=np.float64)
    var = keras.Variable(initial_x(case, grads.shape[1]).astype(dtype), dtype=dtype)
    opt = keras.optimizers.Adadelta(learning_rate=case["lr"], rho=case["rho"], epsilon=case["eps"],
                                    weight_decay=case.get("weight_decay") or None)
    opt.build([var])
    out = {"g": [], "x": [], "eg2": [], "edx2": []}
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g.astype(dtype), dtype=dtype), var)])
        out["g"].append(widen(g.astype(dtype)))
        out["x"].append(widen(keras.ops.convert_to_numpy(var.value)))
        out["eg2"].append(widen(keras.ops.convert_to_numpy(opt._accumulated_grads[0].value)))
        out["edx2"].append(widen(keras.ops.convert_to_numpy(opt._accumulated_delta_vars[0].value)))
    return out


def torch_variants():
    import torch

    version = torch.__version__
    for dtype in ("float64", "float32", "float16", "bfloat16"):
        for foreach in (False, True):
            variant = f"{dtype}_{'foreach' if foreach else 'single'}"
            yield "torch", variant, version, dtype, lambda case, d=dtype, f=foreach: run_torch(case, d, foreach=f)


def optax_variants():
    import jax
    import optax

    version = f"optax {optax.__version__}, jax {jax.__version__}"
    for dtype in ("float64", "float32"):
        for jit in (False, True):
            variant = f"{dtype}_{'jit' if jit else 'eager'}"
            yield "optax", variant, version, dtype, lambda case, d=dtype, j=jit: run_optax(case, d, jit=j)


def run_keras2(case: dict, dtype: str) -> dict:
    """tf.keras 2 (tf_keras.optimizers.Adadelta), eager."""
    import tensorflow as tf
    import tf_keras

    if case.get("maximize"):
        raise Unsupported("tf_keras.optimizers.Adadelta has no maximize")
    grads = np.asarray(case["grads"], dtype=np.float64)
    var = tf.Variable(initial_x(case, grads.shape[1]).astype(dtype))
    opt = tf_keras.optimizers.Adadelta(learning_rate=case["lr"], rho=case["rho"], epsilon=case["eps"],
                                       weight_decay=case.get("weight_decay") or None)
    out = {"g": [], "x": [], "eg2": [], "edx2": []}
    for g in grads:
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
        out["g"].append(widen(g.astype(dtype)))
        out["x"].append(widen(var.numpy()))
        out["eg2"].append(widen(opt._accumulated_grads[0].numpy()))
        out["edx2"].append(widen(opt._accumulated_delta_vars[0].numpy()))
    return out


def keras2_variants():
    import tf_keras

    version = f"tf_keras {tf_keras.__version__}"
    for dtype in ("float64", "float32"):
        yield "keras2", dtype, version, dtype, lambda case, d=dtype: run_keras2(case, d)


def keras_variants():
    import os

    import keras

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    version = f"keras {keras.__version__} ({backend} backend)"
    for dtype in ("float64", "float32"):
        yield f"keras-{backend}", dtype, version, dtype, lambda case, d=dtype: run_keras(case, d)


FRAMEWORKS = {"torch": torch_variants, "optax": optax_variants, "keras": keras_variants, "keras2": keras2_variants,
              "torch-compile": torch_compile_variants}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or list(FRAMEWORKS):
        try:
            variants = list(FRAMEWORKS[name]())
        except ImportError as exc:
            print(f"{name}: not installed here ({exc}); skipped", file=sys.stderr)
            continue
        for framework, variant, version, dtype, runner in variants:
            runs = []
            for case in CASES:
                try:
                    steps = runner(case)
                except Unsupported as exc:
                    print(f"{framework} {variant} {case['name']}: {exc}", file=sys.stderr)
                    continue
                runs.append({"case": case["name"], "settings": settings_of(case),
                             "grads": widen(case["grads"]), "steps": steps})
            doc = {"framework": framework, "version": version, "variant": variant, "dtype": dtype, "cpu": cpu(),
                   "runs": runs}
            path = OUT / f"{framework}_{variant}.json"
            path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
            print(f"wrote {path.relative_to(ROOT)} ({len(runs)} runs)")


if __name__ == "__main__":
    main(sys.argv[1:])
