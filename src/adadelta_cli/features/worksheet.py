"""Exercises: the gradients drawn for worksheets and their variants, the sheet (or its answer key) for people, and
its questions for a school's LMS (Moodle XML, GIFT). The CSV that `adadelta check` reads back is ``marking.sheet``'s.
"""

from __future__ import annotations

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.errors import SettingsError
from adadelta_cli.formats.qti import variant_category
from adadelta_cli.formats.render import HEADINGS as RENDER_HEADINGS
from adadelta_cli.formats.render import Report, settings_text
from adadelta_cli.formats.report import Block, Document
from adadelta_cli.i18n import _, _f
from adadelta_cli.marking.sheet import Meta, asked, columns, key_number, rows, title
from adadelta_cli.maths import recurrence

HIDEABLE = recurrence.ORDER
HEADINGS = {name: heading for name, (heading, _latex) in RENDER_HEADINGS.items()}  # E[g²]_t ...


def formulas(settings, notation=None) -> list[str]:
    """The sheet's formulas, from the step description, for the mode its settings put the recurrence in."""
    from adadelta_cli.formats import writers
    from adadelta_cli.maths import recurrence

    return writers.formula_lines(recurrence.Mode.of(settings), notation)


# The gradients drawn for an exercise: one or two significant digits, pleasant to square by hand.
PLEASANT = tuple(round(0.05 * i, 2) for i in range(1, 11)) + (0.6, 0.8, 1.0)


def parse_hide(text: str | None) -> list[str]:
    """--hide eg2,eta,...: which quantities the student computes (all five when not given)."""
    if text is None:
        return list(HIDEABLE)
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown:
        raise SettingsError(_f(
            '--hide %(value)s: unknown column %(unknown)s; expected a comma-separated list of %(columns)s',
            value=repr(text), unknown=', '.join(unknown), columns=', '.join(HIDEABLE)))
    return names


def pleasant_gradients(steps: int, seed: int) -> np.ndarray:
    """``steps`` gradients such as 0.1, -0.25, 0.3: the same seed gives the same exercise.

    >>> pleasant_gradients(4, seed=1).ravel().tolist() == pleasant_gradients(4, seed=1).ravel().tolist()
    True
    """
    if steps < 1:
        raise SettingsError(_f('--steps must be at least 1, got %(steps)s', steps=steps))
    rng = np.random.default_rng(seed)
    magnitudes = rng.choice(PLEASANT, size=steps)
    signs = np.where(rng.random(steps) < 0.3, -1.0, 1.0)
    return (magnitudes * signs)[:, None]


def document(report: Report, hide: list[str], *, answers: bool, digits: int, meta: Meta | None = None) -> Document:
    """The sheet for people: a line for the name, the variant, what to fill in, the settings, the formulas of the
    sheet's mode (from the step description), and the table, its asked columns in bold with room to write."""
    from adadelta_cli.formats.report import (
        COUNT,
        TEXT,
        Column,
        Formulas,
        Num,
        Para,
        Phrase,
        Sym,
        Table,
        Working,
        WriteIn,
    )
    from adadelta_cli.maths import recurrence

    meta = meta or Meta()
    blocks: list[Block] = []
    if meta.name_line and not answers:
        blocks.append(WriteIn(_("Name:")))
    names = Phrase.joined(", ", [Sym(c) for c in asked(report, hide)])
    if answers:  # the key: which sheet it marks, never the students' instructions
        blocks.append(Para(key_label(meta), strong=True))
        blocks.append(Para(Phrase(_("The answers: %(columns)s; a student's value is right when it agrees with the "
                                    "key's to at least %(digits)s significant digits."), columns=names,
                                  digits=meta.sig_digits)))
    else:
        if meta.variant:
            blocks.append(Para(_("Variant %(id)s") % {"id": meta.variant}))
        blocks.append(Para(Phrase(_("Fill in: %(columns)s (the other columns are given), each to at least "
                                    "%(digits)s significant digits."), columns=names, digits=meta.sig_digits)))
    blocks += [Para(settings_text(report.settings, digits)), Formulas(recurrence.Mode.of(report.settings))]
    several = len(report.names) > 1
    shown = columns(report.settings)
    table_columns = [Column("t", latex="t", kind=COUNT)] + ([Column("param", _("param"), kind=TEXT)] if several
                                                          else [])
    table_columns.append(Column("g", *RENDER_HEADINGS["g"], spell=lambda v, d: numfmt.full(v)))
    for name in shown[2:]:
        blank = name in hide and not answers
        table_columns.append(Column(name, *RENDER_HEADINGS[name], spell=lambda v, d: key_number(v, max(
            d, meta.sig_digits)),
                                    strong=name in hide, room=12 if blank else 0))
    body = [[t] + ([param] if several else []) + [values["g"]] + [
        None if name in hide and not answers else values[name] for name in shown[2:]]
        for t, param, values in report.rows()]
    blocks += ["", Table(table_columns, body, ruled=True)]
    if meta.working_space and not answers:
        several = len(report.names) > 1
        for t, param, values in report.rows():
            where = f" ({param})" if several else ""
            blocks.append(Working(Phrase(_("Working, step %(t)s%(where)s: %(g_t)s = %(g)s"), t=t, where=where,
                                         g_t=Sym("g", t), g=Num(numfmt.full(values["g"]))),
                                  height=working_height(report)))
    return Document(title(answers=answers), blocks, words=tuple(report.names), headed=True)


def working_height(report: Report) -> float:
    """Centimetres of room for each step's working: a three-step sheet still fits one A4 page."""
    return max(2.2, min(4.5, 7.5 / (report.steps.g.shape[0] * len(report.names))))


def key_label(meta: Meta) -> str:
    """What an answer key says of itself: Answer key, variant 02, seed 123 (what is known of it)."""
    if meta.variant and meta.seed is not None:
        return _("Answer key: variant %(id)s, seed %(seed)s") % {"id": meta.variant, "seed": meta.seed}
    if meta.variant:
        return _("Answer key: variant %(id)s") % {"id": meta.variant}
    if meta.seed is not None:
        return _("Answer key: seed %(seed)s") % {"seed": meta.seed}
    return _("Answer key")


# --- One sheet per student --------------------------------------------------------------------------------------

ONE_DIGIT = tuple(g for g in PLEASANT if round(g * 10, 6) == round(g * 10))  # 0.1, 0.2, ... 1.0
TWO_DIGITS = tuple(g for g in PLEASANT if g not in ONE_DIGIT)  # 0.05, 0.15, ... 0.45
# Step 1 draws from wider pools of the same kind (tenths; hundredths that are not tenths), so that the sheets differ
# from their first line on: a g₁ copied from a neighbour shows.
FIRST_ONE_DIGIT = tuple(round(k / 10, 1) for k in range(1, 21))  # 0.1, 0.2, ... 2.0
FIRST_TWO_DIGITS = tuple(round(k / 100, 2) for k in range(1, 100) if k % 10)  # 0.01, ... 0.99, no tenths


def _tenths(g: float) -> bool:
    return round(abs(g) * 10, 6) == round(abs(g) * 10)


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
    possible = len(openers)
    for pool in pools:
        possible *= len(pool)
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


# --- Into the school's LMS: Moodle XML and GIFT -----------------------------------------------------------------

def tolerance(value: float, sig_digits: int) -> float:
    """Half a unit in the ``sig_digits``-th significant digit of ``value``: Moodle's absolute tolerance that accepts
    the value rounded to that many digits (and anything closer).

    >>> tolerance(0.0446767, 3), tolerance(-0.00446767, 3), tolerance(0.0005, 3)
    (5e-05, 5e-06, 5e-07)
    """
    from decimal import Decimal

    if value == 0 or not np.isfinite(value):
        return 0.0
    exponent = Decimal(repr(abs(value))).adjusted()
    return float(Decimal(5).scaleb(exponent - sig_digits))


def _plain_decimal(text: str) -> str:
    """A number as Moodle reads it everywhere: 9.98004e-7 as 0.000000998004."""
    from decimal import Decimal

    return format(Decimal(text), "f")


def lms_questions(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int) -> list[dict]:
    """The questions of the sheets, variant by variant: for each asked cell (step, parameter, quantity) its variant,
    step, parameter and quantity, its name, its text and the step's worked solution, each as HTML with TeX formulas
    (``\\( … \\)``, for Moodle's MathJax filter: ``text``, ``solution``) and with plain Unicode (``plain_text``,
    ``plain_solution``), its answer (the key's value) and its tolerance (half a unit in the ``sig_digits``-th
    significant digit)."""
    from adadelta_cli.formats import explain
    from adadelta_cli.maths import recurrence
    from adadelta_cli.safe import xml

    out: list[dict] = []
    for variant, report in exercises:
        header, body = rows(report, [], answers=True, digits=digits)
        names = columns(report.settings)
        several = len(report.names) > 1
        settings = xml(settings_text(report.settings, digits))
        lead = "<p>" + _("Adadelta with %(settings)s.") % {"settings": settings} + "</p>"
        tex_formulas = "<p>" + "<br>".join(_tex(f) for f in formulas(report.settings, recurrence.LATEX)) + "</p>"
        plain_formulas = "<p>" + "<br>".join(xml(f) for f in formulas(report.settings)) + "</p>"
        worked = {"tex": explain.report_lines(report, digits, notation=recurrence.LATEX),
                  "plain": explain.report_lines(report, digits)}
        history: dict[str, list[tuple[int, dict]]] = {}
        for row, ((t, param, values), cells) in enumerate(zip(report.rows(), body)):
            history.setdefault(param, []).append((t, values))
            previous = history[param][-2][1] if len(history[param]) > 1 else None
            where = f" ({xml(param)})" if several else ""
            before = _state_before(report, param, previous, t, digits)
            givens = [(c, cells[header.index(c)]) for c in names[2:] if c not in hide]
            g = numfmt.full(values["g"])
            forms = {}
            for kind, sym, state, value in (
                    ("tex", lambda name, i: recurrence.LATEX.symbol(name, i), before["tex"], lambda v: _tex(v)),
                    ("plain", lambda name, i: recurrence.UNICODE.symbol(name, i), before["plain"], xml)):
                state_text = ", ".join(value(f"{sym(k, t - 1)} = {v}") for k, v in state)
                if givens:
                    spell = _tex_number if kind == "tex" else str
                    state_text += "; " + xml(_("given: %(values)s") % {"values": "§"}).replace("§", ", ".join(
                        value(f"{sym(c, t)} = {spell(v)}") for c, v in givens))
                forms[kind] = (value(f"{sym('g', t)} = {g}"), state_text)
            for name in asked(report, hide):
                key_text = cells[header.index(name)]
                symbol = recurrence.UNICODE.symbol(name, t)
                question = {}
                for kind, symbol_text in (("tex", _tex(recurrence.LATEX.symbol(name, t))), ("plain", xml(symbol))):
                    gradient, state = forms[kind]
                    question[kind] = (lead + (tex_formulas if kind == "tex" else plain_formulas) + "<p>"
                                      + _("Step %(t)s%(where)s: %(gradient)s; %(state)s.") % {
                                          "t": t, "where": where, "gradient": gradient, "state": state}
                                      + "</p><p>" + _("Compute %(symbol)s to at least %(digits)s significant "
                                                      "digits.") % {"symbol": symbol_text, "digits": sig_digits}
                                      + "</p>")
                heading, tex_lines = worked["tex"][row]
                _heading, plain_lines = worked["plain"][row]
                label = symbol + (f" ({param})" if several else "")
                out.append({
                    "variant": variant, "t": t, "param": param, "param_index": report.names.index(param),
                    "quantity": name, "label": label,
                    "name": (_("Variant %(id)s: %(label)s") % {"id": variant, "label": label} if variant else label),
                    "text": question["tex"], "plain_text": question["plain"],
                    "solution": f"<p><strong>{xml(heading)}</strong></p><p>"
                                + "<br>".join(_tex(line) for line in tex_lines) + "</p>",
                    "plain_solution": f"<p><strong>{xml(heading)}</strong></p><p>"
                                      + "<br>".join(xml(line) for line in plain_lines) + "</p>",
                    "answer": _plain_decimal(key_text),
                    "tolerance": format(_decimal_text(tolerance(float(key_text), sig_digits)), "f")})
    return out


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
    from adadelta_cli.safe import xml

    return "\\(" + xml(formula) + "\\)"


def _decimal_text(value: float):
    from decimal import Decimal

    return Decimal(repr(value))


def _state_before(report: Report, param: str, previous: dict | None, t: int, digits: int) -> dict:
    """E[g²]_{t−1}, E[Δx²]_{t−1} and x_{t−1}, as the step starts from them: (quantity, value) pairs, the values as
    TeX (``tex``: 9.98004 \\times 10^{-7}) and as plain text (``plain``: 9.98004e-7)."""
    from adadelta_cli.maths import recurrence

    p = report.names.index(param)

    def initial(key: str) -> float:
        v = report.settings.get(key, 0.0)
        return v[p] if isinstance(v, list) else v

    values = ({"eg2": previous["eg2"], "edx2": previous["edx2"], "x": previous["x"]} if previous is not None else
              {"eg2": initial("eg2_init"), "edx2": initial("edx2_init"), "x": initial("x0")})
    return {"tex": [(k, recurrence.LATEX.num(float(values[k]), digits)) for k in recurrence.STATE],
            "plain": [(k, numfmt.sig(values[k], digits)) for k in recurrence.STATE]}


def _category_root(seed: int | None) -> str:
    base = _("Adadelta worksheet")
    return f"$course$/top/{base}" + (f" (seed {seed})" if seed is not None else "")


def to_moodle(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
              seed: int | None = None) -> str:
    """Moodle XML: one numerical question per asked cell, its formulas in TeX and its step's worked solution as
    general feedback (shown once the question is answered); with several variants, each variant's questions in a
    category of their own, named by it, so that a student's quiz can be their own paper variant."""
    import xml.etree.ElementTree as ET

    quiz = ET.Element("quiz")
    root = _category_root(seed)

    def category(path: str) -> None:
        question = ET.SubElement(quiz, "question", type="category")
        ET.SubElement(ET.SubElement(question, "category"), "text").text = path

    current = None
    for q in lms_questions(exercises, hide, digits, sig_digits):
        path = f"{root}/{_category_name(variant_category(q['variant']))}" if len(exercises) > 1 else root
        if path != current:
            category(path)
            current = path
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
    from adadelta_cli.safe import terminal

    return terminal(label).replace("/", "∕")


_GIFT_SPECIAL = "\\~=#{}:"


def gift_escape(text: str) -> str:
    r"""Text for a GIFT question: ~ = # { } : and \ escaped with a backslash, one line.

    >>> gift_escape("a=b {c} #d ~e :f")
    'a\\=b \\{c\\} \\#d \\~e \\:f'
    """
    from adadelta_cli.safe import terminal

    text = terminal(text)
    return "".join("\\" + c if c in _GIFT_SPECIAL else c for c in text)


def to_gift(exercises: list[tuple[str, Report]], hide: list[str], digits: int, sig_digits: int,
            seed: int | None = None) -> str:
    """Moodle GIFT: the same questions as to_moodle, ``::name::[html]text{#answer:tolerance####solution}``."""
    root = _category_root(seed)
    lines = [f"// {title(answers=False)}", ""]
    current = None
    for q in lms_questions(exercises, hide, digits, sig_digits):
        path = f"{root}/{_category_name(variant_category(q['variant']))}" if len(exercises) > 1 else root
        if path != current:
            lines += [f"$CATEGORY: {path}", ""]
            current = path
        lines += [f"::{gift_escape(q['name'])}::[html]{gift_escape(q['text'])}"
                  f"{{#{q['answer']}:{q['tolerance']}####{gift_escape(q['solution'])}}}", ""]
    return "\n".join(lines)
