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


def _quantity(name: str, doc: str) -> property:
    return property(lambda self: self._get(name), doc=doc)


class Trace:
    """Every quantity of every step: each array is shaped (steps, parameters).

    Each quantity is worked out when it is first read, and kept: with the compiled kernel the recurrence runs
    again and keeps only what is read (the same operations, so the same bits), which spares a wide trace the
    memory of the quantities never read; elsewhere E[g²], E[Δx²] and x are kept from the start and η and Δx
    follow from them elementwise. Either way the values are the same.
    """

    g = _quantity("g", "g_t as given.")
    g_eff = _quantity("g_eff", "The gradient the recurrence used (maximize, coupled weight decay).")
    eg2 = _quantity("eg2", "E[g²]_t = ρ·E[g²]_{t−1} + (1−ρ)·g_t².")
    edx2_prev = _quantity("edx2_prev", "E[Δx²]_{t−1}.")
    eta = _quantity("eta", "η_t = √(E[Δx²]_{t−1} + ε) / √(E[g²]_t + ε).")
    dx = _quantity("dx", "Δx_t = −η_t·g_t (before lr).")
    edx2 = _quantity("edx2", "E[Δx²]_t = ρ·E[Δx²]_{t−1} + (1−ρ)·Δx_t².")
    x = _quantity("x", "x_t = x_{t−1} + lr·Δx_t.")

    def __init__(self, steps: core.Step | None, names: list[str], settings: core.Settings,
                 replay: core.Replay | None = None) -> None:
        self.names = names
        self.settings = settings
        self._replay = replay
        self._kept: dict[str, np.ndarray] = {}
        if steps is not None:
            self._kept = {name: value for name, value in zip(core.FIELDS, steps) if value is not None}
        else:
            self._kept["g"] = replay.grads
            if not replay.differs:
                self._kept["g_eff"] = replay.grads

    def _get(self, name: str) -> np.ndarray:
        if name not in self._kept:
            self._work_out([name])
        return self._kept[name]

    def _work_out(self, names: list[str]) -> None:
        if self._replay is not None:
            self._kept.update(self._replay.histories(names))
        else:  # kept without η and Δx: they follow elementwise from the rest
            self._kept["eta"], self._kept["dx"] = core.derive(self.edx2_prev, self.eg2, self.g_eff, self.settings)

    def __repr__(self) -> str:
        steps, size = self.g.shape
        return f"Trace({steps} steps × {size} parameters, {self.settings})"

    def records(self) -> list[dict]:
        """One dict per step and parameter, with the CSV/JSON column names (t, param, g, eg2, ...)."""
        missing = [name for name in core.FIELDS if name not in self._kept]
        if missing:
            self._work_out(missing)
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
          nonfinite: str | None = None, arithmetic: str | None = None,
          subnormals: str | None = None, names: list[str] | None = None) -> Trace:
    """Run Adadelta over ``grads`` (a sequence of numbers, or steps × parameters) and return every quantity.

    Settings default to the preset's (``article``, ``paper``, ``pytorch``, ``keras``, ``optax``, ...), else the
    article's: ρ 0.95, ε 1e-6, lr 1. Arguments given explicitly win over the preset; they are resolved and checked
    exactly as the command line's options are (``adadelta_cli.settings``), and messages name these arguments.
    ``lr`` and ``weight_decay`` may be lists, one value per parameter. ``hyper_float32`` ("rho,eps", "all")
    rounds those hyperparameters to float32 as some frameworks hold them; ``rate_eg2="previous"`` divides by
    E[g²]_{t−1} as TensorFlow.js does; ``nonfinite="continue"`` carries on through an overflow as IEEE arithmetic
    (and the frameworks) do, instead of raising NumericError; ``dtype`` "float16" or "bfloat16" computes as torch's
    CPU kernels do in those types; ``arithmetic`` "unfused" rounds each operation on its own (optax, numpy),
    "foreach" as torch with foreach=True; ``subnormals="flush"`` flushes subnormal numbers to zero as XLA does:

    >>> trace([0.1], rho=2)
    Traceback (most recent call last):
    ...
    adadelta_cli.errors.SettingsError: rho must lie in [0, 1], got 2
    """
    chosen = resolve(preset, {"rho": rho, "eps": eps, "lr": lr, "weight_decay": weight_decay, "maximize": maximize,
                              "weight_decay_mode": weight_decay_mode, "dtype": dtype, "lr_dtype": lr_dtype,
                              "hyper_float32": hyper_float32, "rate_eg2": rate_eg2, "nonfinite": nonfinite,
                              "arithmetic": arithmetic, "subnormals": subnormals})
    settings = core.Settings(**chosen)
    values = np.asarray(grads, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    size = values.shape[1]
    check_width(chosen, size)
    state = core.init(x0, eg2_init, edx2_init, size=size, dtype=settings.dtype)
    if names is None:
        names = ["x"] if size == 1 else [f"x{i}" for i in range(1, size + 1)]
    if values.shape[0] and core.replayable(settings):
        replay = core.Replay(values, settings, state)
        end = replay.run()  # the whole trace once, keeping nothing: whether it stays finite
        if settings.nonfinite == "continue" or all(np.isfinite(v).all() for v in end):
            return Trace(None, names=list(names), settings=settings, replay=replay)
    steps = core.run(values, settings, state, derived=False)  # raises NumericError, naming the step
    return Trace(steps, names=list(names), settings=settings)
