"""plot, trace --export-svg/--export-html and walk."""

import builtins
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_terminal_plot_without_extra(run):
    result = run("plot", "0.1", "0.2", "0.15", "-0.1", "--width", "80", "--height", "20")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for title in ("E[g²]_t and E[Δx²]_t (log scale)", "η_t", "Δx_t", "x_t"):
        assert title in out
    assert "\x1b[" not in out  # no colour codes when not drawing on a terminal
    assert max(len(line) for line in out.splitlines()) <= 80


def test_plot_to_file_needs_the_extra(run, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = run("plot", "0.1", "-o", tmp_path / "p.png")
    assert result.exit_code == 2
    assert "pip install 'adadelta-cli[plot]'" in result.stderr
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_plot_to_file(run, tmp_path, suffix, magic):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    out = tmp_path / f"p{suffix}"
    result = run("plot", "0.1", "0.2", "0.15", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(magic)


def test_a_library_warning_while_drawing_is_given_on_once():
    # Given on after the recording stops: inside it, the warning was recorded again into the list being read,
    # without end (matplotlib 3.8's pyparsing warnings made a figure grow past 20 GB)
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    import warnings

    from adadelta_cli.features import plotting

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with plotting.figure_style():
            warnings.warn("the layout could not be applied", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["the layout could not be applied"]


def test_matplotlib_38s_glyph_warning_is_gathered_too():
    found = plotting_module()._GLYPH.search("Glyph 26435 (\\N{CJK UNIFIED IDEOGRAPH-6743}) missing from current font.")
    assert found and found.group(1) == "26435" and found.group(2) is None
    newer = "Glyph 26435 (\\N{CJK UNIFIED IDEOGRAPH-6743}) missing from font(s) DejaVu Sans."
    assert plotting_module()._GLYPH.search(newer).group(2) == "DejaVu Sans"


def plotting_module():
    from adadelta_cli.features import plotting

    return plotting


def test_plot_bad_suffix(run, tmp_path):
    result = run("plot", "0.1", "-o", tmp_path / "p.gif")
    assert result.exit_code == 2 and ".png" in result.stderr


def test_export_svg_and_html_are_deterministic(run, tmp_path):
    files = []
    for i in range(2):
        svg, html = tmp_path / f"t{i}.svg", tmp_path / f"t{i}.html"
        result = run("trace", "0.1", "0.2", "0.15", "--explain", "--export-svg", svg, "--export-html", html)
        assert result.exit_code == 0, result.stderr
        files.append((svg.read_bytes(), html.read_bytes()))
    assert files[0] == files[1]
    svg, html = (b.decode() for b in files[0])
    assert svg.startswith("<svg") and "adadelta" in svg
    assert "0.00347625" in svg and "0.002475" in html
    assert "E[g²]_t" in html.replace("&#91;", "[").replace("&#93;", "]")
    assert "0.95·0.0005 + 0.05·0.2²" in html  # the explanation is recorded too


def test_walk_without_a_terminal_prints_every_step(run):
    result = run("walk", "0.1", "0.2", "0.15")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert [f"Step {t} of 3" in out for t in (1, 2, 3)] == [True] * 3
    assert "E[g²]_3 = ρ·E[g²]_2 + (1 - ρ)·g_3² = 0.95·0.002475 + 0.05·0.15²" in out


def test_walk_in_a_real_terminal():
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120", "LINES": "40", "TERM": "xterm"}
    child = pexpect.spawn(sys.executable, ["-m", "adadelta_cli", "walk", "0.1", "0.2", "0.15"], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 120))
    child.expect("Step 1 of 3")
    child.expect("q quit")
    child.send("n")
    child.expect("Step 2 of 3")
    child.send(" ")
    child.expect("Step 3 of 3")
    child.expect("0.00347625")
    child.send("b")
    child.expect("Step 2 of 3")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_walk_with_no_input_walks_the_article(run):
    result = run("walk")
    assert result.exit_code == 0, result.stderr
    assert "Step 3 of 3" in result.stdout and "article" in result.stderr
    result = run("walk", "-")
    assert result.exit_code == 2 and "keyboard" in result.stderr


# --- Glyphs in every language, and progress while an animation is drawn ---------------------------------------------

def _figure_process(tmp_path, *args, cache=True):
    """adadelta in a process of its own (matplotlib's font cache fresh unless ``cache``): (exit code, stderr)."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if not cache:
        env["MPLCONFIGDIR"] = str(tmp_path / "mpl")  # a fresh font cache, as on a first run
    env.pop("CI", None)
    done = subprocess.run([sys.executable, "-m", "adadelta_cli", *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=300)
    return done.returncode, done.stderr


def test_the_chinese_animation_has_every_glyph_with_a_fresh_font_cache(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from adadelta_cli.features import plotting

    if plotting.cjk_font() is None:
        pytest.skip("no CJK font on this system (.ci/run installs fonts-noto-cjk)")
    movie = tmp_path / "zh.gif"
    code, stderr = _figure_process(tmp_path, "plot", "0.1", "0.2", "0.15", "--lang", "zh", "--animate", movie,
                                   cache=False)
    # Any character drawn as a box (the counter "第 3 步，共 3 步" too) would be a warning here.
    assert code == 0 and stderr.count("\n") == 1 and "警告" not in stderr and "已写入" in stderr, stderr


def test_every_text_of_a_figure_finds_its_glyphs_the_same_way(monkeypatch):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from adadelta_cli import i18n
    from adadelta_cli.features import plotting

    monkeypatch.setattr(plotting, "cjk_font", lambda: "Some CJK Font")
    i18n.set_language("en")
    assert plotting.font_family("x", "Adadelta") == ["DejaVu Sans"]
    assert plotting.font_family("权重") == ["DejaVu Sans", "Some CJK Font"]  # a Chinese name in an English figure
    i18n.set_language("zh")
    try:
        assert plotting.font_family() == ["DejaVu Sans", "Some CJK Font"]
    finally:
        i18n.set_language("en")


def test_a_missing_glyph_is_one_warning_naming_the_font_to_install(run, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from adadelta_cli.features import plotting

    monkeypatch.setattr(plotting, "cjk_font", lambda: None)  # a system without a CJK font
    data = tmp_path / "named.csv"
    data.write_text("权重,b\n0.1,0.2\n0.2,0.1\n", encoding="utf-8")
    result = run("plot", data, "-o", tmp_path / "named.png", "--animate", tmp_path / "named.gif")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2  # one per figure (the still and the animation), each naming what to install
    assert all("权 重" in w and "fonts-noto-cjk" in w and "DejaVu Sans" in w for w in warnings)
    assert "Font 'default'" not in result.stderr


def test_a_cjk_name_is_drawn_with_a_cjk_font(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from adadelta_cli.features import plotting

    if plotting.cjk_font() is None:
        pytest.skip("no CJK font on this system (.ci/run installs fonts-noto-cjk)")
    data = tmp_path / "named.csv"
    data.write_text("权重,b\n0.1,0.2\n0.2,0.1\n", encoding="utf-8")
    code, stderr = _figure_process(tmp_path, "plot", data, "-o", tmp_path / "named.png")
    assert code == 0 and stderr.count("\n") == 1 and "wrote" in stderr, stderr


def test_animate_shows_its_progress_on_a_terminal(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120", "TERM": "xterm"}
    env.pop("CI", None)
    movie = tmp_path / "noisy.gif"
    child = pexpect.spawn(sys.executable, ["-m", "adadelta_cli", "plot", str(ROOT / "sample_gradients" / "noisy.txt"),
                                           "--animate", str(movie)], env=env, encoding="utf-8", timeout=120,
                          dimensions=(24, 120))
    child.expect(r"drawing noisy\.gif, frame by frame.*?(\d+)/(\d+)")
    assert int(child.match.group(2)) == 1 + 120  # the palette's frame, then each of the 120
    child.expect("wrote")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and movie.stat().st_size > 0
    code, stderr = _figure_process(tmp_path, "plot", "0.1", "0.2", "--animate", tmp_path / "quiet.gif")
    assert code == 0 and "frame by frame" not in stderr  # a pipe or a log: no bar


def test_walk_redraws_on_resize_without_a_key():
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TERM": "xterm"}
    env.pop("COLUMNS", None)  # the window's own size, as a terminal gives it
    env.pop("LINES", None)
    child = pexpect.spawn(sys.executable, ["-m", "adadelta_cli", "walk", "0.1", "0.2", "0.15"], env=env,
                          encoding="utf-8", timeout=20, dimensions=(24, 60))
    child.expect("n/→ next")
    child.send("n")
    child.expect(r"Step 2 of 3[^\n]*?E\[Δx²\]_t left out to fit")  # narrow: a column gives way
    child.expect("-0.010149")
    child.setwinsize(30, 130)  # the window widened; no key pressed
    end = r"(?:\x1b\[[0-9;]*m)*\s*\n"  # the end of a line, past any style
    child.expect(r"Adadelta: ρ = 0\.95[^\n]*\n[^\n]*Step 2 of 3" + end + r"[^\n]*E\[Δx²\]_t", timeout=10)
    child.expect("2.562e-6")  # the column shown again, the header above it
    child.setwinsize(20, 50)
    child.expect(r"Adadelta: ρ = 0\.95[^\n]*\n[^\n]*Step 2 of 3[^\n]*E\[g²\]_t, E\[Δx²\]_t left out", timeout=10)
    child.send("n")  # the step kept through the resizes
    child.expect("Step 3 of 3")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
