"""The language of every message, heading and explanation: English or Chinese (中文), through gettext.

Every user-facing string is written in English in the code, marked with ``_()``, and translated in the catalog
``adadelta_cli/locale/zh/LC_MESSAGES/adadelta.po``. The build compiles it into ``adadelta.mo`` (hatch_build.py);
run from a source tree, the catalog is compiled in memory. Mathematical notation (E[g²]_t, η_t, Δx_t) and the
machine formats (CSV and JSON names) are the same in both languages.

The language: ``--lang`` on any command, else ``ADADELTA_LANG``, else the locale (LC_ALL, LC_MESSAGES, LANG),
else English.
"""

from __future__ import annotations

import ast
import gettext
import io
import os
import struct
from pathlib import Path

DOMAIN = "adadelta"
LANGUAGES = ("en", "zh")
LOCALE_DIR = Path(__file__).parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translation.gettext(message)


def _f(message: str, **values) -> str:
    """``message`` in the current language, its %(name)s placeholders filled from ``values``."""
    return _translation.gettext(message) % values


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; ``_()`` translates it where it is shown."""
    return message


def language() -> str:
    return _language


def language_from_environment() -> str:
    """ADADELTA_LANG, else the locale's language (zh_CN.UTF-8 -> zh), else English."""
    explicit = os.environ.get("ADADELTA_LANG", "").strip()
    if explicit:
        return explicit
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip().lower()
        if value:
            return "zh" if value.startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Switch every later message to ``lang`` (en or zh; None: from the environment)."""
    global _translation, _language
    lang = (lang or language_from_environment()).lower()
    if lang.startswith("zh"):
        lang = "zh"
    if lang not in LANGUAGES:
        from .errors import SettingsError

        raise SettingsError(f"--lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _language = lang
    _translation = gettext.NullTranslations() if lang == "en" else _load(lang)
    return lang


def _load(lang: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    if compiled.exists():
        with open(compiled, "rb") as handle:
            return gettext.GNUTranslations(handle)
    source = folder / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(compile_po(source.read_text(encoding="utf-8"))))


def take_lang_argument(args: list[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` or ``--lang=X`` anywhere among ``args``: its value, and the arguments without it."""
    rest, lang, i = [], None, 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--lang" and i + 1 < len(args):
            lang, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    return lang, rest


# --- Catalogs ---------------------------------------------------------------------------------------------------

def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (entries with an empty msgstr are left out; the header is kept)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    target = None
    fuzzy = False

    def flush():
        if msgid is not None and msgstr and not fuzzy:
            entries[msgid] = msgstr

    for raw in text.splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            msgid = msgstr = target = None
            fuzzy = False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, target = ast.literal_eval(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, target = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if target == "id":
                msgid += ast.literal_eval(line)
            elif target == "str":
                msgstr += ast.literal_eval(line)
    return entries


def compile_po(text: str) -> bytes:
    """The GNU .mo file of a .po file's text (what msgfmt writes)."""
    entries = parse_po(text)
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    header = 7 * 4
    ids_table = header
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    offsets, data = [], b""
    for blob in ids + strs:
        offsets.append((len(blob), data_start + len(data)))
        data += blob + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *o) for o in offsets[:count])
    out += b"".join(struct.pack("<2I", *o) for o in offsets[count:])
    return out + data



def _initial_language() -> None:
    """From the command line already, so that help text is in the language asked for; else the environment."""
    import sys

    from .errors import SettingsError

    try:
        set_language(take_lang_argument(sys.argv[1:])[0])
    except SettingsError:  # a bad --lang is reported by the command line, with its exit code
        set_language("en")


_initial_language()
