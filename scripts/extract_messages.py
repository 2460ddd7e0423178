"""Collect every string marked for translation (_(), _f(), N_()) into the catalogs, with Babel.

    python scripts/extract_messages.py   # rewrites src/adadelta_cli/locale/adadelta.pot and updates each .po from it

The same as ``pybabel extract -k _f -k N_ -o src/adadelta_cli/locale/adadelta.pot src/adadelta_cli`` followed by
``pybabel update --no-fuzzy-matching --ignore-obsolete -D adadelta -d src/adadelta_cli/locale -i .../adadelta.pot``.
A new message gets an empty translation in each .po; tests/test_i18n.py fails until it is filled in. The build
compiles the .po files (hatch_build.py); nothing compiled is kept in the source tree.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "adadelta_cli"
LOCALE = PACKAGE / "locale"
DOMAIN = "adadelta"
KEYWORDS = {"_": None, "_f": None, "N_": None}  # the message is each one's first argument
WIDTH = 120


def template() -> Catalog:
    """Every marked message of the package, with the places it is marked (the .pot)."""
    catalog = Catalog(project="adadelta-cli", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("Translators:",)):
        location = (f"src/adadelta_cli/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    for message, location in inside_f_strings():
        catalog.add(message, None, [location])
    return catalog


def inside_f_strings():
    """(message, place) of each _("...") written inside an f-string's braces, which Babel's Python extractor skips
    before Python 3.12 (f" ({_('log scale')})" is as much a marked message as any other)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for joined in ast.walk(tree):
            if not isinstance(joined, ast.JoinedStr):
                continue
            for node in ast.walk(joined):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
                    continue
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    yield node.args[0].value, (str(path.relative_to(ROOT)), node.lineno)


def messages() -> dict[str, list[str]]:
    """msgid -> the places it is marked (file:line)."""
    return {m.id: [f"{f}:{n}" for f, n in m.locations] for m in template() if m.id}


def read(path: Path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=path.parent.parent.name if path.suffix == ".po" else None, domain=DOMAIN)


def write(path: Path, catalog: Catalog) -> None:
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=WIDTH, sort_output=True, ignore_obsolete=True, omit_header=False)


def main() -> int:
    pot = template()
    write(LOCALE / f"{DOMAIN}.pot", pot)
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read(po)
        catalog.update(pot, no_fuzzy_matching=True)
        write(po, catalog)
    print(f"{sum(1 for m in pot if m.id)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
