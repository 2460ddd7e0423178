"""The Python API, for notebooks and scripts: trace, step, explain, check, worksheet, compare and diff.

Each function takes the settings the command line takes (``rho``, ``eps``, ``lr``, ``preset``, ...; resolved and
checked by ``adadelta_cli.maths.settings``, as the command line's are) and returns an object that shows itself: in
Jupyter as the table and formulas the terminal shows (``_repr_html_``) or as Markdown (``_repr_markdown_``), in
Rich (``rich.print(obj)``), and as data: ``records()`` (the CSV/JSON names), ``to_dataframe()`` (with pandas),
``to_text(fmt)`` for ``table``, ``markdown``, ``latex``, ``csv`` or ``json``. The documents are the command
line's own (``report.Document``), written by its writers (``writers``).

>>> from adadelta_cli import trace
>>> steps = trace([0.1, 0.2, 0.15])
>>> steps.eg2[:, 0].round(10).tolist()
[0.0005, 0.002475, 0.00347625]
>>> steps.records()[0]["dx"]
-0.004467670516087701
>>> trace([[0.1, 1.0]], preset="pytorch", x0=[0.0, 2.0]).x.round(6).tolist()
[[-0.003161, 1.996838]]
>>> from adadelta_cli.api import explain, step
>>> print(explain([0.1], digits=3).to_text("table").splitlines()[-2])
  x_1 = x_0 + lr·Δx_1 = 0 + 1·(-0.00447) = -0.00447
>>> one = step(0.1, eg2=0.002475, edx2_prev=0.0001, expect={"dx": -0.002014})
>>> round(one.dx, 10), one.right
(-0.0201969303, False)
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from adadelta_cli.errors import SettingsError
from adadelta_cli.features import comparing, diffing, tracing
from adadelta_cli.features import worksheet as sheets
from adadelta_cli.features.resolved import Resolved
from adadelta_cli.formats import machine, render, writers
from adadelta_cli.formats.readers import read_input
from adadelta_cli.formats.report import each_row
from adadelta_cli.formats.tables import Gradients, default_names
from adadelta_cli.marking import gradebook
from adadelta_cli.marking.sheet import read_worksheet
from adadelta_cli.marking.sheet import records as sheet_records
from adadelta_cli.marking.verdicts import check_rel_tol, check_sig_digits, parse_expectations
from adadelta_cli.maths import core
from adadelta_cli.maths.settings import DEFAULTS, check_width, resolve


class Shown:
    """A result that shows itself (see the module's doc) from the command's own ``document(for_documents)`` (a
    report.Document) and ``records()`` (a report.Records); ``digits``: significant digits shown."""

    def __init__(self, document, records, digits: int = 6) -> None:
        self._document, self._records, self.digits = document, records, digits

    def __rich__(self):
        return writers.table(self._document(False), self.digits)

    def _repr_markdown_(self) -> str:
        return writers.markdown(self._document(True), self.digits)

    def _repr_html_(self) -> str:
        """What a terminal shows (the table, the formulas and their numbers), as HTML: Rich's own export of it."""
        group = self.__rich__()
        # As wide as the widest table or line of arithmetic (never wrapped), at least 100 cells: the legend and the
        # notes (dim) wrap there rather than run off the page
        widths = [100]
        for part in group.renderables:
            if isinstance(part, Table):
                widths.append(writers.table_width(part))
            elif isinstance(part, Text) and "dim" not in str(part.style):
                widths += [cell_len(line) for line in part.plain.splitlines()]
        console = Console(record=True, file=io.StringIO(), width=max(widths),
                          color_system="truecolor", force_terminal=True, force_jupyter=False, legacy_windows=False,
                          highlight=False)  # not Jupyter's: in a notebook Rich would display it a second time
        console.print(group)
        fonts = tracing.MONO_FONTS.replace('"', "'")  # inside the style="..." attribute
        return console.export_html(inline_styles=True, code_format=HTML_FRAGMENT.replace("MONO_FONTS", fonts))

    def to_text(self, fmt: str = "table") -> str:
        """As the command line writes it with ``--format fmt``: table, markdown, latex, csv or json."""
        if fmt in ("csv", "json"):
            return machine.csv(self._records()) if fmt == "csv" else machine.json(self._records())
        if fmt not in ("table", "markdown", "latex"):
            raise SettingsError(f"fmt must be one of table, markdown, latex, csv, json; got {fmt!r}")
        return writers.text(self._document(fmt != "table"), fmt, self.digits)

    def __str__(self) -> str:
        return self.to_text("table")

    def records(self) -> list[dict]:
        """One dict per row, under the CSV's column names, every number whole."""
        data = self._records()
        return [dict(zip(data.columns, row)) for row in each_row(data.rows)]

    def to_dataframe(self):
        """The records as a pandas DataFrame (pandas is not a dependency: ``pip install pandas``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install pandas") from None
        return pandas.DataFrame.from_records(self.records(), columns=self._records().columns)


# Rich's HTML export, as a fragment a notebook cell holds: the same monospaced fonts as trace --export-html.
HTML_FRAGMENT = """<div class="adadelta"><style>{stylesheet}</style><pre style="font-family: MONO_FONTS; \
line-height: normal; color: {foreground}; background-color: {background}; padding: 0.5em; overflow-x: auto">\
<code style="font-family: inherit">{code}</code></pre></div>"""


def _values(value, name: str) -> list[float]:
    """One number or one per parameter, as floats (x0, eg2_init, edx2_init; step's x, eg2_prev, edx2_prev)."""
    values = [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64)).tolist()]
    if name not in ("x0", "x") and any(v < 0 for v in values):
        raise SettingsError(f"{name} is a running average of squares, which cannot be negative; got {value}")
    return values


def _start(size: int, **given) -> dict[str, list[float]]:
    """x0, eg2_init, edx2_init as lists, each with one value or one per parameter of ``size``."""
    start = {name: _values(value, name) for name, value in given.items()}
    for name, values in start.items():
        if len(values) not in (1, size):
            raise SettingsError(f"{name} has {len(values)} values but grads has {size} parameters")
    return start


def _resolved(preset: str | None, settings: dict, base: dict | None = None, **initial):
    """The command line's settings path (settings.resolve: explicit, else ``base``, else the preset's, else the
    article's) as a Resolved, messages naming the API's arguments; x_0, E[g²]_0, E[Δx²]_0 are ``initial`` (step's
    x, eg2_prev, edx2_prev), else ``settings``' x0, eg2_init, edx2_init."""
    given = dict(settings)
    initial = initial or {name: given.pop(name, None) for name in ("x0", "eg2_init", "edx2_init")}
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}; the settings are {', '.join(DEFAULTS)}")
    base = base or {}
    return Resolved(core.Settings(**resolve(preset, given, base)), preset,
                    *(_values(v, k) if v is not None else base.get(k, [0.0]) for k, v in initial.items()))


def _gradients(grads, names: list[str] | None = None):
    """``grads`` (numbers, or steps × parameters; None: the article's example) as a Gradients (formats.tables)."""
    values = read_input([]).values if grads is None else np.asarray(grads, dtype=np.float64)  # as the commands
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
        raise SettingsError(f"grads must be a sequence of numbers or of rows (steps × parameters), got shape "
                            f"{values.shape}")
    names = default_names(values.shape[1]) if names is None else list(names)
    if len(names) != values.shape[1]:
        raise SettingsError(f"names has {len(names)} names but grads has {values.shape[1]} parameters")
    return Gradients(values, names, "the article's example" if grads is None else "arguments")


class Trace(Shown):
    """Every quantity of every step: each array is shaped (steps, parameters): ``g`` (as given), ``g_eff`` (the
    gradient the recurrence used: maximize, coupled weight decay), ``eg2`` (E[g²]_t), ``edx2_prev`` (E[Δx²]_{t−1}),
    ``eta`` (η_t), ``dx`` (Δx_t, before lr), ``edx2`` (E[Δx²]_t) and ``x`` (x_t). In a notebook it shows the table
    a terminal shows (``explained()``: with each step's arithmetic)."""

    def __init__(self, report, settings: core.Settings, digits: int = 6, *, explain: bool = False) -> None:
        super().__init__(lambda full: render.document(report, self.digits, explain=explain, every_row=full),
                         lambda: render.records(report), digits)
        self._report, self.names, self.settings = report, report.names, settings
        self.g, self.g_eff, self.eg2, self.edx2_prev, self.eta, self.dx, self.edx2, self.x = report.steps

    def __repr__(self) -> str:
        steps, size = self.g.shape
        return f"Trace({steps} steps × {size} parameters, {self.settings})"

    def explained(self) -> Trace:
        """The same trace, shown with each step's arithmetic, numbers substituted (``trace --explain``)."""
        return Trace(self._report, self.settings, self.digits, explain=True)

    def records(self) -> list[dict]:
        """One dict per step and parameter, with the CSV/JSON column names (t, param, g, eg2, ...)."""
        columns = {name: getattr(self, name).tolist() for name in core.FIELDS}
        return [{"t": t + 1, "param": param, **{name: columns[name][t][p] for name in core.FIELDS}}
                for t in range(self.g.shape[0]) for p, param in enumerate(self.names)]


def trace(grads=None, *, preset: str | None = None, names: list[str] | None = None, digits: int = 6,
          **settings) -> Trace:
    """Run Adadelta over ``grads`` (a sequence of numbers, or steps × parameters) and return every quantity.

    Settings (``x0``, ``eg2_init``, ``edx2_init``, ``rho``, ``eps``, ``lr``, ``weight_decay``, ``weight_decay_mode``,
    ``maximize``, ``dtype``, ``lr_dtype``, ``hyper_float32``, ``rate_eg2``, ``nonfinite``, ``arithmetic``,
    ``subnormals``) default to the preset's (``article``, ``paper``, ``pytorch``, ``keras``, ``optax``, ...), else
    the article's: ρ 0.95, ε 1e-6, lr 1, x0 0; those given win, checked as the command line's options are (messages
    name these arguments). ``x0``, ``eg2_init``, ``edx2_init``, ``lr``, ``weight_decay``: one value or one each.
    ``hyper_float32`` ("rho,eps", "all") rounds those hyperparameters to float32 as some frameworks hold them;
    ``rate_eg2="previous"`` divides by E[g²]_{t−1} as TensorFlow.js does; ``nonfinite="continue"`` carries on
    through an overflow as IEEE arithmetic (and the frameworks) do, instead of raising NumericError; ``dtype``
    "float16" or "bfloat16" computes as torch's CPU kernels do in those types; ``arithmetic`` "unfused" rounds each
    operation on its own (optax, numpy), "foreach" as torch with foreach=True; ``subnormals="flush"`` flushes
    subnormal numbers to zero as XLA does:

    >>> trace([0.1], rho=2)
    Traceback (most recent call last):
    ...
    adadelta_cli.errors.SettingsError: rho must lie in [0, 1], got 2
    """
    resolved, gradients = _resolved(preset, settings), _gradients(grads, names)
    size = gradients.values.shape[1]
    check_width({"lr": resolved.settings.lr, "weight_decay": resolved.settings.weight_decay}, size)
    _start(size, x0=resolved.x0, eg2_init=resolved.eg2_init, edx2_init=resolved.edx2_init)
    return Trace(tracing.compute(gradients, resolved), resolved.settings, digits)  # the command's own work


def explain(grads=None, **settings) -> Trace:
    """``trace(grads, **settings)`` shown with each step's arithmetic, the numbers substituted, as the article
    writes it (``adadelta trace --explain``)."""
    return trace(grads, **settings).explained()


class Step(Shown):
    """One step from a given state (``adadelta step``): every quantity, its arithmetic and, with ``expect``, a
    verdict for each hand-calculated value (``verdicts``; ``right`` when all are right)."""

    def __init__(self, report, verdicts: list, *, eg2_given: bool, digits: int) -> None:
        super().__init__(lambda full: tracing.step_document(report, verdicts, self.digits, eg2_given=eg2_given,
                                                            explain=full), self._step_records, digits)
        self._report, self.verdicts, self.right = report, verdicts, all(v.right for v in verdicts)
        for name in core.FIELDS:
            setattr(self, name, float(getattr(report.steps, name)[0, 0]))

    def _step_records(self):
        data = render.records(self._report)
        data.extra = {"checks": [v.as_dict() for v in self.verdicts]} if self.verdicts else None
        return data

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in ("g", "eg2", "eta", "dx", "edx2", "x"))
        return f"Step({values})"


def step(grad: float, *, eg2_prev: float | None = None, eg2: float | None = None, edx2_prev: float = 0.0,
         x: float = 0.0, t: int = 1, expect=None, rel_tol: float | None = None, sig_digits: int = 3,
         preset: str | None = None, digits: int = 6, **settings) -> Step:
    """One step from an explicit state: E[g²]_{t−1} (``eg2_prev``) or E[g²]_t given as is (``eg2``), E[Δx²]_{t−1}
    (``edx2_prev``) and x_{t−1} (``x``). ``expect``: hand-calculated values to check, ``{"dx": -0.002014}`` or
    ``["dx=-0.002014"]``; each is right when it agrees at every significant digit written (at least
    ``sig_digits``) or lies within ``rel_tol``."""
    if eg2 is not None and eg2_prev is not None:
        raise SettingsError("give either eg2_prev (E[g²]_t is computed) or eg2 (E[g²]_t as is), not both")
    resolved = _resolved(preset, settings, x=x, eg2_prev=eg2_prev, edx2_prev=edx2_prev)
    check_rel_tol(rel_tol)
    check_sig_digits(sig_digits)
    if isinstance(expect, dict):
        expect = [f"{name}={value if isinstance(value, str) else repr(value)}" for name, value in expect.items()]
    cells = parse_expectations(list(expect or []))
    eg2_given = None if eg2 is None else _values(eg2, "eg2")[0]
    report, verdicts = tracing.single_step(float(grad), resolved, t=t, eg2_given=eg2_given, cells=cells,
                                           rel_tol=rel_tol, sig_digits=sig_digits)
    return Step(report, verdicts, eg2_given=eg2_given is not None, digits=digits)


class Marking(Shown):
    """Worksheets marked (``adadelta check``): each asked cell right, wrong, too few digits or unanswered, the
    likely slip, and a score. ``sheets``: the gradebook.Marked of each; ``right`` when every cell is right."""

    def __init__(self, marked: list, digits: int, *, only_wrong: bool = False) -> None:
        super().__init__(lambda _full: gradebook.document(marked, only_wrong=only_wrong, digits=self.digits),
                         lambda: gradebook.records(marked, only_wrong=only_wrong), digits)
        self.sheets = marked
        self.right = all(m.error is None and gradebook.all_right(m.verdicts) for m in marked)

    def __repr__(self) -> str:
        return f"Marking({len(self.sheets)} sheets: " + "; ".join(
            f"{m.source}: " + (m.error or gradebook.summary_line(m.verdicts)) for m in self.sheets) + ")"


def _read_sheets(sheet) -> list:
    """A path (a sheet, a folder of them) or the text of a sheet, read as ``check`` reads its files."""
    if not (isinstance(sheet, str) and "\n" in sheet):
        return [read_worksheet(p) for p in gradebook.sheet_paths([str(sheet)])]
    with tempfile.TemporaryDirectory(prefix="adadelta-check-") as folder:
        (Path(folder) / "sheet.csv").write_text(sheet, encoding="utf-8")
        read = read_worksheet(str(Path(folder) / "sheet.csv"))
    read.source = "<text>"
    return [read]


def check(*sheets, rel_tol: float | None = None, sig_digits: int | None = None, only_wrong: bool = False,
          preset: str | None = None, digits: int = 6, **settings) -> Marking:
    """Mark worksheets: each a path (a CSV as ``adadelta worksheet`` writes it, a folder of them) or the CSV's text.
    Settings (``trace``'s) come from each sheet where it carries them, else the defaults; arguments given here win."""
    check_rel_tol(rel_tol)
    check_sig_digits(sig_digits)
    marked = []
    for read in (read for sheet in sheets for read in _read_sheets(sheet)):
        resolved = _resolved(preset or read.settings.get("preset"), settings, read.settings)
        marked.append(gradebook.mark_sheet(read, resolved, rel_tol, sig_digits))  # as the command marks it
    return Marking(marked, digits, only_wrong=only_wrong)


class Sheet(Shown):
    """A worksheet (``adadelta worksheet``): the columns in ``hide`` left for the student, or filled in (the key).
    ``to_text("csv")`` is the file ``check`` marks."""

    def __init__(self, report, hidden: list[str], *, answers: bool, digits: int, meta) -> None:
        super().__init__(lambda _full: sheets.document(report, hidden, answers=answers, digits=self.digits, meta=meta),
                         lambda: sheet_records(report, hidden, answers=answers, digits=self.digits, meta=meta), digits)
        self._report, self.hidden, self.answers, self._meta = report, hidden, answers, meta

    def key(self) -> Sheet:
        """The same sheet with every cell filled in."""
        return Sheet(self._report, self.hidden, answers=True, digits=self.digits, meta=self._meta)

    def __repr__(self) -> str:
        return f"Sheet({len(self._report)} steps, asked: {', '.join(self.hidden)}{', answers' if self.answers else ''})"


def _listed(value):
    """"adam,sgd" or ["adam", "sgd"] as the command line's comma-separated text (None: not given)."""
    return ",".join(value) if isinstance(value, (list, tuple)) else value


def worksheet(grads=None, *, hide=None, steps: int | None = None, seed: int | None = None, answers: bool = False,
              sig_digits: int = 3, preset: str | None = None, digits: int = 6, **settings) -> Sheet:
    """A worksheet over ``grads`` (or ``steps`` pleasant gradients drawn with ``seed``; else the article's
    example), the columns in ``hide`` ("eg2,dx" or a list; default all five) left blank."""
    check_sig_digits(sig_digits)
    hidden = sheets.parse_hide(_listed(hide))
    resolved = _resolved(preset, settings)
    if grads is not None and (steps is not None or seed is not None):
        raise SettingsError("steps and seed draw gradients when there are no grads; give one or the other")
    if grads is not None or steps is None:
        return Sheet(tracing.compute(_gradients(grads), resolved), hidden, answers=answers, digits=digits,
                     meta=sheets.Meta(sig_digits=sig_digits))
    if seed is None:
        raise SettingsError("steps needs a seed (the same seed gives the same exercise)")
    return Sheet(sheets.drawn(steps, seed, resolved), hidden, answers=answers, digits=digits,
                 meta=sheets.Meta(seed=seed, sig_digits=sig_digits))


class Comparison(Shown):
    """Adadelta and other optimizers on the same gradients (``adadelta compare``): η_t and x_t side by side.
    ``results``: {optimizer: {"eta", "dx", "x": arrays shaped (steps, parameters)}}."""

    def __init__(self, grads, names, results: dict, shown: dict, digits: int) -> None:
        super().__init__(lambda full: comparing.document(grads, names, results, shown, self.digits, show_all=full),
                         lambda: comparing.records(grads, names, results, shown), digits)
        self._grads, self.names, self.results = grads, names, results

    def __repr__(self) -> str:
        return f"Comparison({', '.join(self.results)} over {self._grads.shape[0]} steps)"


def compare(grads=None, *, optimizers=None, hyper=None, preset: str | None = None, digits: int = 6,
            **settings) -> Comparison:
    """Adadelta beside other optimizers from the same start: ``optimizers`` ("adam,sgd" or a list; default all
    five: adagrad, rmsprop, sgd, momentum, adam), ``hyper`` their settings ({"adam": {"lr": 0.01}})."""
    resolved = _resolved(preset, settings)
    chosen = comparing.parse_with(_listed(optimizers))
    sets = [f"{name}.{key}={value!r}" for name, values in (hyper or {}).items() for key, value in values.items()]
    params = comparing.parse_sets(sets, chosen)
    gradients = _gradients(grads)
    results = comparing.compute(gradients.values, resolved, chosen, params)
    shown = {**resolved.as_dict(), "input": gradients.source, "with": chosen,
             "others": {name: params[name] for name in chosen}}
    return Comparison(gradients.values, gradients.names, results, shown, digits)


class Difference(Shown):
    """Two presets (or setting sets) on the same gradients (``adadelta diff``): what differs, why, where the traces
    part. ``a`` and ``b``: each side's spec, settings and trace."""

    def __init__(self, a, b, gradients, start: dict, digits: int) -> None:
        g = gradients
        super().__init__(lambda full: diffing.document(a, b, g.values, g.names, g.source, start, self.digits,
                                                       show_all=full),
                         lambda: diffing.data(a, b, g.values, g.names, g.source, start), digits)
        self.a, self.b, self._gradients = a, b, gradients

    def __repr__(self) -> str:
        return f"Difference({self.a.spec} vs {self.b.spec} over {self._gradients.values.shape[0]} steps)"


def diff(a: str, b: str, grads=None, *, x0=0.0, eg2_init=0.0, edx2_init=0.0, digits: int = 6) -> Difference:
    """Two presets (``"pytorch"``, ``"keras"``) or setting sets (``"rho=0.9,lr=0.5"``, ``"preset=keras,lr=1"``) side
    by side on the same gradients, from the same start."""
    side_a, side_b = diffing.side(a), diffing.side(b)
    gradients = _gradients(grads)
    start = _start(gradients.values.shape[1], x0=x0, eg2_init=eg2_init, edx2_init=edx2_init)
    diffing.run(side_a, side_b, gradients.values,
                lambda n, dtype: core.init(*start.values(), size=n, dtype=dtype))
    one = {k: v[0] if len(v) == 1 else v for k, v in start.items()}
    return Difference(side_a, side_b, gradients, one, digits)
