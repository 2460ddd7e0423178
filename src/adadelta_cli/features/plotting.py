"""Figures of a trace or a run to a PNG, SVG or PDF file (matplotlib, optional): the style, the fonts, the panels.

Figures are made for a projector: labels in mathematical notation (mathtext), whole-number step ticks, the Okabe–Ito
colour-blind-safe palette with a marker and a line style of its own for each series, legends beside the data
rather than on it, and a large-print style for slides. Chinese labels use a CJK font found on the system; where
there is none, one line says so and the labels stay English.
"""

from __future__ import annotations

import logging
import re
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adadelta_cli import messages, outfiles
from adadelta_cli.errors import SettingsError
from adadelta_cli.features import shown
from adadelta_cli.i18n import N_, _, _f
from adadelta_cli.maths import notation

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FILE_FORMATS = (".png", ".svg", ".pdf")
# A legend beside the axes, never over the data.
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "frameon": False,
          "handlelength": 3.0}

# The figure's panels: (quantities, log scale), each titled with its quantities' symbols in mathtext.
FIGURE_PANELS = ((("g",), False), (("eg2", "edx2"), True), (("eta",), False), (("dx",), False), (("x",), False))
# Okabe & Ito (2008): told apart with every common colour-vision deficiency, and in grey by marker and line style.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)))
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB", "Noto Sans SC")
CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback", "uming", "ukai", "simhei",
             "msyh", "pingfang", "notosanssc")


def style(index: int) -> dict:
    """The look of the ``index``-th series: colour, marker and line style, each told apart on its own."""
    return {"color": PALETTE[index % len(PALETTE)], "marker": MARKERS[index % len(MARKERS)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)]}


def pyplot():
    """matplotlib's pyplot on the file-only backend, or a clear message naming the extra to install."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SettingsError(_("drawing to a file needs matplotlib: pip install 'adadelta-cli[plot]' "
                              "(without -o the chart is drawn in the terminal)")) from None
    return plt


def cjk_font() -> str | None:
    """The name of a font on this system that has Chinese characters, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in known:
            return name
    # A font installed after matplotlib built its cache: look at the files themselves (every weight, so that the
    # regular one is there for the labels and the bold one for titles).
    # (matplotlib's stubs allow only "ttf" and "afm"; findSystemFonts takes "otf" as it takes "ttf")
    files = font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf")  # type: ignore[arg-type]
    for path in sorted(files):
        if any(key in Path(path).name.lower().replace("-", "").replace("_", "") for key in CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in known), None)


FONT_TO_INSTALL = N_("Noto Sans CJK (apt install fonts-noto-cjk; on other systems any font with these characters)")


def needs_cjk(*texts: str | None) -> bool:
    """Whether any of ``texts`` (a title, a parameter's name) holds a character DejaVu Sans has no glyph for:
    Chinese, Japanese and Korean (the ranges a CJK font covers).

    >>> needs_cjk("x", "ρ = 0.95", "Δx_t"), needs_cjk("权重"), needs_cjk(None)
    (False, True, False)
    """
    import unicodedata

    return any(unicodedata.east_asian_width(c) in ("W", "F") for text in texts if text for c in text)


def font_family(*texts: str | None) -> list[str] | None:
    """The fonts every text of a figure is drawn with, found the one way for titles, labels, legends, ticks and an
    animation's counter: DejaVu Sans (Latin, Greek, subscripts), then a CJK font where the language in force is
    Chinese or a text needs one (matplotlib takes each glyph from the first font that has it). None: a CJK font is
    needed and there is none on this system."""
    from adadelta_cli import i18n

    if i18n.language() != "zh" and not needs_cjk(*texts):
        return ["DejaVu Sans"]
    font = cjk_font()
    return ["DejaVu Sans", font] if font else None


@contextmanager
def figure_style(*, large: bool = False, texts: tuple[str | None, ...] = ()):
    """matplotlib settings for one figure: the palette, the fonts of ``font_family`` (for Chinese without a CJK font:
    English labels, said once), larger type and thicker lines for slides (``large``); fixed SVG ids so the same
    figure gives the same bytes. ``texts``: what the figure shows from the data (names, the title). A character the
    fonts cannot draw is one warning that names the font to install."""
    import matplotlib
    from matplotlib.rcsetup import cycler  # (matplotlib.cycler, which matplotlib's stubs do not list)

    from adadelta_cli import i18n

    rc: dict[RcKeyType, Any] = {
        "axes.prop_cycle": cycler(color=PALETTE), "svg.hashsalt": "adadelta", "axes.grid": True, "grid.alpha": 0.3,
        "mathtext.fontset": "dejavusans", "axes.titlesize": "large", "lines.linewidth": 1.8, "lines.markersize": 5}
    if large:
        rc.update({"font.size": 17, "axes.titlesize": 20, "axes.labelsize": 18, "xtick.labelsize": 15,
                   "ytick.labelsize": 15, "legend.fontsize": 15, "lines.linewidth": 3.0, "lines.markersize": 9,
                   "axes.linewidth": 1.4})
    language = i18n.language()
    family = font_family(*texts)
    if family is None and language == "zh":
        messages.message(_("no font with Chinese characters found (e.g. apt install fonts-noto-cjk); "
                           "the figure's labels are in English"))
        i18n.set_language("en")
        family = font_family(*texts)
    rc["font.family"] = family or ["DejaVu Sans"]
    missing: dict[str, str] = {}
    others: list = []  # any other warning, given on once the recording has stopped (inside it, one would be
    # recorded again, into the list being read, without end)
    try:
        with matplotlib.rc_context(rc), _missing_glyphs(missing, others, ", ".join(rc["font.family"])):
            yield
    finally:
        if i18n.language() != language:
            i18n.set_language(language)
        for caught in others:
            warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
    if missing:
        messages.warn(_f("the figure shows %(chars)s as boxes: %(fonts)s has no glyph for them; install %(font)s",
                         chars=" ".join(sorted(missing)), fonts=", ".join(sorted(set(missing.values()))),
                         font=_(FONT_TO_INSTALL)))


@contextmanager
def _missing_glyphs(missing: dict[str, str], others: list, fonts: str):
    """Gathers into ``missing`` (character -> font) what matplotlib says of glyphs its fonts lack, through warnings
    and mathtext's log ("Font 'default' does not have a glyph for '\\u6743'": any other note of mathtext's goes on as
    it would have), and any other warning into ``others``; its "findfont" notes are silenced."""
    fonts_log = logging.getLogger("matplotlib.font_manager")
    level = fonts_log.level
    fonts_log.setLevel(logging.ERROR)
    math_log = logging.getLogger("matplotlib.mathtext")

    def glyph_note(record: logging.LogRecord) -> bool:
        if "does not have a glyph" in str(record.msg) and len(record.args or ()) >= 3:
            font, char = record.args[0], record.args[1]  # type: ignore[index]
            missing.setdefault(str(char), str(font))
            return False
        return True

    math_log.addFilter(glyph_note)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                for caught_warning in caught:
                    found = _GLYPH.search(str(caught_warning.message))
                    if found:
                        missing.setdefault(chr(int(found.group(1))), found.group(2) or fonts)
                    else:
                        others.append(caught_warning)
    finally:
        fonts_log.setLevel(level)
        math_log.removeFilter(glyph_note)


# matplotlib 3.8 says "missing from current font." without naming it: the fonts asked for are named then
_GLYPH = re.compile(r"Glyph (\d+) \(.*?\) missing from (?:font\(s\) (.*?)|current font)\.?$")


def plain(text: str) -> str:
    """Text from outside (a title, a formula, a parameter's name) shown as written: $ never starts mathtext; text
    longer than a figure is wide (PLAIN_LIMIT characters) is cut with an ellipsis."""
    from adadelta_cli.safe import plot_label

    text = str(text)
    return plot_label(text if len(text) <= PLAIN_LIMIT else text[:PLAIN_LIMIT - 1] + "…")


PLAIN_LIMIT = 160  # characters of a title or label: about a figure's width at the largest size


def mathtext(line: str) -> str:
    """A sentence (a ``phrases.Phrase``: the settings line) for a figure: its symbols (ρ, ε, x₀, E[g²]₀) in mathtext,
    in the LATEX notation as the panels' titles write them; the rest shown as written (``plain``), cut with an
    ellipsis past PLAIN_LIMIT characters."""
    from adadelta_cli.formats.phrases import Sym, spell
    from adadelta_cli.maths import notation

    out, room = [], PLAIN_LIMIT
    for piece in getattr(line, "pieces", (line,)):
        if len(piece) > room:
            out.append(plain(piece[:max(room - 1, 0)] + "…"))
            break
        room -= len(piece)
        out.append(f"${spell(notation.LATEX, piece.name, piece.t, prev=piece.prev)}$" if isinstance(piece, Sym)
                   else plain(piece))
    return "".join(out)


def trace_figure(report, title: str | None = None, *, large: bool = False):
    """The panels of a trace (Adadelta's Report, or a family member's trace: ``shown.panels``): g_t, the
    accumulators or the member's state (log scale), η_t, Δx_t and x_t against t; the settings in the sixth place.
    Returns the figure and, for animation, each drawn line with its full data."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    trace = shown.of(report)
    size = (16, 10) if large else (12, 8)
    figure, axes = plt.subplots(3, 2, figsize=size, sharex=True, layout="constrained")
    first = trace.t_of(0)
    t = np.arange(first, first + trace.total)
    several = len(trace.names) > 1
    markers = len(t) <= 40
    drawn = []
    for ax, (names, log) in zip(axes.ravel(), shown.panels(trace)):
        index = 0
        for name in names:
            column = trace.series(name)
            for p, param in enumerate(trace.names):
                values = column[:, p]
                keep = values > 0 if log else np.isfinite(values)
                label = f"${shown.latex(name)}$" + (f" ({plain(param)})" if several else "")
                if several and needs_cjk(param):  # mathtext would set 权重 in its own font, which has no glyph
                    label = f"{notation.UNICODE.symbol(name).removesuffix('_t')}ₜ ({plain(param)})"
                look = style(index)
                line, = ax.plot(t[keep], values[keep], label=label, markevery=None if markers else max(len(t) // 12, 1),
                                **look)
                drawn.append((line, t[keep], values[keep], t[keep] - first + 1))
                index += 1
        if not names:  # plain SGD carries nothing from step to step
            ax.axis("off")
            continue
        if log:
            ax.set_yscale("log")
        ax.set_title(", ".join(f"${shown.latex(name)}$" for name in names), loc="left")
        if log:  # plain text beside the axis: in Chinese a mathtext title could not draw it
            ax.set_ylabel(_("log scale"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole-number steps
        if index > 1:
            ax.legend(**LEGEND)
    for ax in axes[-1]:
        ax.set_xlabel(_("step t"))
    axes[1, 1].tick_params(labelbottom=True)
    note = axes[-1, -1]
    note.axis("off")
    note.text(0.0, 1.0, mathtext(trace.settings_phrase()).replace(", ", "\n"), va="top", ha="left",
              transform=note.transAxes, fontsize="large")
    heading = _("Adadelta, step by step") if isinstance(trace, shown.Adadelta) else _(
        "%(optimizer)s, step by step") % {"optimizer": trace.title}
    figure.suptitle(plain(title) if title else heading, fontsize="x-large" if not large else 24)
    return figure, drawn


def save(figure, path: Path) -> None:
    """Write a still figure (its ending chooses PNG, SVG or PDF), whole or not at all (``confirm`` says so)."""
    suffix = path.suffix.lower().lstrip(".")

    def writer(handle) -> None:
        # no timestamp in SVG and PDF: the same file each time
        figure.savefig(handle, format=suffix, dpi=120, metadata={"Date": None} if suffix in ("svg", "pdf") else None)

    outfiles.write_atomic(path, writer=writer, binary=True)


def confirm(path: Path) -> None:
    """One line on stderr: the file written and its size."""
    messages.message(_f("wrote %(path)s (%(size)s bytes)", path=path, size=f"{path.stat().st_size:,}"))


def check_suffix(path: Path, allowed: tuple[str, ...], option: str) -> None:
    if path.suffix.lower() not in allowed:
        raise SettingsError(_f("%(option)s %(path)s: the file must end in %(suffixes)s", option=option, path=path,
                               suffixes=", ".join(allowed)))


def draw(path: Path, make, finish, *, large: bool = False, texts: tuple[str | None, ...] = ()) -> None:
    """A figure's life: ``make()`` builds it (returning the figure first) in ``figure_style``, ``finish(figure,
    ...)`` writes it to ``path``, the figure is closed whatever happens, and ``confirm`` says what was written (in
    the language of the messages, whatever the figure's labels fell back to)."""
    plt = pyplot()
    with figure_style(large=large, texts=texts):
        figure, *rest = make()
        try:
            finish(figure, *rest)
        finally:
            plt.close(figure)
    confirm(path)


def save_figure(report, path: Path, title: str | None = None, *, large: bool = False) -> None:
    """The panels through matplotlib, to ``path`` (its ending chooses PNG, SVG or PDF), whole or not at all."""
    check_suffix(path, FILE_FORMATS, "-o")
    draw(path, lambda: trace_figure(report, title, large=large), lambda figure, _drawn: save(figure, path),
         large=large, texts=(title, *shown.of(report).names))
