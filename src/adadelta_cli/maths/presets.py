"""Each framework's Adadelta defaults and conventions, under this tool's setting names. lr None: no usable default,
--lr needed. Each framework's row is held by its golden vectors (tests/golden/frameworks, tests/golden).

Beyond ρ, ε and lr, a preset may set: ``weight_decay_mode`` (where not coupled, the default), ``hyper_float32``
(the hyperparameters the framework holds in float32, rounded whatever value is in force), ``rate_eg2``
("previous": η divides by E[g²]_{t−1}, not E[g²]_t), ``dtype`` (float32 where the framework computes in float32
whatever the parameters' dtype), and two rules on ε applied by ``finish``: ``eps_if_zero`` (a value put in place
of ε = 0) and ``eps_positive`` (ε = 0 is refused, naming the framework). A framework without a learning rate has
lr 1: its step is Δx itself.
"""

from adadelta_cli.i18n import N_

PRESETS: dict[str, dict] = {
    "article": {"rho": 0.95, "eps": 1e-6, "lr": 1.0},
    "paper": {"rho": 0.95, "eps": 1e-6, "lr": 1.0},
    "pytorch": {"rho": 0.9, "eps": 1e-6, "lr": 1.0},
    # torch.optim.Adadelta's step under torch.compile (inductor, the CPU): the same defaults, its own roundings.
    "pytorch-compile": {"rho": 0.9, "eps": 1e-6, "lr": 1.0, "arithmetic": "inductor"},
    # Keras 3 keeps the learning rate in a float32 variable and decays weights outside the gradient. On its torch
    # backend (this preset): x·(1 − lr·wd) first (the factor in float32), accumulators as fma(1 − ρ, g·g, ρ·E),
    # Δx = −(√(E[Δx²] + ε)·g)/√(E[g²] + ε) in that order.
    "keras": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled", "lr_dtype": "float32",
              "arithmetic": "keras-torch"},
    # Keras 3 on JAX: x − x·wd·lr (wd cast to the variable's dtype), each operation rounded on its own, Δx in Keras's
    # order; XLA flushes subnormals.
    "keras-jax": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled", "lr_dtype": "float32",
                  "arithmetic": "keras", "subnormals": "flush"},
    # Keras 3 on TensorFlow: as on JAX, but weight_decay held in float32 (cast through a float32 tensor);
    # TensorFlow's CPU kernels flush subnormals too.
    "keras-tensorflow": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled",
                         "lr_dtype": "float32", "hyper_float32": "weight_decay", "arithmetic": "keras",
                         "subnormals": "flush"},
    # TF1's tf.compat.v1.train.AdadeltaOptimizer turns ρ, ε and lr into float32 tensors, then casts them to the
    # variable's dtype: a float64 variable still steps with float32-rounded hyperparameters.
    "tf1": {"rho": 0.95, "eps": 1e-8, "lr": 0.001, "hyper_float32": "rho,eps,lr"},
    # optax.adadelta: add_decayed_weights (coupled), then scale_by_adadelta, then scale_by_learning_rate; each
    # operation rounded on its own, (1 − ρ)·g² + ρ·E in that order (no fused multiply-add without jax.jit), and
    # subnormals flushed to zero as XLA does on the CPU.
    "optax": {"rho": 0.9, "eps": 1e-6, "lr": None, "arithmetic": "unfused", "subnormals": "flush"},
    # tf.keras 2.11+ (tf_keras.optimizers.Adadelta): lr a float32 variable, weight_decay cast through a float32
    # tensor, ρ and ε plain Python floats; decoupled decay x − x·wd·lr before the step. (The legacy optimizer of
    # tf.keras ≤ 2.10 holds lr and ρ in float32 instead: --hyper-float32 lr,rho.)
    "keras2": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled",
               "hyper_float32": "lr,weight_decay", "arithmetic": "tf-keras", "subnormals": "flush"},
    # TensorFlow.js tf.train.adadelta: ε is the backend's (1e-7), η divides by the accumulator read before this
    # step's update (E[g²]_{t−1}), float32 throughout; no weight decay.
    "tfjs": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "rate_eg2": "previous", "dtype": "float32"},
    # MXNet mx.optimizer.AdaDelta ignores the learning rate and applies weight decay to x without it:
    # x −= Δ + wd·x, decoupled with lr 1. (create_state makes float32 state whatever the weights' dtype.)
    "mxnet": {"rho": 0.9, "eps": 1e-5, "lr": 1.0, "weight_decay_mode": "decoupled", "no_lr": "MXNet"},
    # paddle.optimizer.Adadelta: ρ and ε are float32 operator attributes (rounded for float64 parameters too); lr
    # stays float64; weight_decay=float is L2Decay, added to the gradient.
    "paddle": {"rho": 0.95, "eps": 1e-6, "lr": 0.001, "hyper_float32": "rho,eps"},
    # mindspore.nn.Adadelta: lr a float32 Parameter; the CPU kernel computes float64 parameters in float32.
    "mindspore": {"rho": 0.9, "eps": 1e-6, "lr": 1.0, "hyper_float32": "lr", "dtype": "float32"},
    # mlx.optimizers.AdaDelta: learning_rate required, held in a float32 array; ε > 0 required; no weight decay.
    "mlx": {"rho": 0.9, "eps": 1e-6, "lr": None, "hyper_float32": "lr", "eps_positive": "MLX"},
    # chainer.optimizers.AdaDelta: no learning rate; WeightDecay is a hook adding rate·x to the gradient.
    "chainer": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "no_lr": "Chainer"},
    # DL4J / ND4J AdaDelta: no learning rate; ε = 0 is replaced by 1e-7; l2 added to the gradient.
    "dl4j": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "eps_if_zero": 1e-7, "no_lr": "DL4J"},
    # Lua torch optim.adadelta: no learning rate; weightDecay added to the gradient.
    "lua-torch": {"rho": 0.9, "eps": 1e-6, "lr": 1.0, "no_lr": "Lua torch's optim"},
    # Caffe's AdaDeltaSolver (examples/mnist/lenet_adadelta_solver: momentum 0.95, delta 1e-6, base_lr 1.0) and
    # Caffe2's Adadelta operator (x + lr·Δ with a negative lr): lr applied after both accumulators, float32.
    "caffe": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "dtype": "float32"},
}
# The hyperparameters --hyper-float32 can name, in the order they are shown.
HYPERS = ("rho", "eps", "lr", "weight_decay")
OPTAX_LR = N_("%(preset)s needs an explicit %(lr)s: optax.adadelta's default learning_rate=None returns the "
              "Adadelta update un-negated, which moves x uphill; optax users pass e.g. learning_rate=1.0")


MLX_LR = N_("%(preset)s needs an explicit %(lr)s: mlx.optimizers.AdaDelta has no default learning rate")
LR_REQUIRED = {"optax": OPTAX_LR, "mlx": MLX_LR}
NO_LR = N_("%(preset)s: %(framework)s's Adadelta has no learning rate; %(lr)s %(value)s is applied anyway, so this "
           "trace is no longer what %(framework)s computes")
EPS_REPLACED = N_("%(preset)s: %(framework)s replaces ε = 0 with %(value)s, as this trace does")
EPS_POSITIVE = N_("%(name)s must be > 0 with %(preset)s: %(framework)s refuses ε = 0, got %(value)s")


def float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (as a framework holding it in float32 sees it); no numpy needed."""
    import struct

    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:  # beyond float32's range: infinite, as numpy's float32() gives it
        return value * float("inf")


def hyper_names(value) -> tuple[str, ...]:
    """``hyper_float32`` as the names it holds, in HYPERS order: "rho,eps", "all", "none", True (all but wd)."""
    if value is True:
        return ("rho", "eps", "lr")
    if not value or value is False:
        return ()
    items = [v.strip().replace("-", "_") for v in (value.split(",") if isinstance(value, str) else value)]
    if items in (["all"], ["none"], [""]):
        return HYPERS if items == ["all"] else ()
    return tuple(name for name in HYPERS if name in items) + tuple(v for v in items if v not in HYPERS)


def finish(chosen: dict) -> dict:
    """The preset's last word, whichever values are in force: the hyperparameters named by ``hyper_float32``
    rounded to float32 (TF1's ρ, ε and lr, say), and the preset's rules on ε = 0 (DL4J puts 1e-7 in its place).
    Unknown names in ``hyper_float32`` are left for validation to report."""
    names = hyper_names(chosen.get("hyper_float32"))
    chosen["hyper_float32"] = ",".join(names)
    for key in names:
        value = chosen.get(key)
        if isinstance(value, list):
            chosen[key] = [float32(v) for v in value]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            chosen[key] = float32(value)
    if chosen.get("eps_if_zero") is not None and chosen.get("eps") == 0:
        chosen["eps"] = chosen["eps_if_zero"]
    return chosen
