"""The API's trace works each quantity out when it is first read: the same bits as the whole trace computed at
once, only what is read kept, and gradients changed behind its back refused rather than traced."""

import numpy as np
import pytest

from adadelta_cli import trace
from adadelta_cli.errors import NumericError
from adadelta_cli.maths import core, kernel

pytestmark = pytest.mark.skipif(not kernel.available(), reason="the C kernel is not built or is switched off here")

ORDERS = [list(core.FIELDS), list(reversed(core.FIELDS)), ["dx", "x", "eta", "edx2_prev", "g_eff", "eg2"]]


def identical(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(a.view(np.uint64) == b.view(np.uint64)))


@pytest.mark.parametrize("kw", [dict(), dict(maximize=True, lr=0.3), dict(weight_decay=0.1, rho=0.9),
                                dict(weight_decay=0.05, weight_decay_mode="decoupled", lr=0.7, eps=1e-8)])
@pytest.mark.parametrize("order", ORDERS)
def test_each_quantity_read_in_any_order_is_the_whole_traces(kw, order):
    grads = np.random.default_rng(11).standard_normal((60, 700)) * 1e-2
    lazy = trace(grads, x0=0.5, edx2_init=1e-4, **kw)
    whole = core.run(grads, lazy.settings, core.init(0.5, 0.0, 1e-4, size=700), method="numpy")
    for name in order:
        assert identical(getattr(lazy, name), getattr(whole, name)), name
    assert lazy.records()[701] == {"t": 2, "param": "x2", **{n: float(getattr(whole, n)[1, 1]) for n in core.FIELDS}}


def test_only_what_is_read_is_kept(monkeypatch):
    grads = np.random.default_rng(12).standard_normal((200, 300))
    made = []
    real = np.empty
    monkeypatch.setattr(core.np, "empty", lambda shape, dtype: made.append(tuple(shape)) or real(shape, dtype))
    steps = trace(grads, rho=0.9)
    assert made == []  # the trace itself keeps nothing but the gradients
    _ = steps.eta
    _ = steps.eta
    _ = steps.dx
    assert made == [(200, 300), (200, 300)]
    _ = steps.edx2, steps.edx2_prev
    assert made[2:] == [(201, 300)]  # E[Δx²]_t and E[Δx²]_{t−1}: one array, two views
    assert steps.g is steps.g_eff and np.shares_memory(steps.edx2, steps.edx2_prev)


def test_changed_gradients_are_refused_not_traced():
    grads = np.random.default_rng(13).standard_normal((50, 40))
    steps = trace(grads)
    x = steps.x.copy()
    grads[17, 3] = -grads[17, 3]
    with pytest.raises(ValueError, match="have been changed"):
        _ = steps.eta
    assert identical(steps.x, x)  # what was read stays as it was read


def test_errors_and_nonfinite_values_as_before():
    grads = np.zeros((5, 600))
    grads[2, 7] = 1e300
    with pytest.raises(NumericError, match="step 3, parameter 8"):
        trace(grads)
    carried = trace(grads, nonfinite="continue")
    whole = core.run(grads, carried.settings, method="numpy")
    for name in core.FIELDS:
        assert identical(getattr(carried, name), getattr(whole, name)), name


def test_bands_on_threads_give_the_same_lazy_trace(monkeypatch):
    grads = np.random.default_rng(14).standard_normal((30, 1237))
    whole = core.run(grads, core.Settings(weight_decay=0.02), method="numpy")
    monkeypatch.setattr(kernel, "threads_for", lambda steps, n: 3)
    lazy = trace(grads, weight_decay=0.02)
    assert identical(lazy.g_eff, whole.g_eff) and identical(lazy.x, whole.x) and identical(lazy.dx, whole.dx)
