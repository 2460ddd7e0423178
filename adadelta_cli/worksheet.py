"""Exercises: a worksheet with some columns left blank for the student, or its answer key with every cell filled.

The CSV layout is the one `adadelta check` reads back, settings included (as "# rho = 0.95" comment lines), so a
filled-in worksheet is marked with no flags at all.
"""

from __future__ import annotations

import numpy as np

from . import numfmt
from .errors import SettingsError
from .i18n import _, _f
from .render import Report, settings_text

HIDEABLE = ("g_eff", "eg2", "eta", "dx", "edx2", "x")
COLUMNS = ("t", "g", "g_eff", "eg2", "eta", "dx", "edx2", "x")
HEADINGS = {"t": "t", "param": "param", "g": "g_t", "g_eff": "g_eff,t", "eg2": "E[g²]_t", "eta": "η_t",
            "dx": "Δx_t", "edx2": "E[Δx²]_t", "x": "x_t"}
LATEX_HEADINGS = {"t": "$t$", "param": "param", "g": "$g_t$", "g_eff": r"$g^{\mathrm{eff}}_t$", "eg2": "$E[g^2]_t$",
                  "eta": r"$\eta_t$", "dx": r"$\Delta x_t$", "edx2": r"$E[\Delta x^2]_t$", "x": "$x_t$"}


def formulas(settings, notation=None) -> list[str]:
    """The sheet's formulas, from the step description, for the mode its settings put the recurrence in."""
    from . import recurrence

    mode = recurrence.Mode.of(settings)
    return [q.equation(mode, notation) for q in recurrence.quantities(mode)]


def columns(settings) -> list[str]:
    """The sheet's columns: g_eff only where the recurrence uses a gradient other than g_t."""
    from . import recurrence

    shown = recurrence.Mode.of(settings).g_eff
    return [c for c in COLUMNS if c != "g_eff" or shown]


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


def rows(report: Report, hide: list[str], answers: bool, digits: int) -> tuple[list[str], list[list[str]]]:
    """The worksheet's header and cells; hidden cells are blank unless this is the answer key."""
    several = len(report.names) > 1
    names = columns(report.settings)
    header = ["t"] + (["param"] if several else []) + names[1:]
    out = []
    for t, param, values in report.rows():
        cells = [str(t)] + ([param] if several else []) + [numfmt.full(values["g"])]
        for name in names[2:]:
            cells.append("" if name in hide and not answers else numfmt.sig(values[name], digits))
        out.append(cells)
    return header, out


def settings_comments(settings: dict) -> list[str]:
    """The settings as comment lines that `adadelta check` reads back."""
    def value(v):
        return ",".join(numfmt.full(u) for u in v) if isinstance(v, list) else numfmt.full(v)

    lines = [f"# {key} = {value(settings[key])}" for key in ("rho", "eps", "lr", "x0", "eg2_init", "edx2_init")]
    if settings.get("weight_decay"):
        lines += [f"# weight_decay = {value(settings['weight_decay'])}",
                  f"# weight_decay_mode = {settings['weight_decay_mode']}"]
    if settings.get("maximize"):
        lines.append("# maximize = true")
    if settings.get("lr_dtype", "float64") != "float64":
        lines.append(f"# lr_dtype = {settings['lr_dtype']}")
    return lines


def title(answers: bool) -> str:
    return _("Adadelta answer key") if answers else _("Adadelta worksheet")


def to_csv(report: Report, hide: list[str], answers: bool, digits: int) -> str:
    header, body = rows(report, hide, answers, digits)
    what = _("every cell filled") if answers else _("fill in the blank cells, then: adadelta check THIS_FILE")
    lines = [f"# {title(answers)} ({what})", *settings_comments(report.settings), ",".join(header)]
    lines += [",".join(cells) for cells in body]
    return "\n".join(lines) + "\n"


def to_markdown(report: Report, hide: list[str], answers: bool, digits: int) -> str:
    header, body = rows(report, hide, answers, digits)
    lines = [f"## {title(answers)}", "", settings_text(report.settings, digits), ""]
    lines += [f"- {formula}" for formula in formulas(report.settings)] + [""]
    escaped = [HEADINGS[h].replace("_", "\\_") for h in header]
    lines += ["| " + " | ".join(escaped) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def to_latex(report: Report, hide: list[str], answers: bool, digits: int, fragment: bool = False) -> str:
    """A printable document: the settings, the formulas of the sheet's mode, the table with room to write (a long
    sheet continues on the next page, its heading repeated)."""
    from . import latexdoc, recurrence

    header, body = rows(report, hide, answers, digits)
    mode = recurrence.Mode.of(report.settings)
    settings = settings_text(report.settings, digits)
    blank = [h for h in header if h in hide and not answers]
    spec = "|".join("c" if h in ("t", "param") else ("r" if h == "g" or h not in blank else
                                                     r">{\raggedleft\arraybackslash}p{2.3cm}") for h in header)

    def cell(text: str, name: str) -> str:
        if name == "param":
            return latexdoc.text(text)
        if not text:
            return r"\rule{0pt}{4ex}"
        return latexdoc.number(float(text), digits)

    headings = [latexdoc.text(_("param")) if h == "param" else f"${LATEX_HEADINGS[h].strip('$')}$" for h in header]
    head = " & ".join(headings) + r" \\ \hline"
    lines = [latexdoc.settings_paragraph(report.settings, digits), "",
             *latexdoc.align(latexdoc.formulas(mode)), "",
             r"{\renewcommand{\arraystretch}{1.9}", rf"\begin{{longtable}}{{|{spec}|}}", r"\hline", head,
             r"\endfirsthead", r"\hline", head, r"\endhead", r"\hline", r"\endfoot"]
    for cells in body:
        lines.append(" & ".join(cell(c, h) for c, h in zip(cells, header)) + r" \\ \hline")
    lines += [r"\end{longtable}}"]
    return latexdoc.document(title(answers), lines, fragment, extra_text=(settings, *report.names))


def table(report: Report, hide: list[str], answers: bool, digits: int):
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    header, body = rows(report, hide, answers, digits)
    result = Table(box=box.SQUARE, show_lines=True)
    for h in header:
        result.add_column(Text(HEADINGS[h]), justify="left" if h == "param" else "right", no_wrap=True,
                          min_width=max(len(HEADINGS[h]), 12 if h in hide and not answers else 1))
    for cells in body:
        result.add_row(*(Text(c) for c in cells))
    lines = [Text(_("%(title)s: %(settings)s") % {"title": title(answers),
                                             "settings": settings_text(report.settings, digits)}, style="bold")]
    lines += [Text("  " + f) for f in formulas(report.settings)]
    return Group(*lines, Text(""), result)
