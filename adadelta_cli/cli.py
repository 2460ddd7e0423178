"""The command line: parse options, call the layers below, choose the exit code. Nothing is computed here."""

import functools
import signal
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

try:  # Typer 0.2x+ carries its own copy of Click
    from typer._click import exceptions as click_exceptions
except ImportError:  # older Typer runs on Click itself
    from click import exceptions as click_exceptions

from . import output
from .commands._common import EXIT_USAGE, EXIT_WRONG  # noqa: F401  (re-exported: the exit codes)
from .errors import AdadeltaError
from .i18n import N_, _f


class _Group(TyperGroup):
    """Usage errors as one plain line on stderr (exit 2); a closed pipe or Ctrl-C ends quietly."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from . import i18n

        output.prepare_streams()
        lang, args = i18n.take_lang_argument(list(sys.argv[1:] if args is None else args))
        # -inf and -nan are gradients, not the short options -i -n -f: written with a minus sign Click leaves alone
        # (the readers read U+2212 as a minus).
        args = ["\u2212" + a[1:] if a.lower() in ("-inf", "-infinity", "-nan") else a for a in args]
        try:
            i18n.set_language(lang)
        except AdadeltaError as exc:
            output.error(str(exc))
            sys.exit(EXIT_USAGE)
        from . import clitext

        clitext.localize(self)  # the help and Click's own texts in the language just set
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_exceptions.ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `adadelta` alone: the help, as asked for
                sys.stdout.write(exc.ctx.get_help() + "\n")
                sys.exit(0)
            where = f"{exc.ctx.command_path}: " if getattr(exc, "ctx", None) else f"{output.PROG}: "
            hint = ""
            if isinstance(exc, click_exceptions.UsageError) and exc.ctx is not None:
                hint = _f(" (see '%(command)s --help')", command=exc.ctx.command_path)
            from .safe import terminal

            sys.stderr.write(where + _f("error: %(message)s", message=terminal(clitext.error_message(exc))) + hint
                             + "\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("\n")
            sys.exit(130)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            sys.exit(130)
        except BrokenPipeError:
            _quiet_broken_pipe()
        try:
            sys.stdout.flush()  # a reader gone before the last write shows here, not at interpreter exit
        except BrokenPipeError:
            _quiet_broken_pipe()
        except (OSError, ValueError, AttributeError):
            pass
        sys.exit(code if isinstance(code, int) else 0)


_CLOSED_PIPE_STATUS: list = [None]


def exit_on_closed_pipe(code: int) -> None:
    """The exit status to end with if the reader goes away (`check key.csv | head -1`): a command whose status is
    decided before it writes (check, step --expect) keeps it; others end as a Unix filter killed by SIGPIPE."""
    _CLOSED_PIPE_STATUS[0] = code


def _quiet_broken_pipe() -> None:
    """The reader went away (`| head`): stop without a traceback, as a well-behaved Unix filter does."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if _CLOSED_PIPE_STATUS[0] is not None:
        sys.exit(_CLOSED_PIPE_STATUS[0])
    sys.exit(128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"adadelta-cli {version('adadelta-cli')}")
        raise typer.Exit()


def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help=N_("Print the version and exit."))] = None,
          lang: Annotated[Optional[str], typer.Option(
              "--lang", metavar="[en|zh]",
              help=N_("Language of tables, explanations and messages: en or zh (中文); it may also follow any "
                     "command. [default: ADADELTA_LANG, else the locale, else en]"), show_default=False)] = None,
          ) -> None:
    """Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."""


def handles_errors(command):
    """Domain errors become one line on stderr and exit code 2; nothing else is caught here."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AdadeltaError as exc:
            output.error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except BrokenPipeError:
            _quiet_broken_pipe()

    return wrapper


def build(names=None) -> typer.Typer:
    """The app with the commands ``names`` (all of them by default), each module's ``command`` under its ``COMMAND``
    settings, errors handled at this one boundary."""
    import importlib

    from .commands import NAMES

    app = typer.Typer(
        cls=_Group,
        name="adadelta",
        help=N_("Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in NAMES if names is None else names:
        module = importlib.import_module(f".commands.{name}", __package__)
        app.command(**module.COMMAND)(handles_errors(module.command))
    return app


def __getattr__(name: str):
    """``cli.app``: the app with every command, built when first asked for (the API and the tests use it)."""
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_named(args: list[str]) -> str | None:
    """The command a command line runs (``trace`` in ``adadelta --lang zh trace 0.1``), or None where it asks for
    the whole app: no command, an unknown one, or --help/--version before it."""
    from .commands import NAMES
    from .i18n import take_lang_argument

    _lang, rest = take_lang_argument(args)
    for arg in rest:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in NAMES else None
        if arg in ("-h", "--help", "--version"):
            return None
    return None


def main() -> None:
    """The console script. Typer builds a command's options when it runs: a command line that names one command
    runs an app holding that command alone (the others' options are not built), which is measured: about 6% of
    `adadelta trace 0.1 0.2 0.15`'s time. Anything else (--help, a typo) gets every command."""
    name = command_named(sys.argv[1:])
    build(None if name is None else [name])()
