"""How well `check` diagnoses a simulated class (tests/students.py): for each misconception, on sheets where it
shows in the written digits, how often it is named first; honest sheets given a misconception or a wrong cell.

    python benchmarks/diagnosis.py [--sheets N] [--seed S]

Prints a Markdown table (the figures in docs/classroom.md come from it).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adadelta_cli.cli.options import resolve  # noqa: E402
from adadelta_cli.marking.sheet import read_worksheet  # noqa: E402
from adadelta_cli.marking.verdicts import mark_worksheet  # noqa: E402
from tests import students  # noqa: E402


def mark(text: str, folder: Path):
    path = folder / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    sheet = read_worksheet(str(path))
    resolved = resolve(base=sheet.settings)
    return mark_worksheet(sheet, resolved)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=int, default=100, help="sheets per misconception (and honest ones)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="adadelta-bench-") as tmp:
        folder = Path(tmp)
        honest_named = honest_wrong = 0
        for _ in range(args.sheets):
            sheet = students.draw(rng, None)
            verdicts, diagnosis = mark(sheet.text, folder)
            honest_named += bool(diagnosis)
            honest_wrong += any(v.status not in ("right", "right_given") for v in verdicts)
        total_visible = total_first = 0
        for m in students.MISCONCEPTIONS:
            visible = first = 0
            others = Counter()
            for _ in range(args.sheets):
                sheet = students.draw(rng, m)
                if not students.visible(sheet):
                    continue
                visible += 1
                _verdicts, diagnosis = mark(sheet.text, folder)
                named = diagnosis[0].id if diagnosis else "(nothing)"
                named = "lr_in_accumulator" if named == "lr_in_update" else named
                first += named == m
                if named != m:
                    others[named] += 1
            total_visible += visible
            total_first += first
            rate = 100 * first / visible if visible else float("nan")
            instead = ", ".join(f"{k} {v}" for k, v in others.most_common(3))
            rows.append(f"| `{m}` | {visible} | {rate:.0f}% | {instead} |")
    print(f"Honest sheets: {args.sheets}; given a misconception: {honest_named}; with a cell not right: "
          f"{honest_wrong}\n")
    print("| misconception | sheets where it shows | named first | named instead (most often) |")
    print("| --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"| all | {total_visible} | {100 * total_first / total_visible:.1f}% | |")


if __name__ == "__main__":
    main()
