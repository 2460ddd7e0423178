"""The language of every message, heading and explanation: English or Chinese (中文), through gettext.

Every user-facing string is written in English in the code, marked with ``_()`` (``_f()`` with named
placeholders, ``N_()`` where it is defined apart from where it is shown), and translated in the catalog
``adadelta_cli/locale/zh/LC_MESSAGES/adadelta.po``. Babel extracts the marked strings (scripts/extract_messages.py)
and compiles the catalog into ``adadelta.mo`` at build time (hatch_build.py). Mathematical notation (E[g²]_t, η_t,
Δx_t) and the machine formats (CSV and JSON names) are the same in both languages.

The language: ``--lang`` on any command, else ``ADADELTA_LANG``, else the locale (LC_ALL, LC_MESSAGES, LANG),
else English. Nothing is decided at import: English until ``set_language`` is called (the command line calls it
before it parses anything).
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import struct
import sys
from pathlib import Path

from adadelta_cli.errors import SettingsError

DOMAIN = "adadelta"
LANGUAGES = ("en", "zh")
LOCALE_DIR = Path(__file__).parent / "locale"

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translation.gettext(message)


def _f(message: str, /, **values) -> str:
    """``message`` in the current language, its %(name)s placeholders filled from ``values``."""
    return _translation.gettext(message) % values


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; ``_()`` translates it where it is shown."""
    return message


def language() -> str:
    return _language


def normalise(lang: str) -> str:
    """A language as people write it, locale style included: zh_CN.UTF-8, zh-Hans -> zh; en_US, en_GB.UTF-8 -> en.

    >>> normalise("zh_CN.UTF-8"), normalise("en_US"), normalise("EN"), normalise("fr_FR")
    ('zh', 'en', 'en', 'fr')
    """
    base = lang.strip().lower().replace("-", "_").split(".")[0].split("_")[0].split("@")[0]
    return base or lang.strip().lower()


def language_from_environment() -> str:
    """ADADELTA_LANG, else the locale's language (zh_CN.UTF-8 -> zh), else English. A language the tool does not
    speak (ADADELTA_LANG=fr) is English, with one line on stderr: the environment never stops a command."""
    explicit = os.environ.get("ADADELTA_LANG", "").strip()
    if explicit:
        lang = normalise(explicit)
        if lang not in LANGUAGES:
            sys.stderr.write(f"adadelta: note: ADADELTA_LANG={explicit!r} is not a language of this tool "
                             f"({', '.join(LANGUAGES)}); English is used\n")
            return "en"
        return lang
    settings = (os.environ.get(variable, "").strip().lower() for variable in ("LC_ALL", "LC_MESSAGES", "LANG"))
    return "zh" if next(filter(None, settings), "").startswith("zh") else "en"  # the first locale variable set


def set_language(lang: str | None) -> str:
    """Switch every later message to ``lang`` (en or zh; None: from the environment)."""
    global _translation, _language
    if lang is not None and not lang.strip():
        raise SettingsError("--lang needs a value: en or zh")
    lang = normalise(lang) if lang is not None else language_from_environment()
    if lang not in LANGUAGES:
        raise SettingsError(f"--lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _language = lang
    _translation = gettext.NullTranslations() if lang == "en" else _load(lang)
    return lang


def _load(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang``; in a source tree never built, the .po compiled in memory where Babel is
    installed; else English, with one line on stderr saying why. Never an exception: a damaged catalog is a note."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    compiled, source = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    # Without Babel, the .mo, even one older than the .po, is the best there is; with it, a source tree whose .po
    # changed after the build (or that was never built) is read from the .po, compiled here.
    from_source = importlib.util.find_spec("babel") is not None and (not compiled.exists() or (
        source.exists() and source.stat().st_mtime > compiled.stat().st_mtime))
    if not from_source and not compiled.exists():
        return _english(f"{compiled} is missing (pip install . or pip install -e . compiles it)")
    path = source if from_source else compiled
    try:
        with open(path, "rb") as handle:
            return gettext.GNUTranslations(_compile_po(handle, lang) if from_source else handle)
    except (OSError, ValueError, struct.error, IndexError, KeyError) as error:
        return _english(f"{path} cannot be read ({error})")


def _compile_po(handle, lang: str) -> io.BytesIO:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    write_mo(buffer, read_po(handle, locale=lang, domain=DOMAIN))
    buffer.seek(0)
    return buffer


def _english(why: str) -> gettext.NullTranslations:
    sys.stderr.write(f"adadelta: note: {why}; messages stay in English\n")
    return gettext.NullTranslations()


def take_lang_argument(args: list[str]) -> tuple[str | None, list[str]]:
    """``--lang X`` or ``--lang=X`` anywhere among ``args``: its value, and the arguments without it."""
    rest, lang = [], None
    items = iter(args)
    for arg in items:
        if arg == "--":
            rest += [arg, *items]
        elif arg == "--lang":
            lang = next(items, "")  # "": given without a value
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return lang, rest
