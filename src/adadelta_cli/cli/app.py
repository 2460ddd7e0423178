"""The command line: parse options, call the layers below, choose the exit code. Nothing is computed here."""

import functools
import importlib
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from adadelta_cli import i18n, messages, outfiles, streams
from adadelta_cli.cli import clitext, examples
from adadelta_cli.cli.commands import NAMES
from adadelta_cli.cli.commands._common import EXIT_USAGE, check_digits, check_fragment
from adadelta_cli.cli.options import INPUT_PANEL
from adadelta_cli.errors import AdadeltaError, UnknownOption
from adadelta_cli.i18n import N_, _, _f, take_lang_argument
from adadelta_cli.safe import terminal

_ARGS: list = [[]]  # the command line being run (without --lang): for tips that repeat it, and --version --verbose


def _examples_and_docs(formatter, name: str) -> None:
    """The help's closing part: the examples of ``name`` ("" for the program), as typed (never wrapped, so that
    each can be copied whole), and the docs page that tells more."""
    lines = examples.EXAMPLES.get(name)
    if lines:
        with formatter.section(_("Examples")):
            for line in lines:
                formatter.write(" " * formatter.current_indent + line + "\n")
    formatter.write_paragraph()
    formatter.write(" " * formatter.current_indent + _f("Docs: %(url)s", url=examples.docs_url(name or None)) + "\n")


class _Group(TyperGroup):
    """Usage errors as one plain line on stderr (exit 2); a closed pipe or Ctrl-C ends quietly."""

    def format_epilog(self, ctx, formatter) -> None:
        super().format_epilog(ctx, formatter)
        _examples_and_docs(formatter, "")

    # Click's own signature (BaseCommand.main), which callers may fill by position
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: FBT002
        streams.prepare_streams()
        _warnings_as_messages()
        lang, args = i18n.take_lang_argument(list(sys.argv[1:] if args is None else args))
        # -inf and -nan are gradients, not the short options -i -n -f: written with a minus sign Click leaves alone
        # (the readers read U+2212 as a minus).
        args = ["\u2212" + a[1:] if a.lower() in ("-inf", "-infinity", "-nan") else a for a in args]
        _note_slashed_outputs(args)
        _ARGS[0] = list(args)
        messages.set_command(None)
        try:
            i18n.set_language(lang)
        except AdadeltaError as exc:
            messages.error(str(exc))
            sys.exit(EXIT_USAGE)
        clitext.localize(self)  # the help and Click's own texts in the language just set
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        # Click's errors by their public name: Typer carries its own Click, whose errors derive from
        # typer.TyperException (Typer 0.27.2, the declared floor, is the first to name it)
        except typer.TyperException as exc:
            ctx = getattr(exc, "ctx", None)  # a usage error knows its command; other errors of Click's do not
            if type(exc).__name__ == "NoArgsIsHelpError":  # `adadelta` alone: the help, as asked for
                sys.stdout.write(ctx.get_help() + "\n")
                sys.exit(0)
            from adadelta_cli.cli import usage_errors  # only when there is one

            where = f"{ctx.command_path}: " if ctx is not None else f"{messages.PROG}: "
            hint = _f(" (see '%(command)s --help')", command=ctx.command_path) if ctx is not None else ""
            sys.stderr.write(where + _f("error: %(message)s", message=terminal(usage_errors.error_message(exc)))
                             + hint + "\n")
            tip = usage_errors.error_tip(exc)
            if tip:
                sys.stderr.write(where + _f("tip: %(tip)s", tip=terminal(tip)) + "\n")
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        except (typer.Abort, KeyboardInterrupt):
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


def _warnings_as_messages() -> None:
    """No raw Python warning reaches the user, not even under `python -W error`: numpy's floating-point warnings
    are silenced (every command finds non-finite values itself and says so in words), and a library's warning
    (matplotlib's layout) becomes one line on standard error."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
        messages.warn(text)

    warnings.showwarning = show
    warnings.filterwarnings("default", category=UserWarning)
    # A deprecation is a note to a library's developers, not to ours (pyparsing 3.3 marks its deprecations
    # UserWarning too: under matplotlib 3.8, whose mathtext calls pyparsing's old names, a figure printed dozens)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning,
                            message=r"(overflow|underflow|invalid value|divide by zero) encountered")


# Options that name a file to write: one given as `name/` means a folder (outfiles.SLASHED).
_OUTPUT_OPTIONS = ("-o", "--output", "--gradebook", "--export-svg", "--export-html", "--plot", "--animate")


def _note_slashed_outputs(args: list[str]) -> None:
    for i, arg in enumerate(args):
        value = None
        if arg in _OUTPUT_OPTIONS and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--") and "=" in arg and arg.split("=", 1)[0] in _OUTPUT_OPTIONS:
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
        if value and len(value) > 1 and value.endswith("/"):
            outfiles.SLASHED.add(str(Path(value)))


def _quiet_broken_pipe() -> None:
    """The reader went away (`| head`): stop without a traceback, as a well-behaved Unix filter does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if streams.closed_pipe_status() is not None:
        sys.exit(streams.closed_pipe_status())
    sys.exit(128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1)


def _version(value: bool) -> None:  # noqa: FBT001  (Click calls an option's callback with its value)
    if value:
        from importlib.metadata import version

        typer.echo(f"adadelta-cli {version('adadelta-cli')}")
        if "--verbose" in _ARGS[0]:
            from adadelta_cli.cli import about

            typer.echo(about.report())
        raise typer.Exit()


def _root(version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help=N_("Print the version and exit."))] = None,
          verbose: Annotated[bool, typer.Option(  # noqa: FBT002  (Typer fills the root's options by name)
              "--verbose", help=N_("With --version: also Python, the dependencies' versions and whether the "
                                  "compiled kernel is in use (and why not).")
          )] = False,
          lang: Annotated[Optional[str], typer.Option(
              "--lang", metavar="[en|zh]",
              help=N_("Language of tables, explanations and messages: en or zh (中文); it may also follow any "
                     "command. [default: ADADELTA_LANG, else the locale, else en]"))] = None,
          ) -> None:
    """Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."""


def handles_errors(command, name: str | None = None):
    """Domain errors become one line on stderr (``adadelta NAME: error: ...``, and a ``tip:`` line where there is
    one clear fix) and exit code 2; nothing else is caught here."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        messages.set_command(name)
        try:
            if "digits" in kwargs:  # the options every command that shows numbers or documents shares
                check_digits(kwargs["digits"])
            if "latex_fragment" in kwargs:
                check_fragment(kwargs["format"].value, fragment=kwargs["latex_fragment"])
            if _reads_stdin(name, kwargs):
                kwargs["inputs"] = ["-"]
            return command(*args, **kwargs)
        except AdadeltaError as exc:
            messages.error(str(exc), tip=_tip(exc, name))
            raise typer.Exit(EXIT_USAGE) from None
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as exc:
            messages.error(os_error_message(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except MemoryError:
            messages.error(_("not enough memory for this input; give a smaller one (trace reads inputs of any length "
                           "by blocks)"))
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper


def os_error_message(exc: OSError) -> str:
    """An error of the system that no layer below put in words (ENAMETOOLONG, EEXIST, EIO, ENOSPC ...): one line,
    the file named (cut when long), the reason as the system gives it."""
    from adadelta_cli.formats.readers import _source_name

    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    reason = exc.strerror or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and not names:
        reason = _("the current folder no longer exists")
    return f"{': '.join(_source_name(n) for n in names)}: {reason}" if names else reason


def _reads_stdin(name: str | None, kwargs: dict) -> bool:
    """No INPUT named, and standard input is a pipe or a file (``echo 0.1 | adadelta trace``): it is the input,
    as ``-`` would say. Not where the command was asked for something else instead (plot --function, worksheet
    --steps/--seed/--variants)."""
    if "inputs" not in kwargs or kwargs["inputs"]:
        return False
    if kwargs.get("function") is not None or any(kwargs.get(key) is not None for key in ("seed", "variants")) \
            or (name == "worksheet" and kwargs.get("steps") is not None):
        return False
    from adadelta_cli.formats.readers import stdin_is_input

    return stdin_is_input()


def _tip(exc: AdadeltaError, name: str | None) -> str | None:
    """The error's own tip; for an unknown option, the nearest options of the command (``--digts`` -> --digits)."""
    if isinstance(exc, UnknownOption) and name is not None:
        from adadelta_cli.cli import usage_errors

        near = usage_errors.nearest(exc.option.split("=", 1)[0], _OPTIONS.get(name, []))
        if near:
            return usage_errors.did_you_mean(near)
        return _f("'%(command)s --help' lists its options", command=f"{messages.PROG} {name}")
    tip = exc.tip
    if callable(tip):  # a tip that repeats the command line, corrected
        tip = tip(_ARGS[0])
    return tip


_OPTIONS: dict = {}  # command name -> its option names, for suggestions (filled as the command is invoked)


class _Command(TyperCommand):
    """A command whose help lists its arguments and options by panel (input, the command's own options, Adadelta
    settings, output, display), then its examples and the page of the docs that tells more. Each row is written by
    ``clitext.help_record`` from the parameter's public attributes, the usage line by ``clitext.usage_pieces``."""

    def invoke(self, ctx):
        _OPTIONS[self.name] = [name for param in self.get_params(ctx) for name in (*param.opts, *param.secondary_opts)
                               if name.startswith("--")]
        return super().invoke(ctx)

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.extend(clitext.usage_pieces(param))
        return pieces

    def format_options(self, ctx, formatter) -> None:
        arguments: list[tuple[str, str]] = []
        panels: dict[str, list[tuple[str, str]]] = {INPUT_PANEL: []}
        for param in self.get_params(ctx):
            record = clitext.help_record(param)
            if record is None:
                continue
            panel = getattr(param, "rich_help_panel", None) or ""
            if param.param_type_name == "argument" and panel != INPUT_PANEL:
                arguments.append(record)
            else:
                panels.setdefault(panel, []).append(record)
        if arguments:
            with formatter.section(_("Arguments")):
                formatter.write_dl(arguments)
        own = panels.pop("", [])
        first = panels.pop(INPUT_PANEL)
        for heading, rows in [(INPUT_PANEL, first), (N_("Options"), own), *panels.items()]:
            if rows:
                with formatter.section(_(heading)):
                    formatter.write_dl(rows)
        _examples_and_docs(formatter, self.name or "")  # (a command always has its name)


def build(names=None) -> typer.Typer:
    """The app with the commands ``names`` (all of them by default), each module's ``command`` under its ``COMMAND``
    settings, errors handled at this one boundary."""
    app = typer.Typer(
        cls=_Group,
        name="adadelta",
        help=N_("Adadelta (Zeiler 2012) step by step: E[g²]_t, η_t, Δx_t, E[Δx²]_t and x_t for every step."),
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion: bash, zsh, fish, PowerShell
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in NAMES if names is None else names:
        module = importlib.import_module(f".commands.{name}", __package__)
        app.command(cls=_Command, **module.COMMAND)(handles_errors(module.command, module.COMMAND["name"]))
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
    # One name in every message and in shell completion (_ADADELTA_COMPLETE), however it was started
    # (`python -m adadelta_cli` too)
    build(None if name is None else [name])(prog_name=messages.PROG)
