"""Settings and initial values as given (command-line options, a worksheet's own settings, the API's arguments),
resolved into ``Settings`` and an initial state: the one path from what a person typed to what the engine runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from adadelta_cli.errors import SettingsError
from adadelta_cli.i18n import N_, _f

if TYPE_CHECKING:
    from adadelta_cli.maths.core import Settings  # numpy: loaded when a command computes, not for --help or --version

Choice = Enum  # an option's choice (a str Enum of the command line): its .value is read


@dataclass(eq=False, repr=False)
class Resolved:
    """Settings and initial values as given on the command line, before they meet the input's width."""

    settings: Settings
    preset: str | None
    x0: list[float]
    eg2_init: list[float]
    edx2_init: list[float]

    def initial(self, size: int):
        """init() for ``size`` parameters, checking that any list has one value per parameter."""
        from adadelta_cli.maths.core import init
        from adadelta_cli.maths.settings import CLI, check_width

        check_width({"lr": self.settings.lr, "weight_decay": self.settings.weight_decay}, size, CLI)
        for option, given in (("--x0", self.x0), ("--eg2-init", self.eg2_init), ("--edx2-init", self.edx2_init)):
            if len(given) not in (1, size):
                raise SettingsError(_f(
                    '%(option)s has %(given)s values but the input has %(parameters)s parameters; give one value for '
                    'all, or one per parameter',
                    option=option, given=len(given), parameters=size))
        return init(self.x0, self.eg2_init, self.edx2_init, size=size, dtype=self.settings.dtype)

    def as_dict(self) -> dict:
        """Every setting in force, under its option's name (for JSON and titles)."""
        from adadelta_cli.maths.settings import DEFAULTS

        s = self.settings
        initial = {key: v[0] if len(v) == 1 else v
                   for key, v in (("x0", self.x0), ("eg2_init", self.eg2_init), ("edx2_init", self.edx2_init))}
        return {"preset": self.preset, "rho": s.rho, "eps": s.eps, "lr": s.lr, **initial,
                "weight_decay": s.weight_decay, "weight_decay_mode": s.weight_decay_mode,
                "maximize": s.maximize, "dtype": s.dtype, "lr_dtype": s.lr_dtype,
                # A framework's conventions, named where they are in force (absent otherwise: the same bytes).
                **{key: getattr(s, key) for key in ("hyper_float32", "rate_eg2", "nonfinite", "arithmetic",
                                                    "subnormals") if getattr(s, key) != DEFAULTS[key]}}


def per_parameter(text: str | float | None, option: str):
    """--lr 0.5 or --lr 0.5,0.1 (one per parameter): a number, or a list of numbers; None if not given."""
    if text is None or isinstance(text, (int, float)):
        return text
    try:
        return float(text)  # one value: inf and nan reach the settings' own check (--lr must be a finite number)
    except ValueError:
        pass
    values = number_list(text, option)
    return values[0] if len(values) == 1 else values


def number_list(text: str | None, option: str, default: float = 0.0) -> list[float]:
    """'0.5' or '1,-2, 3' as floats; an InputError names the option and the item."""
    if text is None:
        return [default]
    from adadelta_cli.formats.cells import parse_number

    items = text.split(",")
    return [parse_number(item, source=option, column=i if len(items) > 1 else None, what=N_("a value"))
            for i, item in enumerate(items, start=1)]


def resolve(*, preset: Choice | None = None, rho: float | None = None, eps: float | None = None,
            lr: str | float | None = None, x0: str | None = None, eg2_init: str | None = None,
            edx2_init: str | None = None, weight_decay: str | float | None = None,
            weight_decay_mode: Choice | None = None, maximize: bool | None = None,
            dtype: Choice | None = None, lr_dtype: Choice | None = None, hyper_float32: str | None = None,
            rate_eg2: Choice | None = None, nonfinite: Choice | None = None,
            arithmetic: Choice | None = None, subnormals: Choice | None = None,
            base: dict | None = None, initial_options: tuple[str, str, str] = ("--x0", "--eg2-init", "--edx2-init"),
            ) -> Resolved:
    """The command line's options as Settings: resolved by ``settings.resolve`` (explicit options, else ``base``,
    a worksheet's own settings, else the preset, else the article's defaults), messages naming the flags.
    ``initial_options``: how the command spells x_0, E[g²]_0 and E[Δx²]_0 (step says --x, --eg2-prev, --edx2-prev)."""
    x0_option, eg2_option, edx2_option = initial_options
    notes: list[str] = []
    from adadelta_cli.maths import settings as resolving
    from adadelta_cli.maths.core import Settings

    base = base or {}
    chosen = resolving.resolve(preset.value if preset else None, {
        "rho": rho, "eps": eps, "lr": per_parameter(lr, "--lr"),
        "weight_decay": per_parameter(weight_decay, "--weight-decay"), "maximize": maximize,
        "weight_decay_mode": weight_decay_mode.value if weight_decay_mode else None,
        "dtype": dtype.value if dtype else None, "lr_dtype": lr_dtype.value if lr_dtype else None,
        "hyper_float32": hyper_float32, "rate_eg2": rate_eg2.value if rate_eg2 else None,
        "nonfinite": nonfinite.value if nonfinite else None,
        "arithmetic": arithmetic.value if arithmetic else None,
        "subnormals": subnormals.value if subnormals else None,
    }, base, spelling=resolving.CLI, notes=notes, check32=True)
    from adadelta_cli.messages import warn

    for note in notes:
        warn(note)
    for given, option in ((eg2_init, eg2_option), (edx2_init, edx2_option)):
        if given is not None and any(v < 0 for v in number_list(given, option)):
            raise SettingsError(_f(
                '%(option)s is a running average of squares, which cannot be negative; got %(value)s',
                option=option, value=given))
    initial = [number_list(given, option) if given is not None else base.get(key, [0.0]) for given, option, key in
               ((x0, x0_option, "x0"), (eg2_init, eg2_option, "eg2_init"), (edx2_init, edx2_option, "edx2_init"))]
    resolved = Resolved(Settings(**chosen), preset.value if preset else None, *initial)
    if chosen["dtype"] == "float32":
        for option, values in zip(initial_options, initial):
            resolving.check_float32(option, values)
    return resolved
