"""The Python API as a notebook user meets it: every function, the objects showing themselves (HTML, Markdown,
Rich), their records and DataFrames, the same values as the command line; and the docs' notebook, executed."""

import csv
import io
import json
import re
import sys
from html.parser import HTMLParser

import pytest

from adadelta_cli import api
from adadelta_cli.errors import SettingsError

from .conftest import ROOT

ARTICLE_DX = [-0.004467670516087701, -0.005681367090731249, -0.004800873720760839]


class _Text(HTMLParser):
    """The text an HTML fragment shows, and whether its tags close as they open."""

    def __init__(self):
        super().__init__()
        self.parts, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data):
        self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    assert parser.open == [], parser.open
    return "".join(parser.parts)


def cli_stdout(run, *args) -> str:
    result = run(*args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def objects():
    sheet = api.worksheet([0.1, 0.2, 0.15], hide="eg2,dx")
    return {
        "trace": (api.trace([0.1, 0.2, 0.15]), ["trace", "0.1", "0.2", "0.15"]),
        "explain": (api.explain([0.1, 0.2], preset="pytorch"), ["trace", "0.1", "0.2", "--preset", "pytorch",
                                                                "--explain"]),
        "step": (api.step(0.1, eg2=0.002475, edx2_prev=0.0001, expect={"dx": -0.002014}),
                 ["step", "--grad", "0.1", "--eg2", "0.002475", "--edx2-prev", "0.0001", "--expect", "dx=-0.002014"]),
        "worksheet": (sheet, ["worksheet", "0.1", "0.2", "0.15", "--hide", "eg2,dx", "-f", "table"]),
        "compare": (api.compare([0.1, 0.2, 0.15], optimizers="adam,sgd"),
                    ["compare", "0.1", "0.2", "0.15", "--with", "adam,sgd"]),
        "diff": (api.diff("pytorch", "keras", [0.1, 0.2, 0.15]), ["diff", "pytorch", "keras", "0.1", "0.2", "0.15"]),
    }


@pytest.mark.parametrize("name", ["trace", "explain", "step", "worksheet", "compare", "diff"])
def test_each_object_shows_what_the_terminal_shows(run, name):
    from rich.console import Console

    shown, args = objects()[name]
    terminal = cli_stdout(run, *args)
    html = shown._repr_html_()
    seen = html_text(html)
    rich_out = io.StringIO()
    Console(file=rich_out, width=200, color_system=None, force_terminal=False).print(shown)
    # Every line the terminal shows is in the HTML and in Rich's rendering (a long note may wrap elsewhere)
    def flat(text):
        return " ".join(text.split())

    for line in terminal.splitlines():
        if line.strip() and set(line.strip()) != {"─"}:  # a rule's length is the width of what it underlines
            assert flat(line) in flat(seen), (name, line)
            assert flat(line) in flat(rich_out.getvalue()), (name, line)
    assert "<script" not in html.lower()
    markdown = shown._repr_markdown_()
    assert markdown.startswith("# ") and "|" in markdown
    args = [a for a in args if a not in ("-f", "table")]
    assert markdown.strip() == cli_stdout(run, *args, "--format", "markdown").strip()


def test_records_and_text_are_the_command_lines(run):
    steps = api.trace([0.1, 0.2, 0.15])
    assert [r["dx"] for r in steps.records()] == ARTICLE_DX
    assert steps.to_text("csv") == cli_stdout(run, "trace", "0.1", "0.2", "0.15", "-f", "csv")
    cli_json = json.loads(cli_stdout(run, "trace", "0.1", "0.2", "0.15", "-f", "json"))
    api_json = json.loads(steps.to_text("json"))
    assert api_json["steps"] == cli_json["steps"]
    assert {k: v for k, v in api_json["settings"].items() if k != "input"} == \
        {k: v for k, v in cli_json["settings"].items() if k != "input"}
    one = api.step(0.1, eg2=0.002475, edx2_prev=0.0001, expect=["dx=-0.002014"])
    cli_step = json.loads(cli_stdout(run, "step", "--grad", "0.1", "--eg2", "0.002475", "--edx2-prev", "0.0001",
                                     "-f", "json"))
    assert one.dx == cli_step["steps"][0]["dx"] and round(one.dx, 16) == -0.0201969302998739 and not one.right
    assert json.loads(one.to_text("json"))["checks"][0]["status"] == "wrong"
    compared = api.compare([0.1, 0.2, 0.15], optimizers=["adam"], hyper={"adam": {"lr": 0.01}})
    assert compared.to_text("csv") == cli_stdout(run, "compare", "0.1", "0.2", "0.15", "--with", "adam", "--set",
                                                 "adam.lr=0.01", "-f", "csv")
    assert api.diff("pytorch", "keras").to_text("csv") == cli_stdout(run, "diff", "pytorch", "keras", "-f", "csv")


def test_worksheet_and_check_round_trip(run, tmp_path):
    sheet = api.worksheet([0.1, 0.2, 0.15], hide="eg2,dx")
    assert sheet.to_text("csv") == cli_stdout(run, "worksheet", "0.1", "0.2", "0.15", "--hide", "eg2,dx", "-f",
                                              "csv")
    key = sheet.key().to_text("csv")
    marked = api.check(key)
    assert marked.right
    assert [r["verdict"] for r in marked.records()] == ["right"] * 6
    path = tmp_path / "blank.csv"
    path.write_text(sheet.to_text("csv"), encoding="utf-8")
    blank = api.check(path)
    assert not blank.right and {r["verdict"] for r in blank.records()} == {"unanswered"}
    assert blank.to_text("json") == cli_stdout(run, "check", path, "-f", "json")
    drawn = api.worksheet(steps=4, seed=7)
    assert drawn.to_text("csv") == cli_stdout(run, "worksheet", "--steps", "4", "--seed", "7", "-f", "csv")


def test_to_dataframe(run):
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    frame = api.trace([[0.1, 1.0], [0.2, -1.0]]).to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["t", "param", "g", "eg2", "edx2_prev", "eta", "dx", "edx2", "x"]
    assert frame["param"].tolist() == ["x1", "x2", "x1", "x2"]
    rows = list(csv.DictReader(io.StringIO(cli_stdout(run, "compare", "-f", "csv"))))
    compared = api.compare().to_dataframe()
    assert compared["x"].tolist() == [float(r["x"]) for r in rows]


def test_to_dataframe_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        api.trace([0.1]).to_dataframe()


def test_settings_are_checked_as_the_command_line_checks_them():
    with pytest.raises(SettingsError, match=r"^rho must lie in \[0, 1\], got 2$"):
        api.step(0.1, rho=2)
    with pytest.raises(SettingsError, match="x0 has 3 values but grads has 2 parameters"):
        api.trace([[0.1, 0.2]], x0=[1, 2, 3])
    with pytest.raises(SettingsError, match="edx2_prev is a running average of squares"):
        api.step(0.1, edx2_prev=-1)
    with pytest.raises(SettingsError):
        api.trace([0.1]).to_text("xml")
    assert api.trace(preset="keras").settings.lr == 0.001  # no gradients: the article's example


def test_data_from_the_input_is_escaped_in_html():
    shown = api.trace([[0.1, 0.2]], names=["<b>a</b>", "x&y"])
    html = shown._repr_html_()
    assert "<b>a</b>" not in html and "&lt;b&gt;a&lt;/b&gt;" in html
    assert "<b>a</b>" in html_text(html)


def test_the_package_exports_the_api():
    import adadelta_cli

    for name in ("trace", "step", "explain", "check", "worksheet", "compare", "diff"):
        assert getattr(adadelta_cli, name) is getattr(api, name)
    from adadelta_cli import explain, worksheet

    assert explain is api.explain and worksheet is api.worksheet  # no module of the package takes these names


def test_the_docs_notebook_runs_and_every_object_renders():
    pytest.importorskip("nbclient", reason="the notebook extra is not installed (pip install '.[notebook]')")
    pytest.importorskip("ipykernel", reason="the notebook extra is not installed (pip install '.[notebook]')")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run_notebook
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    notebook = run_notebook.execute()
    shown = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.get("output_type") == "error"], cell.source
        assert len([o for o in outputs if o.get("output_type") in ("execute_result", "display_data")]) <= 1, \
            cell.source  # each result shown once
        for output in outputs:
            data = output.get("data", {})
            if "text/markdown" in data:  # an API object: its HTML is the terminal's table
                shown += 1
                assert "text/html" in data and re.search(r"t\s+(│\s+)?g_t|quantity|setting",
                                                         html_text(data["text/html"]))
    assert shown >= 7
    assert "docs/notebook.png" in (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "notebook.png").stat().st_size > 10_000
