"""Draw the pictures the docs show, from the tool itself: python scripts/make_figures.py (needs the plot extra;
the worksheet picture also needs pdflatex and pdftoppm, and is left as it is without them).

docs/noisy_plot.png      plot of 200 noisy steps
docs/paths.png           optimize --plot: four optimizers over Himmelblau's function
docs/paths.gif           the same paths drawn step by step (--animate)
docs/article_trace.svg   trace --explain --export-svg of the article's example
docs/worksheet.png       the first page of a worksheet's LaTeX, compiled and rendered
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def adadelta(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "adadelta_cli", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   env={**os.environ, "ADADELTA_LANG": "en", "COLUMNS": "120"})


def worksheet_picture(target: Path) -> bool:
    if not (shutil.which("pdflatex") and shutil.which("pdftoppm")):
        print("pdflatex or pdftoppm missing: docs/worksheet.png left as it is", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as folder:
        tex = Path(folder) / "sheet.tex"
        adadelta("worksheet", "--steps", "6", "--seed", "3", "--hide", "eta,dx,edx2,x", "--format", "latex",
                 "-o", str(tex))
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", "sheet.pdf", "page"],
                       cwd=folder, check=True)
        shutil.copyfile(Path(folder) / "page.png", target)
    return True


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    adadelta("plot", "sample_gradients/noisy.txt", "--title", "Adadelta on 200 noisy gradients", "-o",
             str(DOCS / "noisy_plot.png"))
    paths = ["optimize", "himmelblau", "--x0", "0,0", "--steps", "120", "--lr", "10", "--with", "sgd,momentum,adam"]
    adadelta(*paths, "--plot", str(DOCS / "paths.png"))
    adadelta(*paths[:5], "40", *paths[6:], "--animate", str(DOCS / "paths.gif"))
    adadelta("trace", "sample_gradients/article.csv", "--explain", "--export-svg", str(DOCS / "article_trace.svg"))
    worksheet_picture(DOCS / "worksheet.png")
    for name in ("noisy_plot.png", "paths.png", "paths.gif", "article_trace.svg", "worksheet.png"):
        path = DOCS / name
        if path.exists():
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
