"""Collect every string marked for translation (_(), _f(), N_()) into the catalogs.

python scripts/extract_messages.py   # rewrites adadelta_cli/locale/adadelta.pot and adds new msgids to each .po
tests/test_i18n.py fails while a marked string has no translation.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "adadelta_cli"
LOCALE = PACKAGE / "locale"


def messages() -> dict[str, list[str]]:
    """msgid -> the places it is marked (file:line)."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "_f", "N_") \
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.setdefault(node.args[0].value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def quote(text: str) -> str:
    """A .po string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def entry(msgid: str, msgstr: str, places: list[str], python_format: bool) -> str:
    lines = [f"#: {' '.join(places)}"]
    if python_format:
        lines.append("#, python-format")
    return "\n".join(lines + [f"msgid {quote(msgid)}", f"msgstr {quote(msgstr)}"]) + "\n"


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'


def write_catalog(path: Path, found: dict[str, list[str]], translations: dict[str, str]) -> None:
    parts = [HEADER + (f'"Language: {path.parent.parent.name}\\n"\n' if path.suffix == ".po" else "")]
    for msgid in sorted(found):
        parts.append(entry(msgid, translations.get(msgid, ""), found[msgid], "%(" in msgid))
    path.write_text("\n".join(parts), encoding="utf-8")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from adadelta_cli.i18n import parse_po

    found = messages()
    write_catalog(LOCALE / "adadelta.pot", found, {})
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        write_catalog(po, found, parse_po(po.read_text(encoding="utf-8")))
    print(f"{len(found)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
