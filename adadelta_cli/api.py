"""A small Python API for notebooks: the trace as numpy arrays or as records with the contract's names.

>>> from adadelta_cli import trace
>>> steps = trace([0.1, 0.2, 0.15])
>>> steps.eg2[:, 0].round(10).tolist()
[0.0005, 0.002475, 0.00347625]
>>> steps.records()[0]["dx"]
-0.004467670516087701
>>> trace([[0.1, 1.0]], preset="pytorch", x0=[0.0, 2.0]).x.round(6).tolist()
[[-0.003161, 1.996838]]
"""

from __future__ import annotations

import numpy as np

from . import core
from .settings import check_width, resolve


class Trace:
    """Every quantity of every step: each array is shaped (steps, parameters).

    E[g²], E[Δx²] and x are kept as the recurrence computed them; η and Δx follow from them elementwise and
    are worked out on first use (the same operations, so the same bits), which spares a wide trace two of
    its five arrays until they are wanted.
    """

    def __init__(self, steps: core.Step, names: list[str], settings: core.Settings) -> None:
        self.g = steps.g
        self.g_eff = steps.g_eff
        self.eg2 = steps.eg2
        self.edx2_prev = steps.edx2_prev
        self.edx2 = steps.edx2
        self.x = steps.x
        self.names = names
        self.settings = settings
        self._eta, self._dx = steps.eta, steps.dx

    def _derive(self) -> None:
        if self._eta is None:
            self._eta, self._dx = core.derive(self.edx2_prev, self.eg2, self.g_eff, self.settings)

    @property
    def eta(self) -> np.ndarray:
        """η_t = √(E[Δx²]_{t−1} + ε) / √(E[g²]_t + ε)."""
        self._derive()
        return self._eta

    @property
    def dx(self) -> np.ndarray:
        """Δx_t = −η_t·g_t (before lr)."""
        self._derive()
        return self._dx

    def __repr__(self) -> str:
        steps, size = self.g.shape
        return f"Trace({steps} steps × {size} parameters, {self.settings})"

    def records(self) -> list[dict]:
        """One dict per step and parameter, with the CSV/JSON column names (t, param, g, eg2, ...)."""
        out = []
        columns = {name: getattr(self, name).tolist() for name in core.FIELDS}
        for t in range(self.g.shape[0]):
            for p, param in enumerate(self.names):
                out.append({"t": t + 1, "param": param, **{name: columns[name][t][p] for name in core.FIELDS}})
        return out


def trace(grads, *, preset: str | None = None, rho: float | None = None, eps: float | None = None,
          lr: float | None = None, x0=0.0, eg2_init=0.0, edx2_init=0.0, weight_decay: float | None = None,
          weight_decay_mode: str | None = None, maximize: bool | None = None, dtype: str | None = None,
          lr_dtype: str | None = None, hyper_float32: str | None = None, rate_eg2: str | None = None,
          nonfinite: str | None = None, names: list[str] | None = None) -> Trace:
    """Run Adadelta over ``grads`` (a sequence of numbers, or steps × parameters) and return every quantity.

    Settings default to the preset's (``article``, ``paper``, ``pytorch``, ``keras``, ``optax``, ...), else the
    article's: ρ 0.95, ε 1e-6, lr 1. Arguments given explicitly win over the preset; they are resolved and checked
    exactly as the command line's options are (``adadelta_cli.settings``), and messages name these arguments.
    ``lr`` and ``weight_decay`` may be lists, one value per parameter. ``hyper_float32`` ("rho,eps", "all")
    rounds those hyperparameters to float32 as some frameworks hold them; ``rate_eg2="previous"`` divides by
    E[g²]_{t−1} as TensorFlow.js does; ``nonfinite="continue"`` carries on through an overflow as IEEE arithmetic
    (and the frameworks) do, instead of raising NumericError:

    >>> trace([0.1], rho=2)
    Traceback (most recent call last):
    ...
    adadelta_cli.errors.SettingsError: rho must lie in [0, 1], got 2
    """
    chosen = resolve(preset, {"rho": rho, "eps": eps, "lr": lr, "weight_decay": weight_decay, "maximize": maximize,
                              "weight_decay_mode": weight_decay_mode, "dtype": dtype, "lr_dtype": lr_dtype,
                              "hyper_float32": hyper_float32, "rate_eg2": rate_eg2, "nonfinite": nonfinite})
    settings = core.Settings(**chosen)
    values = np.asarray(grads, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    size = values.shape[1]
    check_width(chosen, size)
    steps = core.run(values, settings, core.init(x0, eg2_init, edx2_init, size=size, dtype=settings.dtype),
                     derived=False)
    if names is None:
        names = ["x"] if size == 1 else [f"x{i}" for i in range(1, size + 1)]
    return Trace(steps, names=list(names), settings=settings)
