"""Worksheets as quizzes for a school's LMS: Moodle XML, GIFT and IMS QTI 2.1, one numerical question per asked
cell, with its step's worked solution."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.features.worksheet import formulas
from adadelta_cli.formats.qti import variant_category
from adadelta_cli.formats.render import Report, settings_text
from adadelta_cli.i18n import _
from adadelta_cli.marking.sheet import asked, columns, rows, title
from adadelta_cli.maths import notation, recurrence
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


def _plain_decimal(text: str) -> str:
    """A number as Moodle reads it everywhere: 9.98004e-7 as 0.000000998004."""
    return format(Decimal(text), "f")


def lms_questions(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int) -> list[dict]:
    """The questions of the sheets, variant by variant: for each asked cell (step, parameter, quantity) its variant,
    step, parameter and quantity, its name, its text and the step's worked solution, each as HTML with TeX formulas
    (``\\( … \\)``, for Moodle's MathJax filter: ``text``, ``solution``) and with plain Unicode (``plain_text``,
    ``plain_solution``), its answer (the key's value) and its tolerance (half a unit in the ``sig_digits``-th
    significant digit)."""
    from adadelta_cli.formats import explain

    out: list[dict] = []
    for variant, report in exercises:
        header, body = rows(report, [], answers=True, digits=digits)
        several = len(report.names) > 1
        lead = "<p>" + _("Adadelta with %(settings)s.") % {"settings": xml(settings_text(report.settings, digits))} \
            + "</p>"
        intro = {"tex": lead + "<p>" + "<br>".join(_tex(f) for f in formulas(report.settings, notation.LATEX))
                 + "</p>", "plain": lead + "<p>" + "<br>".join(xml(f) for f in formulas(report.settings)) + "</p>"}
        worked = {"tex": explain.report_lines(report, digits, notation=notation.LATEX),
                  "plain": explain.report_lines(report, digits)}
        history: dict[str, list[tuple[int, dict]]] = {}
        for row, ((t, param, values), cells) in enumerate(zip(report.rows(), body)):
            history.setdefault(param, []).append((t, values))
            previous = history[param][-2][1] if len(history[param]) > 1 else None
            givens = [(c, cells[header.index(c)]) for c in columns(report.settings)[2:] if c not in hide]
            forms = _step_forms(report, param, previous, t, values, givens, digits)
            where = f" ({xml(param)})" if several else ""
            for name in asked(report, hide):
                key_text = cells[header.index(name)]
                symbol = notation.UNICODE.symbol(name, t)
                question = {}
                for kind, symbol_text in (("tex", _tex(notation.LATEX.symbol(name, t))), ("plain", xml(symbol))):
                    gradient, state = forms[kind]
                    question[kind] = (intro[kind] + "<p>" + _("Step %(t)s%(where)s: %(gradient)s; %(state)s.") % {
                        "t": t, "where": where, "gradient": gradient, "state": state} + "</p><p>"
                        + _("Compute %(symbol)s to at least %(digits)s significant digits.") % {
                            "symbol": symbol_text, "digits": sig_digits} + "</p>")
                label = symbol + (f" ({param})" if several else "")
                out.append({
                    "variant": variant, "t": t, "param": param, "param_index": report.names.index(param),
                    "quantity": name, "label": label,
                    "name": (_("Variant %(id)s: %(label)s") % {"id": variant, "label": label} if variant else label),
                    "text": question["tex"], "plain_text": question["plain"],
                    "solution": _solution(worked["tex"][row], _tex),
                    "plain_solution": _solution(worked["plain"][row], xml),
                    "answer": _plain_decimal(key_text),
                    "tolerance": format(Decimal(repr(tolerance(float(key_text), sig_digits))), "f")})
    return out


def _solution(worked: tuple, spell) -> str:
    heading, lines = worked
    return f"<p><strong>{xml(heading)}</strong></p><p>" + "<br>".join(spell(line) for line in lines) + "</p>"


def _step_forms(report: Report, param: str, previous, t: int, values: dict, givens: list, digits: int) -> dict:
    """A step's gradient and the state it starts from (with the values given on the sheet), as TeX and as text."""
    before = _state_before(report, param, previous, digits)
    g = numfmt.full(values["g"])
    forms = {}
    for kind, spelling, state, value in (("tex", notation.LATEX, before["tex"], _tex),
                                         ("plain", notation.UNICODE, before["plain"], xml)):
        state_text = ", ".join(value(f"{spelling.symbol(k, t - 1)} = {v}") for k, v in state)
        if givens:
            spell = _tex_number if kind == "tex" else str
            state_text += "; " + xml(_("given: %(values)s") % {"values": "§"}).replace("§", ", ".join(
                value(f"{spelling.symbol(c, t)} = {spell(v)}") for c, v in givens))
        forms[kind] = (value(f"{spelling.symbol('g', t)} = {g}"), state_text)
    return forms


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


def _state_before(report: Report, param: str, previous: dict | None, digits: int) -> dict:
    """E[g²]_{t−1}, E[Δx²]_{t−1} and x_{t−1}, as the step starts from them: (quantity, value) pairs, the values as
    TeX (``tex``: 9.98004 \\times 10^{-7}) and as plain text (``plain``: 9.98004e-7)."""
    p = report.names.index(param)

    def initial(key: str) -> float:
        v = report.settings.get(key, 0.0)
        return v[p] if isinstance(v, list) else v

    values = ({"eg2": previous["eg2"], "edx2": previous["edx2"], "x": previous["x"]} if previous is not None else
              {"eg2": initial("eg2_init"), "edx2": initial("edx2_init"), "x": initial("x0")})
    return {"tex": [(k, notation.LATEX.num(float(values[k]), digits)) for k in recurrence.STATE],
            "plain": [(k, numfmt.sig(values[k], digits)) for k in recurrence.STATE]}


def _by_category(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
                 seed: int | None):
    """The questions (lms_questions'), each with its category's path where a new category starts (else None):
    with several variants, each variant's questions in a category of their own, named by it."""
    base = _("Adadelta worksheet")
    root = f"$course$/top/{base}" + (f" (seed {seed})" if seed is not None else "")
    current = None
    for q in lms_questions(exercises, hide, digits, sig_digits):
        path = f"{root}/{_category_name(variant_category(q['variant']))}" if len(exercises) > 1 else root
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
        ET.SubElement(ET.SubElement(question, "name"), "text").text = q["name"]
        text = ET.SubElement(question, "questiontext", format="html")
        ET.SubElement(text, "text").text = q["text"]
        feedback = ET.SubElement(question, "generalfeedback", format="html")
        ET.SubElement(feedback, "text").text = q["solution"]
        ET.SubElement(question, "defaultgrade").text = "1"
        ET.SubElement(question, "penalty").text = "0.3333333"
        ET.SubElement(question, "hidden").text = "0"
        answer = ET.SubElement(question, "answer", fraction="100", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = q["answer"]
        ET.SubElement(answer, "tolerance").text = q["tolerance"]
        ET.SubElement(question, "unitgradingtype").text = "0"
        ET.SubElement(question, "showunits").text = "3"
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _category_name(label: str) -> str:
    """A category's last level: no slash (Moodle's level separator) and nothing a GIFT line would act on."""
    return terminal(label).replace("/", "∕")


_GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    r"""Text for a GIFT question: ~ = # { } : and \ escaped with a backslash, one line.

    >>> gift_escape("a=b {c} #d ~e :f")
    'a\\=b \\{c\\} \\#d \\~e \\:f'
    """
    text = terminal(text)
    return "".join("\\" + c if c in _GIFT_SPECIAL else c for c in text)


def to_gift(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
            seed: int | None = None) -> str:
    """Moodle GIFT: the same questions as to_moodle, ``::name::[html]text{#answer:tolerance####solution}``."""
    lines = [f"// {title(answers=False)}", ""]
    for path, q in _by_category(exercises, hide, digits, sig_digits, seed):
        if path is not None:
            lines += [f"$CATEGORY: {path}", ""]
        lines += [f"::{gift_escape(q['name'])}::[html]{gift_escape(q['text'])}"
                  f"{{#{q['answer']}:{q['tolerance']}####{gift_escape(q['solution'])}}}", ""]
    return "\n".join(lines)


def to_qti(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
           seed: int | None = None) -> bytes:
    """An IMS QTI 2.1 package (a zip) of the same questions."""
    from adadelta_cli.formats import qti

    return qti.package(lms_questions(exercises, hide, digits, sig_digits), title(answers=False), seed)
