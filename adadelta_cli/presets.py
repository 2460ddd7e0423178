"""Each framework's Adadelta defaults, under this tool's option names. lr None: no usable default, --lr needed."""

from .i18n import N_

PRESETS: dict[str, dict] = {
    "article": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    "paper": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    "pytorch": {"rho": 0.9, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    # Keras 3 keeps the learning rate in a float32 variable and decays weights outside the gradient.
    "keras": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled", "lr_dtype": "float32"},
    # TF1's tf.compat.v1.train.AdadeltaOptimizer turns ρ, ε and lr into float32 tensors, then casts them to the
    # variable's dtype: a float64 variable still steps with float32-rounded hyperparameters.
    "tf1": {"rho": 0.95, "eps": 1e-8, "lr": 0.001, "weight_decay_mode": "coupled", "hyper_float32": True},
    # optax.adadelta: add_decayed_weights (coupled), then scale_by_adadelta, then scale_by_learning_rate.
    "optax": {"rho": 0.9, "eps": 1e-6, "lr": None, "weight_decay_mode": "coupled"},
}
OPTAX_LR = N_("%(preset)s needs an explicit %(lr)s: optax.adadelta's default learning_rate=None returns the "
              "Adadelta update un-negated, which moves x uphill; optax users pass e.g. learning_rate=1.0")


def finish(chosen: dict) -> dict:
    """The preset's last word: TF1 rounds ρ, ε and lr to float32, whichever values are in force."""
    if chosen.pop("hyper_float32", False):
        import numpy as np

        for key in ("rho", "eps", "lr"):
            if chosen.get(key) is not None:
                chosen[key] = float(np.float32(chosen[key]))
    return chosen
