"""README.md tells the truth: its console examples are the commands' real output, and every command is there."""

import os
import re
import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import update_readme  # noqa: E402

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {page.relative_to(ROOT).as_posix(): page.read_text(encoding="utf-8") for page in update_readme.PAGES}
BLOCKS = [(name, block) for name, text in PAGES.items() for block in update_readme.BLOCK.findall(text)]


def test_quick_start_has_exactly_two_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:\w*)\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    lines = [line for line in blocks[0].splitlines() if line.strip()]
    assert len(lines) == 2
    assert "adadelta trace sample_gradients/article.csv" in lines[0]
    assert "[test]" in lines[1] and "pytest" in lines[1]


@pytest.mark.parametrize("page, block", BLOCKS, ids=[f"{p}: {update_readme.commands(b)[0][:60]}" for p, b in BLOCKS])
def test_console_examples_are_real_output(page, block, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert update_readme.render(block) == block, f"{page} drifted: run python scripts/update_readme.py"


def test_the_formula_table_is_the_step_description():
    assert update_readme.formula_table() in README


def test_the_front_page_is_short_and_links_the_docs():
    from adadelta_cli.cli.examples import DOCS

    assert len(README.splitlines()) <= 250
    for page in ("guide.md", "classroom.md", "conventions.md", "performance.md", "zh.md"):
        assert f"]({DOCS}{page})" in README and (ROOT / "docs" / page).exists(), page


def test_the_readme_links_are_absolute_and_name_files_that_exist():
    """The package index shows the README without the repository beside it: every link is a whole address, and
    each one into the repository names a file that is there."""
    from adadelta_cli.cli.examples import DOCS

    repository = DOCS.removesuffix("docs/")
    raw = repository.replace("https://github.com/", "https://raw.githubusercontent.com/").replace("/blob/", "/")
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert links
    for link in links:
        assert link.startswith(("https://", "http://")), link
        for base in (repository, raw):
            if link.startswith(base):
                assert (ROOT / link[len(base):].split("#")[0]).exists(), link


def test_every_command_is_documented():
    from typer.main import get_command

    from adadelta_cli.cli.app import app

    group = get_command(app)
    for name, command in group.commands.items():
        assert command.help, name
        assert f"$ adadelta {name}" in README, f"README shows no example of `adadelta {name}`"


def test_ci_runs_the_readme_test_command():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    test_command = re.findall(r"```(?:\w*)\n(.*?)```", section, re.S)[0].strip().splitlines()[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text()
    assert os.access(ROOT / ".ci" / "run", os.R_OK)
