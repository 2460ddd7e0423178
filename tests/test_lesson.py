"""adadelta lesson: the page's content (pure Python), the command, and the page as a browser shows it."""

import html
import json
import re

import pytest

from adadelta_cli.cli import options
from adadelta_cli.features import lesson, tracing
from adadelta_cli.formats.readers import read_input
from adadelta_cli.maths import notation, recurrence

from .browser import CHROMIUM, Browser, dump_dom
from .conftest import SAMPLES

# The article's trace (g = 0.1, 0.2, 0.15; ρ = 0.95, ε = 1e-6), as it prints it, step by step: E[g²], η, Δx,
# E[Δx²], x.
ARTICLE = {
    1: ["0.0005", "0.0446767", "-0.00446767", "9.98004e-7", "-0.00446767"],
    2: ["0.002475", "0.0284068", "-0.00568137", "2.562e-6", "-0.010149"],
    3: ["0.00347625", "0.0320058", "-0.00480087", "3.58632e-6", "-0.0149499"],
}


@pytest.fixture(autouse=True)
def english():
    """The page in English, whatever language an earlier command ran in (the language is the process's)."""
    from adadelta_cli import i18n

    i18n.set_language("en")


def report_for(tokens=(), **settings):
    resolved = options.resolve(**{"preset": None, "rho": None, "eps": None, "lr": None, "x0": None,
                                  "eg2_init": None, "edx2_init": None, "weight_decay": None,
                                  "weight_decay_mode": None, "maximize": None, "dtype": options.DType.float64,
                                  "lr_dtype": None, **settings})
    return tracing.compute(read_input(list(tokens)), resolved)


def mathml_text(fragment: str) -> str:
    """The MathML of a formula as --explain's plain text writes it: 9.98004×10^−7 as 9.98004e-7, − as -."""
    fragment = re.sub(r"<mn>([^<]*)</mn><mo>×</mo><msup><mn>10</mn><mn>([^<]*)</mn></msup>", r"<mn>\1e\2</mn>",
                      fragment)
    fragment = re.sub(r"<msup><mrow>(.*?)</mrow><mn>2</mn></msup>", r"\1²", fragment)
    tokens = html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("−", "-").split()
    return " ".join(tokens)


def section(page: str, t: int) -> str:
    return re.search(rf'<section class="step" id="step-{t}"[^>]*>(.*?)</section>', page, re.S).group(1)


NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?")  # unsigned: a minus in front may be written as an operator


# --- The page, read as text ---------------------------------------------------------------------------------------

def test_each_step_shows_the_explain_numbers_in_mathml():
    report = report_for()
    page = lesson.page(report)
    previous = {"eg2": 0.0, "edx2": 0.0, "x": 0.0}
    for t, _param, values in report.rows():
        shown = section(page, t)
        lines = re.findall(r'<div class="line">(.*?)</div>', shown)
        explained = recurrence.explain_step(values, previous, report.settings, t)  # what --explain prints
        assert len(lines) == len(explained) == 5
        for line, text in zip(lines, explained):
            # The same numbers in the same order as the plain-text line (the symbols' indices aside).
            worked = text.split(" = ")[2:]
            pieces = re.findall(r'<span class="v">(.*?)</span></span>', line)
            assert [NUMBER.findall(mathml_text(p)) for p in pieces] == [NUMBER.findall(w) for w in worked]
            assert NUMBER.findall(mathml_text(pieces[0])) and len(pieces) >= 2
        finals = [mathml_text(re.findall(r'<span class="v">(.*?)</span></span>', line)[-1]) for line in lines]
        assert finals == ARTICLE[t]
        previous = {"eg2": values["eg2"], "edx2": values["edx2"], "x": values["x"]}
    assert "<mn>0.95</mn><mo>·</mo><mn>0.002475</mn><mo>+</mo><mn>0.05</mn>" in section(page, 3)
    assert "<mn>0.00235125</mn><mo>+</mo><mn>0.001125</mn>" in section(page, 3)


def test_the_table_holds_every_step_the_first_current():
    page = lesson.page(report_for())
    rows = re.findall(r'<tr data-t="(\d)" class="(\w+)">(.*?)</tr>', page)
    assert [(t, state) for t, state, _ in rows] == [("1", "now"), ("2", "later"), ("3", "later")]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows[2][2])]
    assert cells == ["3", "0.15"] + ARTICLE[3]
    assert "position: sticky" in page


def test_nothing_is_fetched_and_the_script_runs_by_its_hash():
    import base64
    import hashlib

    page = lesson.page(report_for())
    assert "http" not in page.lower().replace("http-equiv", "")
    assert re.findall(r'\b(?:src|href|action|srcset|poster|data)\s*=\s*"([^"]*)"', page) == []
    assert "url(" not in page and "@import" not in page
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in policy and f"script-src 'sha256-{digest}'" in policy


def test_the_script_computes_nothing():
    script = re.search(r"<script>(.*?)</script>", lesson.page(report_for()), re.S).group(1)
    assert "Math.sqrt" not in script and "toFixed" not in script and "toPrecision" not in script
    assert not re.search(r"\*|/ (?!2)", script.replace("/^#step=(-?\\d+)$/", ""))  # only halving a height


HOSTILE = ['<script>alert(1)</script>', 'a"b\'c&d', "esc\x1b[31mred", "rtl\u202eevil", "bell\x07", "tab\tnl"]


def test_hostile_parameter_names_are_escaped(tmp_path):
    source = tmp_path / "names.json"
    source.write_text(json.dumps({f"p{i}": [0.1, -0.2] for i in range(len(HOSTILE))}), encoding="utf-8")
    report = report_for([str(source)])
    report.names = HOSTILE  # as no reader lets them through (control characters are refused): the page on its own
    page = lesson.page(report)
    assert page.count("<script") == 1 and "alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a&quot;b&#x27;c&amp;d" in page
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", page)
    assert "esc\\x1b[31mred" in page and "rtl\\u202eevil" in page and "bell\\x07" in page
    # Each name: in the step headings, the table and the chart's key.
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2 + 2 + 1
    # A header with markup and quotes is read as it is, and shown as text.
    source.write_text(json.dumps({HOSTILE[0]: [0.1], HOSTILE[1]: [0.2]}), encoding="utf-8")
    page = lesson.page(report_for([str(source)]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a&quot;b&#x27;c&amp;d" in page
    assert page.count("<script") == 1


def test_the_input_name_is_escaped(tmp_path):
    source = tmp_path / "<b>grads&.csv"
    source.write_text("0.1\n0.2\n", encoding="utf-8")
    page = lesson.page(report_for([str(source)]))
    assert "&lt;b&gt;grads&amp;.csv" in page and "<b>grads" not in page


def test_several_parameters_each_step_every_parameter():
    page = lesson.page(report_for([str(SAMPLES / "two_params.csv")]))
    step = section(page, 1)
    assert step.count('<div class="param">') == 2 and "<h3>w</h3>" in step and "<h3>b</h3>" in step
    assert re.findall(r'<tr data-t="1" class="now">', page) == ['<tr data-t="1" class="now">'] * 2
    assert '<span class="key s1">●</span> b' in page


def test_the_formulas_follow_the_mode():
    page = lesson.page(report_for(["0.1", "0.2"], weight_decay=0.1, maximize=True, x0="1"))
    first = section(page, 1)
    assert "<mtext>eff</mtext>" in first  # g_eff shown as its own quantity
    # g_eff,1 = -g_1 + wd·x_0 = -0.1 + 0.1·1 = 0 (maximize negates, coupled decay adds wd·x)
    line = re.findall(r'<div class="line">(.*?)</div>', first)[0]
    assert [mathml_text(p) for p in re.findall(r'<span class="v">(.*?)</span></span>', line)] == \
        ["- 0.1 + 0.1 · 1", "0"]
    decoupled = section(lesson.page(report_for(["0.1"], weight_decay=0.1, weight_decay_mode=options.WeightDecayMode
                                               .decoupled, x0="1")), 1)
    assert "<mtext>eff</mtext>" not in decoupled and "<mi>wd</mi>" in decoupled


def test_each_parameter_its_own_settings_and_the_rate_mode():
    page = lesson.page(report_for([str(SAMPLES / "two_params.csv")], lr="0.5,2"))
    x_lines = [re.findall(r'<div class="line">(.*?)</div>', block)[-1]
               for block in section(page, 1).split('<div class="param">')[1:]]
    substituted = [mathml_text(re.findall(r'<span class="v">(.*?)</span></span>', line)[0]) for line in x_lines]
    assert substituted == ["0 + 0.5 · ( -0.00446767 )", "0 + 2 · 0.00445435"]
    # η_t with E[g²]_{t−1} (TensorFlow.js): the formula says so, and the numbers follow.
    previous = section(lesson.page(report_for(["0.1", "0.2"], rate_eg2=options.RateEg2("previous"))), 2)
    eta = re.findall(r'<div class="line">(.*?)</div>', previous)[1]
    assert mathml_text(eta.split("<span")[0]).endswith("E [ g 2 ] 1 + ε")
    assert "0.0005 + 1e-6" in mathml_text(re.findall(r'<span class="v">(.*?)</span></span>', eta)[0])


def test_the_same_trace_gives_the_same_bytes():
    assert lesson.page(report_for(["0.1", "0.2"])) == lesson.page(report_for(["0.1", "0.2"]))


def test_mathml_numbers_have_a_real_minus_sign():
    assert notation.MATHML.num(-9.980039920159682e-07, 6) == \
        "<mn>−9.98004</mn><mo>×</mo><msup><mn>10</mn><mn>−7</mn></msup>"
    assert notation.MATHML.num(-0.5, 6) == "<mn>−0.5</mn>"
    page = lesson.page(report_for())
    assert not re.search(r"<m[no]>[^<]*-", page)  # no ASCII hyphen as a minus in any formula


def test_a_non_finite_value_leaves_a_gap_in_the_chart():
    import numpy as np

    from adadelta_cli.formats import render

    report = report_for(["0.1", "0.2", "0.15"])
    steps = report.steps._replace(x=np.array([[0.1], [np.inf], [0.3]]), eta=np.array([[0.1], [0.2], [np.nan]]))
    page = lesson.page(render.Report(steps, report.names, report.settings))
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "nan" not in chart and "inf" not in chart
    assert len(re.findall(r'<circle class="pt s0 mark"', chart)) == 2 + 2  # x at t = 1, 3; η at t = 1, 2
    assert len(re.findall(r'<line class="seg s0 mark"', chart)) == 0 + 1  # no segment touches a missing point


def test_each_panel_has_its_own_cursor_at_each_step():
    page = lesson.page(report_for(["0.1", "0.2", "0.15"]))
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    frames = [(float(y), float(h)) for y, h in re.findall(r'<rect class="frame" x="[^"]*" y="([^"]*)" width="[^"]*" '
                                                            r'height="([^"]*)"/>', chart)]
    assert len(frames) == 2 and frames[0][0] < frames[1][0]  # x_t above, η_t below
    for t in (1, 2, 3):
        cursors = re.findall(rf'<line class="cursor \w+" data-t="{t}" x1="[^"]*" x2="[^"]*" y1="([^"]*)" '
                             r'y2="([^"]*)"/>', chart)
        assert sorted((float(a), float(b)) for a, b in cursors) == [(y, y + h) for y, h in frames]


def test_too_long_a_trace_is_refused():
    from adadelta_cli.errors import SettingsError

    with pytest.raises(SettingsError, match="at most 2000 rows"):
        lesson.page(report_for(["0.1"] * 2001))


# --- The page in a browser ----------------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium): "
                                    "the page is not opened in a browser")


def visible_steps(dom: str) -> list[str]:
    return re.findall(r'<section class="step" id="step-(\d+)" data-t="\d+">', dom)


def current_row(dom: str) -> list[str]:
    rows = re.findall(r'<tr data-t="\d+" class="now">(.*?)</tr>', dom)
    assert len(rows) == 1
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows[0])]


def final_values(dom: str, t: int) -> list[str]:
    lines = re.findall(r'<div class="line">(.*?)</div>', section(dom, t))
    return [mathml_text(re.findall(r'<span class="v">(.*?)</span></span>', line)[-1]) for line in lines]


@pytest.fixture(scope="module")
def article_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("lesson") / "lesson.html"
    path.write_text(lesson.page(report_for()), encoding="utf-8")
    return path


@needs_chromium
def test_browser_at_step_1(article_page):
    dom = dump_dom(article_page, "step=1")
    assert visible_steps(dom) == ["1"]
    assert current_row(dom) == ["1", "0.1"] + ARTICLE[1]
    assert final_values(dom, 1) == ARTICLE[1]  # Δx_1 = -0.00446767, as the article has it
    assert re.findall(r'<tr data-t="(\d)" class="later">', dom) == ["2", "3"]
    assert re.search(r'<button type="button" id="back" title="[^"]*" disabled="">', dom)


@needs_chromium
def test_browser_at_step_3(article_page):
    dom = dump_dom(article_page, "step=3")
    assert visible_steps(dom) == ["3"]  # the script ran: the page was written showing step 1
    assert current_row(dom) == ["3", "0.15"] + ARTICLE[3]  # E[g²]_3 = 0.00347625
    assert final_values(dom, 3)[0] == "0.00347625"
    assert re.findall(r'<tr data-t="(\d)" class="">', dom) == ["1", "2"]
    assert re.search(r'<button type="button" id="next" title="[^"]*" disabled="">', dom)
    assert 'class="cursor now" data-t="3"' in dom


@needs_chromium
def test_browser_out_of_range_steps_are_clamped(article_page):
    assert visible_steps(dump_dom(article_page, "step=99")) == ["3"]
    assert visible_steps(dump_dom(article_page, "step=x")) == ["1"]


@needs_chromium
def test_browser_keys_buttons_and_exercise_mode(article_page):
    with Browser() as browser:
        browser.open(article_page, "step=1")
        shown = "document.querySelector('section.step:not([hidden])').id"
        assert browser.evaluate(shown) == "step-1"
        browser.key("ArrowRight")
        assert browser.evaluate(shown) == "step-2" and browser.evaluate("location.hash") == "#step=2"
        browser.key("End")
        assert browser.evaluate(shown) == "step-3"
        browser.key("ArrowRight")  # past the end: stays
        assert browser.evaluate(shown) == "step-3"
        browser.key("Home")
        assert browser.evaluate(shown) == "step-1"
        browser.click("#next")
        assert browser.evaluate(shown) == "step-2"
        browser.evaluate("location.hash = '#step=3'")
        assert browser.evaluate(shown) == "step-3"
        browser.key("ArrowLeft")
        assert browser.evaluate(shown) == "step-2"
        # The step box: type a number and press Enter.
        browser.evaluate("var b = document.getElementById('step-box'); b.focus(); b.select()")
        browser.type("3")
        browser.key("Enter")
        assert browser.evaluate(shown) == "step-3"
        # Hide the numbers: the current step's worked values are masked until clicked; the chart waits.
        browser.click("#exercise")
        masked = ("Array.from(document.querySelectorAll('#step-3 .v, tr.now .v'))"
                  ".filter(e => getComputedStyle(e).color === 'rgba(0, 0, 0, 0)').length")
        values = browser.evaluate("document.querySelectorAll('#step-3 .v, tr.now .v').length")
        assert values == 13 + 5  # the worked values of the five lines, the row's five computed cells
        assert browser.evaluate(masked) == values
        assert browser.evaluate("document.querySelector('circle.pt[data-t=\"3\"]').getBoundingClientRect().width") \
            == 0
        browser.click("#step-3 .line .v")
        assert browser.evaluate(masked) == values - 1
        browser.click("#reveal")
        assert browser.evaluate(masked) == 0
        assert browser.evaluate("document.querySelector('circle.pt[data-t=\"3\"]').getBoundingClientRect().width") \
            > 0
        # Light and dark: the toggle flips the colours whatever the system prefers.
        before = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        browser.click("#theme")
        after = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        assert before != after and {before, after} == {"rgb(255, 255, 255)", "rgb(18, 20, 23)"}
        size = "parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
        normal = browser.evaluate(size)
        browser.click("#large")
        assert browser.evaluate(size) > 1.3 * normal  # everything grows, the buttons and headings too
        assert browser.errors == []


@needs_chromium
def test_browser_long_trace_keeps_the_header_and_the_current_row_in_view(tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text(lesson.page(report_for([str(SAMPLES / "noisy.txt")])), encoding="utf-8")
    with Browser() as browser:
        browser.open(page, "step=150")
        scroller = "document.querySelector('.scroll')"
        assert browser.evaluate(f"{scroller}.scrollTop") > 0  # scrolled down to the current row
        top = browser.evaluate(f"{scroller}.getBoundingClientRect().top")
        header = browser.evaluate("document.querySelector('thead th').getBoundingClientRect().top")
        assert abs(header - top) <= 2  # the header stays at the top of the scrolled table
        row = browser.evaluate("(() => { const r = document.querySelector('tr.now').getBoundingClientRect(); "
                               f"const s = {scroller}.getBoundingClientRect(); return [r.top >= s.top, "
                               "r.bottom <= s.bottom, document.querySelector('tr.now th').textContent]; })()")
        assert row == [True, True, "150"]
        assert browser.evaluate("document.querySelectorAll('tbody tr:not(.later)').length") == 150
        assert browser.errors == []


@needs_chromium
def test_browser_dark_by_preference_and_print_one_step_a_page(article_page):
    with Browser() as browser:
        browser.open(article_page, "step=2")
        background = "getComputedStyle(document.body).backgroundColor"
        assert browser.evaluate(background) == "rgb(255, 255, 255)"
        browser.send("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}])
        assert browser.evaluate(background) == "rgb(18, 20, 23)"
        browser.click("#theme")  # the toggle wins over the preference
        assert browser.evaluate(background) == "rgb(255, 255, 255)"
        browser.click("#theme")
        assert browser.evaluate(background) == "rgb(18, 20, 23)"
        browser.send("Emulation.setEmulatedMedia", media="print",
                     features=[{"name": "prefers-color-scheme", "value": "dark"}])
        shown = ("Array.from(document.querySelectorAll('section.step')).map(s => [getComputedStyle(s).display, "
                 "getComputedStyle(s).breakBefore])")
        assert browser.evaluate(shown) == [["block", "auto"], ["block", "page"], ["block", "page"]]
        assert browser.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        assert browser.evaluate(background) == "rgb(255, 255, 255)"  # printed on white whatever the screen's theme
        browser.evaluate("document.documentElement.className = ''")  # no toggle: the system's dark preference
        assert browser.evaluate(background) == "rgb(255, 255, 255)"
        assert browser.errors == []


# --- The exercise on paper ------------------------------------------------------------------------------------------

PAPERS = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}
ANSWERS = [value for values in ARTICLE.values() for value in values]


def printed(browser, paper: str) -> tuple[str, int]:
    """The page printed to PDF on ``paper`` (half-inch margins): its text and its number of pages."""
    import base64
    import shutil
    import subprocess
    import tempfile

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils): the printed page is not read")
    width, height = PAPERS[paper]
    data = browser.send("Page.printToPDF", paperWidth=width, paperHeight=height, marginTop=0.5, marginBottom=0.5,
                        marginLeft=0.5, marginRight=0.5)["data"]
    with tempfile.TemporaryDirectory() as folder:
        pdf = f"{folder}/page.pdf"
        with open(pdf, "wb") as handle:
            handle.write(base64.b64decode(data))
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, check=True).stdout.decode()
        boxes = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, check=True).stdout.decode()
    # Every word inside the paper's margins (points: 72 an inch): nothing cut at the right edge.
    right = max(float(x) for x in re.findall(r'<word xMin="[^"]*" yMin="[^"]*" xMax="([^"]*)"', boxes))
    assert right <= (width - 0.5) * 72 + 1
    return text, boxes.count("<page ")


def test_the_exercise_page_holds_no_answers():
    page = lesson.page(report_for(), exercise=True)
    for value in ANSWERS + ["0.022383", "4.46767"]:
        assert value not in page
    assert 'id="exercise"' not in page and 'id="reveal"' not in page and "<svg" not in page
    assert page.count('<td class="box"></td>') == 3 * 5  # every computed cell of the table left blank
    assert page.count('<span class="box">') == 3 * 5  # a box for each of the five results of each step
    for t, g in ((1, "0.1"), (2, "0.2"), (3, "0.15")):  # every step's g_t given
        assert f"<msub><mi>g</mi><mn>{t}</mn></msub><mo>=</mo><mn>{g}</mn>" in section(page, t)


def test_the_page_names_its_input_by_file_name_only(tmp_path):
    folder = tmp_path / "course" / "week 3"
    folder.mkdir(parents=True)
    data = folder / "article.csv"
    data.write_text("g\n0.1\n0.2\n", encoding="utf-8")
    page = lesson.page(report_for([str(data)]))
    assert "input: article.csv" in page and str(folder) not in page and "course" not in page


@needs_chromium
@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_browser_the_printed_exercise_holds_every_g_and_no_answer(tmp_path, paper):
    page = tmp_path / "lesson.html"
    page.write_text(lesson.page(report_for()), encoding="utf-8")
    with Browser() as browser:
        browser.open(page, "step=2")
        browser.click("#exercise")  # "Hide the numbers", then print
        text, pages = printed(browser, paper)
        assert browser.errors == []
    for t, g in ((1, "0.1"), (2, "0.2"), (3, "0.15")):
        assert re.search(rf"𝑔\s*=\s*{re.escape(g)}", text) and f"Step {t} of 3" in text
    for value in ANSWERS + ["0.022383"]:
        assert value not in text.replace("−", "-")
    assert "Steps so far" in text and "0.15" in text  # the table kept, its g_t given
    assert "ρ = 0.95" in text
    assert pages <= 2


@needs_chromium
def test_browser_the_exercise_page_prints_without_answers(tmp_path):
    page = tmp_path / "exercise.html"
    page.write_text(lesson.page(report_for(), exercise=True), encoding="utf-8")
    with Browser() as browser:
        browser.open(page, "step=1")
        assert browser.evaluate("document.body.classList.contains('exercise')")
        shown = "Array.from(document.querySelectorAll('.blank')).filter(e => e.offsetWidth > 0).length"
        assert browser.evaluate(shown) == 5  # on screen: the current step's five boxes
        text, pages = printed(browser, "Letter")
        assert browser.errors == []
    assert "0.0005" not in text and "0.0446767" not in text and "0.15" in text
    assert pages <= 2


# --- On a projector -------------------------------------------------------------------------------------------------

def sized(browser, width: int, height: int) -> None:
    browser.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
    browser._settle()


@needs_chromium
def test_browser_the_chart_grows_with_a_projector(tmp_path):
    page = tmp_path / "lesson.html"
    page.write_text(lesson.page(report_for([str(SAMPLES / "article.csv")])), encoding="utf-8")
    measure = ("(() => { const svg = document.querySelector('svg.chart'); const scale = svg.getScreenCTM().a;"
               " return {panels: Array.from(svg.querySelectorAll('rect.frame')).map(r => r.getBoundingClientRect()"
               ".width), tick: scale * parseFloat(getComputedStyle(svg.querySelector('.tick')).fontSize),"
               " bottom: svg.getBoundingClientRect().bottom}; })()")
    with Browser() as browser:
        browser.open(page, "step=2")
        sized(browser, 1920, 1080)
        wide = browser.evaluate(measure)
        assert len(wide["panels"]) == 2 and min(wide["panels"]) >= 1920 / 3  # each chart a third of the width
        assert wide["tick"] >= 18 and wide["bottom"] <= 1080  # labels readable at the back; all in one screen
        sized(browser, 1280, 800)
        laptop = browser.evaluate(measure)
        assert laptop["tick"] >= 14 and laptop["bottom"] <= 800
        assert browser.evaluate("document.getElementById('move').hidden")  # nothing to say: it fits
        # Large print: the step does not fit 800 px; the page says how to move, and moving works.
        browser.click("#large")
        assert not browser.evaluate("document.getElementById('move').hidden")
        assert "scroll" in browser.evaluate("document.getElementById('move').textContent")
        browser.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        browser._settle()
        assert browser.evaluate("document.getElementById('move').hidden")  # at the bottom: the note goes
        assert browser.errors == []
