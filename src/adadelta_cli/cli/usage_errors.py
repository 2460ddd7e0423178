"""Click's usage errors in the language set: Typer's own Click writes them without gettext, so each is rewritten
from its parts; and the tip that says the nearest option or command to a mistyped one."""

from __future__ import annotations

import difflib
import re

from adadelta_cli.cli.examples import EXAMPLES
from adadelta_cli.i18n import N_, _, _f

_PATTERNS = (  # Typer's own Click writes these without gettext: each is rewritten from its parts (no such option,
    # no such command and an invalid value: from the error's own attributes, in error_message)
    (re.compile(r"Missing option (?P<name>.+?)\.?$"), N_("missing option %(name)s")),
    (re.compile(r"Missing argument (?P<name>.+?)\.?$"), N_("missing argument %(name)s")),
    (re.compile(r"Missing parameter (?P<name>.+?)\.?$"), N_("missing value %(name)s")),
    (re.compile(r"Got unexpected extra arguments? \((?P<arguments>.*)\)$"),
     N_("unexpected extra arguments: %(arguments)s")),
    (re.compile(r"Option '(?P<name>.+)' requires (?:an argument|(?P<count>\d+) arguments)\.$"),
     N_("option %(name)s needs a value")),
    (re.compile(r"Option '(?P<name>.+)' does not take a value\.$"), N_("option %(name)s takes no value")),
    (re.compile(r"Missing command\.$"), N_("missing command")),
)

_VALUE_PROBLEMS = (  # why a value was refused, as pydantic writes it (Typer checks the values with it)
    (re.compile(r"(?:Value error, )?(?P<value>.+?) is not one of (?P<choices>.+?)\.?$"),
     N_("%(value)s is not one of %(choices)s")),
    (re.compile(r"Input should be a valid integer.*"), N_("expected a whole number")),
    (re.compile(r"Input should be a valid number.*"), N_("expected a number")),
    (re.compile(r"Input should be greater than or equal to (?P<minimum>\S+?)\.?$"), N_("must be at least %(minimum)s")),
    (re.compile(r"Input should be less than or equal to (?P<maximum>\S+?)\.?$"), N_("must be at most %(maximum)s")),
)


def _value_problem(text: str) -> str:
    for pattern, message in _VALUE_PROBLEMS:
        found = pattern.match(text)
        if found:
            return _f(message, **found.groupdict())
    return _(text)


def did_you_mean(names) -> str:
    """'did you mean --digits?': the tip for a mistyped option or command."""
    return _f("did you mean %(names)s?", names=_(", ").join(names))


def error_tip(exc) -> str | None:
    """A ``tip:`` line for a Click usage error where there is one clear fix: the nearest options or commands to a
    mistyped one (Click finds options' itself; commands' are found here alike, with difflib)."""
    if type(exc).__name__ == "NoSuchOption":
        near = list(getattr(exc, "possibilities", None) or [])[:3]
        return did_you_mean(near) if near else None
    if type(exc).__name__ == "MissingParameter" and getattr(exc, "ctx", None) is not None:
        shown = EXAMPLES.get(exc.ctx.command.name)
        return _f("for example: %(command)s", command=shown[0]) if shown else None
    ctx = getattr(exc, "ctx", None)
    found = _no_such_command(exc)
    if found and ctx is not None:
        names = ctx.command.list_commands(ctx)
        near = nearest(found, names)
        return did_you_mean([f"'{name}'" for name in near]) if near else None
    return None


def nearest(word: str, names) -> list[str]:
    """The names nearest ``word`` (at most three): those about as near as the nearest, so that --digts suggests
    --digits alone, not also --with."""
    near = difflib.get_close_matches(word, names, n=3, cutoff=0.6)
    ratio = [difflib.SequenceMatcher(None, word, name).ratio() for name in near]
    return [name for name, r in zip(near, ratio) if r >= ratio[0] - 0.1]


def _no_such_command(exc) -> str | None:
    """The name of the command asked for, where ``exc`` says there is no such command (in either language)."""
    text = exc.format_message() if hasattr(exc, "format_message") else ""
    for lead in ("No such command ", _("No such command {name!r}.").split("{")[0]):
        if lead and text.startswith(lead):
            found = re.match(r"'(?P<name>[^']*)'", text[len(lead):])
            return found.group("name") if found else None
    return None


def error_message(exc) -> str:
    """The message of a Click usage error, in the language set (Click's own where it was already translated)."""
    name = _no_such_command(exc)
    if name is not None:
        return _f("no such command: %(name)s", name=name)
    if type(exc).__name__ == "NoSuchOption" and getattr(exc, "option_name", None):
        return _f("no such option: %(name)s", name=exc.option_name)  # the suggestion goes on the tip line
    text = exc.format_message()
    invalid = re.match(r"Invalid value(?: for (?P<name>.+?))?: (?P<message>.*)$", text, re.S)
    if invalid:
        return _f("invalid value for %(name)s: %(reason)s", name=invalid["name"] or "?",
                  reason=_value_problem(invalid["message"]))
    for pattern, message in _PATTERNS:
        found = pattern.match(text)
        if found:
            return _f(message, **found.groupdict())
    return text
