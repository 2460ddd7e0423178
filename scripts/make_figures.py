"""Draw the README's pictures from the tool itself: python scripts/make_figures.py (needs the plot extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def adadelta(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "adadelta_cli", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    adadelta("trace", "sample_gradients/article.csv", "--explain", "--export-svg", str(DOCS / "article_trace.svg"))
    adadelta("plot", "sample_gradients/noisy.txt", "-o", str(DOCS / "noisy_plot.png"))
    print(f"wrote {DOCS / 'article_trace.svg'} and {DOCS / 'noisy_plot.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
