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

import numpy as np

from adadelta_cli import numfmt
from adadelta_cli.formats import render
from adadelta_cli.i18n import N_, _, _f, language
from adadelta_cli.maths import recurrence
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
    mode = recurrence.Mode.of(report.settings)
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
        _legend(mode, exercise=exercise),
        '</main>',
        f'<p class="move" id="move" hidden>{text(_(MOVE))}</p>',
    ]
    script = _SCRIPT
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
    """t -> [(parameter, MathML lines)] for every step: --explain's own lines (``explain.report_lines``, which
    carries each parameter's state and settings from step to step), in the MathML notation."""
    from adadelta_cli.formats import explain

    out: dict[int, list] = {}
    lines = explain.report_lines(report, digits, notation=recurrence.MATHML, as_parts=True)
    for (t, param, _values), (_heading, step) in zip(report.rows(), lines, strict=True):
        out.setdefault(t, []).append((param, step))
    return out


def _step_label(t: int, last: int) -> str:
    return text(_f("Step %(t)d of %(total)d", t=t, total=last))


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


_EQUALS = recurrence.MATHML.equals


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
    out = [f'<section class="step" id="step-{t}" data-t="{t}"{hidden}>', f"<h2>{_step_label(t, last)}</h2>"]
    row = t - report.first_t
    for p, (param, lines) in enumerate(blocks):
        out.append('<div class="param">')
        if several:
            out.append(f'<h3>{text(param)}</h3>')
        # The step's gradient, given: what the step is worked out from (printed as an exercise too).
        g = recurrence.MATHML.num(float(report.steps.g[row, p]), digits)
        out.append(f'<p class="given"><math displaystyle="true">{recurrence.MATHML.symbol("g", t)}{_EQUALS}{g}'
                   f'</math></p>')
        out.extend(_math_line(line, exercise=exercise) for line in lines)
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)


def _columns(report: render.Report) -> list[str]:
    return [name for name in render.TABLE_COLUMNS if name != "g_eff" or report.show_g_eff]


def _symbol(name: str, t: int | str = "t") -> str:
    return f"<math>{recurrence.MATHML.symbol(name, t)}</math>"


def _table_section(report: render.Report, digits: int, first: int, *, exercise: bool = False) -> str:
    several = len(report.names) > 1
    columns = _columns(report)
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
    for index, (name, symbol) in enumerate((("x", "x"), ("eta", "η"))):
        left, top = LEFT, index * outer + TOP
        right = left + PANEL_WIDTH
        values = getattr(steps, name).astype(float)
        low, high = _range(values)

        def sx(t: int, left=left) -> float:
            return left + PANEL_WIDTH * ((t - first) / span if last > first else 0.5)

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
            out.append(f'<line class="cursor {state}" data-t="{t}" x1="{_n(sx(t))}" x2="{_n(sx(t))}" y1="{TOP}" '
                       f'y2="{TOP + PANEL}"/>')
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
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _n(value: float) -> str:
    return f"{value:.1f}"


def _legend(mode: recurrence.Mode, *, exercise: bool = False) -> str:
    items = "".join(f"<li>{_symbol(q.name)} {text(_(q.meaning))}</li>" for q in recurrence.quantities(mode))
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
    return f"""
:root {{ {_vars(LIGHT)} color-scheme: light; }}
:root.dark {{ {_vars(DARK)} color-scheme: dark; }}
@media (prefers-color-scheme: dark) {{ :root:not(.light) {{ {_vars(DARK)} color-scheme: dark; }} }}
html {{ font-size: clamp(17px, 0.9vw + 9px, 26px); }}
body {{ margin: 0 auto; max-width: 90rem; padding: 0.6rem 1.2rem 2rem; background: var(--bg); color: var(--fg);
  font-family: system-ui, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  line-height: 1.4; }}
:root.large {{ font-size: clamp(24px, 1.3vw + 13px, 38px); }}
h1 {{ font-size: 1.35rem; margin: 0.2rem 0; }}
h2 {{ font-size: 1.15rem; margin: 0.5rem 0; }}
h3 {{ font-size: 1rem; margin: 0.4rem 0 0; color: var(--muted); }}
.settings, .keys, .series, .note {{ margin: 0.2rem 0; color: var(--muted); font-size: 0.85rem; }}
.note {{ color: var(--fg); border-left: 4px solid var(--s4); padding-left: 0.5rem; }}
nav {{ display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.5rem 0; }}
nav .toggles {{ display: flex; flex-wrap: wrap; gap: 0.4rem; margin-left: auto; }}
button, input {{ font: inherit; font-size: 0.9rem; color: var(--fg); background: var(--panel);
  border: 1px solid var(--rule); border-radius: 0.35rem; padding: 0.2rem 0.6rem; }}
button {{ cursor: pointer; min-width: 2.4rem; }}
button:disabled {{ opacity: 0.4; cursor: default; }}
button[aria-pressed="true"] {{ background: var(--accent); color: var(--bg); border-color: var(--accent); }}
button:focus-visible, input:focus-visible {{ outline: 3px solid var(--accent); outline-offset: 1px; }}
#step-box {{ width: 4.5em; }}
#formulas {{ background: var(--panel); border: 1px solid var(--rule); border-radius: 0.5rem;
  padding: 0.2rem 1rem 0.6rem; margin: 0.4rem 0 0.8rem; }}
.line {{ display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 0.3em; margin: 0.5em 0;
  padding-left: 2.5em; font-size: 1.15em; }}
.line > math:first-child {{ margin-left: -2.5em; }}
.seg {{ display: inline-flex; align-items: baseline; gap: 0.3em; }}
.v {{ padding: 0 0.1em; }}
.below {{ display: flex; flex-direction: column; gap: 0.8rem; }}
#table-section {{ min-width: 0; max-width: 100%; }}
#chart-section {{ width: 100%; }}
/* A projector or a wide screen: the step's formulas on the left; the table and the chart on the right, kept in view
   while the formulas scroll (large print), so that one screen holds the step. */
@media screen and (min-width: 1000px) and (min-aspect-ratio: 5/4) {{
  :root:not(.large) main {{ display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); column-gap: 1.2rem;
    grid-template-areas: "formulas side" "legend legend"; align-items: start; }}
  :root:not(.large) #formulas {{ grid-area: formulas; }}
  :root:not(.large) .below {{ grid-area: side; position: sticky; top: 0.4rem; margin-top: 0.4rem; gap: 0.4rem; }}
  :root:not(.large) #table-section h2 {{ display: none; }}
  :root:not(.large) #legend {{ grid-area: legend; }}
  :root:not(.large) .scroll {{ max-height: 30vh; }}
  :root:not(.large) table {{ font-size: 0.68rem; }}
  :root:not(.large) th, :root:not(.large) td {{ padding: 0.15rem 0.2rem 0.15rem 0.5rem; }}
  :root:not(.large) .chart {{ max-height: calc(100vh - 14rem); }}
}}
.move {{ position: fixed; right: 0.6rem; bottom: 0.6rem; margin: 0; z-index: 2; max-width: 60vw;
  padding: 0.2rem 0.7rem; border-radius: 0.4rem; background: var(--accent); color: var(--bg); font-size: 0.7rem;
  box-shadow: 0 0.1rem 0.5rem rgba(0, 0, 0, 0.3); }}
.move[hidden] {{ display: none; }}
.scroll {{ max-height: 22rem; overflow: auto; border: 1px solid var(--rule); border-radius: 0.4rem; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.9rem; }}
th, td {{ padding: 0.2rem 0.6rem; text-align: right; white-space: nowrap; border-bottom: 1px solid var(--rule); }}
td.name {{ text-align: left; }}
thead th {{ position: sticky; top: 0; z-index: 1; background: var(--panel); border-bottom: 2px solid var(--rule); }}
tbody tr.now {{ background: var(--now); font-weight: 600; }}
tbody tr.later {{ display: none; }}
.chart {{ width: 100%; height: auto; max-height: 85vh; }}
.chart .frame {{ fill: none; stroke: var(--rule); }}
.chart .zero {{ stroke: var(--rule); stroke-dasharray: 4 3; }}
.chart .title {{ fill: var(--fg); font-style: italic; font-size: 24px; }}
.chart .sub {{ font-size: 18px; }}
.chart .tick {{ fill: var(--muted); font-size: 18px; }}
.chart .seg {{ stroke-width: 2.5; }}
.chart .cursor {{ stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 5 4; }}
.chart .later, .chart .cursor:not(.now) {{ display: none; }}
.chart circle.now {{ r: 6; }}
{"".join(f".chart .s{i} {{ stroke: var(--s{i}); fill: var(--s{i}); }} .key.s{i} {{ color: var(--s{i}); }}"
         for i in range(PALETTE))}
#legend ul {{ list-style: none; padding: 0; margin: 1rem 0 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.6rem;
  color: var(--muted); font-size: 0.85rem; }}
.exercise .step .v:not(.shown), .exercise tr.now .v:not(.shown) {{ color: transparent; background: var(--mask);
  border-radius: 0.2em; cursor: pointer; }}
.given {{ margin: 0.3em 0; font-size: 1.15em; }}
.task {{ margin: 0.3rem 0; font-weight: 600; }}
.blank {{ display: none; align-items: baseline; gap: 0.3em; }}
body.sheet .blank {{ display: inline-flex; }}
.box {{ display: inline-block; min-width: 9em; height: 1.5em; vertical-align: middle;
  border: 1.5px solid var(--fg); border-radius: 0.2em; }}
td.box {{ display: table-cell; min-width: 4em; height: 1.6em; border: 1px solid var(--rule); border-radius: 0; }}
@media print {{
  :root, :root.dark, :root:not(.light) {{ {_vars(LIGHT)} color-scheme: light; }}
  html {{ font-size: 13pt; }}
  body {{ max-width: none; padding: 0; }}
  nav, #chart-section, #legend, .move {{ display: none; }}
  #formulas {{ border: none; background: none; padding: 0; margin: 0; }}
  section.step, section.step[hidden] {{ display: block; }}
  section.step + section.step, .below {{ break-before: page; }}
  section.step h2 {{ font-size: 1.3rem; }}
  .scroll {{ max-height: none; overflow: visible; border: none; }}
  tbody tr.later {{ display: table-row; }}
  tbody tr.now {{ background: none; }}
  /* The exercise on paper: every step's g_t and formulas with a box for each result, the table with blank cells;
     the worked values are left out of the printed document (not drawn at all, so not in its text either). */
  .exercise section.step + section.step {{ break-before: auto; }}
  .exercise section.step {{ break-inside: avoid; border-top: 1px solid var(--rule); }}
  .exercise section.step h2 {{ font-size: 1.1rem; }}
  .exercise .seg, .exercise td.v > span {{ display: none; }}
  .exercise .blank {{ display: inline-flex; }}
  .exercise .line {{ margin: 0.35em 0; font-size: 1em; }}
  .exercise .below {{ break-before: auto; margin-top: 1rem; }}
  .exercise #table-section {{ break-inside: avoid; }}
  .exercise table {{ font-size: 0.85rem; }}
  .exercise tbody td, .exercise tbody th {{ height: 2.2em; }}
  .exercise td.v, .exercise td.box {{ min-width: 6em; border: 1px solid var(--rule); }}
  .exercise tbody tr.now {{ font-weight: normal; }}
}}
"""


_SCRIPT = r"""
(function () {
  "use strict";
  var root = document.documentElement, body = document.body;
  var first = parseInt(root.getAttribute("data-first"), 10), last = parseInt(root.getAttribute("data-last"), 10);
  var sections = document.querySelectorAll("section.step");
  var marked = document.querySelectorAll("tr[data-t], .chart [data-t]");
  var box = document.getElementById("step-box");
  var scroller = document.querySelector(".scroll");
  var current = first, revealed = {};
  function $(id) { return document.getElementById(id); }
  function clamp(n) {
    n = parseInt(n, 10);
    return isNaN(n) ? first : Math.min(Math.max(n, first), last);
  }
  function fromHash() {
    var m = /^#step=(-?\d+)$/.exec(location.hash);
    return m ? clamp(m[1]) : first;
  }
  function exercise() { return body.classList.contains("exercise"); }
  function show(n) {
    current = n;
    var hideNow = exercise() && !revealed[n];
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = parseInt(sections[i].getAttribute("data-t"), 10) !== n;
    }
    for (var j = 0; j < marked.length; j++) {
      var el = marked[j], t = parseInt(el.getAttribute("data-t"), 10);
      var drawn = el.classList.contains("mark");
      el.classList.toggle("later", t > n || (drawn && t === n && hideNow));
      el.classList.toggle("now", t === n);
    }
    box.value = n;
    $("first").disabled = $("back").disabled = n === first;
    $("next").disabled = $("end").disabled = n === last;
    if ($("reveal")) { $("reveal").hidden = !exercise(); }
    fits();
    var row = document.querySelector("tbody tr.now");
    if (row && scroller) {
      var top = row.offsetTop - scroller.querySelector("thead").offsetHeight;
      if (top < scroller.scrollTop || row.offsetTop + row.offsetHeight > scroller.scrollTop + scroller.clientHeight) {
        scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
      }
    }
  }
  function fits() {
    $("move").hidden = !root.classList.contains("large") ||
      window.scrollY + window.innerHeight >= root.scrollHeight - 4;
  }
  window.addEventListener("scroll", fits);
  window.addEventListener("resize", fits);
  function go(n) {
    n = clamp(n);
    var hash = "#step=" + n;
    if (location.hash !== hash) { location.replace(hash); } else { show(n); }
  }
  function values() {
    return document.querySelectorAll("#step-" + current + " .v, tr.now .v");
  }
  function checkRevealed() {
    var all = values();
    for (var i = 0; i < all.length; i++) { if (!all[i].classList.contains("shown")) { return; } }
    revealed[current] = true;
    show(current);
  }
  window.addEventListener("hashchange", function () { show(fromHash()); });
  $("first").addEventListener("click", function () { go(first); });
  $("back").addEventListener("click", function () { go(current - 1); });
  $("next").addEventListener("click", function () { go(current + 1); });
  $("end").addEventListener("click", function () { go(last); });
  box.addEventListener("change", function () { go(box.value); });
  if ($("exercise")) {
    $("exercise").addEventListener("click", function () {
      var on = body.classList.toggle("exercise");
      this.setAttribute("aria-pressed", on ? "true" : "false");
      show(current);
    });
    $("reveal").addEventListener("click", function () {
      var all = values();
      for (var i = 0; i < all.length; i++) { all[i].classList.add("shown"); }
      checkRevealed();
    });
  }
  $("large").addEventListener("click", function () {
    this.setAttribute("aria-pressed", root.classList.toggle("large") ? "true" : "false");
    fits();
  });
  $("theme").addEventListener("click", function () {
    var dark = root.classList.contains("dark") ||
      (!root.classList.contains("light") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    root.classList.toggle("dark", !dark);
    root.classList.toggle("light", dark);
  });
  $("print").addEventListener("click", function () { window.print(); });
  document.addEventListener("click", function (e) {
    var v = e.target.closest ? e.target.closest(".v") : null;
    if (v && exercise()) { v.classList.add("shown"); checkRevealed(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === box && e.key === "Enter") { go(box.value); return; }
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === box) { return; }
    var keys = {ArrowRight: current + 1, PageDown: current + 1, ArrowLeft: current - 1, PageUp: current - 1,
                Home: first, End: last};
    if (!(e.key in keys)) { return; }
    e.preventDefault();
    go(keys[e.key]);
  });
  show(fromHash());
}());
"""
