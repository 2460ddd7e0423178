"""What the student did: the hypotheses (``slips``) ranked by the wrong cells their replays (``replay``) explain.

One misconception, then pairs of them; ranked by how many wrong cells (those the right formulas do not explain)
each explains, then the fewest right cells refuted, the simpler, the closer fit and the catalogue's order. One is
named only when it explains a wrong cell nothing named before it explains; a sheet all right names nothing.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from adadelta_cli.i18n import _
from adadelta_cli.marking.digits import agrees_at
from adadelta_cli.marking.replay import Param, Sheet, Written, chain, replayed, written
from adadelta_cli.marking.slips import (
    BY_ID,
    CATALOGUE,
    EARLY_ROUNDINGS,
    EPSILONS,
    FORMULA,
    HABIT,
    ORDER,
    RHOS,
    Hypothesis,
    text_of,
)


@dataclass
class Entry:
    """One named misconception of a sheet: its id, its sentence and the wrong cells it explains."""

    id: str
    text: str
    cells: list = field(default_factory=list)  # [(t, name, param)]

    def as_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "cells": [[t, name] for t, name, _p in self.cells]}


def _fitted_rhos(sheet: Sheet) -> list[float]:
    """ρ solved from each wrong E[g²] or E[Δx²] cell and the student's own earlier values, to 1 and 2 digits."""
    found = []
    for pi, indices in sheet.by_param.items():
        p = sheet.params[pi]
        own = chain(p, own=True)

        def mine(step: int, name: str, p=p, own=own) -> float:  # the student's value: written, else worked out
            value = written(p.rows[step]["cells"].get(name))
            return own[step][name] if value is None else value

        for w in (sheet.cells[i] for i in indices if i < len(sheet.wrong)):
            if w.name not in ("eg2", "edx2"):
                continue
            before = mine(w.step - 1, w.name) if w.step else p.initial[0 if w.name == "eg2" else 1]
            square = mine(w.step, "g_eff" if w.name == "eg2" else "dx")
            square *= square
            if square != before:
                rho = (square - float(w.decimal)) / (square - before)
                if 0 <= rho <= 1 and math.isfinite(rho):
                    found += [float(f"{rho:.0e}"), float(f"{rho:.1e}")]
    return found


def _slipped_cells(sheet: Sheet) -> list[tuple]:
    """The wrong cells written 10× or 1/10 of what the right formulas give (from scratch or from the written
    values): the candidates for one slip carried on."""
    out = []
    chains = {pi: (chain(p, own=True), chain(p, own=False)) for pi, p in enumerate(sheet.params)
              if pi in sheet.by_param}
    for w in sheet.wrong:
        for factor in (10.0, 0.1):
            if any(agrees_at(w.decimal, w.place, c[w.step][w.name] * factor) for c in chains[w.param]):
                out.append((w.param, w.step, w.name, factor))
    return out


def _best(sheet: Sheet, family: str, values, fitted=()) -> Hypothesis | None:
    """The value of a parameterised misconception that explains the most wrong cells, refuting the fewest right
    ones (the first such value). A ``fitted`` value (solved from the sheet, not a known one) must explain two."""
    best, best_key = None, None
    for value in dict.fromkeys((*values, *fitted)):  # each once, in order
        h = Hypothesis((family,), ((family, value),))
        count = len(sheet.explained(h))
        if count == 0 or (value not in values and count < 2):
            continue
        key = (-count, sheet.contradicted(h), sheet.misfit(h))
        if best_key is None or key < best_key:
            best, best_key = h, key
    return best


def diagnose(params: list[Param], wrong: list[Written],
             right: Sequence[Written] = ()) -> tuple[list[Entry], dict[int, tuple[str, str]]]:
    """The sheet's diagnosis, most likely first, and for each wrong cell (index into ``wrong``) the id of the
    misconception that explains it and the note on how. ``right``: the cells the right formulas explain (a
    hypothesis that they refute counts against it)."""
    if not wrong:
        return [], {}
    if len(wrong) > RANKED_CELLS:
        # A long sheet (a program's output) is diagnosed on its first steps, and every wrong cell is then
        # explained by what was named there: the replays grow with the sheet, the hypotheses do not.
        last = wrong[RANKED_CELLS - 1].step
        head = [replace(p, rows=p.rows[:last + 1], cache={}) for p in params]
        chosen = _rank(Sheet(head, [w for w in wrong if w.step <= last],
                             [w for w in right if w.step <= last]), head)
        return _label(Sheet(params, wrong, list(right)), params, chosen)
    sheet = Sheet(params, wrong, list(right))
    return _label(sheet, params, _rank(sheet, params))


RANKED_CELLS = 60  # the wrong cells a sheet's hypotheses are ranked on (the first ones, step by step)


def _rank(sheet: Sheet, params: list[Param]) -> list[Hypothesis]:
    """The hypotheses named for a sheet, in the order they are taken (see ``diagnose``)."""
    wrong = sheet.wrong
    singles: list[Hypothesis] = []
    for m in CATALOGUE:
        if m.id == "wrong_rho":
            # 1 − ρ is ρ and 1 − ρ swapped (rho_swapped says so better).
            rights = {v for p in params for v in (p.settings.rho, round(1 - p.settings.rho, 12))}
            fitted = Counter(r for r in _fitted_rhos(sheet) if r not in rights)
            h = _best(sheet, m.id, [r for r in RHOS if r not in rights], [r for r, _n in fitted.most_common(3)])
        elif m.id == "wrong_eps":
            rights = {p.settings.eps for p in params}
            h = _best(sheet, m.id, [e for e in EPSILONS if e not in rights and e != 0])
        elif m.id == "early_rounding":
            h = _best(sheet, m.id, EARLY_ROUNDINGS)
        elif m.id == "power_of_ten":
            # One value slipped by a power of ten, carried on from scratch as well (the cell that explains the
            # most); and any cell off by one, as a habit (two slips on one sheet).
            slipped = _best(sheet, m.id, _slipped_cells(sheet))
            if slipped is not None:
                singles.append(slipped)
            h = Hypothesis((m.id,))
        else:
            h = Hypothesis((m.id,))
        if h is not None:
            singles.append(h)
    chosen: list[Hypothesis] = []
    remaining = set(range(len(wrong)))

    def take(candidates: list[Hypothesis]) -> None:
        while remaining:
            # The most wrong cells explained that nothing named explains; then the fewest right cells refuted
            # (ρ = 1 explains a stale E[Δx²] too, but refutes every right E[g²]); then the simpler (a truncation
            # before a rounding fitted to the sheet); then the closer fit; then the catalogue's order.
            scored = [(len(remaining & set(sheet.explained(h))), h) for h in candidates]
            scored = [(n, h) for n, h in scored if n]
            if not scored:
                return
            n, h = min(scored, key=lambda item: (-item[0], sheet.contradicted(item[1]), _changes(sheet, item[1]),
                                                 sheet.misfit(item[1]), item[1].rank))
            chosen.append(h)
            remaining.difference_update(sheet.explained(h))

    take(singles)
    if remaining:
        take(_pairs(sheet, singles))
    return chosen


def _changes(sheet: Sheet, h: Hypothesis) -> int:
    """How many changes ``h`` makes: a power of ten off in any cell is one slip per cell it explains (two cells off
    by ten are two slips, where another ε is one change)."""
    slips = len(sheet.explained(h)) - 1 if "power_of_ten" in h.ids and h.value("power_of_ten") is None else 0
    return h.rank[0] + max(slips, 0)


def _label(sheet: Sheet, params: list[Param], chosen: list[Hypothesis]) -> tuple[list[Entry], dict]:
    """The entries of the hypotheses ``chosen``, in turn, and each wrong cell's id and note."""
    wrong = sheet.wrong
    named: dict[str, Entry] = {}
    notes: dict[int, tuple[str, str]] = {}
    remaining = set(range(len(wrong)))
    for h in chosen:
        explained = sheet.explained(h)
        new = remaining & set(explained)
        if not new:
            continue
        for mid in h.ids:
            entry = named.setdefault(mid, Entry(mid, text_of(h, mid, params[0].settings)))
            for i in sorted(explained):
                cell = (wrong[i].t, wrong[i].name, wrong[i].param)
                if cell not in entry.cells:
                    entry.cells.append(cell)
        for i in new:
            notes[i] = (h.ids[0] if len(h.ids) == 1 else _lead(h), explained[i])
        remaining.difference_update(new)
    entries = sorted(named.values(), key=lambda e: -len(e.cells))
    return entries, notes


def _lead(h: Hypothesis) -> str:
    """The id a pair's cells are filed under: its formula or setting change before its habit."""
    return min(h.ids, key=lambda mid: (BY_ID[mid].kind == HABIT, ORDER[mid]))


def _pairs(sheet: Sheet, singles: list[Hypothesis]) -> list[Hypothesis]:
    """Two misconceptions at once: a formula or setting change with a habit, or two changes one of which explains
    something alone."""
    changes = [h for h in singles if BY_ID[h.ids[0]].kind != HABIT]
    habits = [h for h in singles if BY_ID[h.ids[0]].kind == HABIT]
    useful = [h for h in changes if sheet.explained(h)]
    out = [a + b for a in changes for b in habits]
    for a in useful:
        for b in changes:
            if b is not a and BY_ID[b.ids[0]].kind == FORMULA and (b not in useful or singles.index(b) >
                                                                   singles.index(a)):
                out.append(a + b)
    return out


# --- A cell nothing explains, and a part rounded too early ------------------------------------------------------

APPROX = 5e-3  # relative distance within which a slip is named as "about" that value


def _near(value: float, target: float) -> float:
    if not (math.isfinite(value) and math.isfinite(target)):
        return math.inf
    return abs(value - target) / max(abs(target), 1e-300)


def approximate(w: Written, p: Param) -> str | None:
    """The slip nearest a wrong value that no hypothesis explains exactly, said as an approximation: "ε left out
    (approximately)", "a power-of-ten slip (about 1/10 of the value), with ε left out". Named only when the
    written value is within APPROX of it and nearer to it than to the right value."""
    written_value = float(w.decimal)
    truths = [c[w.step][w.name] for c in (chain(p, own=False), chain(p, own=True))]
    trials = []  # (simplicity, slip text, power of ten, value, right value)
    for truth in truths:
        for k in (-1, 1, -2, 2, -3, 3):
            trials.append((1, "", k, truth * 10.0 ** k, truth))
    for m in CATALOGUE:
        if m.kind != FORMULA:
            continue
        replay = replayed(Hypothesis((m.id,)), p)
        if replay is None:
            continue
        # From the student's own written values only: a changed formula touches the cells it computes, so a slip
        # of x_t is never offered for a Δx_t.
        for c, truth in zip(replay[0][:1], truths[1:]):
            value = c[w.step][w.name]
            trials.append((0, _(m.text), 0, value, truth))
            if m.id == "eps_dropped":
                trials += [(2, _(m.text), k, value * 10.0 ** k, truth) for k in (-1, 1, -2, 2, -3, 3)]
    best: tuple[float, str] | None = None
    for simplicity, slip, k, value, truth in trials:
        if _near(value, truth) <= 1e-9 or not abs(written_value - value) < abs(written_value - truth):
            continue
        distance = _near(written_value, value) * (1 + simplicity / 4)
        if distance <= APPROX and (best is None or distance < best[0]):
            best = (distance, _slip_text(slip, k))
    return best[1] if best else None


def _slip_text(slip: str, k: int) -> str:
    if not k:
        return _("%(slip)s (approximately)") % {"slip": slip}
    times = (_("%(factor)d× the value") % {"factor": 10 ** k} if k > 0
             else _("1/%(factor)d of the value") % {"factor": 10 ** -k})
    ten = _("a power-of-ten slip (about %(times)s)") % {"times": times}
    return _("%(ten)s, with %(slip)s") % {"ten": ten, "slip": slip} if slip else ten
