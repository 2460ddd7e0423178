"""Test environment: a fixed terminal width and no colour, set before Typer and Rich read them."""

import os

os.environ["COLUMNS"] = "120"
os.environ["TERMINAL_WIDTH"] = "120"
os.environ["NO_COLOR"] = "1"
os.environ.pop("FORCE_COLOR", None)
os.environ["ADADELTA_LANG"] = "en"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_gradients"


@pytest.fixture
def run():
    """Invoke the CLI in-process: run("trace", "0.1", input=...) -> Result with .exit_code, .stdout, .stderr."""
    from adadelta_cli.cli import app

    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


def pytest_configure(config):
    """The suite leaves nothing behind: hypothesis keeps its example database and caches in a temporary folder
    (not .hypothesis/ in the source tree), removed at the end with pytest's own (tmp_path_retention_policy)."""
    import tempfile

    from hypothesis.configuration import set_hypothesis_home_dir

    config._adadelta_hypothesis_home = tempfile.mkdtemp(prefix="adadelta-tests-hypothesis-")
    set_hypothesis_home_dir(config._adadelta_hypothesis_home)


def pytest_unconfigure(config):
    import shutil

    shutil.rmtree(getattr(config, "_adadelta_hypothesis_home", ""), ignore_errors=True)
