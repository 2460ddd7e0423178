"""The API's trace holds every quantity, the same bits as the command line's trace, whatever the settings."""

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


def test_errors_and_nonfinite_values_as_before():
    grads = np.zeros((5, 600))
    grads[2, 7] = 1e300
    with pytest.raises(NumericError, match="step 3, parameter 8"):
        trace(grads)
    carried = trace(grads, nonfinite="continue")
    whole = core.run(grads, carried.settings, method="numpy")
    for name in core.FIELDS:
        assert identical(getattr(carried, name), getattr(whole, name)), name
