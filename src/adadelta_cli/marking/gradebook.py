"""Marked sheets: the score, the sentences a report says of a sheet, check's report (for people and machines) and
the gradebook (one row per sheet)."""

from __future__ import annotations

from dataclasses import dataclass, field

from adadelta_cli.errors import InputError
from adadelta_cli.formats.phrases import Phrase
from adadelta_cli.formats.report import Block, Document, Heading, Para, Records
from adadelta_cli.i18n import _
from adadelta_cli.marking.digits import GIVEN, RIGHT, RIGHT_GIVEN, SCORED, TOO_FEW, UNANSWERED, UNREADABLE, WRONG
from adadelta_cli.marking.verdicts import Verdict, mark_worksheet


@dataclass
class Marked:
    """One sheet marked (or the reason it could not be read)."""

    source: str
    settings: dict = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    student: str = ""
    variant: str = ""
    error: str | None = None
    diagnosis: list = field(default_factory=list)  # diagnosis.Entry, most likely first (empty: nothing wrong)
    notes: list[str] = field(default_factory=list)  # what was said of the sheet as read (comma decimals, ...)
    headline: str | None = None  # a family member's sheet: its optimizer and settings (else Adadelta's settings)
    diagnosis_text: str = ""  # a family member's sheet: the slips its cells name, most cells first

    def slip_counts(self) -> dict[str, int]:
        """How many cells each named slip explains, most first (a family member's sheet's diagnosis)."""
        counts: dict[str, int] = {}
        for v in self.verdicts:
            if v.slip_id and not self.diagnosis:
                counts[v.slip_id] = counts.get(v.slip_id, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def shown(self, *, only_wrong: bool = False) -> list[Verdict]:
        """The verdicts a report lists: the asked cells (with ``only_wrong``, those not right)."""
        return [v for v in self.verdicts if (v.status != GIVEN or v.changed) and not (only_wrong and v.right)]

    def as_dict(self, *, only_wrong: bool = False) -> dict:
        return {"file": self.source, "student": self.student, "variant": self.variant, "settings": self.settings,
                "summary": summary(self.verdicts), "diagnosis": [e.as_dict() for e in self.diagnosis] or (
                    [{"id": slip_id, "cells": n} for slip_id, n in self.slip_counts().items()]),
                "notes": self.notes,
                "cells": [v.as_dict() for v in self.verdicts if not (only_wrong and (v.right or v.status == GIVEN))]}


def mark_sheet(sheet, resolved, rel_tol: float | None = None, sig_digits: int | None = None, *,
               last_digit: bool = False) -> Marked:
    """A read ``sheet.Worksheet`` marked under ``resolved`` (a features.resolved.Resolved), as check marks it."""
    verdicts, diagnosis = mark_worksheet(sheet, resolved, rel_tol, sig_digits, last_digit=last_digit)
    return Marked(sheet.source, resolved.as_dict(), verdicts, sheet.student, sheet.variant, diagnosis=diagnosis,
                  notes=sheet.notes)


def summary(verdicts: list[Verdict]) -> dict:
    """Counts of each verdict and the score: one point per asked cell answered right; whole percent rounded down
    (199/200 is 99%, never 100%)."""
    count = {status: sum(v.status == status for v in verdicts) for status in (*SCORED, GIVEN)}
    score = count[RIGHT] + count[RIGHT_GIVEN]
    out_of = sum(count[s] for s in SCORED)
    out = {"right": score, "right_given": count[RIGHT_GIVEN], "wrong": count[WRONG], "too_few": count[TOO_FEW],
           "unanswered": count[UNANSWERED], "given": count[GIVEN], "score": score, "out_of": out_of,
           "percent": 100 * score // out_of if out_of else 0}
    if count[UNREADABLE]:  # said where there are any (a sheet read whole has none)
        out["unreadable"] = count[UNREADABLE]
    return out


def score_text(s: dict) -> str:
    """12/15 (80%)"""
    return f"{s['score']}/{s['out_of']} ({s['percent']}%)"


def all_right(verdicts: list[Verdict]) -> bool:
    s = summary(verdicts)
    return s["out_of"] > 0 and s["score"] == s["out_of"]


def summary_line(verdicts: list[Verdict]) -> str:
    """Score 12/15 (80%): 10 right (2 of them given your own earlier values), 1 wrong, ..."""
    s = summary(verdicts)
    given = _(" (%(count)d of them given your own earlier values)") % {"count": s["right_given"]} \
        if s["right_given"] else ""
    parts = [_("%(right)d right%(given)s") % {"right": s["right"], "given": given},
             _("%(count)d wrong") % {"count": s["wrong"]}]
    if s["too_few"]:
        parts.append(_("%(count)d with too few significant digits") % {"count": s["too_few"]})
    parts.append(_("%(count)d unanswered") % {"count": s["unanswered"]})
    if s.get("unreadable"):
        parts.append(_("%(count)d unreadable") % {"count": s["unreadable"]})
    return _("Score %(score)s: %(parts)s") % {"score": score_text(s), "parts": _(", ").join(parts)}


def diagnosis_line(entries: list, verdicts: list[Verdict]) -> str:
    """The sheet's diagnosis in a sentence: "Most of the wrong cells (5 of 6) follow from ρ = 0.9 (...) instead
    of 0.95; 1 from the sign: Δx_t = −η_t·g_t." ("" when nothing is wrong, or nothing explains it)."""
    if not entries:
        return ""
    total = sum(v.status == WRONG for v in verdicts)
    first = entries[0]
    parts = [Phrase(_("%(count)d from %(what)s"), count=len(e.cells), what=e.text) for e in entries]
    if len(first.cells) == total:  # (Phrases: each slip's symbols kept apart, for LaTeX)
        parts[0] = Phrase(_("the wrong cells follow from %(what)s"), what=first.text)
    elif 2 * len(first.cells) > total:
        parts[0] = Phrase(_("most of the wrong cells (%(count)d of %(total)d) follow from %(what)s"),
                          count=len(first.cells), total=total, what=first.text)
    else:
        return Phrase(_("Diagnosis of the %(total)d wrong cells: %(parts)s."), total=total,
                      parts=Phrase.joined("; ", parts))
    return Phrase(_("Diagnosis: %(text)s"), text=Phrase.joined("", [Phrase.joined("; ", parts), "."]))


def sheet_paths(items: list[str]) -> list[str]:
    """FILE_OR_DIR arguments as worksheet paths: a folder gives its *.csv files (not its subfolders), sorted."""
    from pathlib import Path

    paths = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file()
                           and not p.name.startswith("."))
            if not found:
                raise InputError(_("is a folder with no .csv worksheet in it"), source=item)
            paths += found
        else:
            paths.append(item)
    return paths


def who_line(m: Marked) -> str:
    """Who wrote the sheet and which variant it is (as written: each writer escapes it for its format)."""
    parts = []
    if m.student:
        parts.append(Phrase(_("student: %(name)s"), name=m.student))
    if m.variant:
        parts.append(Phrase(_("variant %(id)s"), id=m.variant))
    return Phrase.joined(", ", parts)


def document(marked: list[Marked], *, only_wrong: bool = False, digits: int = 6) -> Document:
    """check's report for people: for each sheet read, its settings, the verdicts of its asked cells (with
    ``only_wrong``, those not right) and its score."""
    from adadelta_cli.formats import render

    blocks: list[Block] = []
    for m in marked:
        if m.error is not None:
            continue
        if blocks:
            blocks.append("")  # a blank line between one sheet and the next
        blocks += [Heading(Phrase(_("Checking %(source)s"), source=m.source)),
                   Para(m.headline or render.settings_text(m.settings, digits))]
        if m.student or m.variant:
            blocks.append(Para(who_line(m)))
        for note in m.notes:
            blocks.append(Para(note))
        if m.diagnosis or m.diagnosis_text:
            blocks.append(Para(m.diagnosis_text or diagnosis_line(m.diagnosis, m.verdicts)))
        shown = m.shown(only_wrong=only_wrong)
        if shown:
            blocks.append(render.verdict_table(shown, digits, several=len({v.param for v in m.verdicts}) > 1))
        blocks.append(Para(summary_line(m.verdicts), strong=True))
    return Document(_("Marked worksheets"), blocks,
                    words=tuple(t for m in marked for t in (m.source, m.student, m.variant)))


CSV_COLUMNS = ("file", "student", "variant", "t", "param", "quantity", "written", "verdict", "computed", "own",
               "slip", "rounding", "slip_id")


def records(marked: list[Marked], *, only_wrong: bool = False) -> Records:
    """check's report for machines: CSV, one row per asked cell of every sheet read; JSON, one sheet's object (or
    ``{"sheets": [...]}`` for several)."""
    read = [m for m in marked if m.error is None]
    docs = [m.as_dict(only_wrong=only_wrong) for m in read]
    rows = ([m.source, m.student, m.variant, v.t, v.param, v.name, v.written or "", v.status, v.computed, v.own,
             v.slip or "", v.rounding or "", v.slip_id or ""] for m in read for v in m.shown(only_wrong=only_wrong))
    return Records(list(CSV_COLUMNS), rows, spreadsheet=True,
                   document=docs[0] if len(marked) == 1 and docs else {"sheets": docs})


GRADEBOOK_COLUMNS = ("file", "student", "variant", "right", "wrong", "too_few", "unanswered", "unreadable", "score",
                     "out_of", "percent", "diagnosis", "diagnosis_text", "error", "optimizer")


def gradebook(marked: list[Marked]) -> Records:
    """One row per sheet: who, which variant, the counts, the score and the diagnosis (ids joined by ';', and in
    words), the optimizer the sheet is of; or, for a sheet that could not be read, who (where it says) and why."""
    def rows():
        for m in marked:
            if m.error is not None:
                yield [m.source, m.student, m.variant] + [None] * 10 + [m.error, None]
                continue
            s = summary(m.verdicts)
            yield [m.source, m.student, m.variant, s["right"], s["wrong"], s["too_few"], s["unanswered"],
                   s.get("unreadable", 0), s["score"], s["out_of"], s["percent"],
                   ";".join([e.id for e in m.diagnosis] or list(m.slip_counts())),
                   " | ".join(e.text for e in m.diagnosis) or m.diagnosis_text, None,
                   m.settings.get("optimizer", "adadelta")]

    return Records(list(GRADEBOOK_COLUMNS), rows(), spreadsheet=True)
