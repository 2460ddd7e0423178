"""What a packager and a new user meet: the declared floors (what CI installs), the release files and metadata,
`adadelta --version --verbose`, and tests that test the package as installed."""

import importlib.metadata
import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def floors_module():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import floors
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return floors


def test_every_runtime_dependency_has_a_floor_that_ci_pins():
    pinned = floors_module().floors(ROOT / "pyproject.toml")
    names = {name for name, _marker in pinned}
    for requirement in PROJECT["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower()
        assert name in names, requirement
    assert ("typer", "") in pinned and tuple(int(p) for p in pinned[("typer", "")].split(".")) >= (0, 18)
    for (name, _marker), floor in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", floor), (name, floor)  # a release that exists, not "6" or "3.5"
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/floors.py" in run and "-c .ci-floor-venv/floors.txt" in run
    # the whole suite, with the plot extra, at the floors (not a chosen few test files)
    floors_pass = run[run.index("-c .ci-floor-venv/floors.txt"):]
    assert "-c .ci-floor-venv/floors.txt -e '.[plot,test]'" in floors_pass
    assert "ADADELTA_TEST_ENGINES=auto python -m pytest -q -n auto || status=1" in floors_pass
    assert "tests/" not in floors_pass


def test_floors_keep_their_python_markers():
    text = "\n".join(f"{name}=={floor}{' ' + marker if marker else ''}"
                     for (name, marker), floor in sorted(floors_module().floors(ROOT / "pyproject.toml").items()))
    assert "numpy==1.24.0 ; python_version < '3.12'" in text
    assert "numpy==2.1.0 ; python_version >= '3.13'" in text


def test_the_cli_uses_only_public_typer_and_click_names():
    for path in sorted((ROOT / "src" / "adadelta_cli").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "typer._" not in text and "click._" not in text, path
        assert not re.search(r"from typer\._|import typer\._", text), path
    clitext = (ROOT / "src" / "adadelta_cli" / "cli" / "clitext.py").read_text(encoding="utf-8")
    assert "module._ =" not in clitext and "GETTEXT_MODULES" not in clitext  # Click's modules are left as they are
    for private in ("_usage_display_name", "display_type_rich", "_get_number_range_help_str", "_describe_range"):
        assert private not in clitext, private  # the help's rows and usage line are written from public attributes


def test_release_metadata():
    assert PROJECT["license"] == "MIT"
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in license_text
    classifiers = PROJECT["classifiers"]
    low = int(re.search(r">=\s*3\.(\d+)", PROJECT["requires-python"]).group(1))
    for minor in range(low, 14):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    for needed in ("Operating System :: POSIX :: Linux", "Intended Audience :: Education",
                   "Natural Language :: English", "Natural Language :: Chinese (Simplified)"):
        assert needed in classifiers
    urls = PROJECT["urls"]
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    from adadelta_cli.cli.examples import DOCS

    assert urls["Documentation"] == DOCS + "guide.md"
    sdist = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    for name in ("LICENSE", "SECURITY.md", "README.md", "docs", "tests"):
        assert name in sdist and (ROOT / name).exists(), name


def test_the_wheel_is_tagged_for_the_platform_not_the_python():
    sys.path.insert(0, str(ROOT))
    try:
        import hatch_build
    except ImportError:
        pytest.skip("hatchling is not installed here")
    finally:
        sys.path.remove(str(ROOT))
    tag = hatch_build.platform_tag()
    assert re.fullmatch(r"[a-z0-9_]+", tag) and "cp3" not in tag
    assert 'build_data["tag"] = f"py3-none-{platform_tag()}"' in (ROOT / "hatch_build.py").read_text()


def test_version_verbose_says_what_is_installed_and_the_kernel(run, monkeypatch):
    result = run("--version", "--verbose")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("adadelta-cli ")
    assert lines[1].startswith(f"Python {sys.version.split()[0]} ")
    for name in ("typer", "rich", "numpy", "orjson"):
        assert any(line == f"{name} {importlib.metadata.version(name)}" for line in lines), name
    kernel_line = [line for line in lines if line.startswith("compiled kernel: ")]
    assert len(kernel_line) == 1
    from adadelta_cli.maths import kernel

    if kernel.switched_off():
        assert "ADADELTA_KERNEL=numpy" in kernel_line[0]
    elif kernel.available():
        assert kernel_line[0].startswith("compiled kernel: in use (")
    else:
        assert "numpy does the work" in kernel_line[0]
    monkeypatch.setenv("ADADELTA_KERNEL", "numpy")
    off = run("--version", "--verbose").stdout
    assert "compiled kernel: not in use: switched off (ADADELTA_KERNEL=numpy)" in off
    assert run("--version").stdout.count("\n") == 1  # without --verbose: the version alone


def test_the_tests_test_the_installed_package():
    """The package lives in src/, so pytest run from the clone imports what is installed, never the source tree by
    accident; an editable install (the README's test command) is the source tree, with its kernel built in place."""
    import adadelta_cli

    try:
        dist = importlib.metadata.distribution("adadelta-cli")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("adadelta-cli is not installed: the tests run on the source tree")
    imported = Path(adadelta_cli.__file__).resolve()
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable"):
        source = Path(direct["url"].removeprefix("file://")).resolve()
        assert imported.parent == source / "src" / "adadelta_cli", (imported, source)
        return
    installed = Path(dist.locate_file("adadelta_cli/__init__.py")).resolve()
    assert imported == installed, (
        f"the tests import {imported}, but the package installed is {installed}: "
        "install it in place (pip install -e '.[test]') so that the tests test what is installed")
