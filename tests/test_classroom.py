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
    "step": ["step", "--grad", "0.2", "--eg2", "0.0005", "--edx2-prev", "1e-6", "--format", "latex"],
    "Chinese worksheet": ["worksheet", "0.1", "0.2", "0.15", "--format", "latex", "--lang", "zh"],
    "Chinese trace --explain": ["trace", "0.1", "0.2", "0.15", "--format", "latex", "--explain", "--lang", "zh"],
}


@pytest.mark.parametrize("args", list(DOCUMENTS.values()), ids=list(DOCUMENTS))
def test_latex_documents_compile_inside_the_margins(run, tmp_path, args):
    result = run(*args)
    assert result.exit_code == 0, result.stderr
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
    assert "Steps 11 to 190 are left out here; --all explains every step." in tex
    every = run("trace", SAMPLES / "noisy.txt", "--format", "latex", "--explain", "--all").stdout
    assert len(re.findall(r"\\subsubsection\*\{Step (\d+)\}", every)) == 200


def test_latex_fragment_pastes_into_a_document(run, tmp_path):
    result = run("trace", "0.1", "0.2", "--format", "latex", "--explain", "--latex-fragment")
    fragment = result.stdout
    assert result.exit_code == 0 and "\\documentclass" not in fragment and "\\begin{document}" not in fragment
    assert "\\begin{longtable}" in fragment and "\\begin{align*}" in fragment
    step = run("step", "--grad", "0.2", "--format", "latex", "--latex-fragment").stdout
    assert "\\documentclass" not in step and "\\Delta x_{1} &= -\\eta_{1} \\cdot g_{1}" in step
    document = ("\\documentclass{article}\n% compile with pdflatex\n\\usepackage{amsmath,longtable}\n"
                "\\begin{document}\n" + fragment + step + "\\end{document}\n")
    compile_tex(document, tmp_path)


@pytest.mark.parametrize("options", [[], ["--maximize"], ["--weight-decay", "0.1", "--weight-decay-mode",
                                                          "decoupled"], ["--weight-decay", "0.1"]])
def test_sheets_print_the_formulas_the_engine_uses(run, options):
    from adadelta_cli import recurrence

    tex = run("worksheet", "0.1", "0.2", "--format", "latex", *options).stdout
    settings = {"maximize": "--maximize" in options, "weight_decay": 0.1 if "--weight-decay" in options else 0,
                "weight_decay_mode": "decoupled" if "decoupled" in options else "coupled"}
    mode = recurrence.Mode.of(settings)
    for q in recurrence.quantities(mode):
        head, _eq, tail = q.equation(mode, recurrence.LATEX).partition(" = ")
        assert f"{head} &= {tail}" in tex
