"""Write golden vectors from the real frameworks to tests/golden/: torch.optim.Adadelta and keras.optimizers.Adadelta.

Needs torch and keras (not dependencies of the project; the tests read the files and need neither):

    pip install torch keras jax optax        # and, in another environment, tensorflow-cpu
    KERAS_BACKEND=torch python scripts/make_golden.py

Each file holds one framework run: the settings under this tool's option names, the gradients, and per step the
parameters x, E[g²] and E[Δx²] as the framework's state holds them (float32 values are stored exactly, as the
float64 they widen to). Closed-loop runs (the gradient taken from a function at the current x) also go here,
for `adadelta optimize`; the other optimizers for `adadelta compare`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden"


def noisy(steps: int, params: int, seed: int, scale: float = 1.0) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(1, steps + 1)[:, None]
    g = np.cos(t / 7.0 + np.arange(params)) * np.exp(-t / 80.0) + 0.3 * rng.standard_normal((steps, params))
    return (g * scale).tolist()


def with_zeros(seed: int) -> list[list[float]]:
    g = np.array(noisy(40, 2, seed))
    g[:3, 0] = 0.0  # a parameter that starts with exact zero gradients
    g[10:15, :] = 0.0  # a run of zeros in every parameter
    g[::7, 1] = 0.0
    return g.tolist()


def scales() -> list[list[float]]:
    base = np.array(noisy(60, 1, 11))[:, 0]
    return np.stack([base * s for s in (1e-8, 1e-4, 1.0, 1e4)], axis=1).tolist()


CASES = [
    {"name": "article", "grads": [[0.1], [0.2], [0.15]], "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "pytorch_defaults", "grads": noisy(200, 1, 1), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "keras_defaults", "grads": noisy(100, 2, 2), "rho": 0.95, "eps": 1e-7, "lr": 0.001},
    {"name": "three_params", "grads": noisy(80, 3, 3), "rho": 0.95, "eps": 1e-6, "lr": 0.5, "x0": [1.0, -2.0, 0.25]},
    {"name": "scales", "grads": scales(), "rho": 0.9, "eps": 1e-6, "lr": 1.0},
    {"name": "scales_small_eps", "grads": scales(), "rho": 0.95, "eps": 1e-10, "lr": 1.0},
    {"name": "zeros", "grads": with_zeros(4), "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "weight_decay", "grads": noisy(60, 2, 5), "rho": 0.9, "eps": 1e-6, "lr": 1.0, "weight_decay": 0.01,
     "x0": [1.5, -0.5]},
    {"name": "weight_decay_small_lr", "grads": noisy(60, 2, 6), "rho": 0.95, "eps": 1e-7, "lr": 0.01,
     "weight_decay": 0.1, "x0": [2.0, -3.0]},
    {"name": "maximize", "grads": noisy(50, 1, 7), "rho": 0.9, "eps": 1e-6, "lr": 1.0, "maximize": True},
    {"name": "maximize_weight_decay", "grads": noisy(50, 2, 8), "rho": 0.9, "eps": 1e-6, "lr": 0.3,
     "maximize": True, "weight_decay": 0.05, "x0": [0.7, -0.2]},
    {"name": "rho_zero", "grads": [[1.0], [1.0], [0.5]], "rho": 0.0, "eps": 1.0, "lr": 1.0},
    {"name": "rho_half_big_eps", "grads": noisy(40, 1, 9, scale=3.0), "rho": 0.5, "eps": 1e-3, "lr": 2.0},
    {"name": "large_gradients", "grads": noisy(40, 1, 10, scale=1e4), "rho": 0.99, "eps": 1e-6, "lr": 1.0},
]


def settings_of(case: dict, mode: str) -> dict:
    return {"rho": case["rho"], "eps": case["eps"], "lr": case["lr"], "x0": case.get("x0", 0.0),
            "weight_decay": case.get("weight_decay", 0.0), "weight_decay_mode": mode,
            "maximize": case.get("maximize", False)}


def initial_x(case: dict, params: int) -> np.ndarray:
    x0 = case.get("x0", 0.0)
    return np.broadcast_to(np.asarray(x0, dtype=np.float64), (params,)).copy()


def run_torch(case: dict, dtype: str, *, foreach: bool) -> dict:
    import torch

    grads = np.asarray(case["grads"], dtype=np.float64)
    tdtype = getattr(torch, dtype)
    param = torch.nn.Parameter(torch.tensor(initial_x(case, grads.shape[1]), dtype=tdtype))
    opt = torch.optim.Adadelta([param], lr=case["lr"], rho=case["rho"], eps=case["eps"],
                               weight_decay=case.get("weight_decay", 0.0), maximize=case.get("maximize", False),
                               foreach=foreach)
    out = {"x": [], "eg2": [], "edx2": []}
    for g in grads:
        param.grad = torch.tensor(g, dtype=tdtype)
        opt.step()
        state = opt.state[param]
        out["x"].append(param.detach().double().tolist())
        out["eg2"].append(state["square_avg"].double().tolist())
        out["edx2"].append(state["acc_delta"].double().tolist())
    return out


def run_keras(case: dict, dtype: str) -> dict:
    import keras

    grads = np.asarray(case["grads"], dtype=np.float64)
    var = keras.Variable(initial_x(case, grads.shape[1]).astype(dtype), dtype=dtype)
    opt = keras.optimizers.Adadelta(learning_rate=case["lr"], rho=case["rho"], epsilon=case["eps"],
                                    weight_decay=case.get("weight_decay") or None)
    opt.build([var])
    out = {"x": [], "eg2": [], "edx2": []}
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g.astype(dtype), dtype=dtype), var)])
        out["x"].append(np.asarray(var.numpy(), dtype=np.float64).tolist())
        out["eg2"].append(np.asarray(opt._accumulated_grads[0].numpy(), dtype=np.float64).tolist())
        out["edx2"].append(np.asarray(opt._accumulated_delta_vars[0].numpy(), dtype=np.float64).tolist())
    return out


def run_optax(case: dict, dtype: str) -> dict:
    import jax
    import jax.numpy as jnp
    import optax

    jax.config.update("jax_enable_x64", True)
    grads = np.asarray(case["grads"], dtype=np.float64)
    params = jnp.asarray(initial_x(case, grads.shape[1]), dtype=dtype)
    opt = optax.adadelta(learning_rate=case["lr"], rho=case["rho"], eps=case["eps"],
                         weight_decay=case.get("weight_decay", 0.0))
    state = opt.init(params)
    out = {"x": [], "eg2": [], "edx2": []}
    for g in grads:
        updates, state = opt.update(jnp.asarray(g, dtype=dtype), state, params)
        params = optax.apply_updates(params, updates)
        inner = next(s for s in state if hasattr(s, "e_g"))
        out["x"].append(np.asarray(params, dtype=np.float64).tolist())
        out["eg2"].append(np.asarray(inner.e_g, dtype=np.float64).tolist())
        out["edx2"].append(np.asarray(inner.e_x, dtype=np.float64).tolist())
    return out


def run_tf1(case: dict, dtype: str) -> dict:
    import tensorflow as tf

    grads = np.asarray(case["grads"], dtype=np.float64)
    var = tf.Variable(initial_x(case, grads.shape[1]).astype(dtype))
    opt = tf.compat.v1.train.AdadeltaOptimizer(learning_rate=case["lr"], rho=case["rho"], epsilon=case["eps"])
    out = {"x": [], "eg2": [], "edx2": []}
    for g in grads:
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
        out["x"].append(np.asarray(var.numpy(), dtype=np.float64).tolist())
        out["eg2"].append(np.asarray(opt.get_slot(var, "accum").numpy(), dtype=np.float64).tolist())
        out["edx2"].append(np.asarray(opt.get_slot(var, "accum_update").numpy(), dtype=np.float64).tolist())
    return out


OTHER_CASES = [
    {"name": "article", "grads": [[0.1], [0.2], [0.15]], "x0": 0.0},
    {"name": "noisy", "grads": noisy(200, 1, 21), "x0": 0.5},
    {"name": "scales", "grads": scales(), "x0": [1.0, -1.0, 0.5, 0.0]},
    {"name": "zeros", "grads": with_zeros(22), "x0": 0.0},
]
OTHER_SETS = {  # one non-default setting per optimizer, as --set would give it
    "adagrad": {"lr": 0.1, "eps": 1e-6}, "rmsprop": {"lr": 0.001, "alpha": 0.9}, "sgd": {"lr": 0.05},
    "momentum": {"lr": 0.01, "momentum": 0.5}, "adam": {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
}


def run_torch_other(name: str, hyper: dict, case: dict) -> list:
    import torch

    grads = np.asarray(case["grads"], dtype=np.float64)
    param = torch.nn.Parameter(torch.tensor(initial_x(case, grads.shape[1]), dtype=torch.float64))
    kwargs = {
        "adagrad": lambda h: (torch.optim.Adagrad, {"lr": h.get("lr", 0.01), "eps": h.get("eps", 1e-10)}),
        "rmsprop": lambda h: (torch.optim.RMSprop, {"lr": h.get("lr", 0.01), "alpha": h.get("alpha", 0.99)}),
        "sgd": lambda h: (torch.optim.SGD, {"lr": h.get("lr", 0.001)}),
        "momentum": lambda h: (torch.optim.SGD, {"lr": h.get("lr", 0.001), "momentum": h.get("momentum", 0.9)}),
        "adam": lambda h: (torch.optim.Adam, {"lr": h.get("lr", 0.001), "betas": (h.get("beta1", 0.9),
                                                                                   h.get("beta2", 0.999)),
                                              "eps": h.get("eps", 1e-8)}),
    }
    cls, options = kwargs[name](hyper)
    opt = cls([param], foreach=False, **options)
    xs = []
    for g in grads:
        param.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        xs.append(param.detach().tolist())
    return xs


# Closed loop: the gradient of each step taken by autograd from the function at the current x.
CLOSED = [
    {"name": "quadratic", "function": "quadratic", "x0": [1.5, -2.0, 0.5], "steps": 300, "rho": 0.95, "eps": 1e-6,
     "lr": 1.0},
    {"name": "rosenbrock", "function": "rosenbrock", "x0": [-1.5, 2.0], "steps": 200, "rho": 0.9, "eps": 1e-6,
     "lr": 1.0},
    {"name": "rosenbrock_lr", "function": "rosenbrock", "x0": [0.0, 0.0], "steps": 200, "rho": 0.95, "eps": 1e-6,
     "lr": 0.5},
    {"name": "himmelblau", "function": "himmelblau", "x0": [0.0, 0.0], "steps": 150, "rho": 0.9, "eps": 1e-4,
     "lr": 1.0},
]


def torch_function(name: str, v):
    if name == "quadratic":
        return (v * v).sum()
    x, y = v[0], v[1]
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    if name == "himmelblau":
        return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2
    raise ValueError(name)


def run_closed_loop(case: dict) -> dict:
    import torch

    param = torch.nn.Parameter(torch.tensor(case["x0"], dtype=torch.float64))
    opt = torch.optim.Adadelta([param], lr=case["lr"], rho=case["rho"], eps=case["eps"], foreach=False)
    out = {"x": [], "g": [], "f": []}
    for _ in range(case["steps"]):
        opt.zero_grad()
        loss = torch_function(case["function"], param)
        loss.backward()
        out["g"].append(param.grad.tolist())
        opt.step()
        out["x"].append(param.detach().tolist())
        with torch.no_grad():
            out["f"].append(float(torch_function(case["function"], param)))
    return out


def framework_defaults(framework: str) -> dict:
    """The framework's own defaults, read from the framework, under this tool's option names."""
    import inspect

    if framework == "torch":
        import torch

        d = torch.optim.Adadelta([torch.nn.Parameter(torch.zeros(1))]).defaults
        return {"lr": d["lr"], "rho": d["rho"], "eps": d["eps"], "weight_decay": d["weight_decay"]}
    if framework == "keras":
        import keras

        opt = keras.optimizers.Adadelta()
        return {"lr": float(opt.learning_rate), "rho": opt.rho, "eps": opt.epsilon,
                "lr_variable_dtype": str(opt._learning_rate.dtype)}
    if framework == "optax":
        import optax

        params = inspect.signature(optax.adadelta).parameters
        return {"lr": params["learning_rate"].default, "rho": params["rho"].default, "eps": params["eps"].default}
    import tensorflow as tf

    params = inspect.signature(tf.compat.v1.train.AdadeltaOptimizer.__init__).parameters
    return {"lr": params["learning_rate"].default, "rho": params["rho"].default, "eps": params["epsilon"].default}


def write(name: str, doc: dict) -> None:
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(OUT.parent.parent)}")


def importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def main() -> int:
    """Write the vectors of every framework importable here (run once per environment if they live apart)."""
    have_torch = importable("torch")
    have_keras = have_torch and importable("keras")
    have_optax = importable("optax") and importable("jax")
    have_tf = importable("tensorflow")
    if not (have_torch or have_optax or have_tf):
        print("no framework is installed: pip install torch keras (and optionally jax optax, tensorflow-cpu)")
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for framework, present in (("torch", have_torch), ("keras", have_keras), ("optax", have_optax),
                               ("tf1", have_tf)):
        if present:
            write(f"defaults_{framework}", framework_defaults(framework))
    if have_torch:
        import torch

        for case in OTHER_CASES:
            for name, custom in OTHER_SETS.items():
                for label, hyper in (("defaults", {}), ("set", custom)):
                    write(f"other_{name}_{case['name']}_{label}", {
                        "framework": "torch", "version": torch.__version__, "optimizer": name, "set": hyper,
                        "case": case["name"], "x0": case["x0"], "grads": case["grads"],
                        "x": run_torch_other(name, hyper, case)})
        for case in CLOSED:
            write(f"closed_{case['name']}", {"framework": "torch", "version": torch.__version__, **case,
                                              **run_closed_loop(case)})
    for case in CASES:
        for dtype in ("float64", "float32"):
            if have_torch:
                import torch

                for foreach in (False, True):
                    steps = run_torch(case, dtype, foreach=foreach)
                    write(f"torch_{case['name']}_{dtype}_{'foreach' if foreach else 'single'}", {
                        "framework": "torch", "version": torch.__version__, "dtype": dtype, "foreach": foreach,
                        "case": case["name"], "settings": settings_of(case, "coupled"), "grads": case["grads"],
                        "steps": steps})
            if case.get("maximize"):
                continue  # only PyTorch has maximize
            if have_keras:
                import keras

                write(f"keras_{case['name']}_{dtype}", {
                    "framework": "keras", "version": keras.__version__, "backend": "torch", "dtype": dtype,
                    "case": case["name"], "settings": {**settings_of(case, "decoupled"), "lr_dtype": "float32"},
                    "grads": case["grads"], "steps": run_keras(case, dtype)})
            if have_optax:
                import optax

                write(f"optax_{case['name']}_{dtype}", {
                    "framework": "optax", "version": optax.__version__, "dtype": dtype, "case": case["name"],
                    "settings": settings_of(case, "coupled"), "grads": case["grads"],
                    "steps": run_optax(case, dtype)})
            if have_tf and not case.get("weight_decay"):  # TF1's AdadeltaOptimizer has no weight decay
                import tensorflow as tf

                write(f"tf1_{case['name']}_{dtype}", {
                    "framework": "tf1", "version": tf.__version__, "dtype": dtype, "case": case["name"],
                    "settings": settings_of(case, "coupled"), "grads": case["grads"],
                    "steps": run_tf1(case, dtype)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
