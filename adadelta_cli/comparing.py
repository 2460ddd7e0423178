"""adadelta compare: Adadelta beside Adagrad, RMSprop, SGD, momentum and Adam on the same gradients."""

from __future__ import annotations

import math

import numpy as np

from . import core, numfmt, others
from .i18n import _, _f
from .render import _csv_cell, settings_line

COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x")


def compute(grads: np.ndarray, resolved, chosen: list[str], hyper: dict) -> dict[str, dict[str, np.ndarray]]:
    """eta, dx and x per optimizer, each shaped (steps, parameters); Adadelta's are trace's."""
    state = resolved.initial(grads.shape[1])
    steps = core.run(grads, resolved.settings, state)
    results = {"adadelta": {"eta": steps.eta.astype(np.float64), "dx": steps.dx.astype(np.float64),
                            "x": steps.x.astype(np.float64)}}
    for name in chosen:
        results[name] = others.run(name, hyper[name], grads, state.x.astype(np.float64))
        if not np.isfinite(results[name]["x"]).all():
            from .errors import NumericError

            t = int(np.argwhere(~np.isfinite(results[name]["x"]))[0][0]) + 1
            raise NumericError(_f(
                '%(optimizer)s stops being a finite number at step %(step)s; scale the gradients down or lower its '
                'learning rate (--set %(optimizer)s.lr=...)',
                optimizer=name, step=t))
    return results


def records(grads: np.ndarray, names: list[str], results: dict):
    for t in range(grads.shape[0]):
        for p, param in enumerate(names):
            for optimizer, r in results.items():
                yield t + 1, param, optimizer, float(grads[t, p]), float(r["eta"][t, p]), float(r["dx"][t, p]), \
                    float(r["x"][t, p])


def _number(value: float) -> str | None:
    return None if math.isnan(value) else repr(value)


def to_json(grads, names, results, settings: dict) -> str:
    from . import jsonout

    steps = [{"t": t, "param": param, "optimizer": optimizer, "g": g, "eta": None if math.isnan(eta) else eta,
              "dx": dx, "x": x} for t, param, optimizer, g, eta, dx, x in records(grads, names, results)]
    return jsonout.document(settings, steps=steps)


def to_csv(grads, names, results) -> str:
    rows = [",".join(COLUMNS)]
    for t, param, optimizer, g, eta, dx, x in records(grads, names, results):
        rows.append(",".join([str(t), _csv_cell(param), optimizer, repr(g), _number(eta) or "", repr(dx), repr(x)]))
    return "\n".join(rows) + "\n"


def table(grads, names, results, settings: dict, digits: int, width: int | None = None):
    """One row per step (and parameter): g, then η_t and x_t of each optimizer side by side.

    With ``width`` (a terminal's), a table wider than it is shown in parts, each a group of whole optimizers (η_t
    beside its x_t) after t and g_t, with a line saying so."""
    from rich import box
    from rich.console import Group
    from rich.text import Text

    from .render import table_width

    several = len(names) > 1

    def make(optimizers: list[str]):
        from rich.table import Table

        headings = ["t"] + (["param"] if several else []) + ["g_t"]
        for optimizer in optimizers:
            headings += [f"η_t {optimizer}", f"x_t {optimizer}"]
        result = Table(box=box.SIMPLE_HEAD)
        for i, heading in enumerate(headings):
            result.add_column(Text(heading), justify="left" if several and i == 1 else "right", no_wrap=True)
        for t in range(grads.shape[0]):
            for p, param in enumerate(names):
                cells = [str(t + 1)] + ([param] if several else []) + [numfmt.sig(grads[t, p], digits)]
                for optimizer in optimizers:
                    r = results[optimizer]
                    eta = r["eta"][t, p]
                    cells += ["—" if math.isnan(eta) else numfmt.sig(eta, digits), numfmt.sig(r["x"][t, p], digits)]
                result.add_row(*(Text(c) for c in cells))
        return result

    tables = [make(list(results))]
    if width is not None and table_width(tables[0]) > width:
        groups, current = [], []
        for optimizer in results:
            if current and table_width(make(current + [optimizer])) > width:
                groups.append(current)
                current = []
            current.append(optimizer)
        groups.append(current)
        if len(groups) > 1:
            tables = [Text(_f("(the table is wider than the terminal's %(width)s columns: shown in %(count)s parts; "
                              "-o FILE or --format csv writes it whole)", width=width, count=len(groups)),
                           style="dim")] + [make(group) for group in groups]
    hypers = "; ".join(f"{name} " + ", ".join(f"{k} {numfmt.sig(v, digits)}" for k, v in h.items())
                       for name, h in settings["others"].items())
    caption = _("η_t: the factor that multiplies g_t in the step (for momentum and Adam, −Δx_t/g_t; — where "
                "g_t = 0). Adadelta's η_t excludes lr, as in trace.")
    return Group(Text(settings_line(settings)), Text(hypers), *tables, Text(caption, style="dim"))
