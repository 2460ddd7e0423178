"""Write golden vectors of every framework's Adadelta to tests/golden/frameworks/<preset>.json.

Each framework lives in its own environment (they pin incompatible numpy versions); none of them is a dependency
of the project, and the tests read the files without any of them. Run this script once per environment, naming
the preset(s) whose framework that environment holds, e.g.::

    python3 -m venv /tmp/fw/mxnet && /tmp/fw/mxnet/bin/pip install mxnet==1.9.1 'numpy<1.24'
    /tmp/fw/mxnet/bin/python scripts/make_golden_frameworks.py mxnet

    paddle     pip install paddlepaddle            mindspore  pip install mindspore
    mlx        pip install 'mlx[cpu]'              chainer    pip install 'setuptools<70' 'numpy<1.24' &&
                                                              pip install --no-build-isolation chainer==7.8.1
    keras2 tf1 pip install tensorflow-cpu tf-keras
    tfjs       npm install @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-cpu@4.22.0 in some folder, then
               TFJS_NODE_MODULES=<folder>/node_modules python scripts/make_golden_frameworks.py tfjs
               (scripts/golden_tfjs.mjs runs the cases in node)
    dl4j lua-torch caffe   need only numpy: these frameworks do not install here, so their vectors come from the
               formula their own unit tests encode (named in each file's "source"), evaluated in numpy.

Every file holds the framework's name and version, its defaults as read from the framework, and runs: one case
(gradients, x0 and settings under this tool's option names, plus the arguments the framework was given) in one
dtype, with every step's x and, where the framework's state can be read, E[g²] and E[Δx²] as it holds them
(float32 values are stored exactly, as the float64 they widen to; non-finite values as JSON's NaN/Infinity).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "frameworks"


def noisy(steps: int, params: int, seed: int, scales=None) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(1, steps + 1)[:, None]
    g = np.cos(t / 7.0 + np.arange(params)) * np.exp(-t / 80.0) + 0.3 * rng.standard_normal((steps, params))
    if scales is not None:
        g = g * np.asarray(scales)
    return g.tolist()


# The same cases for every framework; a framework skips those it cannot express (say, weight decay) and takes
# its own defaults in "defaults". lr None: the framework has no learning rate (or ignores it).
CASES = [
    {"name": "article", "grads": [[0.1], [0.2], [0.15]], "x0": [0.0], "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "defaults", "grads": noisy(50, 2, 31), "x0": [1.0, -0.5]},
    {"name": "two_params", "grads": noisy(40, 2, 32), "x0": [1.5, -2.0], "rho": 0.9, "eps": 1e-6, "lr": 0.5},
    {"name": "scales", "grads": noisy(40, 3, 33, scales=[1e-4, 1.0, 1e4]), "x0": [0.0, 1.0, -100.0],
     "rho": 0.95, "eps": 1e-6, "lr": 1.0},
    {"name": "weight_decay", "grads": noisy(40, 2, 34), "x0": [2.0, -3.0], "rho": 0.9, "eps": 1e-6, "lr": 0.5,
     "weight_decay": 0.05},
    {"name": "small_lr", "grads": noisy(30, 2, 35), "x0": [0.5, -1.0], "rho": 0.9, "eps": 1e-6, "lr": 0.1},
    # ε = 0: Δx stays 0 (√E[Δx²]_0 = 0) unless the framework replaces ε (DL4J: 1e-7) or refuses it (MLX).
    {"name": "eps_zero", "grads": noisy(10, 1, 36), "x0": [0.25], "rho": 0.95, "eps": 0.0, "lr": 1.0},
    # Keras/TF testMinimizeSparseResourceVariable: lr 1, ρ 1, ε 1 from [1, 2] with gradient [112, 140] → [−111, −138].
    {"name": "rho_one", "grads": [[112.0, 140.0], [1.0, -2.0], [0.5, 0.25]], "x0": [1.0, 2.0], "rho": 1.0,
     "eps": 1.0, "lr": 1.0},
    # An overflow in E[g²]: frameworks carry on under IEEE arithmetic (x frozen once E[g²] is infinite).
    {"name": "nonfinite", "grads": {"float64": [[1.0], [2.0], [1e200], [1.0], [0.5]],
                                    "float32": [[1.0], [2.0], [1e30], [1.0], [0.5]]},
     "x0": [0.0], "rho": 0.9, "eps": 1e-6, "lr": 1.0},
]


def grads_of(case: dict, dtype: str) -> np.ndarray:
    g = case["grads"]
    if isinstance(g, dict):
        g = g[dtype]
    return np.asarray(g, dtype=np.float64)


class Unsupported(Exception):
    """The framework cannot run this case in this dtype (the reason is recorded)."""


def as_list(a) -> list:
    return np.asarray(a, dtype=np.float64).tolist()


def record() -> dict:
    return {"x": [], "eg2": [], "edx2": []}


# ---------------------------------------------------------------------------------------------------- frameworks

def run_mxnet(case: dict, dtype: str) -> tuple[dict, dict]:
    import mxnet as mx

    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate"),
                                          ("weight_decay", "wd")) if k in case}
    opt = mx.optimizer.AdaDelta(**kwargs)
    w = mx.nd.array(np.asarray(case["x0"], dtype=dtype), dtype=dtype)
    if dtype == "float32":
        state = opt.create_state(0, w)
    else:  # create_state makes float32 state whatever the weight, which update() then refuses: made by hand
        state = (mx.nd.zeros(w.shape, dtype=dtype), mx.nd.zeros(w.shape, dtype=dtype))
    out = record()
    for g in grads_of(case, dtype):
        opt.update(0, w, mx.nd.array(g.astype(dtype), dtype=dtype), state)
        out["x"].append(as_list(w.asnumpy()))
        out["eg2"].append(as_list(state[0].asnumpy()))
        out["edx2"].append(as_list(state[1].asnumpy()))
    return kwargs, out


def run_paddle(case: dict, dtype: str) -> tuple[dict, dict]:
    import paddle

    paddle.set_device("cpu")
    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate"),
                                          ("weight_decay", "weight_decay")) if k in case}
    p = paddle.create_parameter([len(case["x0"])], dtype=dtype, default_initializer=paddle.nn.initializer.Assign(
        np.asarray(case["x0"], dtype=dtype)))
    opt = paddle.optimizer.Adadelta(parameters=[p], **kwargs)
    out = record()
    for g in grads_of(case, dtype):
        (p * paddle.to_tensor(g.astype(dtype))).sum().backward()  # the gradient is g exactly
        opt.step()
        opt.clear_grad()
        out["x"].append(as_list(p.numpy()))
        out["eg2"].append(as_list(opt._accumulators["_avg_squared_grad"][p.name].numpy()))
        out["edx2"].append(as_list(opt._accumulators["_avg_squared_update"][p.name].numpy()))
    return kwargs, out


def run_mindspore(case: dict, dtype: str) -> tuple[dict, dict]:
    import mindspore as ms
    from mindspore import nn

    ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate"),
                                          ("weight_decay", "weight_decay")) if k in case}
    mdtype = getattr(ms, dtype)
    w = ms.Parameter(ms.Tensor(np.asarray(case["x0"], dtype=dtype), mdtype), name="w")
    opt = nn.Adadelta([w], **kwargs)
    out = record()
    for g in grads_of(case, dtype):
        opt((ms.Tensor(g.astype(dtype), mdtype),))
        out["x"].append(as_list(w.asnumpy()))
        out["eg2"].append(as_list(opt.accum[0].asnumpy()))
        out["edx2"].append(as_list(opt.accum_update[0].asnumpy()))
    return kwargs, out


def run_mlx(case: dict, dtype: str) -> tuple[dict, dict]:
    import mlx.core as mx
    import mlx.optimizers as optim

    if "weight_decay" in case:
        raise Unsupported("mlx.optimizers.AdaDelta has no weight decay")
    mx.set_default_device(mx.cpu)
    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "eps"), ("lr", "learning_rate")) if k in case}
    kwargs.setdefault("learning_rate", 1.0)  # required: no default
    opt = optim.AdaDelta(**kwargs)
    mdtype = getattr(mx, dtype)
    params = {"w": mx.array(np.asarray(case["x0"], dtype=dtype), dtype=mdtype)}
    out = record()
    for g in grads_of(case, dtype):
        params = opt.apply_gradients({"w": mx.array(g.astype(dtype), dtype=mdtype)}, params)
        mx.eval(params, opt.state)
        out["x"].append(as_list(np.array(params["w"])))
        out["eg2"].append(as_list(np.array(opt.state["w"]["v"])))
        out["edx2"].append(as_list(np.array(opt.state["w"]["u"])))
    return kwargs, out


def run_chainer(case: dict, dtype: str) -> tuple[dict, dict]:
    import chainer

    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "eps")) if k in case}
    link = chainer.Link()
    with link.init_scope():
        link.w = chainer.Parameter(np.asarray(case["x0"], dtype=dtype))
    opt = chainer.optimizers.AdaDelta(**kwargs)
    opt.setup(link)
    if "weight_decay" in case:
        opt.add_hook(chainer.optimizer_hooks.WeightDecay(case["weight_decay"]))
        kwargs["hook WeightDecay(rate)"] = case["weight_decay"]
    out = record()
    for g in grads_of(case, dtype):
        link.w.grad = g.astype(dtype)
        opt.update()
        out["x"].append(as_list(link.w.array))
        out["eg2"].append(as_list(link.w.update_rule.state["msg"]))
        out["edx2"].append(as_list(link.w.update_rule.state["msdx"]))
    return kwargs, out


def run_keras2(case: dict, dtype: str) -> tuple[dict, dict]:
    import tensorflow as tf
    import tf_keras

    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate"),
                                          ("weight_decay", "weight_decay")) if k in case}
    var = tf.Variable(np.asarray(case["x0"], dtype=dtype))
    opt = tf_keras.optimizers.Adadelta(**kwargs)
    opt.build([var])
    out = record()
    for g in grads_of(case, dtype):
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
        out["x"].append(as_list(var.numpy()))
        out["eg2"].append(as_list(opt._accumulated_grads[0].numpy()))
        out["edx2"].append(as_list(opt._accumulated_delta_vars[0].numpy()))
    return kwargs, out


def run_keras2_legacy(case: dict, dtype: str) -> tuple[dict, dict]:
    # tf.keras ≤ 2.10's default optimizer (tf_keras.optimizers.legacy since 2.11): hyperparameters in float32
    # variables, cast to the variable's dtype; no weight decay argument.
    import tensorflow as tf
    import tf_keras

    if "weight_decay" in case:
        raise Unsupported("the legacy tf.keras Adadelta has no weight decay")
    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate")) if k in case}
    var = tf.Variable(np.asarray(case["x0"], dtype=dtype))
    opt = tf_keras.optimizers.legacy.Adadelta(**kwargs)
    out = record()
    for g in grads_of(case, dtype):
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
        out["x"].append(as_list(var.numpy()))
        out["eg2"].append(as_list(opt.get_slot(var, "accum_grad").numpy()))
        out["edx2"].append(as_list(opt.get_slot(var, "accum_var").numpy()))
    return kwargs, out


def run_tf1(case: dict, dtype: str) -> tuple[dict, dict]:
    import tensorflow as tf

    if "weight_decay" in case:
        raise Unsupported("tf.compat.v1.train.AdadeltaOptimizer has no weight decay")
    kwargs = {k2: case[k] for k, k2 in (("rho", "rho"), ("eps", "epsilon"), ("lr", "learning_rate")) if k in case}
    var = tf.Variable(np.asarray(case["x0"], dtype=dtype))
    opt = tf.compat.v1.train.AdadeltaOptimizer(**kwargs)
    out = record()
    for g in grads_of(case, dtype):
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
        out["x"].append(as_list(var.numpy()))
        out["eg2"].append(as_list(opt.get_slot(var, "accum").numpy()))
        out["edx2"].append(as_list(opt.get_slot(var, "accum_update").numpy()))
    return kwargs, out


# Frameworks that do not install here: the recurrence their own unit tests check, evaluated in numpy with the
# framework's operation order, in the precision the test uses.

def formula_dl4j(case: dict, dtype: str) -> tuple[dict, dict]:
    # ND4J AdaDeltaUpdater as TestUpdaters.testAdaDeltaUpdate checks it: no learning rate,
    #   msg = ρ·msg + (1−ρ)·g²;  u = √(msdx + ε) / √(msg + ε) · g;  msdx = ρ·msdx + (1−ρ)·u²;  x −= u
    # ε = 0 is replaced by 1e-7 (measured). Weight decay: l2 adds wd·x to the gradient before the updater.
    if dtype != "float64":
        raise Unsupported("float64 only: the expectation is the test's formula, not ND4J's float32 kernels")
    rho, eps = case.get("rho", 0.95), case.get("eps", 1e-6)
    kwargs = {"rho": rho, "epsilon": eps, **({"l2": case["weight_decay"]} if "weight_decay" in case else {})}
    eps = 1e-7 if eps == 0 else eps
    wd = case.get("weight_decay", 0.0)
    x = np.asarray(case["x0"], dtype=np.float64)
    msg, msdx = np.zeros_like(x), np.zeros_like(x)
    out = record()
    with np.errstate(all="ignore"):
        for g in grads_of(case, dtype):
            g = g + wd * x if wd else g
            msg = msg * rho + g * g * (1 - rho)
            u = np.sqrt(msdx + eps) / np.sqrt(msg + eps) * g
            msdx = msdx * rho + u * u * (1 - rho)
            x = x - u
            out["x"].append(as_list(x))
            out["eg2"].append(as_list(msg))
            out["edx2"].append(as_list(msdx))
    return kwargs, out


def formula_lua_torch(case: dict, dtype: str) -> tuple[dict, dict]:
    # optim/adadelta.lua (the recurrence test/optim in torch7 and PyTorch's legacy comparison run): no lr,
    #   dfdx:add(wd, x); paramVariance:mul(ρ):addcmul(1−ρ, dfdx, dfdx); paramStd = √(paramVariance + ε)
    #   delta = √(accDelta + ε) / paramStd · dfdx; x:add(−1, delta); accDelta:mul(ρ):addcmul(1−ρ, delta, delta)
    if dtype != "float64":
        raise Unsupported("float64 only (torch.DoubleTensor, Lua torch's default tensor type)")
    rho, eps = case.get("rho", 0.9), case.get("eps", 1e-6)
    kwargs = {"rho": rho, "eps": eps, **({"weightDecay": case["weight_decay"]} if "weight_decay" in case else {})}
    wd = case.get("weight_decay", 0.0)
    x = np.asarray(case["x0"], dtype=np.float64)
    var, acc = np.zeros_like(x), np.zeros_like(x)
    out = record()
    with np.errstate(all="ignore"):
        for g in grads_of(case, dtype):
            g = g + wd * x if wd else g
            var = var * rho + (1 - rho) * g * g
            delta = np.sqrt(acc + eps) / np.sqrt(var + eps) * g
            x = x - delta
            acc = acc * rho + (1 - rho) * delta * delta
            out["x"].append(as_list(x))
            out["eg2"].append(as_list(var))
            out["edx2"].append(as_list(acc))
    return kwargs, out


def formula_caffe(case: dict, dtype: str) -> tuple[dict, dict]:
    # Caffe2's reference (caffe2/python/operator_test/adadelta_test.py, ref_adadelta), float32 as the operator:
    #   mom = decay·mom + (1−decay)·g²;  ng = √(mom_delta + ε) / √(mom + ε) · g
    #   param = param + lr·ng (lr negative by convention);  mom_delta = decay·mom_delta + (1−decay)·ng²
    # Caffe's AdaDeltaSolver (momentum = ρ, delta = ε, base_lr applied after both accumulators; weight_decay
    # added to the gradient first) computes the same recurrence. Numpy's own float32 arithmetic, as the reference.
    if "weight_decay" in case:
        raise Unsupported("the Caffe2 operator has no weight decay (Caffe's solver adds it to the gradient)")
    if dtype != "float32":
        raise Unsupported("float32 only: the Caffe2 operator computes float")
    decay, eps, lr = case.get("rho", 0.95), case.get("eps", 1e-6), case.get("lr", 1.0)
    kwargs = {"decay": decay, "epsilon": eps, "lr": -lr}
    f = np.dtype(dtype).type
    param = np.asarray(case["x0"], dtype=dtype)
    mom, mom_delta = np.zeros_like(param), np.zeros_like(param)
    out = record()
    with np.errstate(all="ignore"):
        for g in grads_of(case, dtype).astype(dtype):
            mom = f(decay) * mom + f(1.0 - decay) * np.square(g)
            ng = (np.sqrt(mom_delta + f(eps)) / np.sqrt(mom + f(eps))) * g
            param = param + f(-lr) * ng
            mom_delta = f(decay) * mom_delta + f(1.0 - decay) * np.square(ng)
            out["x"].append(as_list(param))
            out["eg2"].append(as_list(mom))
            out["edx2"].append(as_list(mom_delta))
    return kwargs, out


def run_tfjs_all(cases: list[dict]) -> list:
    """All cases in node at once (float32 only: TensorFlow.js's cpu backend has no float64)."""
    modules = os.environ.get("TFJS_NODE_MODULES")
    if not modules:
        raise SystemExit("set TFJS_NODE_MODULES to a node_modules folder holding @tensorflow/tfjs-core and "
                         "@tensorflow/tfjs-backend-cpu")
    payload = [{"name": c["name"], "grads": grads_of(c, "float32").tolist(), "x0": c["x0"],
                **{k: c[k] for k in ("rho", "eps", "lr") if k in c}} for c in cases if "weight_decay" not in c]
    done = subprocess.run(["node", str(ROOT / "scripts" / "golden_tfjs.mjs")], input=json.dumps(payload),
                          capture_output=True, text=True, check=True, env={**os.environ, "NODE_PATH": modules})
    return json.loads(done.stdout.strip().splitlines()[-1], parse_constant=float,
                      object_hook=lambda o: {k: nonfinite(v) for k, v in o.items()})


def nonfinite(v):
    """node writes NaN and ±Infinity as strings: back to floats."""
    if isinstance(v, str) and v in ("NaN", "Infinity", "-Infinity"):
        return float(v)
    if isinstance(v, list):
        return [nonfinite(item) for item in v]
    return v


# ------------------------------------------------------------------------------------------------------ metadata

def meta(preset: str) -> dict:
    """Framework name, version and its defaults as read from the framework itself."""
    import inspect

    def sig(fn, names):
        params = inspect.signature(fn).parameters
        return {ours: params[theirs].default for ours, theirs in names.items() if theirs in params}

    if preset == "mxnet":
        import mxnet as mx

        o = mx.optimizer.AdaDelta()
        return {"framework": "MXNet mx.optimizer.AdaDelta", "version": mx.__version__,
                "defaults": {"rho": o.rho, "eps": o.epsilon, "lr": o.lr, "weight_decay": o.wd,
                             "state_dtype_for_float64_weight": str(np.dtype(
                                 o.create_state(0, mx.nd.zeros((1,), dtype="float64"))[0].dtype))}}
    if preset == "paddle":
        import paddle

        p = paddle.create_parameter([1], dtype="float64")
        o = paddle.optimizer.Adadelta(parameters=[p])
        return {"framework": "PaddlePaddle paddle.optimizer.Adadelta", "version": paddle.__version__,
                "defaults": {"rho": o._rho, "eps": o._epsilon, "lr": o._learning_rate}}
    if preset == "mindspore":
        import mindspore as ms
        from mindspore import nn

        o = nn.Adadelta([ms.Parameter(ms.Tensor(np.zeros(1)), name="w")])  # __init__'s signature is wrapped
        d = {"rho": o.rho, "eps": o.epsilon, "lr": float(o.learning_rate.asnumpy()),
             "weight_decay": float(o.weight_decay), "lr_dtype": str(o.learning_rate.dtype)}
        return {"framework": "MindSpore mindspore.nn.Adadelta", "version": ms.__version__, "defaults": d}
    if preset == "mlx":
        import mlx.core as mx
        import mlx.optimizers as optim

        d = sig(optim.AdaDelta.__init__, {"rho": "rho", "eps": "eps", "lr": "learning_rate"})
        d["lr"] = None if d["lr"] is inspect.Parameter.empty else d["lr"]
        d["lr_dtype"] = str(optim.AdaDelta(1.0).learning_rate.dtype)
        return {"framework": "MLX mlx.optimizers.AdaDelta", "version": mx.__version__, "defaults": d}
    if preset == "chainer":
        import chainer

        o = chainer.optimizers.AdaDelta()
        return {"framework": "Chainer chainer.optimizers.AdaDelta", "version": chainer.__version__,
                "defaults": {"rho": o.rho, "eps": o.eps, "lr": None}}
    if preset == "keras2":
        import tf_keras

        o = tf_keras.optimizers.Adadelta()
        return {"framework": "tf.keras 2 (tf_keras) tf_keras.optimizers.Adadelta", "version": tf_keras.__version__,
                "defaults": {"rho": o.rho, "eps": o.epsilon, "lr": float(o.learning_rate),
                             "lr_dtype": o._learning_rate.dtype.name}}
    if preset == "tf1":
        import tensorflow as tf

        d = sig(tf.compat.v1.train.AdadeltaOptimizer.__init__, {"rho": "rho", "eps": "epsilon",
                                                                "lr": "learning_rate"})
        return {"framework": "TensorFlow tf.compat.v1.train.AdadeltaOptimizer", "version": tf.__version__,
                "defaults": d}
    if preset == "dl4j":
        return {"framework": "Deeplearning4j / ND4J AdaDelta", "version": "1.0.0-M2.1 (not installed)",
                "provenance": "formula",
                "source": "deeplearning4j-nn TestUpdaters.testAdaDeltaUpdate (org.deeplearning4j.nn.updater); "
                          "nd4j AdaDeltaUpdater; ε = 0 → 1e-7 as measured (shared facts)",
                "defaults": {"rho": 0.95, "eps": 1e-6, "lr": None}}
    if preset == "lua-torch":
        return {"framework": "Lua torch optim.adadelta", "version": "torch7 optim (not installed)",
                "provenance": "formula",
                "source": "torch/optim adadelta.lua (checked by torch/optim test/ and PyTorch's legacy "
                          "test/optim comparison); defaults rho 0.9, eps 1e-6, weightDecay 0",
                "defaults": {"rho": 0.9, "eps": 1e-6, "lr": None, "weight_decay": 0.0}}
    if preset == "caffe":
        return {"framework": "Caffe2 Adadelta operator / Caffe AdaDeltaSolver", "version": "caffe2 in PyTorch "
                "1.x; Caffe 1.0 (not installed)", "provenance": "formula",
                "source": "caffe2/python/operator_test/adadelta_test.py ref_adadelta (the operator's reference); "
                          "Caffe examples/mnist/lenet_adadelta_solver.prototxt (momentum 0.95, delta 1e-6, "
                          "base_lr 1.0)",
                "defaults": {"rho": 0.95, "eps": 1e-6, "lr": 1.0}}
    raise SystemExit(f"unknown preset {preset}")


RUNNERS = {"mxnet": run_mxnet, "paddle": run_paddle, "mindspore": run_mindspore, "mlx": run_mlx,
           "chainer": run_chainer, "keras2": run_keras2, "tf1": run_tf1, "dl4j": formula_dl4j,
           "lua-torch": formula_lua_torch, "caffe": formula_caffe}
VARIANTS = {"keras2": {"legacy": run_keras2_legacy}}  # further runs in the same file, marked "variant"
NO_LR = {"mxnet", "chainer", "dl4j", "lua-torch"}  # no learning rate (MXNet takes one and ignores it)


def settings_of(case: dict, preset: str, dtype: str, args: dict | None = None) -> dict:
    """The case's settings under this tool's option names (None: the framework's default)."""
    lr = None if preset in NO_LR else case.get("lr")  # MXNet's learning_rate is passed (see args) and ignored
    if lr is None and preset == "mlx":  # no default: the run passed one
        lr = (args or {}).get("learning_rate")
    return {"rho": case.get("rho"), "eps": case.get("eps"), "lr": lr,
            "weight_decay": case.get("weight_decay", 0.0), "x0": case["x0"], "dtype": dtype}


def tfjs_meta() -> dict:
    modules = Path(os.environ["TFJS_NODE_MODULES"])
    version = json.loads((modules / "@tensorflow" / "tfjs-core" / "package.json").read_text())["version"]
    return {"framework": "TensorFlow.js tf.train.adadelta (cpu backend)", "version": version,
            "defaults": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "eps_source": "backend epsilon()"}}


def dumps(doc: dict) -> str:
    """Compact JSON, one run a line (readable diffs when a framework's version changes)."""
    head = {k: v for k, v in doc.items() if k != "runs"}
    runs = ",\n".join(json.dumps(r, separators=(",", ":")) for r in doc["runs"])
    return json.dumps(head, separators=(",", ":"))[:-1] + ',"runs":[\n' + runs + "\n]}\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for preset in argv:
        runs = []
        if preset == "tfjs":
            doc = tfjs_meta()
            results = run_tfjs_all(CASES)
            doc["defaults"] = results[0]["defaults"]
            runs += [{"case": c["name"], "dtype": "float32", "unsupported": "tf.train.adadelta has no weight decay"}
                     for c in CASES if "weight_decay" in c]
            for case, got in zip([c for c in CASES if "weight_decay" not in c], results[1:]):
                runs.append({"case": case["name"], "dtype": "float32", "args": got["args"],
                             "settings": settings_of(case, preset, "float32"),
                             "grads": as_list(grads_of(case, "float32").astype("float32")),
                             "steps": got["steps"]})
        else:
            doc = meta(preset)
            for variant, runner in {None: RUNNERS[preset], **VARIANTS.get(preset, {})}.items():
                marks = {"variant": variant} if variant else {}
                for case in CASES:
                    for dtype in ("float64", "float32"):
                        head = {"case": case["name"], "dtype": dtype, **marks}
                        try:
                            args, steps = runner(case, dtype)
                        except Unsupported as why:
                            runs.append({**head, "unsupported": str(why)})
                            continue
                        except Exception as why:  # noqa: BLE001 - recorded: what the framework refuses
                            last = str(why).strip().splitlines()[-1][:300]
                            runs.append({**head, "refused": f"{type(why).__name__}: {last}"})
                            continue
                        runs.append({**head, "args": args, "settings": settings_of(case, preset, dtype, args),
                                     "grads": as_list(grads_of(case, dtype).astype(dtype)), "steps": steps})
        doc = {"preset": preset, **doc, "provenance": doc.get("provenance", "run"), "runs": runs}
        path = OUT / f"{preset}.json"
        path.write_text(dumps(doc), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}: {sum('steps' in r for r in runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
