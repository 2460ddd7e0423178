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


# Every test runs under each engine (markupsafe's pattern for its C speedups): the description's own loop over
# numpy rows, the plain-Python fast path, the compiled kernel, and "auto", the choice by shape that users get.
# The fast paths apply where they can (float64, Algorithm 1's order) and the loop elsewhere; the output must not
# change. ADADELTA_TEST_ENGINES=auto (say) runs the suite under fewer of them.
ENGINES = [e.strip() for e in os.environ.get("ADADELTA_TEST_ENGINES", "auto,numpy,python,kernel").split(",")
           if e.strip()]


@pytest.fixture(scope="session", autouse=True, params=ENGINES)
def engine(request):
    """The engine every computation of this pass uses (in-process and in the subprocesses tests start)."""
    if request.param == "kernel":
        from adadelta_cli.maths import kernel

        if not kernel.available():
            pytest.skip("the compiled kernel is not built here (or ADADELTA_KERNEL=numpy): its pass is skipped")
    before = os.environ.get("ADADELTA_ENGINE")
    os.environ["ADADELTA_ENGINE"] = request.param
    yield request.param
    if before is None:
        os.environ.pop("ADADELTA_ENGINE", None)
    else:
        os.environ["ADADELTA_ENGINE"] = before


@pytest.fixture
def run():
    """Invoke the CLI in-process: run("trace", "0.1", input=...) -> Result with .exit_code, .stdout, .stderr."""
    from adadelta_cli.cli.app import app

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
