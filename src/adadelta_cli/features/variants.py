"""One sheet per student (``worksheet --variants N``): gradients of the same difficulty for every sheet, and the
folder of sheets and answer keys, written whole or not at all."""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable
from pathlib import Path

import numpy as np

from adadelta_cli import messages, outfiles
from adadelta_cli.errors import InputError, SettingsError
from adadelta_cli.features import quiz
from adadelta_cli.features import worksheet as sheets
from adadelta_cli.features.worksheet import PLEASANT, pleasant_gradients
from adadelta_cli.formats import machine, writers
from adadelta_cli.i18n import _, _f
from adadelta_cli.marking import sheet


def _tenths(g: float) -> bool:
    return round(abs(g) * 10, 6) == round(abs(g) * 10)


ONE_DIGIT = tuple(filter(_tenths, PLEASANT))  # 0.1, 0.2, ... 1.0
TWO_DIGITS = tuple(g for g in PLEASANT if g not in ONE_DIGIT)  # 0.05, 0.15, ... 0.45
# Step 1 draws from wider pools of the same kind (tenths; hundredths that are not tenths), so that the sheets differ
# from their first line on: a g₁ copied from a neighbour shows.
FIRST_ONE_DIGIT = tuple(round(k / 10, 1) for k in range(1, 21))  # 0.1, 0.2, ... 2.0
FIRST_TWO_DIGITS = tuple(round(k / 100, 2) for k in range(1, 100) if k % 10)  # 0.01, ... 0.99, no tenths


def variant_gradients(steps: int, seed: int, count: int) -> list[np.ndarray]:
    """``count`` different exercises of the same difficulty: variant 1 is ``pleasant_gradients(steps, seed)``; each
    other draws, step by step, a gradient of the same kind (tenths, or hundredths) and the same sign, so every sheet
    asks for the same arithmetic with different numbers. No two sheets share g₁ while the pool of first gradients
    lasts; past it, each g₁ is shared by as few sheets as can be (the pool is used over and over, in the same
    order).

    >>> [v.ravel().tolist() for v in variant_gradients(3, seed=7, count=2)][0] == \\
    ...     pleasant_gradients(3, seed=7).ravel().tolist()
    True
    >>> len({v[0, 0] for v in variant_gradients(3, seed=7, count=20)})
    20
    """
    if count < 1:
        raise SettingsError(_f('--variants must be at least 1, got %(count)s', count=count))
    first = pleasant_gradients(steps, seed)
    opening = abs(float(first[0, 0]))
    openers = FIRST_ONE_DIGIT if _tenths(opening) else FIRST_TWO_DIGITS
    pools = [ONE_DIGIT if _tenths(g) else TWO_DIGITS for g in first[1:, 0]]
    possible = len(openers) * math.prod(len(pool) for pool in pools)
    if count > possible:
        raise SettingsError(_f('--variants %(count)s: %(steps)s steps allow only %(possible)s different sheets',
                               count=count, steps=steps, possible=possible))
    rng = np.random.default_rng([seed, count])
    order = [opening] + [float(m) for m in rng.permutation(openers) if abs(float(m) - opening) > 1e-12]
    signs = np.sign(first[:, 0])
    out, seen = [first], {tuple(first[:, 0].tolist())}
    turn = 1
    while len(out) < count:
        g1 = signs[0] * order[turn % len(order)]
        for _attempt in range(10_000):  # the rest of the sheet drawn until the whole sheet is new
            drawn = np.array([g1] + [sign * rng.choice(pool) for sign, pool in zip(signs[1:], pools)])
            key = tuple(drawn.tolist())
            if key not in seen:
                seen.add(key)
                out.append(drawn[:, None])
                break
        turn += 1
    return out


def variant_id(index: int, count: int) -> str:
    """01, 02, ... (as wide as the count needs, so that the files sort in order)."""
    return str(index).zfill(max(2, len(str(count))))


SUFFIX = {"markdown": "md", "latex": "tex", "table": "txt"}  # the printed sheets' (beside every sheet's CSV)
QUIZ: dict[str, tuple[str, Callable[..., str | bytes]]] = {
    "moodle": ("quiz.xml", quiz.to_moodle), "gift": ("quiz.gift", quiz.to_gift), "qti": ("quiz-qti.zip", quiz.to_qti)}


def variant_files(folder: Path, exercises: list, seed: int, hidden, fmt: str, digits: int, sig_digits: int, *,
                  answers: bool = False, working_space: bool = False) -> list[tuple[Path, str | bytes]]:
    """DIR/sheet-01.csv ... (what the students fill in and check marks), DIR/keys/key-01.csv ..., and the format
    asked for: a printable sheet-01.tex / .md per variant (with ``answers``, keys/key-01.tex / .md too; in LaTeX,
    sheets.tex and keys.tex: every sheet or key, one per page, for one print job), or one quiz.xml / quiz.gift /
    quiz-qti.zip with every variant."""
    def path(vid: str, suffix: str, *, key: bool) -> Path:
        return folder / "keys" / f"key-{vid}.{suffix}" if key else folder / f"sheet-{vid}.{suffix}"

    files: list[tuple[Path, str | bytes]] = []
    printed: dict[bool, list] = {False: [], True: []}  # the sheets' and the keys' documents, for sheets.tex, keys.tex
    kinds = ((False, True) if answers else (False,)) if fmt in SUFFIX else ()  # the printed sheets (and keys)
    for vid, report in exercises:
        meta = sheets.Meta(variant=vid, seed=seed, sig_digits=sig_digits, working_space=working_space)
        files += [(path(vid, "csv", key=key), machine.csv(sheet.records(report, hidden, answers=key, digits=digits,
                                                                        meta=meta))) for key in (False, True)]
        for key in kinds:
            printed[key].append(sheets.document(report, hidden, answers=key, digits=digits, meta=meta))
            files.append((path(vid, SUFFIX[fmt], key=key), writers.text(printed[key][-1], fmt, digits)))
    if fmt == "latex":
        files += [(folder / ("keys.tex" if key else "sheets.tex"),
                   writers.latex_pages(printed[key], sheets.title(answers=key, optimizer=sheet.exercise(
                       exercises[0][1]).title), digits)) for key in kinds]
    if fmt in QUIZ:
        name, write = QUIZ[fmt]
        files.append((folder / name, write(exercises, hidden, digits, sig_digits, seed=seed)))
    return files


def write_variants(folder: Path, count: int, steps: int, seed: int, resolved, hidden, fmt: str, digits: int,
                   sig_digits: int, *, answers: bool = False, working_space: bool = False, member=None) -> None:
    """``count`` sheets and their keys into ``folder`` (see variant_files); ``member``: a family member's trace
    to make of each variant's gradients and x₀ (``family_trace.Traced.given``'s) in place of Adadelta's."""
    from adadelta_cli.features import tracing
    from adadelta_cli.formats.tables import Gradients

    gradients = variant_gradients(steps, seed, count)
    if folder.exists() and not folder.is_dir():
        raise InputError(_("is a file; --variants writes a folder of sheets"), source=str(folder))
    if not folder.parent.is_dir():
        raise InputError(_f("cannot write the sheets: the folder %(parent)s does not exist",
                            parent=repr(str(folder.parent))), source=str(folder))
    def make(values):
        drawn = Gradients(values, ["x"], f"--variants {count} --seed {seed}")
        return tracing.compute(drawn, resolved) if member is None else member(drawn, resolved.initial(1).x.tolist())

    exercises = [(variant_id(i, count), make(values)) for i, values in enumerate(gradients, start=1)]
    files = variant_files(folder, exercises, seed, hidden, fmt, digits, sig_digits, answers=answers,
                          working_space=working_space)
    _refuse_changes(folder, files)
    made: list = []
    try:
        for where in (folder, folder / "keys"):
            if _entry(where) == "missing":
                where.mkdir()
                made.append(where)
        for path, text in files:
            new = _entry(path) == "missing"
            outfiles.write_atomic(path, text, binary=isinstance(text, bytes))
            if new:
                made.append(path)
    except BaseException:
        for path in reversed(made):  # what this run made, and only that
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        raise
    messages.message(_f("wrote %(count)s sheets and their answer keys to %(folder)s", count=count,
                        folder=str(folder)))


def _refuse_changes(folder: Path, files: list) -> None:
    """A folder handed out once holds the class's work: a sheet that differs from what would be written (a name, an
    answer) is never replaced; writing the same sheets again changes nothing. Every entry already there is looked at
    before anything is written (a regular file read, bounded by the size of the sheet it would be; anything else
    refused unread), so a refused run leaves the folder as it was."""
    for where in (folder, folder / "keys"):
        if _entry(where) not in ("missing", "folder"):
            raise InputError(_("is not a folder; --variants writes its sheets into a folder and the answer keys into "
                               "its keys folder: nothing was written"), source=str(where))
    for path, text in files:
        kind = _entry(path)
        if kind == "other":
            raise InputError(_("is not a regular file (a device, FIFO or socket); a sheet is never written into one: "
                               "nothing was written"), source=str(path))
        if kind == "folder" or kind == "file" and _differs(path, text):
            raise InputError(_("already exists and differs from the sheet this would write (a student's work?); "
                               "nothing was written: choose a new folder, or move the old sheets away"),
                             source=str(path))


def _entry(path) -> str:
    """'missing', 'folder', 'file' or 'other' (a device, FIFO, socket), following links; an error of the system
    (a name too long, a loop of links) is one line from the command's handler."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def _differs(path, text: str | bytes) -> bool:
    """Whether a regular file holds anything but ``text``: it is read up to one byte more than the sheet."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) != data
    except OSError:
        return True
