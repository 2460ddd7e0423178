"""adadelta compare: Adadelta beside Adagrad, RMSprop, SGD, momentum and Adam on the same gradients."""

from __future__ import annotations

import itertools
import math

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.features import others
from adadelta_cli.formats import render, report
from adadelta_cli.formats.render import HEADINGS, settings_line
from adadelta_cli.formats.report import COUNT, TEXT, Column, Document, Num, Para, Phrase, Records, Sym, Table
from adadelta_cli.i18n import _, _f
from adadelta_cli.maths import core

COLUMNS = ("t", "param", "optimizer", "g", "eta", "dx", "x")


def compute(grads: np.ndarray, resolved, chosen: list[str], hyper: dict) -> dict[str, dict[str, np.ndarray]]:
    """eta, dx and x per optimizer, each shaped (steps, parameters); Adadelta's are trace's."""
    (_start, results), = compute_blocks(grads, resolved, chosen, hyper, size=max(1, grads.shape[0]))
    return results


BLOCK_STEPS = 20_000  # steps of the other optimizers computed (and written) at a time into CSV and JSON


def compute_blocks(grads: np.ndarray, resolved, chosen: list[str], hyper: dict, size: int = BLOCK_STEPS):
    """compute()'s results ``size`` steps at a time, each (its first row, its results), made as they are read: a
    long comparison is written as it is computed. An optimizer that stops being finite is refused at its block."""
    state = resolved.initial(grads.shape[1])
    steps = core.run(grads, resolved.settings, state)
    runs = {name: others.Run(name, hyper[name], state.x.astype(np.float64)) for name in chosen}
    for start in range(0, grads.shape[0], size):
        stop = start + size
        results = {"adadelta": {"eta": steps.eta[start:stop].astype(np.float64),
                                "dx": steps.dx[start:stop].astype(np.float64),
                                "x": steps.x[start:stop].astype(np.float64)}}
        for name, run in runs.items():
            results[name] = run.block(grads[start:stop])
            if not np.isfinite(results[name]["x"]).all():
                from adadelta_cli.errors import NumericError

                t = start + int(np.argwhere(~np.isfinite(results[name]["x"]))[0][0]) + 1
                raise NumericError(_f(
                    '%(optimizer)s stops being a finite number at step %(step)s; scale the gradients down or lower '
                    'its learning rate (--set %(optimizer)s.lr=...)',
                    optimizer=name, step=t))
        yield start, results


def records(grads: np.ndarray, names: list[str], results: dict | None, settings: dict, blocks=None) -> Records:
    """Every optimizer's η_t, Δx_t and x_t, one record per step, parameter and optimizer (η_t is null where
    g_t = 0 leaves it undefined). ``blocks`` (compute_blocks'), in place of ``results``: made as they are read."""
    def rows():
        for start, block in blocks if blocks is not None else [(0, results)]:
            for i in range(len(block["adadelta"]["x"])):
                t = start + i
                for p, param in enumerate(names):
                    for optimizer, r in block.items():
                        eta = float(r["eta"][i, p])
                        yield (t + 1, param, optimizer, float(grads[t, p]), None if math.isnan(eta) else eta,
                               float(r["dx"][i, p]), float(r["x"][i, p]))

    return Records(list(COLUMNS), rows(), settings)


def document(grads, names, results, settings: dict, digits: int, *, show_all: bool = False,
             blocks=None) -> Document:
    """One row per step (and parameter): g, then η_t and x_t of each optimizer side by side (kept together when a
    wide table is shown in parts). ``blocks`` (compute_blocks'), in place of ``results``: the table's rows are made
    as they are read (``report.Rows``), a long comparison written as it is computed."""
    several = len(names) > 1
    items = iter([(0, results)] if blocks is None else blocks)
    first = next(items)
    columns = [Column("t", latex="t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several else [])
    columns.append(Column("g", *HEADINGS["g"]))
    for optimizer in first[1]:  # the optimizers' names are the program's own (others.DEFAULTS)
        columns += [Column(f"{q}_{optimizer}", f"{HEADINGS[q][0]} {optimizer}",
                           rf"{HEADINGS[q][1]}\ \text{{{optimizer}}}", group=optimizer) for q in ("eta", "x")]
    count = grads.shape[0]

    def rows_of(block, i: int) -> list:
        start, found = block
        t = start + i
        rows = []
        for p, param in enumerate(names):
            row = [t + 1] + ([param] if several else []) + [float(grads[t, p])]
            for r in found.values():
                eta = float(r["eta"][i, p])
                row += [NO_ETA if math.isnan(eta) else eta, float(r["x"][i, p])]
            rows.append(row)
        return rows

    made = itertools.chain([first], items)
    rows = report.step_rows(count, ((start, start + len(found["adadelta"]["x"]), (start, found))
                                    for start, found in made), rows_of, show_all=show_all, per_step=len(names),
                            texts=[*(names if several else []), NO_ETA],
                            widest={0: [count], **({1: list(names)} if several else {})})
    hypers = Phrase.joined("; ", [Phrase("%(name)s %(values)s", name=name, values=Phrase.joined(", ", [
        Phrase("%(key)s %(value)s", key=k, value=Num(numfmt.given(v))) for k, v in h.items()]))
        for name, h in settings["others"].items()])
    caption = Phrase(_("%(eta)s: the factor that multiplies %(g)s in the step (for momentum and Adam, −%(dx)s/%(g)s; "
                       "— where %(g)s = 0). Adadelta's %(eta)s excludes lr, as in trace."), eta=Sym("eta"), g=Sym("g"),
                     dx=Sym("dx"))
    return Document(_("Adadelta beside other optimizers"),
                    [Para(settings_line(settings, digits)), Para(hypers),
                     Table(columns, list(rows) if blocks is None else rows, notes=render.gap_notes(rows.gaps),
                           sections=several),
                     Para(caption, quiet=True)],
                    words=tuple(names))


NO_ETA = "—"  # η_t's cell where g_t = 0 leaves it undefined
