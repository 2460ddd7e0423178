"""Settings resolved once, for the Python API and the command line alike.

In order of precedence: what the caller gave explicitly, else a worksheet's own settings, else the preset's, else
the article's defaults. Then validated, each message spelling the setting as the caller knows it: the API's
``rho``, the command line's ``--rho``. Nothing here needs numpy (``--help`` stays light).

>>> resolve(None, {"rho": 0.9})["rho"], resolve("keras", {})["lr"]
(0.9, 0.001)
>>> resolve(None, {"rho": 2})
Traceback (most recent call last):
...
adadelta_cli.errors.SettingsError: rho must lie in [0, 1], got 2
>>> resolve(None, {"rho": 2}, spelling=CLI)
Traceback (most recent call last):
...
adadelta_cli.errors.SettingsError: --rho must lie in [0, 1], got 2
"""

from __future__ import annotations

import math
from typing import Any

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _f
from adadelta_cli.maths.presets import EPS_POSITIVE, EPS_REPLACED, HYPERS, LR_REQUIRED, NO_LR, PRESETS, finish

DTYPES = ("float64", "float32", "float16", "bfloat16")  # the arithmetic (float16, bfloat16: torch's CPU kernels')
LR_DTYPES = ("float64", "float32")  # the precision lr is held in
WEIGHT_DECAY_MODES = ("coupled", "decoupled")
RATE_EG2 = ("current", "previous")  # η's denominator: E[g²]_t (Algorithm 1) or E[g²]_{t−1} (TensorFlow.js)
# The arithmetic's convention: fused (torch's eager CPU kernels: a·b + c rounded once in addcmul_ and
# add_(alpha=)), foreach (torch with foreach=True: as fused, but in float16/bfloat16 _foreach_mul_ rounds ρ to the
# type first), unfused (each operation rounded on its own in the formula's order: optax without jit, numpy; Keras 3
# on JAX and TensorFlow, whose decoupled decay is then x − x·wd·lr), inductor (torch.compile, and Keras 3 on its torch
# backend: each accumulator fma(1 − ρ, g·g, ρ·E), the square rounded first), keras (Keras 3 on JAX and TensorFlow,
# tf.keras: unfused, Δx = −(√(E[Δx²] + ε)·g)/√(E[g²] + ε) in that order), keras-torch (Keras 3 on torch: inductor's
# accumulators, Keras's Δx), tf-keras (tf.keras 2: as keras, each accumulator ρ·E + ((1 − ρ)·g)·g).
ARITHMETICS = ("fused", "foreach", "unfused", "inductor", "keras", "keras-torch", "tf-keras")
SUBNORMALS = ("keep", "flush")  # IEEE gradual underflow, or flushed to zero as XLA on the CPU does
NONFINITE = ("stop", "continue")  # at the first NaN or infinity: stop naming the step, or go on as IEEE does
# Every setting a run has, with its default (the article's and the paper's). lr and weight_decay may also be a
# list, one value per parameter (as parameter groups give them).
DEFAULTS: dict[str, Any] = {**{k: PRESETS["article"][k] for k in ("rho", "eps", "lr")}, "weight_decay": 0.0,
            "weight_decay_mode": "coupled",
            "maximize": False, "dtype": "float64", "lr_dtype": "float64", "hyper_float32": "",
            "rate_eg2": "current", "nonfinite": "stop", "arithmetic": "fused",
            "subnormals": "keep"}

API: dict[str, str] = {}  # the API's keyword arguments are the settings' own names
CLI = {name: "--" + name.replace("_", "-") for name in [*DEFAULTS, "preset", "x0", "eg2_init", "edx2_init"]}


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """An option's value as its names are matched: ASCII letters folded to lower case, nothing else changed (the one
    case rule for presets, formats, optimizers, hyperparameters, all/none)."""
    return text.translate(_ASCII_LOWER)


def spell(name: str, spelling: dict) -> str:
    """A setting's name as the caller writes it."""
    return spelling.get(name, name)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate(values: dict, spelling: dict = API) -> None:
    """Raise SettingsError, naming the setting as ``spelling`` writes it, for the first value out of its range."""
    def bad(message: str, name: str, **more) -> SettingsError:
        return SettingsError(_f(message, name=spell(name, spelling), value=shown(values[name]), **more))

    if not (_finite(values["rho"]) and 0.0 <= values["rho"] <= 1.0):
        raise bad(N_("%(name)s must lie in [0, 1], got %(value)s"), "rho")
    if not (_finite(values["eps"]) and values["eps"] >= 0.0):
        raise bad(N_("%(name)s must be a finite number >= 0, got %(value)s"), "eps")
    if not all(_finite(v) for v in _each(values["lr"])):
        raise bad(N_("%(name)s must be a finite number, got %(value)s"), "lr")
    if not all(_finite(v) and v >= 0.0 for v in _each(values["weight_decay"])):
        raise bad(N_("%(name)s must be a finite number >= 0, got %(value)s"), "weight_decay")
    for name, allowed in (("weight_decay_mode", WEIGHT_DECAY_MODES), ("dtype", DTYPES), ("lr_dtype", LR_DTYPES),
                          ("rate_eg2", RATE_EG2), ("nonfinite", NONFINITE),
                          ("arithmetic", ARITHMETICS), ("subnormals", SUBNORMALS)):
        if values.get(name, DEFAULTS[name]) not in allowed:
            raise bad(N_("%(name)s must be one of %(choices)s, got %(value)s"), name, choices=", ".join(allowed))
    named = values.get("hyper_float32", "")
    if not isinstance(named, str) or any(item not in HYPERS for item in filter(None, named.split(","))):
        raise bad(N_("%(name)s names hyperparameters among %(choices)s (comma-separated, or all or none), got "
                     "%(value)s"), "hyper_float32", choices=", ".join(HYPERS))


def check_held32(values: dict, spelling: dict = API) -> None:
    """The settings held in float32 (--dtype float32, --lr-dtype float32, --hyper-float32) checked by check_float32;
    the command line asks this (the engines themselves take any double, as the frameworks' Python APIs do)."""
    from adadelta_cli.maths.presets import hyper_names

    held32 = set(hyper_names(values.get("hyper_float32")))
    if values.get("dtype") == "float32":
        held32 |= {"rho", "eps", "lr", "weight_decay"}
    if values.get("lr_dtype") == "float32":
        held32.add("lr")
    for name in sorted(held32 & set(DEFAULTS)):
        check_float32(spell(name, spelling), values.get(name))


def check_float32(name: str, value) -> None:
    """A setting held in float32 must be one: a value that float32 would hold as 0 (1e-50) or as infinity (1e39) is
    refused in words rather than silently changed."""
    for v in _each(value) if value is not None else []:
        if _finite(v) and v != 0 and abs(v) <= FLOAT32_TINY:
            raise SettingsError(_f("%(name)s = %(value)s is too small for float32 (the smallest is about 1.4e-45): "
                                   "it would be held as 0", name=name, value=shown(v)))
        if _finite(v) and abs(v) > FLOAT32_MAX:
            raise SettingsError(_f("%(name)s = %(value)s is too large for float32 (the largest is about 3.4e38)",
                                   name=name, value=shown(v)))


FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 7.006492321624085e-46  # half the smallest subnormal: anything smaller rounds to 0 in float32


def shown(value) -> str:
    """A value as the user would have written it: 2 rather than 2.0, a list as a comma-separated list.

    >>> shown(2.0), shown(0.95), shown([0.1, 2.0]), shown("float16")
    ('2', '0.95', '0.1,2', "'float16'")
    """
    if isinstance(value, (list, tuple)):
        return ",".join(shown(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _each(value) -> list:
    """A setting that may hold one value per parameter, as a list."""
    if isinstance(value, (list, tuple)):
        return list(value) if value else [math.nan]  # an empty list is no value
    return [value]


def resolve(preset: str | None, given: dict, base: dict | None = None, spelling: dict = API,
            notes: list | None = None, *, check32: bool = False) -> dict:
    """Every setting in force: ``given`` (None values are not given) over ``base`` over the preset's over the
    defaults; validated. Keys are the settings' own names (rho, eps, lr, weight_decay, ...).

    ``notes`` receives what the caller should be told (a setting the preset's framework would not honour)."""
    if isinstance(preset, str) and fold(preset) in PRESETS:
        preset = fold(preset)
    if preset is not None and preset not in PRESETS:
        raise SettingsError(_f("%(name)s must be one of %(choices)s, got %(value)s", name=spell("preset", spelling),
                               choices=", ".join(PRESETS), value=shown(preset)))
    chosen = {**DEFAULTS, **PRESETS[preset or "article"]}
    chosen.update({k: v for k, v in (base or {}).items() if k in DEFAULTS})
    chosen.update({k: v for k, v in given.items() if v is not None})
    if isinstance(chosen.get("hyper_float32"), str):
        chosen["hyper_float32"] = fold(chosen["hyper_float32"])
    for key in ("lr", "weight_decay"):
        if isinstance(chosen.get(key), (list, tuple)):
            chosen[key] = list(chosen[key]) if len(chosen[key]) != 1 else chosen[key][0]
    eps_given_zero = chosen.get("eps") == 0
    if check32:
        check_held32(chosen, spelling)  # before finish() rounds them
    chosen = finish(chosen)
    preset_text = "--preset " + str(preset) if spelling is CLI else "preset=" + repr(preset)
    lr_text = "--lr" if spelling is CLI else "lr="
    if notes is not None and preset is not None:
        lr = given.get("lr")
        if chosen.get("no_lr") and lr is not None and any(v != 1 for v in _each(lr)):
            notes.append(_f(NO_LR, preset=preset_text, framework=chosen["no_lr"], lr=lr_text,
                            value=shown(lr)))
        if eps_given_zero and chosen.get("eps_if_zero") is not None:
            notes.append(_f(EPS_REPLACED, preset=preset_text, framework=str(chosen.get("no_lr") or preset),
                            value=shown(chosen["eps"])))
    if chosen.get("lr") is None:
        raise SettingsError(_f(LR_REQUIRED.get(preset or "optax", LR_REQUIRED["optax"]), preset=preset_text,
                               lr=lr_text))
    if chosen.get("eps_positive") and chosen.get("eps") == 0:
        raise SettingsError(_f(EPS_POSITIVE, name=spell("eps", spelling), value=repr(chosen["eps"]),
                               preset=preset_text, framework=chosen["eps_positive"]))
    validate(chosen, spelling)
    return {key: chosen[key] for key in DEFAULTS}


def check_width(values: dict, size: int, spelling: dict = API) -> None:
    """lr and weight_decay given per parameter must have one value per parameter of the input."""
    for name in ("lr", "weight_decay"):
        given = values.get(name)
        if isinstance(given, list) and len(given) != size:
            raise SettingsError(_f(
                '%(option)s has %(given)s values but the input has %(parameters)s parameters; give one value for all, '
                'or one per parameter', option=spell(name, spelling), given=len(given), parameters=size))

