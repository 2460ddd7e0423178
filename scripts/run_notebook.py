"""Run the documentation's notebook (docs/notebook.ipynb) in a Jupyter kernel, as a reader would, and photograph it.

    python scripts/run_notebook.py            # executes it (nbclient), writes docs/notebook.png (needs chromium)
    python scripts/run_notebook.py --check    # executes it only: exit 1 where a cell fails or shows nothing

The notebook is kept without outputs (they are made here, from the installed package); tests/test_notebook.py
executes it the same way in CI, so that the page cannot drift from what the API does. The picture is the executed
notebook as a page: each code cell, then what Jupyter shows for it (the object's ``_repr_html_``, else its text).
"""

from __future__ import annotations

import argparse
import html
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
PICTURE = ROOT / "docs" / "notebook.png"


def execute(path: Path = NOTEBOOK, timeout: int = 300):
    """The notebook, executed in a fresh python3 kernel (nbclient); a failing cell raises CellExecutionError."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
                   ).execute()
    return notebook


def shown(output) -> tuple[str, str] | None:
    """What a notebook shows for one output, as (mime type, content): HTML first, else plain text."""
    data = output.get("data", {})
    for kind in ("text/html", "text/plain"):
        if kind in data:
            return kind, data[kind]
    if output.get("output_type") == "stream":
        return "text/plain", output.get("text", "")
    return None


def page(notebook) -> str:
    """The executed notebook as one HTML page (the outputs' HTML as the kernel made it; everything else escaped)."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(f'<div class="md">{html.escape(cell.source)}</div>')
            continue
        parts.append(f'<pre class="in">{html.escape(cell.source)}</pre>')
        for output in cell.get("outputs", []):
            found = shown(output)
            if found is None:
                continue
            kind, content = found
            parts.append(f'<div class="out">{content}</div>' if kind == "text/html"
                         else f'<pre class="out">{html.escape(content)}</pre>')
    style = ("body{font-family:sans-serif;margin:24px;max-width:1200px}"
             "pre.in{background:#f5f5f5;border-left:3px solid #3b7dd8;padding:8px;font-size:13px}"
             "div.md{white-space:pre-wrap;margin:14px 0}div.out{font-size:13px;margin-bottom:18px}"
             "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;font-size:13px}")
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head><body>' \
           + "\n".join(parts) + "</body></html>"


def photograph(text: str, picture: Path, height: int = 2900) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_screenshots import FLAGS, chromium

    with tempfile.TemporaryDirectory(prefix="adadelta-notebook-") as folder:
        source = Path(folder) / "notebook.html"
        source.write_text(text, encoding="utf-8")
        subprocess.run([chromium(), *FLAGS, f"--window-size=1280,{height}", f"--screenshot={picture}",
                        source.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="execute only; write nothing")
    args = parser.parse_args()
    notebook = execute()
    empty = [cell.source.splitlines()[0] for cell in notebook.cells
             if cell.cell_type == "code" and not any(shown(o) for o in cell.get("outputs", []))]
    if empty:
        print("cells that show nothing:", *empty, sep="\n  ")
        return 1
    if not args.check:
        photograph(page(notebook), PICTURE)
        print(f"wrote {PICTURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
