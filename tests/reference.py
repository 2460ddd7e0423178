"""An independent reference: Zeiler 2012, Algorithm 1, written out by hand in plain Python floats.

Deliberately shares no code with adadelta_cli; it is what a careful student would write.
"""

import math


def adadelta(grads, rho=0.95, eps=1e-6, lr=1.0, x0=0.0, eg2=0.0, edx2=0.0, weight_decay=0.0, *, maximize=False,
             decoupled=False):
    """One parameter: a list of dicts with the contract's names, one per step."""
    rows = []
    x = x0
    for t, g in enumerate(grads, start=1):
        g_eff = -g if maximize else g
        if weight_decay and not decoupled:
            g_eff = g_eff + weight_decay * x
        eg2 = rho * eg2 + (1 - rho) * g_eff * g_eff
        rms_dx = math.sqrt(edx2 + eps)
        rms_g = math.sqrt(eg2 + eps)
        eta = rms_dx / rms_g
        dx = -eta * g_eff
        edx2_prev = edx2
        edx2 = rho * edx2 + (1 - rho) * dx * dx
        if weight_decay and decoupled:
            x = x - x * weight_decay * lr
        x = x + lr * dx
        rows.append({"t": t, "g": g, "g_eff": g_eff, "eg2": eg2, "edx2_prev": edx2_prev, "eta": eta, "dx": dx,
                     "edx2": edx2, "x": x})
    return rows
