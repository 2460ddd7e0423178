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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.features import shown
from adadelta_cli.formats import render
from adadelta_cli.i18n import N_, _, _f, language
from adadelta_cli.maths import notation
from adadelta_cli.safe import xml as text  # every text on the page: escaped, control characters shown as escapes

MAX_ROWS = 2000  # steps × parameters: a page for the classroom, not a long trace (each step is written out whole)
PALETTE = 6  # series colours in the chart, reused past that many parameters

# --- The page ---------------------------------------------------------------------------------------------------


def page(trace, digits: int = 6, *, exercise: bool = False, beside: Sequence = ()) -> str:
    """The whole lesson page for a trace (a ``render.Report`` of Adadelta, or what ``shown`` says a trace shows:
    a family member's ``Traced``), as text (UTF-8 when written).

    ``exercise``: the page for the students (``lesson --exercise``): each step's g_t, the settings, the formulas with
    a blank box for each result and the table with blank cells; the worked values are not in the page at all (no
    chart either: its points are answers). ``beside``: other optimizers' traces of the same gradients (``lesson
    --with``): each step's formulas for each, their η_t and x_t side by side in the table and on the chart."""
    from adadelta_cli.errors import SettingsError

    traces = [shown.Adadelta(trace, digits) if isinstance(trace, render.Report) else trace, *beside]
    main = traces[0]
    rows = main.total * len(main.names)
    if rows > MAX_ROWS:
        raise SettingsError(_f("a lesson page steps through at most %(limit)d rows (steps × parameters); this "
                               "input has %(count)d: give fewer gradients", limit=MAX_ROWS, count=rows))
    explained = [_explained(one, digits) for one in traces]
    first = main.t_of(0)
    last = first + main.total - 1
    body = [
        _header(traces, digits, first, last, exercise=exercise),
        '<main>',
        '<section id="formulas" aria-live="polite">',
        *(_step_section(traces, t, [e[t] for e in explained], first, last, digits, exercise=exercise)
          for t in range(first, last + 1)),
        '</section>',
        '<div class="below">',
        _table_section(main, digits, first, exercise=exercise) if len(traces) == 1 else
        _side_by_side(traces, digits, first, exercise=exercise),
        "" if exercise else _chart_section(traces, first, last),
        '</div>',
        _legend(traces, exercise=exercise),
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
        f"<title>{text(_title(traces, exercise=exercise))}</title>",
        f"<style>{_style()}</style>",
        # Without the script (switched off, or a viewer without one), every step and row is shown, one after another.
        "<noscript><style>section.step[hidden] { display: block; } tbody tr.later { display: table-row; } "
        "nav { display: none; }</style></noscript>",
        "</head>",
        '<body class="exercise sheet">' if exercise else "<body>",
    ]
    return "\n".join(head + body + [f"<script>{script}</script>", "</body>", "</html>"]) + "\n"


def _explained(trace, digits: int) -> dict[int, list[tuple[str, list[tuple[str, ...]]]]]:
    """t -> [(parameter, MathML lines)] for every step: --explain's own lines (each step worked out from the state
    and settings the trace carries), in the MathML notation."""
    out: dict[int, list] = {}
    for t, param, lines in trace.lines(list(range(trace.total)), digits, notation.MATHML):
        out.setdefault(t, []).append((param, lines))
    return out


MOVE = N_("↓ More below (the table, the chart): scroll with ↓ or the mouse wheel; → is the next step")
TASK = N_("Work out each step from its g_t and the settings: fill in every box, then the table.")


def _title(traces: list, *, exercise: bool) -> str:
    optimizer = shown.title(traces)
    return (_("%(optimizer)s, step by step: exercise") if exercise else _("%(optimizer)s, step by step")) % {
        "optimizer": optimizer}


def source_name(source: str) -> str:
    r"""The input as the page names it: a file by its name alone (a page on the wall never shows a directory).

    >>> source_name("/home/ann/course/article.csv"), source_name("C:\\Users\\ann\\g.txt"), source_name("-")
    ('article.csv', 'g.txt', '-')
    """
    return source.replace("\\", "/").rstrip("/").rpartition("/")[2] or source


def _header(traces: list, digits: int, first: int, last: int, *, exercise: bool = False) -> str:
    main = traces[0]
    source = main.source
    if source == "the article's example":
        source = _(source)
    elif source == "arguments":  # the gradients typed on the command line: shown as they are (the first few)
        given = [numfmt.sig(g, digits) for g in main.series("g")[:8, 0].tolist()]
        source = "g = " + ", ".join(given) + (", …" if main.total > 8 else "")
    else:
        source = source_name(source)
    notes = "".join(f'<p class="note">{text(note)}</p>' for one in traces for note in one.notes)
    settings = [f'<p class="settings">{text(one.headline)}</p>' for one in traces[1:]]
    button = '<button type="button" id="{0}" title="{2}">{1}</button>'.format
    return "\n".join([
        "<header>",
        f"<h1>{text(_title(traces, exercise=exercise))}</h1>",
        f'<p class="settings">{text(main.headline)} · {text(_f("input: %(source)s", source=source))}</p>',
        *settings,
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


def _step_section(traces: list, t: int, blocks: list[list[tuple[str, list[tuple[str, ...]]]]], first: int,
                  last: int, digits: int = 6, *, exercise: bool = False) -> str:
    """Step ``t``: for each parameter its g_t, then each optimizer's lines (``blocks``: per trace, per parameter)."""
    main = traces[0]
    several, beside = len(main.names) > 1, len(traces) > 1
    hidden = "" if t == first else " hidden"
    label = text(_f("Step %(t)d of %(total)d", t=t, total=last))
    out = [f'<section class="step" id="step-{t}" data-t="{t}"{hidden}>', f"<h2>{label}</h2>"]
    g = main.series("g")[t - first]
    for p, param in enumerate(main.names):
        out += ['<div class="param">', *([f'<h3>{text(param)}</h3>'] if several else [])]
        # The step's gradient, given: what the step is worked out from (printed as an exercise too).
        out.append(f'<p class="given"><math displaystyle="true">{notation.MATHML.symbol("g", t)}{_EQUALS}'
                   f'{notation.MATHML.num(float(g[p]), digits)}</math></p>')
        for one, lines in zip(traces, blocks):
            if beside:
                out.append(f'<h4 class="optimizer">{text(one.title)}</h4>')
            out.extend(_math_line(line, exercise=exercise) for line in lines[p][1])
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _symbol(name: str, t: int | str = "t") -> str:
    return f"<math>{notation.MATHML.symbol(name, t)}</math>"


def _cell(value, digits: int, *, given: bool = False, exercise: bool = False) -> str:
    """A table's cell: g_t given as it is; a worked value in a span of its own (a printed exercise leaves it out,
    not merely transparent), or a blank box on the exercise page."""
    number = text(value if isinstance(value, str) else numfmt.sig(value, digits))
    if given:
        return f"<td>{number}</td>"
    return '<td class="box"></td>' if exercise else f'<td class="v"><span>{number}</span></td>'


def _table(heads: list[str], rows, digits: int, first: int, *, several: bool, exercise: bool) -> str:
    """The table of the steps so far: ``rows`` of (t, param, [(value, given)]), the first step's highlighted."""
    out = [f'<section id="table-section" aria-label="{text(_("Steps so far"))}">',
           f"<h2>{text(_('Steps so far'))}</h2>", '<div class="scroll">', "<table>",
           f"<thead>{''.join(heads)}</thead>", "<tbody>"]
    for t, param, cells in rows:
        state = ' class="now"' if t == first else ' class="later"'
        row = [f'<th scope="row">{t}</th>'] + ([f'<td class="name">{text(param)}</td>'] if several else [])
        row += [_cell(value, digits, given=given, exercise=exercise) for value, given in cells]
        out.append(f'<tr data-t="{t}"{state}>{"".join(row)}</tr>')
    out += ["</tbody>", "</table>", "</div>", "</section>"]
    return "\n".join(out)


def _table_section(trace, digits: int, first: int, *, exercise: bool = False) -> str:
    """One optimizer's table: every quantity of every step so far."""
    several = len(trace.names) > 1
    heads = ['<th scope="col"><math><mi>t</mi></math></th>'] + (
        [f'<th scope="col">{text(_("param"))}</th>'] if several else []) + [
        f'<th scope="col">{_symbol(name)}</th>' for name in trace.keys]
    rows = ((t, param, [(values[name], name == "g") for name in trace.keys]) for t, param, values in trace.rows())
    return _table([f"<tr>{''.join(heads)}</tr>"], rows, digits, first, several=several, exercise=exercise)


def _side_by_side(traces: list, digits: int, first: int, *, exercise: bool = False) -> str:
    """Several optimizers' tables in one: t, g_t, then each optimizer's η_t and x_t under its name."""
    main = traces[0]
    several = len(main.names) > 1
    # One row of headings (a sticky header of two rows would slide one over the other): each symbol over its
    # optimizer's name.
    lead = ['<th scope="col"><math><mi>t</mi></math></th>'] + (
        [f'<th scope="col">{text(_("param"))}</th>'] if several else []) + [f'<th scope="col">{_symbol("g")}</th>']
    symbols = "".join(f'<th scope="col">{_symbol(name)}<br><span class="who">{text(one.title)}</span></th>'
                      for one in traces for name in shown.SIDE_BY_SIDE)
    series = [[one.series(name) for name in shown.SIDE_BY_SIDE] for one in traces]
    g = main.series("g")
    rows = ((first + i, param, [(float(g[i, p]), True)] + [(shown.undefined(values[i, p]), False)
                                                          for each in series for values in each])
            for i in range(main.total) for p, param in enumerate(main.names))
    return _table([f"<tr>{''.join(lead)}{symbols}</tr>"], rows, digits, first,
                  several=several, exercise=exercise)


# --- The chart --------------------------------------------------------------------------------------------------

# One panel and its margins, in the SVG's units. The chart is as wide as its column, so its type grows with the
# screen: 18 units are about 21 px at 1280 px wide and 32 px at 1920.
PANEL_WIDTH, PANEL, LEFT, RIGHT, TOP, BOTTOM = 400, 120, 92, 20, 36, 32


def _marks(values: np.ndarray, first: int, sx, sy) -> list[str]:
    """Each series' points and segments (a column of ``values`` a series), each carrying its step."""
    out = []
    for p in range(values.shape[1]):
        colour = f"s{p % PALETTE}"
        for row in range(values.shape[0]):
            if not math.isfinite(values[row, p]):
                continue  # an infinity or NaN (--nonfinite continue, η_t where g_t = 0) has no place: a gap
            t = first + row
            x, y = _n(sx(t)), _n(sy(values[row, p]))
            if row and math.isfinite(values[row - 1, p]):
                px, py = _n(sx(t - 1)), _n(sy(values[row - 1, p]))
                out.append(f'<line class="seg {colour} mark" data-t="{t}" x1="{px}" y1="{py}" x2="{x}" y2="{y}"/>')
            out.append(f'<circle class="pt {colour} mark" data-t="{t}" cx="{x}" cy="{y}" r="4"/>')
    return out


def _chart_section(traces: list, first: int, last: int) -> str:
    """x_t and η_t against t, one above the other (each as wide as the chart), a series for each optimizer and
    parameter; every point and segment carries its step, so that the page shows the steps so far; a cursor per step
    marks the current one. Beside other optimizers, η_t's panel is on a log scale where every η_t is positive: their
    rates differ by orders of magnitude."""
    span = max(last - first, 1)
    outer = TOP + PANEL + BOTTOM
    width, height = LEFT + PANEL_WIDTH + RIGHT, 2 * outer
    label = text(_("Chart of x_t and η_t"))
    out = [f'<section id="chart-section" aria-label="{label}">',
           f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">']
    left, right = LEFT, LEFT + PANEL_WIDTH
    names = traces[0].names

    def sx(t: int) -> float:
        return left + PANEL_WIDTH * ((t - first) / span if last > first else 0.5)

    for index, (name, symbol) in enumerate((("x", "x"), ("eta", "η"))):
        top = index * outer + TOP
        values = np.concatenate([one.series(name) for one in traces], axis=1)
        finite = values[np.isfinite(values)]
        log = name == "eta" and len(traces) > 1 and finite.size > 0 and bool((finite > 0).all())
        if log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
        low, high = _range(values)

        def sy(v: float, low=low, high=high, top=top) -> float:
            return top + PANEL - PANEL * (v - low) / (high - low)

        scale = f'<tspan class="tick" dx="10" dy="-5">({text(_("log scale"))})</tspan>' if log else ""
        out.append(f'<text class="title" x="{left}" y="{top - 9}">{symbol}<tspan class="sub" dy="5">t</tspan>'
                   f'{scale}</text>')
        out.append(f'<rect class="frame" x="{left}" y="{top}" width="{PANEL_WIDTH}" height="{PANEL}"/>')
        for value in (high, low):
            out.append(f'<text class="tick" x="{left - 6}" y="{_n(sy(value) + 5)}" text-anchor="end">'
                       f'{text(numfmt.sig(10 ** value if log else value, 3))}</text>')
        if low < 0 < high and not log:
            out.append(f'<line class="zero" x1="{left}" x2="{right}" y1="{_n(sy(0))}" y2="{_n(sy(0))}"/>')
        out.append(f'<text class="tick" x="{left}" y="{top + PANEL + 22}">t = {first}</text>')
        if last > first:
            out.append(f'<text class="tick" x="{right}" y="{top + PANEL + 22}" text-anchor="end">{last}</text>')
        out += _marks(values, first, sx, sy)
        for t in range(first, last + 1):
            state = "now" if t == first else "later"
            out.append(f'<line class="cursor {state}" data-t="{t}" x1="{_n(sx(t))}" x2="{_n(sx(t))}" y1="{top}" '
                       f'y2="{top + PANEL}"/>')
    out.append("</svg>")
    keys = [(one.title if len(traces) > 1 else "") + (" · " if len(traces) > 1 and len(names) > 1 else "")
            + (name if len(names) > 1 else "") for one in traces for name in names]
    if len(keys) > 1:
        out.append('<p class="series">' + " ".join(
            f'<span class="key s{k % PALETTE}">●</span> {text(key)}' for k, key in enumerate(keys)) + "</p>")
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


def _legend(traces: list, *, exercise: bool = False) -> str:
    """Each symbol's meaning (each optimizer's under its name, beside others), and the keys."""
    parts = []
    for one in traces:
        items = "".join(f"<li>{_symbol(name)} {text(meaning)}</li>" for name, meaning in one.legend())
        parts.append((f'<h3>{text(one.title)}</h3>' if len(traces) > 1 else "") + f"<ul>{items}</ul>")
    keys = text(_("Keys: → next, ← back, Home first, End last.") if exercise else
                _("Keys: → next, ← back, Home first, End last. With the numbers hidden, click a value to show it."))
    return f'<section id="legend">{"".join(parts)}<p class="keys">{keys}</p></section>'


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
