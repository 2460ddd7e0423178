"""The package's shape: each command lists exactly the formats it writes; the step description is the one home of
the formulas."""

import re

import pytest
from typer.testing import CliRunner

from adadelta_cli.cli.app import app

FORMATS = {
    "trace": ["table", "csv", "json", "markdown", "latex"],
    "step": ["table", "csv", "json", "markdown", "latex"],
    "compare": ["table", "csv", "json", "markdown", "latex"],
    "optimize": ["table", "csv", "json", "markdown", "latex"],
    "check": ["table", "csv", "json", "markdown", "latex"],
    "diff": ["table", "csv", "json", "markdown", "latex"],
    "worksheet": ["csv", "markdown", "latex", "table", "moodle", "gift", "qti"],
}


@pytest.mark.parametrize("command", sorted(FORMATS))
def test_help_lists_exactly_the_formats_written(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    listed = re.search(r"--format [<\[]([^>\]]*)[>\]]", result.output).group(1).split("|")
    assert listed == FORMATS[command]


@pytest.mark.parametrize("command, fmt", [("compare", "moodle"), ("optimize", "gift"), ("trace", "moodle"),
                                          ("check", "gift")])
def test_a_format_not_written_is_a_usage_error(command, fmt):
    args = [command, "quadratic", "--x0", "1"] if command == "optimize" else [command, "0.1"]
    result = CliRunner().invoke(app, [*args, "-f", fmt])
    assert result.exit_code == 2


def test_settings_options_are_declared_once_and_read_alike_everywhere():
    # Every command that computes takes its settings options from options.settings_options: the same flags with
    # the same help, whichever command shows them.
    from typer.main import get_command

    group = get_command(app)
    seen: dict[str, str] = {}
    for name in ("trace", "step", "check", "worksheet", "walk", "plot", "compare", "optimize", "lesson"):
        for param in group.commands[name].params:
            if param.name in ("rho", "eps", "lr", "weight_decay", "maximize", "preset", "lr_dtype"):
                assert seen.setdefault(param.name, param.help) == param.help, (name, param.name)
    assert set(seen) == {"rho", "eps", "lr", "weight_decay", "maximize", "preset", "lr_dtype"}


def test_no_command_module_spells_out_the_settings_again():
    from pathlib import Path

    import adadelta_cli.cli.commands as commands

    for path in Path(commands.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "rho: Rho" not in text and "preset=preset" not in text, path.name


@pytest.mark.parametrize("values, names", [
    ([[0.1], [0.2], [0.15]], ["x"]),
    ([[1e-300, -2.5], [3e200, 0.0], [-0.0, 1.0]], ["w", "b,ias"]),
    ([[1.0, float("nan")], [float("inf"), 2.0]], ["a;b", " lead"]),
    ([[1e20, 1e-7, 2.0]], ['say "hi"', "名字", "θ"]),
], ids=["article", "extremes", "non-finite", "quoted names"])
def test_a_block_of_steps_is_written_as_its_rows_would_be(values, names):
    """The one writer formats a trace's Steps block (trace's stream, the API, step) a whole column at a time, as the
    text of a long trace is most of its work: the bytes are those of the same records given row by row."""
    import numpy as np

    from adadelta_cli.cli.options import NonFinite, resolve
    from adadelta_cli.features import tracing
    from adadelta_cli.formats import machine, render
    from adadelta_cli.formats.report import Records, Steps, each_row
    from adadelta_cli.formats.tables import Gradients

    grads = np.array(values, dtype=np.float64)
    report = tracing.compute(Gradients(grads, names, "test"), resolve(nonfinite=NonFinite("continue")))
    blocks = render.records(report)
    assert any(isinstance(row, Steps) for row in blocks.rows)
    rows = Records(blocks.columns, list(each_row(blocks.rows)), blocks.settings)
    assert machine.csv(blocks) == machine.csv(rows)
    assert machine.json(blocks) == machine.json(rows)


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_each_layer_imports_only_the_layers_below_it():
    """cli > api > features > marking > formats > maths > the foundation ([tool.importlinter] in pyproject.toml),
    imports inside functions counted."""
    from importlinter import cli as importlinter

    assert importlinter.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def circles(graph, package: str = "adadelta_cli") -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each is an import cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph.find_modules_directly_imported_by(module)):
            if not other.startswith(package):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module.startswith(package) and module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others():
    import grimp

    assert circles(grimp.build_graph("adadelta_cli")) == []


def test_a_circle_is_found_where_there_is_one():
    class Graph:
        edges = {"adadelta_cli.a": {"adadelta_cli.b"}, "adadelta_cli.b": {"adadelta_cli.c"},
                 "adadelta_cli.c": {"adadelta_cli.a", "numpy"}, "adadelta_cli.d": {"adadelta_cli.a"}}
        modules = set(edges)

        def find_modules_directly_imported_by(self, module):
            return self.edges.get(module, set())

    assert circles(Graph()) == [["adadelta_cli.a", "adadelta_cli.b", "adadelta_cli.c"]]


# --- Documents carry data: nothing from the data is read back as notation, nothing rendered is parsed again -------


def test_a_file_named_like_a_symbol_stays_text_in_latex(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ltx").mkdir()
    made = run("worksheet", "0.1", "0.2", "0.15", "--answers", "-o", "ltx/x_1.csv")
    assert made.exit_code == 0, made.output
    marked = run("check", "ltx/x_1.csv", "--format", "latex")
    assert marked.exit_code == 0, marked.output
    assert r"Checking ltx/x\_1.csv" in marked.stdout and "$x_{1}$.csv" not in marked.stdout
    assert r"$\Delta x_{1}$" in marked.stdout  # the tool's own notation is still set as mathematics


def test_a_parameter_named_like_a_symbol_stays_text_in_the_arithmetic(run, tmp_path):
    data = tmp_path / "p.csv"
    data.write_text("x_1,eta\n0.1,0.2\n0.2,0.1\n")
    done = run("trace", data, "--explain", "-f", "latex")
    assert done.exit_code == 0, done.output
    assert r"\subsubsection*{Step 1, x\_1}" in done.stdout and r"Step 1, eta}" in done.stdout
    assert "Step 1, $x_{1}$" not in done.stdout


def test_every_question_names_its_own_step_and_no_two_share_a_name(run):
    done = run("worksheet", "0.1", "0.2", "--maximize", "--hide", "g_eff,eta", "--format", "gift")
    assert done.exit_code == 0, done.output
    names = re.findall(r"^::([^:]+)::", done.stdout, flags=re.M)
    assert names == ["g_eff,1", "η_1", "g_eff,2", "η_2"]
    assert "Compute g_eff,t" not in done.stdout
    assert done.stdout.count(r"Compute \\(g^\{\\mathrm\{eff\}\}_\{1\}\\)") == 1


def test_a_later_step_labels_the_state_it_starts_from(run):
    done = run("step", "--grad", "0.15", "--t", "3", "--x", "0.1", "--eg2-prev", "0.002")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == "Adadelta: ρ = 0.95, ε = 1e-6, lr = 1, x₂ = 0.1, E[g²]₂ = 0.002"


def test_the_lesson_page_sets_each_line_apart_at_its_equals_signs():
    from adadelta_cli.features import lesson

    line = ("<mi>a</mi>", "<mi>b</mi><mo>=</mo><mi>c</mi>", "<mn>1</mn>")  # an "=" inside a formula stays in it
    html = lesson._math_line(line)
    assert html.count('<span class="seg">') == 1 and "<mrow><mi>b</mi><mo>=</mo><mi>c</mi></mrow>" in html


def test_latex_reads_no_sentence_back_as_notation():
    """Sentences carry their symbols and numbers as pieces (phrases.Sym, phrases.Num): no writer parses text for
    notation, and the writers read only the document model, the notation, escaping and number text."""
    import ast

    src = ROOT / "src" / "adadelta_cli"
    latexdoc = (src / "formats" / "latexdoc.py").read_text(encoding="utf-8")
    assert "prose" not in latexdoc and "_NOTATION" not in latexdoc
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "prose" not in text and '.replace("_t"' not in text, path
    tree = ast.parse((src / "formats" / "writers.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {f"{node.module}.{a.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 for a in node.names}
    assert not any(m.startswith("adadelta_cli.features") for m in imported)
    assert not imported & {"adadelta_cli.formats.explain", "adadelta_cli.formats.render"}


def test_a_sentence_keeps_its_symbols_and_numbers_apart_in_latex(run):
    from adadelta_cli.formats import latexdoc, render

    line = render.settings_line({"rho": 0.95, "eps": 1e-6, "lr": 1.0, "x0": 0.0, "eg2_init": 0.5}, before=2)
    assert str(line) == "Adadelta: ρ = 0.95, ε = 1e-6, lr = 1, x₂ = 0, E[g²]₂ = 0.5"
    assert latexdoc.phrase(line) == (r"Adadelta: $\rho$ = 0.95, $\varepsilon$ = $1 \times 10^{-6}$, lr = 1, "
                                     r"$x_{2}$ = 0, $E[g^2]_{2}$ = 0.5")
    from adadelta_cli.i18n import set_language

    try:
        done = run("--lang", "zh", "trace", "0.1", "0.2", "--preset", "tfjs", "-f", "latex")
    finally:
        set_language("en")  # the in-process run leaves its language set
    assert done.exit_code == 0, done.output
    assert r"$\eta$ 除以的是 $E[g^2]_{t-1}$" in done.stdout
