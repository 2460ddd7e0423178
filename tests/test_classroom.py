"""What goes in front of a class, checked as a person meets it: LaTeX compiled by a real TeX engine, figures and
animations drawn, the walk-through driven in a real terminal, exports and wide tables measured."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_gradients"


# --- LaTeX ------------------------------------------------------------------------------------------------------

def engine_of(tex: str) -> str:
    """The engine a document names in its second line (pdflatex, or xelatex for Chinese)."""
    return re.search(r"compile with (pdflatex|xelatex)", tex).group(1)


def compile_tex(tex: str, folder: Path) -> str:
    """Compile ``tex`` as a person would; the log. Skipped, saying why, where the engine is not installed."""
    engine = engine_of(tex)
    if shutil.which(engine) is None:
        pytest.skip(f"{engine} is not installed (.ci/run installs TeX Live from the distribution's packages)")
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    result = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=folder,
                            capture_output=True, text=True, timeout=300)
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert result.returncode == 0 and not errors, errors or result.stdout[-2000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    # Nothing past the margins: TeX reports every line it could not fit.
    assert "Overfull \\hbox" not in log, [line for line in log.splitlines() if "Overfull" in line]
    assert "Missing character" not in log  # every glyph is in the fonts (Chinese too)
    assert "Column widths have changed" not in log  # a table lines up on the first run: one run is enough
    return log


DOCUMENTS = {
    "worksheet": ["worksheet", "--steps", "4", "--seed", "3", "--format", "latex"],
    "answer key, decoupled decay, maximize": ["worksheet", "--steps", "30", "--seed", "3", "--format", "latex",
                                              "--answers", "--weight-decay", "0.1", "--weight-decay-mode",
                                              "decoupled", "--maximize"],
    "trace --explain, 17 digits, two parameters": ["trace", str(SAMPLES / "two_params.csv"), "--format", "latex",
                                                   "--explain", "--digits", "17", "--weight-decay", "0.01",
                                                   "--maximize"],
    "trace --explain of 200 steps": ["trace", str(SAMPLES / "noisy.txt"), "--format", "latex", "--explain"],
    "answer key too wide for one table (17 digits, two parameters)": [
        "worksheet", str(SAMPLES / "two_params.csv"), "--format", "latex", "--answers", "--maximize",
        "--weight-decay", "0.1", "--digits", "17"],
    "step": ["step", "--grad", "0.2", "--eg2", "0.0005", "--edx2-prev", "1e-6", "--format", "latex"],
    "compare, every optimizer (a table in parts)": ["compare", "0.1", "0.2", "0.15", "--format", "latex"],
    "optimize with Adam": ["optimize", "rosenbrock", "--x0", "-1.5,2", "--steps", "40", "--with", "adam",
                           "--format", "latex"],
    "diff of two frameworks": ["diff", "pytorch", "tfjs", str(SAMPLES / "two_params.csv"), "--format", "latex"],
    "check of a student's sheet": ["check", str(SAMPLES / "student_worksheet.csv"), "--format", "latex"],
    "check of a class": ["check", str(SAMPLES / "class"), "--format", "latex"],
    "Chinese worksheet": ["worksheet", "0.1", "0.2", "0.15", "--format", "latex", "--lang", "zh"],
    "Chinese check": ["check", str(SAMPLES / "student_worksheet.csv"), "--format", "latex", "--lang", "zh"],
    "Chinese trace --explain": ["trace", "0.1", "0.2", "0.15", "--format", "latex", "--explain", "--lang", "zh"],
}


@pytest.mark.parametrize("args", list(DOCUMENTS.values()), ids=list(DOCUMENTS))
def test_latex_documents_compile_inside_the_margins(run, tmp_path, args):
    result = run(*args)
    assert result.exit_code == (1 if args[0] == "check" else 0), result.stderr  # check: 1 for work not all right
    tex = result.stdout
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert engine_of(tex) == ("xelatex" if "zh" in args else "pdflatex")
    compile_tex(tex, tmp_path)


def test_a_parameter_named_in_chinese_is_compiled_with_xelatex(run, tmp_path):
    source = tmp_path / "weights.csv"
    source.write_text("权重,b_1 & 50%\n0.1,-0.2\n0.3,0.25\n", encoding="utf-8")
    tex = run("trace", source, "--format", "latex", "--explain").stdout
    assert engine_of(tex) == "xelatex" and r"b\_1 \& 50\%" in tex  # escaped: nothing in a name acts as a command
    compile_tex(tex, tmp_path)


def test_each_step_has_a_heading_and_each_equals_its_own_line(run):
    tex = run("trace", "0.1", "0.2", "0.15", "--format", "latex", "--explain").stdout
    assert [f"\\subsubsection*{{Step {t}}}" in tex for t in (1, 2, 3)] == [True] * 3
    assert "E[g^2]_{2} &= \\rho \\cdot E[g^2]_{1} + \\left(1 - \\rho\\right) \\cdot {g_{2}}^2 \\\\\n" \
           "  &= 0.95 \\cdot 0.0005 + 0.05 \\cdot 0.2^2 \\\\\n  &= 0.000475 + 0.002 \\\\\n  &= 0.002475" in tex


def test_the_explanation_follows_the_tables_elision(run):
    tex = run("trace", SAMPLES / "noisy.txt", "--format", "latex", "--explain").stdout
    headings = re.findall(r"\\subsubsection\*\{Step (\d+)\}", tex)
    assert headings == [str(t) for t in list(range(1, 11)) + list(range(191, 201))]
    assert "Steps 11 to 190 are left out here; -{}-all explains every step." in tex
    every = run("trace", SAMPLES / "noisy.txt", "--format", "latex", "--explain", "--all").stdout
    assert len(re.findall(r"\\subsubsection\*\{Step (\d+)\}", every)) == 200


def test_latex_fragment_pastes_into_a_document(run, tmp_path):
    result = run("trace", "0.1", "0.2", "--format", "latex", "--explain", "--latex-fragment")
    fragment = result.stdout
    assert result.exit_code == 0 and "\\documentclass" not in fragment and "\\begin{document}" not in fragment
    assert "\\begin{longtable}" in fragment and "\\begin{align*}" in fragment
    step = run("step", "--grad", "0.2", "--format", "latex", "--latex-fragment").stdout
    assert "\\documentclass" not in step and "\\Delta x_{1} &= -\\eta_{1} \\cdot g_{1}" in step
    sheet = run("worksheet", "--steps", "4", "--seed", "3", "--format", "latex", "--latex-fragment").stdout
    assert "\\documentclass" not in sheet and "\\begin{longtable}" in sheet
    document = ("\\documentclass[11pt,a4paper]{article}\n% compile with pdflatex\n"
                "\\usepackage[margin=2cm]{geometry}\\usepackage{amsmath,array,longtable}\n"
                "\\begin{document}\n" + fragment + step + sheet + "\\end{document}\n")
    compile_tex(document, tmp_path)


@pytest.mark.parametrize("options", [[], ["--maximize"], ["--weight-decay", "0.1", "--weight-decay-mode",
                                                          "decoupled"], ["--weight-decay", "0.1"]])
def test_sheets_print_the_formulas_the_engine_uses(run, options):
    from adadelta_cli.maths import notation, recurrence

    tex = run("worksheet", "0.1", "0.2", "--format", "latex", *options).stdout
    settings = {"maximize": "--maximize" in options, "weight_decay": 0.1 if "--weight-decay" in options else 0,
                "weight_decay_mode": "decoupled" if "decoupled" in options else "coupled"}
    mode = recurrence.Mode.of(settings)
    for q in recurrence.quantities(mode):
        head, _eq, tail = q.equation(mode, notation.LATEX).partition(" = ")
        assert f"{head} &= {tail}" in tex


# --- Figures and animations -------------------------------------------------------------------------------------

def _report(*gradients, **options):
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import tracing
    from adadelta_cli.formats.readers import read_input

    return tracing.compute(read_input([str(g) for g in gradients]), resolve(**options))


def test_the_figure_is_made_for_a_projector():
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from matplotlib.colors import to_hex

    from adadelta_cli.features import plotting

    report = _report(0.1, 0.2, 0.15, -0.1, 0.3, 0.05, 0.2)
    figure, drawn = plotting.trace_figure(report, title="Lesson 3")
    try:
        axes = figure.axes
        titles = [ax.get_title(loc="left") for ax in axes[:5]]
        assert titles[0] == "$g_t$" and titles[2] == r"$\eta_t$" and "$E[g^2]_t$" in titles[1]  # mathtext
        assert figure._suptitle.get_text() == "Lesson 3"
        figure.canvas.draw()
        for ax in axes[:5]:  # whole-number step ticks
            ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
            assert ticks and all(float(t).is_integer() for t in ticks)
        accumulators = axes[1].get_lines()
        looks = {(to_hex(line.get_color()), line.get_marker(), str(line.get_linestyle())) for line in accumulators}
        assert len(looks) == 2 and {c for c, _m, _s in looks} <= {to_hex(c) for c in plotting.PALETTE}
        assert len({m for _c, m, _s in looks}) == 2 and len({s for _c, _m, s in looks}) == 2
        legend = axes[1].get_legend()  # beside the data, not over it
        box = legend.get_window_extent().transformed(axes[1].transAxes.inverted())
        assert box.x0 >= 1.0
        assert [t for t in drawn[0][1]] == [1, 2, 3, 4, 5, 6, 7]
    finally:
        import matplotlib.pyplot as plt

        plt.close(figure)


def test_each_file_written_is_confirmed_with_its_size(run, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    out = tmp_path / "p.png"
    result = run("plot", "0.1", "0.2", "0.15", "-o", out, "--large-print", "--title", "Slides")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"adadelta plot: wrote {out} ({out.stat().st_size:,} bytes)\n"


def test_chinese_labels_use_a_cjk_font_or_say_once_they_stay_english(run, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from adadelta_cli.features import plotting

    out = tmp_path / "zh.png"
    if plotting.cjk_font() is None:
        pytest.skip("no CJK font on this system (.ci/run installs fonts-noto-cjk)")
    result = run("plot", "0.1", "0.2", "-o", out, "--lang", "zh")
    assert result.exit_code == 0 and result.stderr.count("\n") == 1 and "已写入" in result.stderr  # no warnings
    monkeypatch.setattr(plotting, "cjk_font", lambda: None)
    result = run("plot", "0.1", "0.2", "-o", out, "--lang", "zh")
    lines = result.stderr.splitlines()
    assert result.exit_code == 0 and len(lines) == 2 and "fonts-noto-cjk" in lines[0]
    assert "已写入" in lines[1]  # the messages stay Chinese; only the figure's labels fell back


def test_contours_mark_the_start_and_the_minimum_and_adadelta_is_on_top():
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    import matplotlib.pyplot as plt
    import numpy as np

    from adadelta_cli import i18n
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import contours, optimizing

    i18n.set_language("en")
    func, start, adadelta, results, _hyper = optimizing.run_all("rosenbrock", resolve(x0="-1.5,2"), "-1.5,2", 50,
                                                                "adam,sgd", None)
    figure, drawn, count = contours.contour_figure(func, adadelta, results, start)
    try:
        ax = figure.axes[0]
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert {"adadelta", "adam", "sgd", "start", "minimum"} <= set(lines)
        assert list(lines["minimum"].get_xydata()[0]) == [1.0, 1.0]
        assert list(lines["start"].get_xydata()[0]) == [-1.5, 2.0]
        assert lines["adadelta"].get_zorder() > max(lines[n].get_zorder() for n in ("adam", "sgd"))
        assert len({lines[n].get_marker() for n in ("adadelta", "adam", "sgd")}) == 3
        levels = getattr(ax.collections[-1], "levels", None)
        assert levels is not None and len(levels) >= 10
        gaps = np.diff(np.asarray(levels, dtype=float))  # log-spaced above the lowest value: gaps grow by one ratio
        assert np.allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0], rtol=1e-6) and gaps[1] / gaps[0] > 1.2
        assert count == 50
    finally:
        plt.close(figure)


def test_animation_gif_counts_steps_and_caps_frames(run, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from PIL import Image

    from adadelta_cli.features import animation

    assert animation.frames(5) == [1, 2, 3, 4, 5]
    capped = animation.frames(1000)
    assert len(capped) == animation.MAX_FRAMES and capped[0] == 1 and capped[-1] == 1000
    out = tmp_path / "a.gif"
    result = run("plot", "0.1", "0.2", "0.15", "-0.1", "--animate", out)
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr and result.stdout == ""
    with Image.open(out) as gif:
        assert gif.n_frames == 4
    out = tmp_path / "paths.gif"
    result = run("optimize", "himmelblau", "--x0", "0,0", "--steps", "150", "--with", "adam", "--animate", out)
    assert result.exit_code == 0, result.stderr
    with Image.open(out) as gif:
        assert gif.n_frames == animation.MAX_FRAMES


def test_animation_mp4_where_ffmpeg_exists(run, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (.ci/run installs it)")
    out = tmp_path / "a.mp4"
    result = run("plot", "--function", "rosenbrock", "--x0", "-1.5,2", "--steps", "30", "--animate", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[4:8] == b"ftyp"


def test_animation_refuses_other_endings_and_leaves_nothing(run, tmp_path):
    result = run("plot", "0.1", "0.2", "--animate", tmp_path / "a.avi")
    assert result.exit_code == 2 and ".gif" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- The terminal chart -----------------------------------------------------------------------------------------

def test_terminal_chart_marks_scientific_log_ticks_and_width(run):
    result = run("plot", "0.1", "0.2", "0.15", "-0.1", "0.3", "0.2", "--width", "130", "--height", "24")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) == 130  # the width asked for, not 80
    assert "•• E[g²]" in result.stdout and "xx E[Δx²]" in result.stdout  # a mark of its own per series
    assert re.search(r"^\d\.\de-\d┤", result.stdout, re.M)  # 9.7e-3, not 0.0097000
    assert "0.0000" not in result.stdout
    ticks = [line for line in lines if re.fullmatch(r"[\s\d]+", line) and line.strip()]
    assert ticks and ticks[0].split() == ["1", "2", "3", "4", "5", "6"] * 2  # whole steps


# --- walk -------------------------------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Screen:
    """The walk-through in a real terminal (a pseudo-terminal of the given size), read frame by frame."""

    def __init__(self, *args, rows=24, columns=80, lang="en"):
        pexpect = pytest.importorskip("pexpect")
        import os
        import sys

        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TERM": "xterm", "ADADELTA_LANG": lang}
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        self.pexpect, self.rows, self.columns = pexpect, rows, columns
        self.child = pexpect.spawn(sys.executable, ["-m", "adadelta_cli", "walk", *map(str, args)], env=env,
                                   encoding="utf-8", timeout=20, dimensions=(rows, columns))
        self.frame = self._next()

    def _next(self) -> str:
        """The last frame drawn, once the screen has been still for a moment (a frame starts by clearing it)."""
        import time

        raw, deadline = "", time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, f"no frame drawn: {raw[-500:]!r}"
            try:
                raw += self.child.read_nonblocking(1 << 20, timeout=0.7)
            except self.pexpect.TIMEOUT:
                if "\x1b[2J" in raw:
                    return raw.split("\x1b[2J")[-1]
            except self.pexpect.EOF:
                return raw.split("\x1b[2J")[-1]

    def press(self, keys: str) -> str:
        self.child.send(keys)
        self.frame = self._next()
        return self.frame

    def lines(self) -> list[str]:
        return ANSI.sub("", self.frame).replace("\r", "").split("\n")

    def close(self) -> int:
        self.child.send("q")
        self.child.expect(self.pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


@pytest.mark.parametrize("rows, columns", [(24, 80), (30, 100), (40, 140)])
def test_walk_fits_the_window_and_keeps_its_header(rows, columns):
    from rich.cells import cell_len

    screen = Screen(SAMPLES / "noisy.txt", rows=rows, columns=columns)
    for keys in ("n" * 5, "n" * 20, "n" * 30):
        screen.press(keys)
        lines = screen.lines()
        assert len(lines) <= rows and max(cell_len(line) for line in lines) <= columns
        assert lines[0].startswith("Adadelta: ρ = 0.95")  # the header stays on top
        assert lines[1].startswith("Step ") and " of 200" in lines[1]
    assert "Step 56 of 200" in screen.lines()[1]
    # the current step is highlighted (reverse video), the others are not
    assert re.search(r"\x1b\[[0-9;]*7m *56 ", screen.frame) and not re.search(r"\x1b\[[0-9;]*7m *55 ", screen.frame)
    assert screen.close() == 0


def test_walk_jumps_toggles_and_says_where_the_trace_ends():
    screen = Screen(SAMPLES / "noisy.txt")
    assert "Step 200 of 200" in screen.press("\x1b[F")[:2000]  # End
    assert "Step 1 of 200" in screen.press("\x1b[H")  # Home
    assert "Step 137 of 200" in screen.press("137\r")
    assert "E[g²]_137 = ρ·E[g²]_136" in screen.frame
    assert "E[g²]_137 = " not in screen.press("e")  # the arithmetic hidden ...
    assert "E[g²]_137 = " in screen.press("e")  # ... and shown again
    assert "there is no step 999" in screen.press("999\r")
    screen.press("\x1b[F")
    text = "\n".join(screen.press("n") and screen.lines())
    assert "End of the trace: step 200 is the last" in text and "Step 200 of 200" in text  # no silent quit
    assert screen.close() == 0


def test_walk_in_chinese_in_a_small_window():
    screen = Screen(SAMPLES / "two_params.csv", "--maximize", "--weight-decay", "0.01", lang="zh")
    lines = screen.lines()
    assert lines[1].startswith("第 1 步 / 共 5 步") and len(lines) <= 24
    assert screen.close() == 0


def test_walk_in_a_pipe_writes_each_step_once(run, tmp_path):
    source = tmp_path / "g.txt"
    source.write_text("\n".join(str((-1) ** i * 0.01 * (i % 17)) for i in range(1000)) + "\n")
    result = run("walk", source)
    assert result.exit_code == 0, result.stderr
    headings = re.findall(r"^Step (\d+) of 1000$", result.stdout, re.M)
    assert headings == [str(t) for t in range(1, 1001)]  # each step once: the output grows linearly
    assert result.stdout.count("E[g²]_") == 3 * 1000  # E[g²]_t and E[g²]_{t-1} in the first line, E[g²]_t in η's
    assert result.stdout.rstrip().endswith("End of the trace: step 1000 was the last.")


# --- Exports and the explanation's elision ----------------------------------------------------------------------

@pytest.mark.parametrize("extra", [[], ["-o", "{tmp}/out.txt"], ["--format", "markdown"]])
def test_explain_follows_the_tables_elision(run, tmp_path, extra):
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    result = run("trace", SAMPLES / "noisy.txt", "--explain", *args)
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "out.txt").read_text(encoding="utf-8") if "-o" in args else result.stdout
    steps = re.findall(r"^Step (\d+)$", text, re.M)
    assert steps == [str(t) for t in list(range(1, 11)) + list(range(191, 201))]  # the table's first and last
    assert "10 steps hidden" not in text and "Steps 11 to 190 are left out here; --all explains every step." in text
    # the arithmetic after the gap still starts from the true previous values
    assert "E[g²]_191 = ρ·E[g²]_190 + (1 - ρ)·g_191²" in text
    every = run("trace", SAMPLES / "noisy.txt", "--explain", "--all", *args)
    text = (tmp_path / "out.txt").read_text(encoding="utf-8") if "-o" in args else every.stdout
    assert len(re.findall(r"^Step (\d+)$", text, re.M)) == 200 and "left out" not in text


def _svg_lines(svg: str) -> str:
    import html

    return html.unescape(svg).replace("\xa0", " ")


def test_svg_and_html_exports_hold_everything_printed(run, tmp_path):
    svg, page = tmp_path / "t.svg", tmp_path / "t.html"
    result = run("trace", SAMPLES / "noisy.txt", "--explain", "--export-svg", svg, "--export-html", page)
    assert result.exit_code == 0, result.stderr
    printed = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    picture, web = _svg_lines(svg.read_text(encoding="utf-8")), _svg_lines(page.read_text(encoding="utf-8"))
    legend = "E[Δx²]: running average of squared updates · ρ, ε, lr: hyperparameters"
    assert legend in result.stdout and "hyperparameters" in picture and "hyperparameters" in web  # not cut
    for line in printed:
        if line.startswith(("E[g²]_", "η_", "Δx_", "E[Δx²]_", "x_")):
            assert line in picture and line in web  # each explanation line whole, never clipped
    assert "Steps 11 to 190 are left out here" in picture


def test_chinese_in_an_svg_gets_two_cells_a_character(run, tmp_path):
    import html

    from rich.cells import cell_len

    svg = tmp_path / "zh.svg"
    result = run("trace", "0.1", "0.2", "--explain", "--lang", "zh", "--export-svg", svg)
    assert result.exit_code == 0, result.stderr
    picture = svg.read_text(encoding="utf-8")
    texts = re.findall(r'<text [^>]*textLength="([0-9.]+)"[^>]*>([^<]*)</text>', picture)
    per_cell = {round(float(length) / cell_len(html.unescape(content)), 6) for length, content in texts
                if cell_len(html.unescape(content))}
    assert len(per_cell) == 1  # every text as long as its cells: Chinese characters never squeezed together
    assert any("梯度平方的指数加权平均" in html.unescape(content) for _length, content in texts)
    assert "Noto Sans Mono CJK SC" in picture


def test_compare_fits_the_terminal_in_panels_of_whole_optimizers():
    from rich.table import Table

    from adadelta_cli import terminal
    from adadelta_cli.cli.options import resolve
    from adadelta_cli.features import comparing
    from adadelta_cli.formats import writers
    from adadelta_cli.formats.readers import read_input
    from adadelta_cli.formats.writers import table_width

    gradients = read_input(["0.1", "0.2", "0.15"])
    chosen = comparing.parse_with(None)
    hyper = comparing.parse_sets(None, chosen)
    resolved = resolve()
    results = comparing.compute(gradients.values, resolved, chosen, hyper)
    settings = {**resolved.as_dict(), "with": chosen, "others": {name: hyper[name] for name in chosen}}
    group = writers.table(comparing.document(gradients.values, gradients.names, results, settings, 6))
    whole, = [r for r in group.renderables if isinstance(r, Table)]
    for width in (80, 100, 120):
        tables = terminal.split_table(whole, width)
        assert len(tables) > 1 and all(table_width(t) <= width for t in tables)
        headings = [[str(c.header) for c in t.columns] for t in tables]
        assert all(h[:2] == ["t", "g_t"] for h in headings)  # each part readable on its own
        shown = [name for h in headings for name in (x.split(" ", 1)[1] for x in h[2:] if x.startswith("η_t"))]
        assert shown == ["adadelta", *chosen]  # every optimizer once, η_t beside its own x_t
        assert all(f"x_t {n}" in h for h in headings for n in (x.split(" ", 1)[1] for x in h if x.startswith("η_t")))
    assert len(terminal.split_table(whole, 400)) == 1


@pytest.mark.parametrize("options", [{}, {"maximize": True, "weight_decay": 0.01, "x0": "0.5,-1"},
                                     {"weight_decay": 0.1, "weight_decay_mode": "decoupled", "eg2_init": "0.01"}])
def test_the_elided_explanation_is_the_full_ones_own_lines(options):
    """Two ways to the same lines (every step at once; only the steps shown): held equal."""
    from adadelta_cli.cli.options import WeightDecayMode
    from adadelta_cli.formats import explain
    from adadelta_cli.i18n import set_language

    set_language("en")
    if "weight_decay_mode" in options:
        options = {**options, "weight_decay_mode": WeightDecayMode(options["weight_decay_mode"])}
    report = _report(SAMPLES / "two_params.csv", **options)
    every = explain.report_lines(report, 6)
    held = report.steps.g.shape[0]
    alone = [lines for i in range(held) for _t, _param, lines in explain.steps(report, 6, [i])]  # one row at a time
    assert [lines for _heading, lines in every] == alone
    assert len(alone) == held * len(report.names)


def test_chinese_figure_draws_every_character_in_a_real_process(tmp_path):
    # matplotlib reports a missing glyph through its own logging, which only a real process shows.
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    import subprocess
    import sys

    from adadelta_cli.features import plotting

    if plotting.cjk_font() is None:
        pytest.skip("no CJK font on this system (.ci/run installs fonts-noto-cjk)")
    done = subprocess.run([sys.executable, "-m", "adadelta_cli", "plot", "0.1", "0.2", "0.15", "--lang", "zh", "-o",
                           str(tmp_path / "zh.png")], capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0 and done.stderr.count("\n") == 1 and "已写入" in done.stderr, done.stderr


# --- Printer-ready sets -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sheets_and_keys_print_as_one_job_one_page_a_variant(run, tmp_path, lang):
    folder = tmp_path / "class"
    result = run("worksheet", "--variants", "12", "--seed", "11", "--format", "latex", "--answers", "--working-space",
                 "--lang", lang, "-o", folder)
    assert result.exit_code == 0, result.stderr
    for vid in ("01", "12"):
        assert (folder / f"sheet-{vid}.tex").is_file() and (folder / "keys" / f"key-{vid}.tex").is_file()
    key = (folder / "keys" / "key-07.tex").read_text(encoding="utf-8")
    label = "答案：变式 07，种子 11" if lang == "zh" else "Answer key: variant 07, seed 11"
    assert label in key and "Fill in" not in key and "填写" not in key
    for name, count in (("sheets.tex", 12), ("keys.tex", 12)):
        tex = (folder / name).read_text(encoding="utf-8")
        assert engine_of(tex) == ("xelatex" if lang == "zh" else "pdflatex")
        assert tex.count(r"\clearpage") == count - 1
        work = tmp_path / name.replace(".tex", "")
        work.mkdir()
        compile_tex(tex, work)
        if shutil.which("pdfinfo") and shutil.which("pdftotext"):
            info = subprocess.run(["pdfinfo", "doc.pdf"], cwd=work, capture_output=True, text=True).stdout
            assert re.search(r"Pages:\s+(\d+)", info).group(1) == str(count)  # one page a variant
            if name == "keys.tex":  # each page the key of its own variant
                for page in (1, 7, 12):
                    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "doc.pdf", "-"], cwd=work,
                                          capture_output=True, text=True).stdout
                    assert f"{page:02d}" in text and "11" in text


def test_variants_differ_from_the_first_gradient_on(run, tmp_path):
    from adadelta_cli.features.variants import FIRST_ONE_DIGIT, FIRST_TWO_DIGITS, variant_gradients

    for seed in range(6):
        sheets = variant_gradients(3, seed, 30)
        firsts = [float(s[0, 0]) for s in sheets]
        pool = len(FIRST_ONE_DIGIT if round(abs(firsts[0]) * 10, 6).is_integer() else FIRST_TWO_DIGITS)
        counts = {g: firsts.count(g) for g in firsts}
        assert len(counts) == min(30, pool)  # every g₁ differs while the pool lasts
        assert max(counts.values()) - min(counts.values()) <= 1  # past it, each shared as rarely as can be
        assert len({tuple(s.ravel().tolist()) for s in sheets}) == 30


def test_a_key_made_alone_says_it_is_a_key(run):
    tex = run("worksheet", "--steps", "3", "--seed", "5", "--answers", "--format", "latex").stdout
    assert "Answer key: seed 5" in tex and "Fill in" not in tex and "Name:" not in tex
    md = run("worksheet", "--steps", "2", "--seed", "5", "--working-space", "--format", "markdown").stdout
    assert "**Working, step 1: g\\_1 = " in md and "**Working, step 2: g\\_2 = " in md


def test_working_space_is_for_printed_sheets(run):
    result = run("worksheet", "0.1", "--working-space")  # CSV: nowhere to leave room
    assert result.exit_code == 2 and "--working-space" in result.stderr and "latex" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
