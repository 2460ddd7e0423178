"""Write golden vectors of Adadelta's family from optax (JAX, CPU, float64) to tests/golden/family/optax.json.

optax's adagrad, rmsprop, sgd, adam, adamw and amsgrad are chains of gradient transformations whose conventions
differ from torch.optim's and Keras's: ε inside the root through lax.rsqrt (Adagrad; RMSprop unless
eps_in_sqrt=False), the learning rate applied before RMSprop's momentum trace, SGD's trace g + μ·b from 0, Adam's
bias corrections as a multiplication by 1/(1 − β^t), AdamW's update −lr·(û + wd·x), AMSGrad's maximum taken over
the bias-corrected second moment. Each optimizer over 20 random float64 cases (its options drawn under optax's own
argument names, each left at optax's default about a third of the time; the gradients and x0 drawn by
make_golden_family.py's function); AMSGrad is filed as optimizer "adam" with amsgrad=True. The updates are applied
as a user would, op by op without jax.jit: updates, state = opt.update(g, state, params);
params = optax.apply_updates(params, updates). The file holds the settings under optax's names, x0, the gradients
and x_t after each step. The tests read the file and need neither JAX nor optax:

    pip install jax optax numpy
    python scripts/make_golden_optax_family.py

On an x86 CPU with AVX-512F, XLA computes float64 lax.rsqrt as VRSQRT14PD plus two Newton steps (not 1/sqrt):
the header records whether this machine has AVX-512F and the XLA_FLAGS in force.
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

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "family" / "optax.json"
CASES = 20
SEED = 28
# group name -> (optimizer name in the file, optax factory)
GROUPS = {"adagrad": ("adagrad", "adagrad"), "rmsprop": ("rmsprop", "rmsprop"), "sgd": ("sgd", "sgd"),
          "adam": ("adam", "adam"), "adamw": ("adamw", "adamw"), "amsgrad": ("adam", "amsgrad")}


def draw_settings(rng: random.Random, group: str) -> dict:
    """Random settings under optax's names; an option is left at optax's default (its key absent) about a third
    of the time. learning_rate is always given: optax has no default for it."""
    s: dict = {"learning_rate": log_uniform(rng, 1e-4, 1.0)}
    given = lambda: rng.random() >= 1 / 3  # noqa: E731
    if group != "sgd" and given():
        s["eps"] = log_uniform(rng, 1e-10, 1e-3)
    if group == "adagrad":
        if given():
            s["initial_accumulator_value"] = rng.choice([0.0, log_uniform(rng, 1e-4, 1.0), 1.0])
    elif group == "rmsprop":
        if given():
            s["decay"] = rng.choice([0.99, rng.uniform(0.0, 1.0), rng.uniform(0.9, 0.9999)])
        if given():
            s["initial_scale"] = rng.choice([0.0, 1.0, log_uniform(rng, 1e-4, 1.0)])
        if given():
            s["eps_in_sqrt"] = rng.random() < 0.4
        if given():
            s["centered"] = rng.random() < 0.75
        if given():
            s["momentum"] = rng.uniform(0.0, 0.99)
            if given():
                s["nesterov"] = rng.random() < 0.75
        if rng.random() < 0.25:
            s["bias_correction"] = True
    elif group == "sgd":
        if rng.random() >= 0.2:
            s["momentum"] = rng.uniform(0.0, 0.99)
            if given():
                s["nesterov"] = rng.random() < 0.75
    else:
        if given():
            s["b1"] = rng.choice([0.9, rng.uniform(0.0, 0.99), 0.0])
        if given():
            s["b2"] = rng.choice([0.999, rng.uniform(0.9, 0.99999), rng.uniform(0.0, 0.9)])
        if rng.random() < 0.25:
            s["eps_root"] = log_uniform(rng, 1e-12, 1e-4)
        if group == "amsgrad":
            s["amsgrad"] = True
            if rng.random() < 0.25:
                s["bias_correction_mu"] = False
            if rng.random() < 0.25:
                s["bias_correction_nu"] = False
        elif rng.random() < 0.25:
            s["nesterov"] = True
        if group == "adamw" and given():
            s["weight_decay"] = rng.choice([0.01, 0.0, log_uniform(rng, 1e-4, 1.0)])
    return s


def make_optimizer(factory: str, settings: dict):
    import optax

    kwargs = {k: v for k, v in settings.items() if k != "amsgrad"}
    return getattr(optax, factory)(**kwargs)


def run_optax(factory: str, settings: dict, x0: list[float], grads: list[list[float]]) -> list[dict]:
    import jax.numpy as jnp
    import numpy as np
    import optax

    opt = make_optimizer(factory, settings)
    params = jnp.asarray(np.array(x0, dtype=np.float64))
    state = opt.init(params)
    steps = []
    for g in grads:
        updates, state = opt.update(jnp.asarray(np.array(g, dtype=np.float64)), state, params)
        params = optax.apply_updates(params, updates)
        if params.dtype != jnp.float64:
            raise SystemExit(f"{factory}: params became {params.dtype}")
        steps.append({"x": [float(v) for v in np.asarray(params).tolist()]})
    return steps


def cpu_has_avx512f() -> bool | None:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text("utf-8")
    except OSError:
        return None


def main() -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jaxlib
    import optax

    cases = []
    for group, (name, factory) in GROUPS.items():
        rng = random.Random(f"{SEED}-optax-{group}")
        for i in range(CASES):
            while True:
                settings = draw_settings(rng, group)
                x0, grads = draw_case(rng, "float64")
                steps = run_optax(factory, settings, x0, grads)
                if all(math.isfinite(v) for row in steps for v in row["x"]):
                    break
            cases.append({"id": f"optax-{group}-{i:02d}", "optimizer": name, "settings": settings, "x0": x0,
                          "grads": grads, "steps": steps})
    header = {"made_by": "python scripts/make_golden_optax_family.py", "optax": optax.__version__,
              "jax": jax.__version__, "jaxlib": jaxlib.__version__, "device": "cpu", "jit": False,
              "dtype": "float64", "cpu_avx512f": cpu_has_avx512f(), "xla_flags": os.environ.get("XLA_FLAGS", "")}
    OUT.write_text(json.dumps({"header": header, "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(cases)} cases, {sum(len(s['x']) for c in cases for s in c['steps'])} x values")


if __name__ == "__main__":
    main()
