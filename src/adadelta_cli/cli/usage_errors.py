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

_VALUE_PROBLEMS = (  # why a value was refused, as pydantic (Typer 0.29), Typer's own Click (0.27) or Click writes it
    (re.compile(r"(?:Value error, )?(?P<value>.+?) is not one of (?P<choices>.+?)\.?$"),
     N_("%(value)s is not one of %(choices)s")),
    (re.compile(r"(?:Input should be a valid integer|(?P<value>.+?) is not a valid int(?:eger)?\b).*"),
     N_("expected a whole number")),
    (re.compile(r"(?:Input should be a valid number|(?P<value>.+?) is not a valid float).*"), N_("expected a number")),
    (re.compile(r"Input should be greater than or equal to (?P<minimum>\S+?)\.?$"), N_("must be at least %(minimum)s")),
    (re.compile(r"Input should be less than or equal to (?P<maximum>\S+?)\.?$"), N_("must be at most %(maximum)s")),
    (re.compile(r"Input should be greater than (?P<minimum>\S+?)\.?$"), N_("must be greater than %(minimum)s")),
    (re.compile(r"Input should be less than (?P<maximum>\S+?)\.?$"), N_("must be less than %(maximum)s")),
    (re.compile(r"(?P<value>.+?) is not in the range (?P<range>.+?)\.?$"), N_("%(value)s is out of range (%(range)s)")),
)


def _value_problem(text: str) -> str:
    for pattern, message in _VALUE_PROBLEMS:
        found = pattern.match(text)
        if found:
            return _f(message, **{k: v for k, v in found.groupdict().items() if v is not None})
    return _(text)


def _out_of_range(exc) -> str | None:
    """Click's "0 is not in the range 1<=x<=10000000." said as the bound passed ("must be at least 1"), as Typer's own
    Click says it; from the parameter's IntRange or FloatRange (their public min and max)."""
    found = re.match(r"(?P<value>.+?) is not in the range", exc.message)
    kind = getattr(getattr(exc, "param", None), "type", None)
    if found is None or kind is None:
        return None
    try:
        value = float(found.group("value"))
    except ValueError:
        return None
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    if low is not None and (value < low or (value == low and getattr(kind, "min_open", False))):
        return _f(N_("must be at least %(minimum)s") if not getattr(kind, "min_open", False)
                  else N_("must be greater than %(minimum)s"), minimum=low)
    if high is not None and (value > high or (value == high and getattr(kind, "max_open", False))):
        return _f(N_("must be at most %(maximum)s") if not getattr(kind, "max_open", False)
                  else N_("must be less than %(maximum)s"), maximum=high)
    return None


def _hint(exc) -> str:
    """How Click names the parameter of a usage error: '--digits' (or '--format' / '-f')."""
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        try:
            hint = exc.param.get_error_hint(exc.ctx)  # Click
        except TypeError:
            hint = exc.param.get_error_hint()  # Typer's own Click
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(name) for name in hint)
    return hint or "?"


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
        near = difflib.get_close_matches(found, names, n=3, cutoff=0.6)
        return did_you_mean([f"'{name}'" for name in near]) if near else None
    return None


def _no_such_command(exc) -> str | None:
    """The name of the command asked for, where ``exc`` says there is no such command (in either language)."""
    name = getattr(exc, "command_name", None)  # Click 8.4 and later
    if name:
        return name
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
    if type(exc).__name__ == "BadParameter" and getattr(exc, "message", None):
        # From its parts: Click itself may have put the frame into the catalog's words around an English reason
        return _f("invalid value for %(name)s: %(reason)s", name=_hint(exc),
                  reason=_out_of_range(exc) or _value_problem(exc.message))
    text = exc.format_message()
    invalid = re.match(r"Invalid value for (?P<name>.+?): (?P<message>.*)$", text, re.S)
    if invalid:
        return _f("invalid value for %(name)s: %(reason)s", name=invalid["name"],
                  reason=_value_problem(invalid["message"]))
    for pattern, message in _PATTERNS:
        found = pattern.match(text)
        if found:
            return _f(message, **found.groupdict())
    return text
