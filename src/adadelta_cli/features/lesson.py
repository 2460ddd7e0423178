"""The lesson page: one self-contained web page that steps through a trace, for a classroom projector.

Everything the page shows is worked out here, in Python, from the trace the engine computed: each step's formulas
(the step description's MathML, with the step's numbers substituted exactly as ``--explain`` writes them), the
table of the steps so far, and a small SVG chart of x_t and η_t. The page's script only shows and hides what is
already written (the current step, the rows and points up to it, the numbers in exercise mode): it computes nothing.

Nothing is fetched: the style and the script are inline, and the page's Content-Security-Policy allows no other
source (the script runs by its hash). Every text that comes from the input (parameter names, the input's name) is
escaped by ``safe.xml``, control and direction-changing characters shown as escapes.
"""

from __future__ import annotations

import base64
import hashlib
import math
from pathlib import Path

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.formats import explain, render
from adadelta_cli.i18n import N_, _, _f, language
from adadelta_cli.maths import notation, recurrence
from adadelta_cli.safe import xml as text  # every text on the page: escaped, control characters shown as escapes

MAX_ROWS = 2000  # steps × parameters: a page for the classroom, not a long trace (each step is written out whole)
PALETTE = 6  # series colours in the chart, reused past that many parameters

# --- The page ---------------------------------------------------------------------------------------------------


def page(report: render.Report, digits: int = 6, *, exercise: bool = False) -> str:
    """The whole lesson page for a trace ``report``, as text (UTF-8 when written).

    ``exercise``: the page for the students (``lesson --exercise``): each step's g_t, the settings, the formulas with
    a blank box for each result and the table with blank cells; the worked values are not in the page at all (no
    chart either: its points are answers)."""
    from adadelta_cli.errors import SettingsError

    steps = report.steps.g.shape[0]
    rows = steps * len(report.names)
    if rows > MAX_ROWS:
        raise SettingsError(_f("a lesson page steps through at most %(limit)d rows (steps × parameters); this "
                               "input has %(count)d: give fewer gradients", limit=MAX_ROWS, count=rows))
    explained = _explained(report, digits)
    first = report.first_t
    last = first + steps - 1
    body = [
        _header(report, digits, first, last, exercise=exercise),
        '<main>',
        '<section id="formulas" aria-live="polite">',
        *(_step_section(report, t, explained[t], first, last, digits, exercise=exercise)
          for t in range(first, last + 1)),
        '</section>',
        '<div class="below">',
        _table_section(report, digits, first, exercise=exercise),
        "" if exercise else _chart_section(report, first, last),
        '</div>',
        _legend(recurrence.Mode.of(report.settings), exercise=exercise),
        '</main>',
        f'<p class="move" id="move" hidden>{text(_(MOVE))}</p>',
    ]
    script = _script()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:; "
              "base-uri 'none'; form-action 'none'")
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{text(language())}" data-first="{first}" data-last="{last}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="adadelta-cli">',
        f"<title>{text(_title(exercise=exercise))}</title>",
        f"<style>{_style()}</style>",
        # Without the script (switched off, or a viewer without one), every step and row is shown, one after another.
        "<noscript><style>section.step[hidden] { display: block; } tbody tr.later { display: table-row; } "
        "nav { display: none; }</style></noscript>",
        "</head>",
        '<body class="exercise sheet">' if exercise else "<body>",
    ]
    return "\n".join(head + body + [f"<script>{script}</script>", "</body>", "</html>"]) + "\n"


def _explained(report: render.Report, digits: int) -> dict[int, list[tuple[str, list[tuple[str, ...]]]]]:
    """t -> [(parameter, MathML lines)] for every step: --explain's own lines (``explain.steps``, which
    carries each parameter's state and settings from step to step), in the MathML notation."""
    out: dict[int, list] = {}
    for t, param, lines in explain.steps(report, digits, range(report.steps.g.shape[0]), notation.MATHML,
                                         as_parts=True):
        out.setdefault(t, []).append((param, lines))
    return out


MOVE = N_("↓ More below (the table, the chart): scroll with ↓ or the mouse wheel; → is the next step")
TASK = N_("Work out each step from its g_t and the settings: fill in every box, then the table.")


def _title(*, exercise: bool) -> str:
    return _("Adadelta, step by step: exercise") if exercise else _("Adadelta, step by step")


def source_name(source: str) -> str:
    r"""The input as the page names it: a file by its name alone (a page on the wall never shows a directory).

    >>> source_name("/home/ann/course/article.csv"), source_name("C:\\Users\\ann\\g.txt"), source_name("-")
    ('article.csv', 'g.txt', '-')
    """
    return source.replace("\\", "/").rstrip("/").rpartition("/")[2] or source


def _header(report: render.Report, digits: int, first: int, last: int, *, exercise: bool = False) -> str:
    source = report.settings.get("input", "")
    if source == "the article's example":
        source = _(source)
    elif source == "arguments":  # the gradients typed on the command line: shown as they are (the first few)
        given = [numfmt.sig(g, digits) for g in report.steps.g[:, 0][:8].tolist()]
        source = "g = " + ", ".join(given) + (", …" if report.steps.g.shape[0] > 8 else "")
    else:
        source = source_name(source)
    notes = "".join(f'<p class="note">{text(note)}</p>' for note in report.notes)
    button = '<button type="button" id="{0}" title="{2}">{1}</button>'.format
    return "\n".join([
        "<header>",
        f"<h1>{text(_title(exercise=exercise))}</h1>",
        f'<p class="settings">{text(render.settings_line(report.settings, digits))}'
        f' · {text(_f("input: %(source)s", source=source))}</p>',
        notes,
        f'<p class="task">{text(_(TASK))}</p>' if exercise else "",
        f'<nav aria-label="{text(_("Steps"))}">',
        button("first", "|◀", text(_("First step (Home)"))),
        button("back", "◀", text(_("Back (←)"))),
        f'<label>{text(_("Step"))} <input type="number" id="step-box" min="{first}" max="{last}" value="{first}" '
        f'inputmode="numeric"></label> <span class="of">/ {last}</span>',
        button("next", "▶", text(_("Next (→)"))),
        button("end", "▶|", text(_("Last step (End)"))),
        '<span class="toggles">',
        *([] if exercise else [
            f'<button type="button" id="exercise" aria-pressed="false">{text(_("Hide the numbers"))}</button>',
            '<button type="button" id="reveal" hidden>' + text(_("Show this step's numbers")) + "</button>"]),
        f'<button type="button" id="large" aria-pressed="false">{text(_("Large print"))}</button>',
        f'<button type="button" id="theme">{text(_("Light / dark"))}</button>',
        f'<button type="button" id="print">{text(_("Print"))}</button>',
        "</span>",
        "</nav>",
        "</header>",
    ])


_EQUALS = notation.MATHML.equals


_BLANK = f'<span class="blank"><math displaystyle="true">{_EQUALS}</math><span class="box"></span></span>'


def _math_line(line: tuple[str, ...], *, exercise: bool = False) -> str:
    """One line of --explain: the symbol and its formula, then each worked value (a ``v``, hidden in exercise mode),
    then a blank box (shown when the exercise is printed, and on the exercise page in place of the values).

    Each piece is its own <math> in a wrapping row, so that a long line (E[Δx²]_t's) breaks between two "="
    on a narrow screen or in large print instead of running off the page (MathML has no line breaking of its own).
    """
    head, formula, *worked = line
    # The formula in its own <mrow>: a leading minus (−η_t·g_t) is then a sign, not a binary operator.
    pieces = [f'<math displaystyle="true">{head}{_EQUALS}<mrow>{formula}</mrow></math>']
    if not exercise:
        pieces += [f'<span class="seg"><math displaystyle="true">{_EQUALS}</math><span class="v">'
                   f'<math displaystyle="true">{part}</math></span></span>' for part in worked]
    pieces.append(_BLANK)
    return f'<div class="line">{"".join(pieces)}</div>'


def _step_section(report: render.Report, t: int, blocks: list[tuple[str, list[tuple[str, ...]]]], first: int,
                  last: int, digits: int = 6, *, exercise: bool = False) -> str:
    several = len(report.names) > 1
    hidden = "" if t == first else " hidden"
    label = text(_f("Step %(t)d of %(total)d", t=t, total=last))
    out = [f'<section class="step" id="step-{t}" data-t="{t}"{hidden}>', f"<h2>{label}</h2>"]
    row = t - report.first_t
    for p, (param, lines) in enumerate(blocks):
        out += ['<div class="param">', *([f'<h3>{text(param)}</h3>'] if several else [])]
        # The step's gradient, given: what the step is worked out from (printed as an exercise too).
        g = notation.MATHML.num(float(report.steps.g[row, p]), digits)
        out.append(f'<p class="given"><math displaystyle="true">{notation.MATHML.symbol("g", t)}{_EQUALS}{g}'
                   f'</math></p>')
        out.extend(_math_line(line, exercise=exercise) for line in lines)
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _symbol(name: str, t: int | str = "t") -> str:
    return f"<math>{notation.MATHML.symbol(name, t)}</math>"


def _table_section(report: render.Report, digits: int, first: int, *, exercise: bool = False) -> str:
    several = len(report.names) > 1
    columns = report.table_columns
    heads = ['<th scope="col"><math><mi>t</mi></math></th>']
    if several:
        heads.append(f'<th scope="col">{text(_("param"))}</th>')
    heads += [f'<th scope="col">{_symbol(name)}</th>' for name in columns]
    out = [f'<section id="table-section" aria-label="{text(_("Steps so far"))}">',
           f"<h2>{text(_('Steps so far'))}</h2>", '<div class="scroll">', "<table>",
           f"<thead><tr>{''.join(heads)}</tr></thead>", "<tbody>"]
    for t, param, values in report.rows():
        state = ' class="now"' if t == first else ' class="later"'
        cells = [f'<th scope="row">{t}</th>'] + ([f'<td class="name">{text(param)}</td>'] if several else [])
        for name in columns:
            number = text(numfmt.sig(values[name], digits))
            if name == "g":  # g_t is given; the rest is worked out
                cells.append(f"<td>{number}</td>")
            elif exercise:
                cells.append('<td class="box"></td>')
            else:  # the number in a span of its own: a printed exercise leaves it out, not merely transparent
                cells.append(f'<td class="v"><span>{number}</span></td>')
        out.append(f'<tr data-t="{t}"{state}>{"".join(cells)}</tr>')
    out += ["</tbody>", "</table>", "</div>", "</section>"]
    return "\n".join(out)


# --- The chart --------------------------------------------------------------------------------------------------

# One panel and its margins, in the SVG's units. The chart is as wide as its column, so its type grows with the
# screen: 18 units are about 21 px at 1280 px wide and 32 px at 1920.
PANEL_WIDTH, PANEL, LEFT, RIGHT, TOP, BOTTOM = 400, 120, 92, 20, 36, 32


def _chart_section(report: render.Report, first: int, last: int) -> str:
    """x_t and η_t against t, one above the other (each as wide as the chart); every point and segment carries its
    step, so that the page shows the steps so far; a cursor per step marks the current one."""
    steps = report.steps
    span = max(last - first, 1)
    outer = TOP + PANEL + BOTTOM
    width, height = LEFT + PANEL_WIDTH + RIGHT, 2 * outer
    label = text(_("Chart of x_t and η_t"))
    out = [f'<section id="chart-section" aria-label="{label}">',
           f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">']
    left, right = LEFT, LEFT + PANEL_WIDTH

    def sx(t: int) -> float:
        return left + PANEL_WIDTH * ((t - first) / span if last > first else 0.5)

    for index, (name, symbol) in enumerate((("x", "x"), ("eta", "η"))):
        top = index * outer + TOP
        values = getattr(steps, name).astype(float)
        low, high = _range(values)

        def sy(v: float, low=low, high=high, top=top) -> float:
            return top + PANEL - PANEL * (v - low) / (high - low)

        out.append(f'<text class="title" x="{left}" y="{top - 9}">{symbol}<tspan class="sub" dy="5">t</tspan></text>')
        out.append(f'<rect class="frame" x="{left}" y="{top}" width="{PANEL_WIDTH}" height="{PANEL}"/>')
        for value in (high, low):
            out.append(f'<text class="tick" x="{left - 6}" y="{_n(sy(value) + 5)}" text-anchor="end">'
                       f'{text(numfmt.sig(value, 3))}</text>')
        if low < 0 < high:
            out.append(f'<line class="zero" x1="{left}" x2="{right}" y1="{_n(sy(0))}" y2="{_n(sy(0))}"/>')
        out.append(f'<text class="tick" x="{left}" y="{top + PANEL + 22}">t = {first}</text>')
        if last > first:
            out.append(f'<text class="tick" x="{right}" y="{top + PANEL + 22}" text-anchor="end">{last}</text>')
        for p in range(values.shape[1]):
            colour = f"s{p % PALETTE}"
            for row in range(values.shape[0]):
                if not math.isfinite(values[row, p]):
                    continue  # an infinity or NaN (--nonfinite continue) has no place on the chart: a gap
                t = first + row
                x, y = _n(sx(t)), _n(sy(values[row, p]))
                if row and math.isfinite(values[row - 1, p]):
                    px, py = _n(sx(t - 1)), _n(sy(values[row - 1, p]))
                    out.append(f'<line class="seg {colour} mark" data-t="{t}" x1="{px}" y1="{py}" x2="{x}" y2="{y}"/>')
                out.append(f'<circle class="pt {colour} mark" data-t="{t}" cx="{x}" cy="{y}" r="4"/>')
        for t in range(first, last + 1):
            state = "now" if t == first else "later"
            out.append(f'<line class="cursor {state}" data-t="{t}" x1="{_n(sx(t))}" x2="{_n(sx(t))}" y1="{top}" '
                       f'y2="{top + PANEL}"/>')
    out.append("</svg>")
    if len(report.names) > 1:
        out.append('<p class="series">' + " ".join(
            f'<span class="key s{p % PALETTE}">●</span> {text(name)}' for p, name in enumerate(report.names)) + "</p>")
    out.append("</section>")
    return "\n".join(out)


def _range(values) -> tuple[float, float]:
    """The span of the finite values, with a margin (a flat line gets one of its own)."""
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    pad = (high - low) * 0.08 if high != low else abs(high) * 0.1 or 1.0
    return low - pad, high + pad


def _n(value: float) -> str:
    return f"{value:.1f}"


def _legend(mode: recurrence.Mode, *, exercise: bool = False) -> str:
    items = "".join(f"<li>{_symbol(q.name)} {text(_(q.meaning) % {'dx': notation.UNICODE.symbol('dx')})}</li>"
                    for q in recurrence.quantities(mode))
    keys = text(_("Keys: → next, ← back, Home first, End last.") if exercise else
                _("Keys: → next, ← back, Home first, End last. With the numbers hidden, click a value to show it."))
    return f'<section id="legend"><ul>{items}</ul><p class="keys">{keys}</p></section>'


# --- Style and script -------------------------------------------------------------------------------------------

LIGHT = {"bg": "#ffffff", "fg": "#15171a", "muted": "#5b6169", "rule": "#c9ced6", "panel": "#f3f5f8",
         "now": "#fff1a8", "mask": "#cdd3db", "accent": "#0b57b0", "s0": "#0b57b0", "s1": "#c0392b",
         "s2": "#1e8449", "s3": "#8e44ad", "s4": "#b9770e", "s5": "#117a8b"}
DARK = {"bg": "#121417", "fg": "#eceff3", "muted": "#a3abb6", "rule": "#3a4049", "panel": "#1d2126",
        "now": "#4d4416", "mask": "#4a525d", "accent": "#7fb2ff", "s0": "#7fb2ff", "s1": "#ff8a7a",
        "s2": "#6fd08c", "s3": "#c9a0ff", "s4": "#f5c26b", "s5": "#6fd6e6"}


def _vars(colours: dict) -> str:
    return " ".join(f"--{key}: {value};" for key, value in colours.items())


def _style() -> str:
    """The page's style sheet (``lesson.css``), its colours from LIGHT and DARK."""
    from string import Template

    css = (Path(__file__).parent / "lesson.css").read_text(encoding="utf-8")
    series = "".join(f".chart .s{i} {{ stroke: var(--s{i}); fill: var(--s{i}); }} .key.s{i} {{ color: var(--s{i}); }}"
                     for i in range(PALETTE))
    return "\n" + Template(css).substitute(light=_vars(LIGHT), dark=_vars(DARK), series=series)


def _script() -> str:
    """The page's script (``lesson.js``): the keys, the hash, the steps shown."""
    return "\n" + (Path(__file__).parent / "lesson.js").read_text(encoding="utf-8")
