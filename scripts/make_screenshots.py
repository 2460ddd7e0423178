"""Screenshots of the lesson page for the README: python scripts/make_screenshots.py (needs chromium).

The page is written by the tool itself (`adadelta lesson`) and photographed by headless Chromium as a window shows
it, at a given step (`lesson.html#step=N`): docs/lesson.png (1280 × 800, a laptop) and docs/lesson-1920.png
(1920 × 1080, a projector), the article's example at step 3.
`--also FOLDER` also photographs the dark and the Chinese page into FOLDER, to look at before a release.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("make_screenshots.py needs chromium: apt-get install chromium")


def lesson(target: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "adadelta_cli", "lesson", *args, "-o", str(target)], check=True, cwd=ROOT,
                   stderr=subprocess.DEVNULL)


def screenshot(page: Path, step: int, target: Path, *, dark: bool = False, size: tuple[int, int] = (1280, 800)) -> None:
    extra = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium(), *FLAGS, *extra, f"--user-data-dir={profile}", "--virtual-time-budget=3000",
                        f"--window-size={size[0]},{size[1]}", f"--screenshot={target}",
                        f"{page.resolve().as_uri()}#step={step}"],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--also", type=Path, metavar="FOLDER", help="also the dark and the Chinese page, there")
    args = parser.parse_args()
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        english, chinese = Path(folder) / "lesson.html", Path(folder) / "lesson-zh.html"
        lesson(english, "sample_gradients/article.csv")
        screenshot(english, 3, DOCS / "lesson.png")
        screenshot(english, 3, DOCS / "lesson-1920.png", size=(1920, 1080))
        if args.also:
            args.also.mkdir(parents=True, exist_ok=True)
            lesson(chinese, "sample_gradients/article.csv", "--lang", "zh")
            screenshot(english, 2, args.also / "lesson-dark.png", dark=True)
            screenshot(chinese, 2, args.also / "lesson-zh.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
