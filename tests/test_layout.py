"""The package's shape: each command lists exactly the formats it writes; the step description is the one home of
the formulas."""

import re

import pytest
from typer.testing import CliRunner

from adadelta_cli.cli import app

FORMATS = {
    "trace": ["table", "csv", "json", "markdown", "latex"],
    "step": ["table", "csv", "json", "markdown", "latex"],
    "compare": ["table", "csv", "json"],
    "optimize": ["table", "csv", "json"],
}


@pytest.mark.parametrize("command", sorted(FORMATS))
def test_help_lists_exactly_the_formats_written(command):
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    listed = re.search(r"--format [<\[]([^>\]]*)[>\]]", result.output).group(1).split("|")
    assert listed == FORMATS[command]


@pytest.mark.parametrize("command, fmt", [("compare", "markdown"), ("optimize", "latex")])
def test_a_format_not_written_is_a_usage_error(command, fmt):
    args = [command, "quadratic", "--x0", "1"] if command == "optimize" else [command, "0.1"]
    result = CliRunner().invoke(app, [*args, "-f", fmt])
    assert result.exit_code == 2
