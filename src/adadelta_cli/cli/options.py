"""The options every computing command shares, the presets, and turning them into Settings and an initial state."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from adadelta_cli.features.resolved import Resolved, resolve
from adadelta_cli.i18n import N_
from adadelta_cli.maths.presets import PRESETS
from adadelta_cli.maths.settings import (
    ARITHMETICS,
    DTYPES,
    LR_DTYPES,
    NONFINITE,
    RATE_EG2,
    SUBNORMALS,
    WEIGHT_DECAY_MODES,
)

# Each option's choices, from the one list of each in maths (lua-torch's and keras-torch's hyphens are fine for a
# value: Preset("lua-torch")). (mypy reads an Enum's members only from a literal; these come from the lists.)
Preset = Enum("Preset", {name: name for name in PRESETS}, type=str)  # type: ignore[misc]
DType = Enum("DType", {name: name for name in LR_DTYPES}, type=str)  # type: ignore[misc]  # --lr-dtype
ArithDType = Enum("ArithDType", {name: name for name in DTYPES}, type=str)  # type: ignore[misc]  # --dtype
WeightDecayMode = Enum("WeightDecayMode", {name: name for name in WEIGHT_DECAY_MODES}, type=str)  # type: ignore[misc]
RateEg2 = Enum("RateEg2", {name: name for name in RATE_EG2}, type=str)  # type: ignore[misc]
Arithmetic = Enum("Arithmetic", {name: name for name in ARITHMETICS}, type=str)  # type: ignore[misc]
Subnormals = Enum("Subnormals", {name: name for name in SUBNORMALS}, type=str)  # type: ignore[misc]
NonFinite = Enum("NonFinite", {name: name for name in NONFINITE}, type=str)  # type: ignore[misc]


# The panels of --help (cli._Command lists each command's options under these headings, translated).
INPUT_PANEL = N_("Input")  # what is read: the gradients (files, standard input, numbers) and how to read them
SETTINGS_PANEL = N_("Adadelta settings")
OUTPUT_PANEL = N_("Output")
DISPLAY_PANEL = N_("Display")


def _setting(kind, *names: str, **more):
    """A settings option: under the settings' heading (its help says its default, which a preset may change), a
    choice read in any case."""
    if isinstance(kind, type) and issubclass(kind, Enum):
        more["case_sensitive"] = False
    return Annotated[Optional[kind], typer.Option(
        *names, rich_help_panel=SETTINGS_PANEL, **more)]


# --- The settings options, declared once for every command ---------------------------------------------------

SETTINGS_OPTIONS = {
    "rho": _setting(float, "--rho", "--gamma", metavar="NUMBER", help=N_(
        "Decay ρ of both running averages (the article's γ), in [0, 1]. [default: 0.95]")),
    "eps": _setting(float, "--eps", metavar="NUMBER", help=N_("ε inside both square roots, >= 0. [default: 1e-6]")),
    "lr": _setting(str, "--lr", metavar="VALUE", help=N_(
        "Learning rate: scales the step applied to x, never the accumulator; one value, or a comma-separated list "
        "with one per parameter (as parameter groups). [default: 1]")),
    "x0": _setting(str, "--x0", metavar="VALUE", help=N_(
        "Starting x: one value, or a comma-separated list with one per parameter. [default: 0]")),
    "eg2_init": _setting(str, "--eg2-init", metavar="VALUE", help=N_(
        "E[g²]_0 (one value or one per parameter). [default: 0]")),
    "edx2_init": _setting(str, "--edx2-init", metavar="VALUE", help=N_(
        "E[Δx²]_0 (one value or one per parameter). [default: 0]")),
    "weight_decay": _setting(str, "--weight-decay", metavar="VALUE", help=N_(
        "L2 weight decay wd >= 0 (coupled: g_eff = g + wd·x_{t−1}, as PyTorch); one value, or one per parameter. "
        "[default: 0]")),
    "weight_decay_mode": _setting(WeightDecayMode, "--weight-decay-mode", help=N_(
        "coupled (PyTorch, optax) or decoupled (Keras 3: x shrinks by lr·wd·x). [default: the preset's, else "
        "coupled]")),
    "maximize": _setting(bool, "--maximize/--minimize", help=N_(
        "Ascend instead of descend (the gradient is negated). [default: minimize]")),
    "preset": _setting(Preset, "--preset", help=N_(
        "Start from a framework's defaults; options given explicitly win. With another --optimizer: pytorch (the "
        "default), keras (Keras 3's defaults and formulas), paddle (PaddlePaddle's) or optax.")),
    "dtype": _setting(ArithDType, "--dtype", help=N_(
        "Precision: float64, or float32, float16 or bfloat16 rounded as torch.optim.Adadelta's CPU kernels round them "
        "(float16 and bfloat16: each operation in float32, its result rounded to the type). [default: the preset's "
        "(float32 for tfjs, mindspore, caffe), else float64]")),
    "lr_dtype": _setting(DType, "--lr-dtype", help=N_(
        "Precision lr is held in: float32 as Keras keeps it (a float32 variable). [default: the preset's, else "
        "float64]")),
    "hyper_float32": _setting(str, "--hyper-float32", metavar="NAMES", help=N_(
        "Hyperparameters held in float32, rounded as that framework holds them: any of rho, eps, lr, weight_decay "
        "(comma-separated), all or none. [default: the preset's: tf1 rho,eps,lr; keras2 lr,weight_decay; paddle "
        "rho,eps; mindspore, mlx lr]")),
    "rate_eg2": _setting(RateEg2, "--rate-eg2", help=N_(
        "E[g²] in η's denominator: current, E[g²]_t (Algorithm 1), or previous, E[g²]_{t−1} (TensorFlow.js). "
        "[default: the preset's, else current]")),
    "nonfinite": _setting(NonFinite, "--nonfinite", help=N_(
        "At the first NaN or infinity: stop with an error naming the step, or continue as IEEE arithmetic (and the "
        "frameworks) do, non-finite cells marked. [default: stop]")),
    "arithmetic": _setting(Arithmetic, "--arithmetic", help=N_(
        "How each operation rounds: fused, as torch's eager CPU kernels (a·b + c rounded once in addcmul_ and add_); "
        "foreach, as torch with foreach=True (differs from fused in float16 and bfloat16 only); unfused, each "
        "operation rounded on its own in the formula's order, as optax and numpy; inductor, as torch.compile "
        "(fma(1 − ρ, g·g, ρ·E), the square rounded first); keras, as Keras 3 on JAX and TensorFlow (unfused, Δx = "
        "−(√(E[Δx²] + ε)·g)/√(E[g²] + ε) in that order); keras-torch, as Keras 3 on torch (inductor's accumulators, "
        "Keras's Δx); tf-keras, as tf.keras 2 (as keras, with ((1 − ρ)·g)·g). [default: the preset's, else fused]")),
    "subnormals": _setting(Subnormals, "--subnormals", help=N_(
        "Subnormal numbers (below 1.2e-38 in float32, 2.2e-308 in float64): keep them, as IEEE arithmetic and torch "
        "do, or flush them to zero, operands and results, as XLA on the CPU does (JAX, optax, TensorFlow with XLA). "
        "[default: the preset's (flush for optax), else keep]")),
}


def complete_preset(incomplete: str) -> list[str]:
    """Shell completion of a preset's name (diff's A and B; --preset completes from its choices by itself).

    >>> complete_preset("ker")
    ['keras', 'keras-jax', 'keras-tensorflow', 'keras2']
    """
    return [name for name in PRESETS if name.startswith(incomplete)]


REPORT_FORMATS = ("table", "csv", "json", "markdown", "latex")  # trace, step, check, compare, diff and optimize write
SHEET_FORMATS = ("csv", "markdown", "latex", "table", "moodle", "gift", "qti")  # what worksheet writes
ReportFormat = Enum("ReportFormat", {name: name for name in REPORT_FORMATS}, type=str)  # type: ignore[misc]
SheetFormat = Enum("SheetFormat", {name: name for name in SHEET_FORMATS}, type=str)  # type: ignore[misc]


# --format/-f offers exactly the formats a command writes: its --help lists them and Click refuses the others.
Format = Annotated[ReportFormat, typer.Option(
    "--format", "-f", help=N_("Output format."), rich_help_panel=OUTPUT_PANEL, case_sensitive=False)]
SheetFormatOpt = Annotated[SheetFormat, typer.Option("--format", "-f", help=N_(
    "csv (what check reads back), markdown, latex (a printable document), table, moodle (Moodle XML: one numerical "
    "question per asked cell), gift (Moodle GIFT) or qti (an IMS QTI 2.1 package, a zip: Canvas, ILIAS, OpenOlat, "
    "Blackboard)."), rich_help_panel=OUTPUT_PANEL, case_sensitive=False)]
OutputOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", help=N_("Write to FILE (whole, or not at all) instead of standard output."),
    rich_help_panel=OUTPUT_PANEL, metavar="FILE")]
LatexFragment = Annotated[bool, typer.Option(
    "--latex-fragment", help=N_("With --format latex: only the part to paste into one's own document (it needs "
    "amsmath, array and longtable), instead of a whole document that compiles as it is."),
    rich_help_panel=OUTPUT_PANEL)]
TitleOpt = Annotated[Optional[str], typer.Option("--title", rich_help_panel=OUTPUT_PANEL, metavar="VALUE", help=N_(
    "The figure's title (for a slide). [default: what is drawn]"))]
LargePrintOpt = Annotated[bool, typer.Option(
    "--large-print", help=N_("Larger type, thicker lines and bigger marks, for slides and the back of the room."),
    rich_help_panel=OUTPUT_PANEL)]
AnimateOpt = Annotated[Optional[Path], typer.Option(
    "--animate", help=N_("Also draw it step by step into a .gif (or an .mp4 where ffmpeg is installed), with a step "
    "counter; a long run is shown in at most 120 frames."), metavar="FILE", rich_help_panel=OUTPUT_PANEL)]
Digits = Annotated[int, typer.Option(
    "--digits", help=N_("Significant digits shown in tables (CSV and JSON always carry full precision)."),
    rich_help_panel=DISPLAY_PANEL, metavar="N")]
WithOpt = Annotated[Optional[str], typer.Option(
    "--with", help=N_("Optimizers beside Adadelta: a comma-separated list of adagrad, rmsprop, sgd, momentum, adam "
    "(PyTorch's defaults). [default: all five]"), metavar="NAMES")]
ShowAll = Annotated[bool, typer.Option("--all", help=N_("Show every step of a long trace in the table."),
                                      rich_help_panel=OUTPUT_PANEL)]
Inputs = Annotated[Optional[list[str]], typer.Argument(metavar="[INPUT]...", help=N_("Gradients as for trace."),
                                                     rich_help_panel=INPUT_PANEL)]
SetOpt = Annotated[Optional[list[str]], typer.Option("--set", metavar="OPT.PARAM=VALUE", help=N_(
    "OPTIMIZER.PARAMETER=VALUE over PyTorch's defaults, e.g. --set adagrad.lr=0.1; repeatable."))]



# An optimizer of Adadelta's family in place of Adadelta (step, trace): its name, its settings, its state.
OptimizerOpt = Annotated[str, typer.Option("--optimizer", help=N_(
    "The optimizer: adadelta, adagrad, rmsprop, sgd, momentum (SGD with momentum 0.9), adam or adamw, with "
    "PyTorch's defaults (compare's). Any other than adadelta takes --lr, --eps, --weight-decay and --maximize, and "
    "--set for its other settings."), metavar="NAME")]
MemberSetOpt = Annotated[Optional[list[str]], typer.Option("--set", help=N_(
    "NAME=VALUE: a setting of the --optimizer (not Adadelta) by torch.optim's name, e.g. --set beta2=0.99, "
    "--set amsgrad=true, --set momentum=0.5; repeatable."), metavar="NAME=VALUE")]
# Other members beside the --optimizer (lesson): each with its own defaults, --set NAME.SETTING=VALUE over them.
BesideOpt = Annotated[Optional[list[str]], typer.Option("--with", help=N_(
    "Other optimizers beside it on the same gradients, a comma-separated list of adagrad, rmsprop, sgd, momentum, "
    "adam, adamw (or --with repeated): each with PyTorch's defaults, changed by --set NAME.SETTING=VALUE (e.g. --set "
    "adagrad.lr=0.1)."), metavar="NAMES")]
StateOpt = Annotated[Optional[list[str]], typer.Option("--state", help=N_(
    "NAME=VALUE: the --optimizer's state before the (first) step (not Adadelta's: its own options), by the names "
    "of its quantities: adagrad G; rmsprop v, gbar, b; sgd and momentum b; adam and adamw m, v, vmax; "
    "repeatable. [default: the values before a first step; SGD's b: none, b_1 = g_1]"),
    rich_help_panel=INPUT_PANEL, metavar="NAME=VALUE")]


SETTINGS = ("rho", "eps", "lr", "x0", "eg2_init", "edx2_init", "weight_decay", "weight_decay_mode", "maximize",
            "preset", "dtype", "lr_dtype")
CONVENTIONS = ("hyper_float32", "rate_eg2", "nonfinite", "arithmetic", "subnormals")
# The settings options stand before the first of these in --help (the output options), else at the end.
_OUTPUT_PARAMETERS = ("format", "latex_fragment", "output_path", "digits")


@dataclass(eq=False, repr=False)
class Given:
    """The settings options as a command received them; ``resolve`` turns them into Settings and a state."""

    values: dict

    def resolve(self, **more) -> Resolved:
        return resolve(**{**self.values, **more})

    def beside(self, member) -> Resolved:
        """Adadelta's settings where a family ``member`` is traced instead: its own --lr, --eps, --weight-decay and
        --preset are the member's, not Adadelta's (x₀ and the input's settings still read here)."""
        return self.resolve() if member is None else self.resolve(lr=None, eps=None, weight_decay=None, preset=None)


def settings_options(*names: str, without: tuple[str, ...] = ()):
    """Give a command the settings options (``names``; the common ones by default, less ``without``), declared
    once here, as sqlite-utils' ``output_options`` does with Click. The command takes ``settings: Given`` instead.
    """
    chosen = [name for name in (names or SETTINGS) if name not in without]

    def decorate(command):
        signature = inspect.signature(command)
        own = [p for p in signature.parameters.values() if p.name != "settings"]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                   annotation=SETTINGS_OPTIONS[name]) for name in chosen]
        at = next((i for i, p in enumerate(own) if p.name in _OUTPUT_PARAMETERS), len(own))
        # Typer reads keyword arguments only: every parameter may be keyword-only, so the settings can stand
        # between the command's own inputs and its output options.
        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[:at]] + added + \
            [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[at:]]

        @functools.wraps(command)
        def wrapper(**kwargs):
            given = Given({name: kwargs.pop(name, None) for name in chosen})
            return command(settings=given, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=parameters)
        wrapper.__annotations__ = {**{k: v for k, v in command.__annotations__.items() if k != "settings"},
                                   **{name: SETTINGS_OPTIONS[name] for name in chosen}}
        return wrapper

    return decorate
