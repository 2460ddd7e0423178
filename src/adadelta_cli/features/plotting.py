"""Curves of a trace: in the terminal for everyone (plotext), or to a PNG, SVG or PDF file (matplotlib, optional),
still or animated (GIF through Pillow, MP4 where ffmpeg is installed).

Figures are made for a projector: labels in mathematical notation (mathtext), whole-number step ticks, the Okabe–Ito
colour-blind-safe palette with a marker and a line style of its own for each series, legends beside the data
rather than on it, and a large-print style for slides. Chinese labels use a CJK font found on the system; where
there is none, one line says so and the labels stay English.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adadelta_cli.errors import SettingsError
from adadelta_cli.formats.render import Report
from adadelta_cli.i18n import N_, _, _f

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

PANELS = (
    (N_("E[g²]_t and E[Δx²]_t (log scale)"), ("eg2", "edx2"), True),
    ("η_t", ("eta",), False),
    ("Δx_t", ("dx",), False),
    ("x_t", ("x",), False),
)
LABELS = {"g": "g", "eg2": "E[g²]", "edx2": "E[Δx²]", "eta": "η", "dx": "Δx", "x": "x"}
FILE_FORMATS = (".png", ".svg", ".pdf")
ANIMATION_FORMATS = (".gif", ".mp4")
MAX_FRAMES = 120  # an animation of a long run shows this many moments at most

# The figure's panels: (quantities, mathtext title, log scale).
FIGURE_PANELS = (
    (("g",), "$g_t$", False),
    (("eg2", "edx2"), r"$E[g^2]_t$, $E[\Delta x^2]_t$", True),
    (("eta",), r"$\eta_t$", False),
    (("dx",), r"$\Delta x_t$", False),
    (("x",), "$x_t$", False),
)
MATH_LABELS = {"g": "$g_t$", "eg2": "$E[g^2]_t$", "edx2": r"$E[\Delta x^2]_t$", "eta": r"$\eta_t$",
               "dx": r"$\Delta x_t$", "x": "$x_t$"}
# Okabe & Ito (2008): told apart with every common colour-vision deficiency, and in grey by marker and line style.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)))
# Terminal marks: one per series, told apart without colour.
TERMINAL_MARKERS = ("dot", "x", "+", "*", "o", "#", "@", "%")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Hiragino Sans GB", "Noto Sans SC")
CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback", "uming", "ukai", "simhei",
             "msyh", "pingfang", "notosanssc")


def style(index: int) -> dict:
    """The look of the ``index``-th series: colour, marker and line style, each told apart on its own."""
    return {"color": PALETTE[index % len(PALETTE)], "marker": MARKERS[index % len(MARKERS)],
            "linestyle": LINESTYLES[index % len(LINESTYLES)]}


def _series(report: Report):
    """(t, values, label) for each quantity and parameter."""
    t = np.arange(report.first_t, report.first_t + report.steps.g.shape[0])
    several = len(report.names) > 1
    for title, names, log in PANELS:
        lines = []
        for name in names:
            column = getattr(report.steps, name).astype(np.float64)
            for p, param in enumerate(report.names):
                label = LABELS[name] + (f" ({param})" if several else "")
                lines.append((t, column[:, p], label))
        yield _(title), lines, log


# --- The terminal ---------------------------------------------------------------------------------------------

def _tick_count(panel_height: int) -> int:
    """As many log ticks as the panel has rows to show them apart (title, frame and axis take five)."""
    return max(2, min(5, (panel_height - 5 + 1) // 2))


def _log_ticks(values: list[np.ndarray], count: int = 5) -> tuple[list[float], list[str]]:
    """Tick positions on a log axis with labels in scientific notation (1e-6, 3.2e-5), not 0.0000010."""
    positive = np.concatenate([v[v > 0] for v in values]) if values else np.array([])
    if positive.size == 0:
        return [], []
    low, high = np.log10(positive.min()), np.log10(positive.max())
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    ticks = [float(10 ** e) for e in np.linspace(low, high, count)]
    return ticks, [f"{tick:.1e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e") for tick in ticks]


def _integer_ticks(plt, lines, count: int = 5) -> None:
    """Whole-number step ticks (1, 50, 100, never 1.25)."""
    ts = [int(t) for line in lines for t in (line[0][[0, -1]] if len(line[0]) else [])]
    if not ts:
        return
    low, high = min(ts), max(ts)
    if high - low < 8:
        ticks = list(range(low, high + 1))
    else:
        ticks = sorted({int(round(v)) for v in np.linspace(low, high, count)})
    plt.xticks(ticks, [str(t) for t in ticks])


def terminal_chart(report: Report, width: int = 100, height: int = 30, *, color: bool = True) -> str:
    """Four panels drawn with text: the accumulators on a log scale, η_t, Δx_t and x_t, against t.

    Each series has a mark of its own (•, x, +, …), so they are told apart without colour; ``width`` is honoured
    whatever the terminal says (a chart for a file or a projector may be wider than the window)."""
    import plotext as plt

    plt.clear_figure()
    plt.limit_size(False, False)
    plt.subplots(2, 2)
    for i, (title, lines, log) in enumerate(_series(report)):
        plt.subplot(i // 2 + 1, i % 2 + 1)
        plt.title(title)
        drawn = []
        for j, (t, values, label) in enumerate(lines):
            if log:
                keep = values > 0  # a log scale has no place for 0
                t, values = t[keep], values[keep]
            if len(t):
                plt.plot(t.tolist(), values.tolist(), label=label, marker=TERMINAL_MARKERS[j % len(TERMINAL_MARKERS)])
                drawn.append(values)
        if log and drawn:  # nothing positive to draw (every value 0): a linear, empty panel
            plt.yscale("log")
            ticks, labels = _log_ticks(drawn, _tick_count(height // 2))
            if ticks:
                plt.yticks(ticks, labels)
        _integer_ticks(plt, lines)
        plt.xlabel("t")
    plt.main().plotsize(width, height)
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)


def terminal_curves(curves: dict, title: str, width: int = 100, height: int = 25, *, color: bool = True) -> str:
    """One panel: a curve per name against t, on a log scale where every value is positive; a mark per curve."""
    import plotext as plt

    plt.clear_figure()
    plt.limit_size(False, False)
    plt.title(title)
    positive = all((np.asarray(v) > 0).all() for v in curves.values())
    drawn = []
    for j, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        keep = np.isfinite(values)
        t = np.arange(1, values.size + 1)[keep]
        plt.plot(t.tolist(), values[keep].tolist(), label=name, marker=TERMINAL_MARKERS[j % len(TERMINAL_MARKERS)])
        drawn.append(values[keep])
    if positive:
        plt.yscale("log")
        ticks, labels = _log_ticks(drawn, _tick_count(height))
        if ticks:
            plt.yticks(ticks, labels)
    _integer_ticks(plt, [(np.arange(1, np.asarray(v).size + 1), None, None) for v in curves.values()])
    plt.xlabel("t")
    plt.plotsize(width, height)
    chart = plt.build()
    plt.clear_figure()
    return chart if color else plt.uncolorize(chart)


# --- matplotlib -------------------------------------------------------------------------------------------------

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
    import warnings

    import matplotlib
    from matplotlib.rcsetup import cycler  # (matplotlib.cycler, which matplotlib's stubs do not list)

    from adadelta_cli import i18n, output

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
        output.message(_("no font with Chinese characters found (e.g. apt install fonts-noto-cjk); "
                         "the figure's labels are in English"))
        i18n.set_language("en")
        family = font_family(*texts)
    rc["font.family"] = family or ["DejaVu Sans"]
    fonts_log = logging.getLogger("matplotlib.font_manager")
    level = fonts_log.level
    fonts_log.setLevel(logging.ERROR)  # "findfont: ..." notes are matplotlib's business, not the reader's
    missing: dict[str, str] = {}
    others: list = []  # any other warning, given on once the recording has stopped (inside it, one would be
    # recorded again, into the list being read, without end)
    # mathtext says so through its log, once per drawing: gathered into the one warning below.
    math_log, math_glyphs = logging.getLogger("matplotlib.mathtext"), _MissingGlyphs(missing)
    math_log.addHandler(math_glyphs)
    propagate, math_log.propagate = math_log.propagate, False
    try:
        with matplotlib.rc_context(rc), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                for caught_warning in caught:
                    found = _GLYPH.search(str(caught_warning.message))
                    if found:
                        missing.setdefault(chr(int(found.group(1))), found.group(2) or ", ".join(rc["font.family"]))
                    else:
                        others.append(caught_warning)
    finally:
        fonts_log.setLevel(level)
        math_log.removeHandler(math_glyphs)
        math_log.propagate = propagate
        if i18n.language() != language:
            i18n.set_language(language)
        for caught_warning in others:
            warnings.warn_explicit(caught_warning.message, caught_warning.category, caught_warning.filename,
                                   caught_warning.lineno)
    if missing:
        output.warn(_f("the figure shows %(chars)s as boxes: %(fonts)s has no glyph for them; install %(font)s",
                       chars=" ".join(sorted(missing)), fonts=", ".join(sorted(set(missing.values()))),
                       font=_(FONT_TO_INSTALL)))


class _MissingGlyphs(logging.Handler):
    """mathtext's "Font 'default' does not have a glyph for '\\u6743'" notes, gathered as character -> font; any
    other note of mathtext's goes on as it would have."""

    def __init__(self, missing: dict[str, str]) -> None:
        super().__init__()
        self.missing = missing

    def emit(self, record) -> None:
        if "does not have a glyph" in str(record.msg) and len(record.args or ()) >= 3:
            font, char = record.args[0], record.args[1]
            self.missing.setdefault(str(char), str(font))
        elif record.levelno >= logging.WARNING:
            logging.getLogger("matplotlib").handle(record)


# matplotlib 3.8 says "missing from current font." without naming it: the fonts asked for are named then
_GLYPH = re.compile(r"Glyph (\d+) \(.*?\) missing from (?:font\(s\) (.*?)|current font)\.?$")


def _legend(ax, *, large: bool = False) -> None:
    """The legend beside the axes, never over the data."""
    if len(ax.get_lines()) > 1 or any(line.get_label() and not line.get_label().startswith("_")
                                      for line in ax.get_lines()[:1]):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
                  handlelength=3.0)


def _integer_steps(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plain(text: str) -> str:
    """Text from outside (a title, a formula, a parameter's name) shown as written: $ never starts mathtext; text
    longer than a figure is wide (PLAIN_LIMIT characters) is cut with an ellipsis."""
    from adadelta_cli.safe import plot_label

    text = str(text)
    return plot_label(text if len(text) <= PLAIN_LIMIT else text[:PLAIN_LIMIT - 1] + "…")


PLAIN_LIMIT = 160  # characters of a title or label: about a figure's width at the largest size


def mathtext(line: str) -> str:
    """A sentence (a ``report.Phrase``: the settings line) for a figure: its symbols (ρ, ε, x₀, E[g²]₀) in mathtext,
    in the LATEX notation as the panels' titles write them; the rest shown as written (``plain``), cut with an
    ellipsis past PLAIN_LIMIT characters."""
    from adadelta_cli.formats.report import Sym, spell
    from adadelta_cli.maths import recurrence

    out, room = [], PLAIN_LIMIT
    for piece in getattr(line, "pieces", (line,)):
        if len(piece) > room:
            out.append(plain(piece[:max(room - 1, 0)] + "…"))
            break
        room -= len(piece)
        out.append(f"${spell(recurrence.LATEX, piece.name, piece.t, prev=piece.prev)}$" if isinstance(piece, Sym)
                   else plain(piece))
    return "".join(out)


def trace_figure(report: Report, title: str | None = None, *, large: bool = False):
    """The panels of a trace: g_t, the accumulators (log scale), η_t, Δx_t and x_t against t; the settings in the
    sixth place. Returns the figure and, for animation, each drawn line with its full data."""
    plt = pyplot()
    from adadelta_cli.formats.render import settings_text

    size = (16, 10) if large else (12, 8)
    figure, axes = plt.subplots(3, 2, figsize=size, sharex=True, layout="constrained")
    t = np.arange(report.first_t, report.first_t + report.steps.g.shape[0])
    several = len(report.names) > 1
    markers = len(t) <= 40
    drawn = []
    for ax, (names, heading, log) in zip(axes.ravel(), FIGURE_PANELS):
        index = 0
        for name in names:
            column = getattr(report.steps, name).astype(np.float64)
            for p, param in enumerate(report.names):
                values = column[:, p]
                keep = values > 0 if log else np.isfinite(values)
                label = MATH_LABELS[name] + (f" ({plain(param)})" if several else "")
                if several and needs_cjk(param):  # mathtext would set 权重 in its own font, which has no glyph
                    label = f"{LABELS[name]}ₜ ({plain(param)})"
                look = style(index)
                line, = ax.plot(t[keep], values[keep], label=label, markevery=None if markers else max(len(t) // 12, 1),
                                **look)
                drawn.append((line, t[keep], values[keep], t[keep] - report.first_t + 1))
                index += 1
        if log:
            ax.set_yscale("log")
        ax.set_title(heading, loc="left")
        if log:  # plain text beside the axis: in Chinese a mathtext title could not draw it
            ax.set_ylabel(_("log scale"))
        _integer_steps(ax)
        if index > 1:
            _legend(ax, large=large)
    for ax in axes[-1]:
        ax.set_xlabel(_("step t"))
    axes[1, 1].tick_params(labelbottom=True)
    note = axes[-1, -1]
    note.axis("off")
    note.text(0.0, 1.0, mathtext(settings_text(report.settings)).replace(", ", "\n"), va="top", ha="left",
              transform=note.transAxes, fontsize="large")
    figure.suptitle(plain(title) if title else _("Adadelta, step by step"), fontsize="x-large" if not large else 24)
    return figure, drawn


def _metadata(suffix: str):
    return {"Date": None} if suffix in ("svg", "pdf") else None  # no timestamp: the same file each time


def save(figure, path: Path, write) -> None:
    """Write a still figure (its ending chooses PNG, SVG or PDF), whole or not at all (``confirm`` says so)."""
    suffix = path.suffix.lower().lstrip(".")

    def writer(handle) -> None:
        figure.savefig(handle, format=suffix, dpi=120, metadata=_metadata(suffix))

    write(path, writer)


def confirm(path: Path) -> None:
    """One line on stderr: the file written and its size."""
    from adadelta_cli import output

    output.message(_f("wrote %(path)s (%(size)s bytes)", path=path, size=f"{path.stat().st_size:,}"))


def check_suffix(path: Path, allowed: tuple[str, ...], option: str) -> None:
    if path.suffix.lower() not in allowed:
        raise SettingsError(_f("%(option)s %(path)s: the file must end in %(suffixes)s", option=option, path=path,
                               suffixes=", ".join(allowed)))


def save_figure(report: Report, path: Path, write, title: str | None = None, *, large: bool = False) -> None:
    """The panels through matplotlib, to ``path`` (its ending chooses PNG, SVG or PDF).

    ``write(path, writer)`` writes the file whole or not at all.
    """
    check_suffix(path, FILE_FORMATS, "-o")
    plt = pyplot()
    with figure_style(large=large, texts=(title, *report.names)):
        figure, _drawn = trace_figure(report, title, large=large)
        try:
            save(figure, path, write)
        finally:
            plt.close(figure)
    confirm(path)  # in the language of the messages, whatever the figure's labels fell back to


# --- Animation --------------------------------------------------------------------------------------------------

def frames(steps: int, cap: int = MAX_FRAMES) -> list[int]:
    """How many steps each frame shows: every step of a short run, ``cap`` evenly spread moments of a long one
    (the last frame always the whole run)."""
    if steps <= cap:
        return list(range(1, steps + 1))
    return sorted({int(round(k)) for k in np.linspace(1, steps, cap)})


def animate(figure, drawn, steps: int, path: Path, counter_at=(0.99, 0.01)) -> None:
    """Draw ``figure``'s lines growing step by step into a GIF (Pillow) or an MP4 (ffmpeg), with a step counter.

    ``drawn``: (line, x data, y data, the step of each point); frame k shows the points of steps up to k. Everything
    else (axes, contours, legends) is drawn once and each frame only adds the lines, so a long run costs little.
    The file is written whole (to a temporary name beside it, then renamed); ``confirm`` says so."""
    import subprocess
    import tempfile

    from PIL import Image

    from adadelta_cli import output

    suffix = path.suffix.lower()
    check_suffix(path, ANIMATION_FORMATS, "--animate")
    ffmpeg = shutil.which("ffmpeg")
    if suffix == ".mp4" and not ffmpeg:
        raise SettingsError(_("--animate FILE.mp4 needs ffmpeg (apt install ffmpeg); a .gif needs nothing more"))
    output.check_target(path)
    canvas = figure.canvas
    canvas.draw()  # the limits of the whole run, fixed from the first frame on
    for ax in figure.axes:
        ax.set_autoscale_on(False)
    # The figure's own fonts (font_family): a counter in Chinese needs its CJK font as much as the labels do.
    counter = figure.text(*counter_at, "", ha="right", va="bottom", fontsize="large", animated=True)
    for line, *_rest in drawn:
        line.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    chosen = frames(steps)
    fps = max(2, min(10, len(chosen) // 4 or 2))

    def frame(k: int) -> np.ndarray:
        canvas.restore_region(background)
        for line, xs, ys, keys in drawn:
            n = int(np.searchsorted(keys, k, side="right"))
            line.set_data(xs[:n], ys[:n])
            line.axes.draw_artist(line)
        counter.set_text(_f("step %(step)s of %(total)s", step=k, total=steps))
        figure.draw_artist(counter)
        canvas.blit(figure.bbox)
        shown.advance()
        return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()

    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=parent)
    os.close(fd)
    # Every frame drawn is counted on a bar: the first (a GIF's palette, a video's size), then each in turn.
    shown = _progress(1 + len(chosen) + (0 if suffix == ".gif" else 2 * fps), path)
    try:
        if suffix == ".gif":
            # One palette for every frame (from the last, which holds every colour): frames differ only where the
            # lines grew, and each is kept as palette indices, a third of its colours' memory.
            palette = Image.fromarray(frame(chosen[-1])).quantize(colors=255, method=Image.Quantize.MEDIANCUT)
            frames_p = [Image.fromarray(frame(k)).quantize(palette=palette, dither=Image.Dither.NONE)
                        for k in chosen]
            durations = [int(1000 / fps)] * (len(frames_p) - 1) + [2000]  # the last frame stays a while
            frames_p[0].save(tmp, format="GIF", save_all=True, append_images=frames_p[1:], duration=durations,
                             loop=0, optimize=True)  # unchanged pixels transparent: small files
        else:
            height, width = frame(chosen[0]).shape[:2]
            assert ffmpeg is not None  # (looked for above)
            command = [ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
                       f"{width}x{height}", "-r", str(fps), "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                       "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", tmp]
            with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as encoder:
                assert encoder.stdin is not None and encoder.stderr is not None  # (both piped)
                for k in chosen + [chosen[-1]] * (2 * fps):  # the last frame held two seconds
                    encoder.stdin.write(frame(k).tobytes())
                encoder.stdin.close()
                problem = encoder.stderr.read().decode(errors="replace")
            if encoder.returncode != 0:
                raise SettingsError(_f("ffmpeg could not write the video: %(reason)s", reason=problem.strip()[:300]))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        shown.stop()


class _progress:
    """A bar on standard error counting an animation's frames as they are drawn, on a terminal only (never in a
    pipe, a log or CI): a long animation takes seconds."""

    def __init__(self, total: int, path: Path) -> None:
        import sys

        self.bar = None
        if not (sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("CI")):
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from adadelta_cli.safe import terminal

        self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.task = self.bar.add_task(_f("drawing %(file)s, frame by frame", file=terminal(path.name)), total=total)
        self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def animate_trace(report: Report, path: Path, title: str | None = None, *, large: bool = False) -> None:
    """``plot --animate``: the panels filling in step by step."""
    plt = pyplot()
    check_suffix(path, ANIMATION_FORMATS, "--animate")
    with figure_style(large=large, texts=(title, *report.names)):
        figure, drawn = trace_figure(report, title, large=large)
        try:
            animate(figure, drawn, report.steps.g.shape[0], path)
        finally:
            plt.close(figure)
    confirm(path)
