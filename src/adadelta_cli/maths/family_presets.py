"""The frameworks whose conventions a member of Adadelta's family can follow beside torch.optim's (``--preset
keras``, ``--preset paddle``; ``family.py``'s formulas read the convention from the mode): each one's defaults where
not torch's, the settings it lacks, and what it holds in float32 whatever the parameters' dtype. Each is held by the
framework's recorded runs (tests/golden/family/keras.json, paddle.json)."""

from types import SimpleNamespace

# Keras 3's defaults where not torch's (--preset keras, which also selects Keras's formulas: convention "keras"), and
# the settings Keras's optimizers do not have.
KERAS = {"adagrad": {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7},
         "rmsprop": {"lr": 0.001, "alpha": 0.9, "eps": 1e-7}, "sgd": {"lr": 0.01},
         "adam": {"lr": 0.001, "eps": 1e-7}, "adamw": {"lr": 0.001, "eps": 1e-7, "weight_decay": 0.004}}
NOT_IN_KERAS = ("lr_decay", "dampening", "maximize")
# PaddlePaddle 3's (paddle.optimizer.Adagrad, RMSProp, SGD or Momentum, Adam, AdamW; lr None: it has no default),
# and the settings each holds as a float32 kernel attribute whatever the parameters' dtype (Momentum's weight decay
# too, where SGD has momentum).
PADDLE = {"adagrad": {"lr": None, "eps": 1e-6}, "rmsprop": {"lr": None, "alpha": 0.95, "eps": 1e-6},
          "sgd": {"lr": 0.001}, "adam": {"lr": 0.001}, "adamw": {"lr": 0.001}}
PADDLE_FLOAT32 = {"adagrad": ("eps",), "rmsprop": ("alpha", "eps", "momentum"), "sgd": ("momentum",),
                  "adamw": ("weight_decay",)}
# optax's (optax.adagrad, rmsprop, sgd, adam, adamw, run eagerly; none has a default learning rate), and the settings
# each lacks beyond NOT_IN_KERAS's: weight decay but AdamW's (decoupled, inside the learning rate), amsgrad (optax's
# own alias takes the maximum of the bias-corrected v̂, not followed here).
OPTAX = {"adagrad": {"lr": None, "initial_accumulator_value": 0.1, "eps": 1e-7},
         "rmsprop": {"lr": None, "alpha": 0.9, "eps": 1e-8}, "sgd": {"lr": None}, "adam": {"lr": None},
         "adamw": {"lr": None, "weight_decay": 1e-4}}
NOT_IN_OPTAX = {"adagrad": ("weight_decay",), "rmsprop": ("weight_decay",), "sgd": ("weight_decay",),
                "adam": ("weight_decay", "amsgrad"), "adamw": ("amsgrad",)}
# Each framework a member can follow beside torch.optim (--preset NAME, which selects its formulas too): its title,
# its defaults where not torch's, the settings it lacks (all its optimizers, and each one's own).
CONVENTIONS = {"keras": SimpleNamespace(title="Keras 3", short="Keras", defaults=KERAS, lacks=NOT_IN_KERAS, own={}),
               "paddle": SimpleNamespace(title="PaddlePaddle", short="Paddle", defaults=PADDLE, lacks=NOT_IN_KERAS,
                                         own={}),
               "optax": SimpleNamespace(title="optax", short="optax", defaults=OPTAX, lacks=NOT_IN_KERAS,
                                        own=NOT_IN_OPTAX)}


def lacking(preset: str | None, name: str) -> tuple[str, ...]:
    """The settings of torch's that framework ``preset``'s optimizer ``name`` does not have."""
    convention = CONVENTIONS.get(preset or "")
    return convention.lacks + convention.own.get(name, ()) if convention else ()


def float32_held(name: str, mode) -> tuple[str, ...]:
    """The settings held in float32 whatever the parameters' dtype (PaddlePaddle's kernel attributes)."""
    if "paddle" not in mode:
        return ()
    momentum = ("weight_decay",) if "momentum" in mode and name == "sgd" else ()
    return tuple(key for key in PADDLE_FLOAT32.get(name, ()) + momentum if key != "weight_decay" or "wd" in mode)
