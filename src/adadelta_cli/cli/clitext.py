"""The command line's own words in the chosen language: the help, and Click's and Typer's texts.

The commands declare their help in English, marked with ``N_()`` (or ``_()``): nothing is translated when they are
defined. Each run builds the Click commands afresh; ``localize`` then translates them in place, after ``--lang`` has
been read, so the help is in the language asked for wherever ``--lang`` stands on the command line.

Click and Typer mark their own texts for gettext (``from gettext import gettext as _`` in their modules), which
reads the process's default gettext domain: as Click's documentation suggests, that domain is pointed at the
project's compiled catalog for the language set (``serve_click_texts``); nothing inside Click is replaced. Typer's
own copy of Click writes a few texts without gettext ("Usage:", "Show this message and exit.", its usage errors):
the usage prefix and the help option are translated here, and a usage error is rewritten from its parts
(``usage_errors``). The catalog carries all of these texts (``CLICK_TEXTS``).

Metavars describe what to type, in words (``NUMBER``, ``N``, ``VALUES``, not ``<float>`` or ``<list[str]>``), and a
number's range is said in words ("at least 1"), not ``[x>=1]``.
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata

from rich.cells import cell_len

from adadelta_cli.i18n import DOMAIN, LOCALE_DIR, N_, _, _f, language

# Texts of Typer shown to users, in the catalog under Typer's own msgids: those it reads through gettext, and the
# usage prefix and the help option's and shell completion options' help, translated here.
CLICK_TEXTS = (
    N_("Usage:"), N_("Options"), N_("Arguments"), N_("Commands"), N_("Show this message and exit."),
    N_("default: {default}"), N_("required"), N_("(dynamic)"), N_("env var: {var}"), N_("Missing command."),
    N_("No such command {name!r}."), N_("Aborted!"),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)

_LANGUAGE_BEFORE: list = []  # the LANGUAGE variable as the process found it, put back for English


def serve_click_texts() -> None:
    """Click's and Typer's gettext-marked texts in the language set, through gettext's default domain (what Click
    offers for translating it): the domain is the project's, its folder the package's locale folder, and
    LANGUAGE the language set. English (or a catalog not compiled: a source tree never installed) puts back
    gettext's own default domain and LANGUAGE as they were. Idempotent."""
    if not _LANGUAGE_BEFORE:
        _LANGUAGE_BEFORE.append(os.environ.get("LANGUAGE"))
    lang = language()
    if lang != "en" and (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
        gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
        gettext.textdomain(DOMAIN)
        os.environ["LANGUAGE"] = lang
        return
    gettext.textdomain("messages")
    if _LANGUAGE_BEFORE[0] is None:
        os.environ.pop("LANGUAGE", None)
    else:
        os.environ["LANGUAGE"] = _LANGUAGE_BEFORE[0]


# --- The help ----------------------------------------------------------------------------------------------------

# Metavars stay ASCII words in every language, as option names do: the help's columns are measured in characters.
# Each option that takes a value declares its word (typer.Option(metavar=...): NUMBER, N, VALUE, FILE, NAMES); a
# choice's word is made from its choices.
LONGEST_CHOICES = 48  # [a|b|...] beyond this many characters moves from the metavar into the help


def _metavar(param) -> str | None:
    """A word for what to type: the declared metavar; choices as [a|b]. An argument's word is bare (INPUT): the
    usage line adds its brackets and dots (``usage_pieces``)."""
    declared = getattr(param, "metavar", None)
    if declared:
        return declared.strip("[].<>") if param.param_type_name == "argument" else declared
    if param.param_type_name == "argument":
        return param.name.upper()
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    choices = _choices(param)
    if choices:
        listed = "[" + "|".join(choices) + "]"
        return listed if len(listed) <= LONGEST_CHOICES else param.name.upper()  # the choices: end of the help
    return "VALUE"


def _choices(param) -> list[str]:
    """A choice option's choices, which Typer keeps, with the annotation, in the option's ``type_descriptor``."""
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    return [str(getattr(c, "value", c)) for c in choices or ()]


def _range_words(param) -> str | None:
    """'at least 1', 'at most 9', 'from 1 to 17': a number's range (the option's ``min=``/``max=``) as a sentence,
    not as x>=1."""
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        return None
    if high is None:
        return _f("at least %(minimum)s", minimum=low)
    if low is None:
        return _f("at most %(maximum)s", maximum=high)
    return _f("from %(minimum)s to %(maximum)s", minimum=low, maximum=high)


def _default_words(param) -> str | None:
    """The default shown in the help's closing note, as Typer shows it (an enum's value); nothing for an option
    without one, an off flag, or an option declared ``show_default=False`` (its help says the default in words)."""
    value = param.default
    if value is None or value is False or getattr(param, "show_default", True) is False:
        return None
    return str(getattr(value, "value", value))


def help_record(param) -> tuple[str, str] | None:
    """A parameter's row in a command's help: what to type (its names and a word for the value, or an argument's
    word) and what it does, closed by ``[default: 6; at least 1; required]``. Built here from the parameter's public
    attributes (Click's ``opts``, ``secondary_opts``, ``metavar``, ``help``, ``default``, ``show_default``,
    ``required``), so that every Typer and Click writes the same help (environment variables: none are declared)."""
    if getattr(param, "hidden", False):
        return None
    word = _metavar(param)
    if param.param_type_name == "argument":
        term = word or param.name.upper()
    else:
        def names(opts):  # short names first, as Click writes them: -f, --format
            joined = ", ".join(sorted(opts, key=lambda o: len(o) - len(o.lstrip("-"))))
            return joined + (f" {word}" if word else "")
        term = " / ".join(names(opts) for opts in (param.opts, param.secondary_opts) if opts)
    text = param.help or ""
    choices = _choices(param)
    if choices and word == param.name.upper() and param.param_type_name == "option":
        text = (text + "  " if text else "") + _f("[one of: %(choices)s]", choices=", ".join(choices))
    default = _default_words(param)
    extra = [_("default: {default}").format(default=default)] if default else []
    extra += [words for words in (_range_words(param),) if words]
    if param.required:
        extra.append(_("required"))
    if extra:
        text = (text + "  " if text else "") + "[" + "; ".join(extra) + "]"
    return term, text


def usage_pieces(param) -> list[str]:
    """An argument on the usage line: INPUT, FILE_OR_DIR... (several), [INPUT]... (optional)."""
    word = _metavar(param) or param.name.upper()
    if not param.required:
        word = f"[{word}]"
    return [word + ("..." if param.nargs != 1 else "")]


def localize(command) -> None:
    """Translate ``command`` (a Click command or group just built by Typer) and its subcommands in place: the help
    texts (public attributes); an argument's metavar, which Click's usage errors name ('FILE_OR_DIR...')."""
    serve_click_texts()
    for attribute in ("help", "short_help", "epilog"):
        text = getattr(command, attribute, None)
        if text:
            setattr(command, attribute, _(text))
    command.context_class = _context_class(type(command).context_class)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
        if param.param_type_name == "argument":
            param.metavar = (_metavar(param) or param.name.upper()) + ("..." if param.nargs != 1 else "")
    for sub in getattr(command, "commands", {}).values():
        localize(sub)


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


_NO_LINE_START = set("，。、；：？！）」』》〉】,.;:?!)]")  # punctuation that never begins a line
_NO_LINE_END = set("（「『《〈【([")  # nor ends one


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells: a line may break between two Chinese characters or at
    a space, never inside a Latin word or number, and never just before closing punctuation."""
    units: list[str] = []
    for piece in re.findall(r"\[[^\]\s]{1,24}\]|\s+|[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+|.", text):
        if units and not piece[0].isspace() and (piece[0] in _NO_LINE_START or units[-1][-1] in _NO_LINE_END):
            units[-1] += piece  # kept with what it closes, or with what opens it
        else:
            units.append(piece)
    lines, line = [], ""
    for unit in units:
        if unit.isspace():
            unit = " "
            if not line:
                continue
        if line and cell_len(line + unit) > width:
            lines.append(line.rstrip())
            line = "" if unit == " " else unit
        else:
            line += unit
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _separators(text: str) -> str:
    """The help's closing note ``[default: 100; from 1 to 9]`` with the language's own separator."""
    head, bracket, note = text.rpartition("  [")
    if not bracket or not note.endswith("]"):
        return text
    return head + bracket + note.replace("; ", _("; "))


_CONTEXTS: dict = {}


def _context_class(base):
    """A Context whose help formatter writes the usage prefix, and whose help option speaks, in the language set."""
    if base in _CONTEXTS or getattr(base, "_localized", False):
        return _CONTEXTS.get(base, base)

    class Formatter(base.formatter_class):
        def write_usage(self, prog, args="", prefix=None):
            if prefix is None:
                label = _("Usage:")
                prefix = label if label.endswith("：") else label + " "  # no space after a full-width colon
            super().write_usage(prog, args, prefix)

        def write_dl(self, rows, col_max=30, col_spacing=2):
            rows = [(term, _separators(text)) for term, text in rows]
            if not any(_wide(text) for _term, text in rows):
                return super().write_dl(rows, col_max, col_spacing)
            # Chinese: wrapped by the cells each character takes, between characters, never inside a word
            first_col = min(max(len(term) for term, _text in rows), col_max) + col_spacing
            indent = " " * self.current_indent
            for term, text in rows:
                self.write(indent + term)
                if not text:
                    self.write("\n")
                    continue
                if len(term) <= first_col - col_spacing:
                    self.write(" " * (first_col - len(term)))
                else:
                    self.write("\n" + " " * (first_col + self.current_indent))
                lines = wrap_cells(text, max(self.width - first_col - 2, 10))
                self.write(lines[0] + "\n")
                for line in lines[1:]:
                    self.write(" " * (first_col + self.current_indent) + line + "\n")

        def write_text(self, text):
            if not _wide(text):
                return super().write_text(text)
            indent = " " * self.current_indent
            for paragraph in text.split("\n\n"):
                for line in wrap_cells(" ".join(paragraph.split()), max(self.width - self.current_indent, 10)):
                    self.write(indent + line + "\n")

        def write_heading(self, heading):
            self.write(" " * self.current_indent + _f("%(heading)s:", heading=heading) + "\n")

    class Context(base):
        _localized = True
        formatter_class = Formatter

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            option = self.command.get_help_option(self)
            if option is not None and option.help:
                option.help = _(option.help)

    _CONTEXTS[base] = Context
    return Context
