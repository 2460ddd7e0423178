"""Worksheets as quizzes for a school's LMS: Moodle XML, GIFT and IMS QTI 2.1, one numerical question per asked
cell, with its step's worked solution."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.formats import qti
from adadelta_cli.formats.render import Report
from adadelta_cli.formats.spelling import formula_lines
from adadelta_cli.i18n import _
from adadelta_cli.marking.sheet import asked, exercise, rows, title
from adadelta_cli.maths import notation
from adadelta_cli.safe import terminal, xml


def tolerance(value: float, sig_digits: int) -> float:
    """Half a unit in the ``sig_digits``-th significant digit of ``value``: Moodle's absolute tolerance that accepts
    the value rounded to that many digits (and anything closer).

    >>> tolerance(0.0446767, 3), tolerance(-0.00446767, 3), tolerance(0.0005, 3)
    (5e-05, 5e-06, 5e-07)
    """
    if value == 0 or not np.isfinite(value):
        return 0.0
    exponent = Decimal(repr(abs(value))).adjusted()
    return float(Decimal(5).scaleb(exponent - sig_digits))


def lms_questions(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int) -> list[dict]:
    """The questions of the sheets, variant by variant: for each asked cell (step, parameter, quantity) its variant,
    step, parameter and quantity, its name, its text and the step's worked solution, each as HTML with TeX formulas
    (``\\( … \\)``, for Moodle's MathJax filter: ``text``, ``solution``) and with plain Unicode (``plain_text``,
    ``plain_solution``), its answer (the key's value) and its tolerance (half a unit in the ``sig_digits``-th
    significant digit)."""
    out: list[dict] = []
    for variant, report in exercises:
        sheet = exercise(report)
        header, body = rows(sheet, [], answers=True, digits=digits)
        several = len(sheet.names) > 1
        tex, plain = (_texts(sheet, header, body, hide, digits, sig_digits, how) for how in (TEX, PLAIN))
        for (t, param, _values), cells in zip(sheet.rows(), body):
            for name in asked(sheet, hide):
                key_text = cells[header.index(name)]
                label = notation.UNICODE.symbol(name, t) + (f" ({param})" if several else "")
                (text, solution), (plain_text, plain_solution) = next(tex), next(plain)
                out.append({
                    "variant": variant, "t": t, "param": param, "param_index": sheet.names.index(param),
                    "quantity": name, "label": label,
                    "name": (_("Variant %(id)s: %(label)s") % {"id": variant, "label": label} if variant else label),
                    "text": text, "plain_text": plain_text, "solution": solution, "plain_solution": plain_solution,
                    "answer": format(Decimal(key_text), "f"),  # as Moodle reads it: 9.98004e-7 as 0.000000998004
                    "tolerance": format(Decimal(repr(tolerance(float(key_text), sig_digits))), "f")})
    return out


def _texts(sheet, header: list[str], body: list[list[str]], hide: list[str], digits: int, sig_digits: int,
           how: tuple):
    """(question, worked solution) for each asked cell, row by row, as HTML in one spelling (``how``): the settings,
    the formulas, the step's gradient, the state it starts from (E[g²]_{t−1}, E[Δx²]_{t−1}, x_{t−1}; a family
    member's own) and the values the sheet gives; the quantity to compute. ``sheet``: what the worksheet reads
    (``marking.sheet.exercise``)."""
    spelling, formula, given = how
    block = sheet.formulas()
    formulas = "<br>".join(formula(f) for f in formula_lines(block.mode, spelling, block.description))
    intro = "<p>" + xml(sheet.intro(digits)) + f"</p><p>{formulas}</p>"
    for (t, param, values), cells, (heading, lines), before in zip(sheet.rows(), body, sheet.worked(digits, spelling),
                                                                   sheet.states()):
        state = ", ".join(formula(f"{spelling.symbol(k, t - 1)} = {spelling.num(float(value), digits)}")
                          for k, value in before.items())
        givens = [formula(f"{spelling.symbol(c, t)} = {given(cells[header.index(c)])}")
                  for c in sheet.shown if c not in hide]
        if givens:
            state += "; " + xml(_("given: %(values)s") % {"values": "§"}).replace("§", ", ".join(givens))
        step = _("Step %(t)s%(where)s: %(gradient)s; %(state)s.") % {
            "t": t, "where": f" ({xml(param)})" if len(sheet.names) > 1 else "", "state": state,
            "gradient": formula(f"{spelling.symbol('g', t)} = {numfmt.full(values['g'])}")}
        solution = f"<p><strong>{xml(heading)}</strong></p><p>" + "<br>".join(formula(line) for line in lines) + "</p>"
        for name in asked(sheet, hide):
            yield (intro + f"<p>{step}</p><p>" + _("Compute %(symbol)s to at least %(digits)s significant digits.") % {
                "symbol": formula(spelling.symbol(name, t)), "digits": sig_digits} + "</p>"), solution


def _tex_number(text: str) -> str:
    r"""A number as a key writes it (9.98004e-7) in TeX: 9.98004 \times 10^{-7}.

    >>> _tex_number("9.98004e-7"), _tex_number("-0.0101490")
    ('9.98004 \\times 10^{-7}', '-0.0101490')
    """
    mantissa, marker, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if marker else text


def _tex(formula: str) -> str:
    """A TeX formula as Moodle's MathJax filter reads it in HTML: ``\\( … \\)``, the HTML's special characters
    escaped.

    >>> _tex(r"x_{1} = 0 + 1 \\cdot \\left(-0.5\\right)")
    '\\\\(x_{1} = 0 + 1 \\\\cdot \\\\left(-0.5\\\\right)\\\\)'
    """
    return "\\(" + xml(formula) + "\\)"


# How a question is spelled (notation, a formula as HTML, a number as the key writes it): TeX for Moodle's MathJax
# filter, plain Unicode for QTI (which has no TeX).
TEX = (notation.LATEX, _tex, _tex_number)
PLAIN = (notation.UNICODE, xml, str)


def _by_category(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
                 seed: int | None):
    """The questions (lms_questions'), each with its category's path where a new category starts (else None):
    with several variants, each variant's questions in a category of their own, named by it."""
    base = title(answers=False, optimizer=exercise(exercises[0][1]).title)
    root = "$course$/top/" + qti.seeded(base, seed)
    current = None
    for q in lms_questions(exercises, hide, digits, sig_digits):
        # A variant's category: no slash (Moodle's level separator), nothing a GIFT line would act on.
        last = terminal(qti.variant_category(q["variant"])).replace("/", "∕")
        path = f"{root}/{last}" if len(exercises) > 1 else root
        yield (path if path != current else None), q
        current = path


def to_moodle(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
              seed: int | None = None) -> str:
    """Moodle XML: one numerical question per asked cell, its formulas in TeX and its step's worked solution as
    general feedback (shown once the question is answered); with several variants, each variant's questions in a
    category of their own, named by it, so that a student's quiz can be their own paper variant."""
    import xml.etree.ElementTree as ET

    quiz = ET.Element("quiz")
    for path, q in _by_category(exercises, hide, digits, sig_digits, seed):
        if path is not None:
            category = ET.SubElement(quiz, "question", type="category")
            ET.SubElement(ET.SubElement(category, "category"), "text").text = path
        question = ET.SubElement(quiz, "question", type="numerical")
        for tag, value, attributes in (("name", q["name"], {}), ("questiontext", q["text"], {"format": "html"}),
                                       ("generalfeedback", q["solution"], {"format": "html"})):
            ET.SubElement(ET.SubElement(question, tag, attributes), "text").text = value
        for tag, value in (("defaultgrade", "1"), ("penalty", "0.3333333"), ("hidden", "0")):
            ET.SubElement(question, tag).text = value
        answer = ET.SubElement(question, "answer", fraction="100", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = q["answer"]
        ET.SubElement(answer, "tolerance").text = q["tolerance"]
        ET.SubElement(question, "unitgradingtype").text = "0"
        ET.SubElement(question, "showunits").text = "3"
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


_GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    r"""Text for a GIFT question: ~ = # { } : and \ escaped with a backslash, one line.

    >>> gift_escape("a=b {c} #d ~e :f")
    'a\\=b \\{c\\} \\#d \\~e \\:f'
    """
    return "".join("\\" + c if c in _GIFT_SPECIAL else c for c in terminal(text))


def to_gift(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
            seed: int | None = None) -> str:
    """Moodle GIFT: the same questions as to_moodle, ``::name::[html]text{#answer:tolerance####solution}``."""
    lines = [f"// {title(answers=False, optimizer=exercise(exercises[0][1]).title)}", ""]
    for path, q in _by_category(exercises, hide, digits, sig_digits, seed):
        if path is not None:
            lines += [f"$CATEGORY: {path}", ""]
        lines += [f"::{gift_escape(q['name'])}::[html]{gift_escape(q['text'])}"
                  f"{{#{q['answer']}:{q['tolerance']}####{gift_escape(q['solution'])}}}", ""]
    return "\n".join(lines)


def to_qti(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
           seed: int | None = None) -> bytes:
    """An IMS QTI 2.1 package (a zip) of the same questions."""
    return qti.package(lms_questions(exercises, hide, digits, sig_digits),
                       title(answers=False, optimizer=exercise(exercises[0][1]).title), seed)
