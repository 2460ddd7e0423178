"""`adadelta plot --optimizer NAME`: a family member's trace drawn as Adadelta's is (in the terminal, to a file,
animated): g_t, its state (its sums or averages of squares on a log scale), η_t, Δx_t and x_t, the data of every
line the member's own trace."""

from __future__ import annotations

import csv
import io

import pytest

from adadelta_cli.features import family_trace, plotting, shown
from adadelta_cli.formats.tables import Gradients

GRADS = ["0.1", "0.2", "0", "-0.15"]


@pytest.fixture(autouse=True)
def english():
    from adadelta_cli import i18n

    i18n.set_language("en")


def test_the_terminal_chart_of_a_member(run):
    result = run("plot", *GRADS, "--optimizer", "adagrad", "--width", "100", "--height", "24")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "G_t (log scale)" in out and "η_t" in out and "Δx_t" in out and "x_t" in out
    assert "•• G" in out and "E[g²]" not in out
    adam = run("plot", *GRADS, "--optimizer", "adam", "--width", "100").stdout
    assert "v_t and v̂_t (log scale)" in adam
    sgd = run("plot", *GRADS, "--optimizer", "momentum", "--width", "100").stdout
    assert "\n" in sgd and "b_t" in sgd and "log scale" not in sgd  # momentum's buffer changes sign: linear


def test_each_line_of_the_figure_is_the_members_trace(run):
    pytest.importorskip("matplotlib")
    trace = family_trace.Traced.given("rmsprop", {}, ["centered=true"], [])(
        Gradients(__import__("numpy").array([[float(g)] for g in GRADS]), ["x"], "arguments"), [0.5])
    figure, drawn = plotting.trace_figure(trace)
    try:
        titles = [ax.get_title(loc="left") for ax in figure.axes[:5]]
        assert titles == ["$g_t$", "$v_{t}$", "$\\eta_t$", "$\\Delta x_t$", "$x_t$"]
        assert figure.axes[1].get_yscale() == "log" and figure.axes[0].get_yscale() == "linear"
        rows = list(csv.DictReader(io.StringIO(run("trace", *GRADS, "--optimizer", "rmsprop", "--set",
                                                   "centered=true", "--x0", "0.5", "-f", "csv").stdout)))
        by_label = {line.get_label(): list(values) for line, _t, values, _i in drawn}
        assert by_label["$x_t$"] == [float(r["x"]) for r in rows]
        assert by_label["$v_{t}$"] == [float(r["v"]) for r in rows]  # every v_t > 0 here
        assert by_label["$\\eta_t$"] == [float(r["eta"]) for r in rows]
        assert figure.axes[5].texts[0].get_text().startswith("RMSprop: $\\mathit{lr}$ = 0.01\n$\\alpha$ = 0.99")
        assert figure.get_suptitle() == "RMSprop, step by step"
    finally:
        plotting.pyplot().close(figure)


def test_to_a_file_and_animated(run, tmp_path):
    pytest.importorskip("matplotlib")
    png, gif = tmp_path / "adam.png", tmp_path / "adam.gif"
    result = run("plot", *GRADS, "--optimizer", "adam", "--preset", "keras", "-o", png, "--animate", gif)
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and gif.read_bytes()[:6] == b"GIF89a"


def test_the_panels_follow_the_member():
    def panels(name, sets=()):
        trace = family_trace.Traced.given(name, {}, list(sets), [])(
            Gradients(__import__("numpy").array([[0.1], [0.2]]), ["x"], "arguments"), [0.0])
        return shown.panels(trace)[1]

    assert panels("adagrad") == (("G",), True)
    assert panels("adam", ["amsgrad=true"]) == (("v", "vmax", "vhat"), True)
    assert panels("sgd", ["momentum=0.9"]) == (("b",), False)
    assert panels("sgd") == ((), False)


def test_plain_sgd_keeps_no_state_and_says_so(run):
    out = run("plot", *GRADS, "--optimizer", "sgd", "--width", "100").stdout
    assert "no state between steps" in out


def test_chinese_and_a_refusal(run):
    zh = run("plot", *GRADS, "--optimizer", "adagrad", "--width", "100", "--lang", "zh")
    assert zh.exit_code == 0 and "G_t（对数坐标）" in zh.stdout
    bad = run("plot", "--function", "quadratic", "--x0", "1,1", "--optimizer", "adam")
    assert bad.exit_code == 2 and "--optimizer and --state go with gradients" in bad.stderr
