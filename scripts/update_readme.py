"""Refresh the README and the docs: every ```console block gets the real output of its `$ adadelta ...` commands,
and the README's formula table is generated from the step description (src/adadelta_cli/maths/recurrence.py).

Run from the repository root: python scripts/update_readme.py. tests/test_readme.py fails when they drift.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

os.environ.setdefault("COLUMNS", "120")
os.environ.setdefault("NO_COLOR", "1")
os.environ.setdefault("ADADELTA_LANG", "en")

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n(.*?)```", re.S)
FORMULAS = re.compile(r"(<!-- formulas:[^\n]*-->\n)(.*?)(<!-- end formulas -->)", re.S)


def formula_table() -> str:
    """The recurrence as a Markdown table, one row per quantity, from the step description."""
    from adadelta_cli.maths import notation, recurrence

    mode = recurrence.Mode()
    rows = ["| quantity | formula |", "| --- | --- |"]
    for q in recurrence.quantities(mode):
        rows.append(f"| {q.meaning % {'dx': notation.UNICODE.symbol('dx')}} | {q.equation(mode)} |")
    return "\n".join(rows) + "\n"


def refresh(text: str) -> str:
    """``text`` with its console blocks and its formula table regenerated."""
    text = FORMULAS.sub(lambda m: m.group(1) + formula_table() + m.group(3), text)
    return BLOCK.sub(lambda m: "```console\n" + render(m.group(1)) + "```", text)


def run(command: str) -> str:
    """The command's stdout (and stderr lines, prefixed as a terminal would show them), trailing spaces removed."""
    from typer.testing import CliRunner

    from adadelta_cli.cli.app import app

    args = shlex.split(command)
    assert args[0] == "adadelta", command
    stdin = None
    if "<" in args:
        i = args.index("<")
        stdin = Path(args[i + 1]).read_text(encoding="utf-8")
        args = args[:i] + args[i + 2:]
    result = CliRunner().invoke(app, args[1:], input=stdin)
    text = result.stdout + (result.stderr if result.exit_code else "")
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


def commands(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("$ ")]


def render(block: str) -> str:
    out = []
    for command in commands(block):
        out.append(f"$ {command}")
        output = run(command)
        if output:
            out.append(output)
    return "\n".join(out) + "\n"


def main() -> int:
    os.chdir(ROOT)
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        new = refresh(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
