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

from .errors import SettingsError
from .i18n import _, _f
from .presets import OPTAX_LR, PRESETS, finish

DTYPES = ("float64", "float32")
WEIGHT_DECAY_MODES = ("coupled", "decoupled")
# Every setting a run has, with its default (the article's and the paper's).
DEFAULTS = {"rho": 0.95, "eps": 1e-6, "lr": 1.0, "weight_decay": 0.0, "weight_decay_mode": "coupled",
            "maximize": False, "dtype": "float64", "lr_dtype": "float64"}

API = {}  # the API's keyword arguments are the settings' own names
CLI = {"rho": "--rho", "eps": "--eps", "lr": "--lr", "weight_decay": "--weight-decay",
       "weight_decay_mode": "--weight-decay-mode", "maximize": "--maximize", "dtype": "--dtype",
       "lr_dtype": "--lr-dtype", "preset": "--preset", "x0": "--x0", "eg2_init": "--eg2-init",
       "edx2_init": "--edx2-init"}


def spell(name: str, spelling: dict) -> str:
    """A setting's name as the caller writes it."""
    return spelling.get(name, name)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate(values: dict, spelling: dict = API) -> None:
    """Raise SettingsError, naming the setting as ``spelling`` writes it, for the first value out of its range."""
    def bad(message: str, name: str, **more) -> SettingsError:
        return SettingsError(_f(message, name=spell(name, spelling), value=repr(values[name]), **more))

    if not (_finite(values["rho"]) and 0.0 <= values["rho"] <= 1.0):
        raise bad("%(name)s must lie in [0, 1], got %(value)s", "rho")
    if not (_finite(values["eps"]) and values["eps"] >= 0.0):
        raise bad("%(name)s must be a finite number >= 0, got %(value)s", "eps")
    if not _finite(values["lr"]):
        raise bad("%(name)s must be a finite number, got %(value)s", "lr")
    if not (_finite(values["weight_decay"]) and values["weight_decay"] >= 0.0):
        raise bad("%(name)s must be a finite number >= 0, got %(value)s", "weight_decay")
    for name, allowed in (("weight_decay_mode", WEIGHT_DECAY_MODES), ("dtype", DTYPES), ("lr_dtype", DTYPES)):
        if values[name] not in allowed:
            raise bad("%(name)s must be one of %(choices)s, got %(value)s", name, choices=", ".join(allowed))


def resolve(preset: str | None, given: dict, base: dict | None = None, spelling: dict = API) -> dict:
    """Every setting in force: ``given`` (None values are not given) over ``base`` over the preset's over the
    defaults; validated. Keys are the settings' own names (rho, eps, lr, weight_decay, ...)."""
    if preset is not None and preset not in PRESETS:
        raise SettingsError(_f("%(name)s must be one of %(choices)s, got %(value)s", name=spell("preset", spelling),
                               choices=", ".join(PRESETS), value=repr(preset)))
    chosen = {**DEFAULTS, **PRESETS[preset or "article"]}
    chosen.update({k: v for k, v in (base or {}).items() if k in DEFAULTS})
    chosen.update({k: v for k, v in given.items() if v is not None})
    chosen = finish(chosen)
    if chosen.get("lr") is None:
        preset_text, lr_text = ("--preset optax", "--lr") if spelling is CLI else ("preset='optax'", "lr=")
        raise SettingsError(_f(OPTAX_LR, preset=preset_text, lr=lr_text))
    validate(chosen, spelling)
    return {key: chosen[key] for key in DEFAULTS}


def describe(values: dict) -> str:
    """One line for messages: rho = 0.95, eps = 1e-06, ..."""
    return ", ".join(f"{key} = {value!r}" for key, value in values.items()) or _("the defaults")
