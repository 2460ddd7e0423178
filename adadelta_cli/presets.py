"""Each framework's Adadelta defaults, under this tool's option names. lr None: no usable default, --lr needed."""

PRESETS: dict[str, dict] = {
    "article": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    "paper": {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    "pytorch": {"rho": 0.9, "eps": 1e-6, "lr": 1.0, "weight_decay_mode": "coupled"},
    # Keras 3 keeps the learning rate in a float32 variable and decays weights outside the gradient.
    "keras": {"rho": 0.95, "eps": 1e-7, "lr": 0.001, "weight_decay_mode": "decoupled", "lr_dtype": "float32"},
    # optax.adadelta: add_decayed_weights (coupled), then scale_by_adadelta, then scale_by_learning_rate.
    "optax": {"rho": 0.9, "eps": 1e-6, "lr": None, "weight_decay_mode": "coupled"},
}
OPTAX_LR = ("--preset optax needs an explicit --lr: optax.adadelta's default learning_rate=None returns the "
            "Adadelta update un-negated, which moves x uphill; optax users pass e.g. learning_rate=1.0 (--lr 1)")
