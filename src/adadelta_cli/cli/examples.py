"""Each command's examples, shown at the end of its ``--help`` (and run by tests/test_cli_conventions.py, so that
every one works as printed), and the page of the docs that tells more."""

from __future__ import annotations

# Where the documentation lives; pyproject.toml's [project.urls] Documentation is DOCS + "guide.md" (a test holds
# them together, and the README's links start with it).
DOCS = "https://github.com/adadelta-cli/adadelta-cli/blob/main/docs/"

# Each line is a command line as typed in a shell; a line may read its gradients from a pipe (`printf ... |`).
# Under "" the program's own `adadelta --help`.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "adadelta trace 0.1 0.2 0.15",
        "adadelta step --grad 0.1 --eg2 0.002475 --edx2-prev 0.0001 --expect dx=-0.002014",
        "adadelta --version --verbose",
    ),
    "trace": (
        "adadelta trace 0.1 0.2 0.15",
        "adadelta trace 0.1 0.2 0.15 --preset pytorch --format csv",
        "printf '0.1\\n0.2\\n0.15\\n' | adadelta trace --explain",
    ),
    "step": (
        "adadelta step --grad 0.1 --eg2 0.002475 --edx2-prev 0.0001",
        "adadelta step --grad 0.1 --eg2 0.002475 --edx2-prev 0.0001 --expect dx=-0.0201969",
    ),
    "check": (
        "adadelta worksheet --hide eg2,dx --answers 0.1 0.2 | adadelta check -",
        "adadelta check sheets/ --gradebook grades.csv",
    ),
    "worksheet": (
        "adadelta worksheet 0.1 0.2 0.15",
        "adadelta worksheet --steps 4 --seed 7 --format markdown",
        "adadelta worksheet --variants 3 --seed 1 -o sheets",
    ),
    "walk": (
        "adadelta walk 0.1 0.2 0.15",
        "adadelta walk --preset keras --digits 4 0.1 0.2 0.15",
    ),
    "lesson": (
        "adadelta lesson 0.1 0.2 0.15 -o lesson.html",
        "adadelta lesson --preset pytorch --lang zh 0.1 0.2 0.15 -o lesson-zh.html",
    ),
    "plot": (
        "adadelta plot 0.1 0.2 0.15",
        "adadelta plot --function rosenbrock --x0=-1.5,2 --steps 200",
    ),
    "compare": (
        "adadelta compare 0.1 0.2 0.15",
        "adadelta compare 0.1 0.2 0.15 --with adam,sgd --set adam.lr=0.01",
    ),
    "diff": (
        "adadelta diff pytorch keras 0.1 0.2 0.15",
        "adadelta diff article rho=0.9 0.1 0.2 0.15 --format json",
    ),
    "optimize": (
        "adadelta optimize quadratic --x0 1 --steps 50",
        "adadelta optimize rosenbrock --x0=-1.5,2 --steps 500 --with adam",
    ),
}

# The page and section of the docs that tell more about each command (GitHub's anchors of their headings).
PAGES = {
    "trace": "guide.md#trace-a-gradient-sequence",
    "step": "guide.md#one-step-from-a-given-state",
    "check": "classroom.md#checking-a-worksheet",
    "worksheet": "classroom.md#in-class-make-print-mark",
    "walk": "classroom.md#the-walk-through",
    "lesson": "classroom.md#a-lesson-page-for-the-projector",
    "plot": "classroom.md#pictures-for-class",
    "compare": "guide.md#beyond-adadelta-compare-and-optimize",
    "diff": "conventions.md",
    "optimize": "guide.md#beyond-adadelta-compare-and-optimize",
}


def docs_url(command: str | None) -> str:
    """The page (and section) of the docs about ``command``; the guide for the whole program."""
    return DOCS + PAGES.get(command or "", "guide.md")
