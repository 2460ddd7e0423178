"""adadelta diff: two presets (or key=value,... setting sets) on the same gradients."""

from typing import Annotated, Optional

import typer

from adadelta_cli import messages
from adadelta_cli.cli.commands._common import NUMBERS_OK, read_gradients
from adadelta_cli.cli.options import (
    Digits,
    Format,
    Given,
    LatexFragment,
    OptimizerOpt,
    OutputOpt,
    ReportFormat,
    ShowAll,
    complete_preset,
    settings_options,
)
from adadelta_cli.i18n import N_, _, _f

COMMAND = dict(name="diff", context_settings=NUMBERS_OK, help=N_(
    'Two presets, or two sets of settings, side by side on the same gradients: what differs, why, where the traces '
    'part. A and B are preset names or key=value,... settings.'))


@settings_options("x0", "eg2_init", "edx2_init", "dtype", "arithmetic", "subnormals")
def command(
    a: Annotated[str, typer.Argument(metavar="A", help=N_(
        "A preset (pytorch, keras, tfjs, ...) or settings as key=value,... (rho=0.9,lr=0.5; preset=keras,lr=1 "
        "starts from a preset; one value per parameter as 0.1/0.2)."), autocompletion=complete_preset)],
    b: Annotated[str, typer.Argument(metavar="B", help=N_("The other side, as A."), autocompletion=complete_preset)],
    inputs: Annotated[Optional[list[str]], typer.Argument(metavar="[INPUT]...", rich_help_panel="Input", help=N_(
        "Gradients as for trace. None: the article's example 0.1, 0.2, 0.15."))] = None,
    format: Format = ReportFormat("table"), output_path: OutputOpt = None, latex_fragment: LatexFragment = False,
    digits: Digits = 6,
    show_all: ShowAll = False,
    optimizer: OptimizerOpt = "adadelta",
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    if optimizer.strip().lower() != "adadelta":
        return _member(optimizer, a, b, inputs, format.value, output_path, latex_fragment, digits, show_all, settings)
    from adadelta_cli.features import diffing
    from adadelta_cli.features.resolved import resolve
    from adadelta_cli.formats.cells import nonfinite_accepted
    from adadelta_cli.maths import core

    given = settings.values
    common = {name: given[name] and given[name].value for name in ("dtype", "arithmetic", "subnormals")}
    notes: list[str] = []
    side_a, side_b = diffing.side(a, common, notes), diffing.side(b, common, notes)
    for note in notes:
        messages.warn(note)
    # the same start for both, read as trace reads it
    start = resolve(**{name: given[name] for name in ("x0", "eg2_init", "edx2_init")})
    with nonfinite_accepted():  # diff carries both traces through IEEE arithmetic: inf and NaN gradients too
        gradients = read_gradients(
            inputs, output_path, _("no input given: comparing on the article's example g = 0.1, 0.2, 0.15"))
    start.initial(gradients.values.shape[1])  # one value for every parameter, or one per parameter
    diffing.run(side_a, side_b, gradients.values,
                lambda n, dtype: core.init(start.x0, start.eg2_init, start.edx2_init, size=n, dtype=dtype))
    one = {k: v for k, v in start.as_dict().items() if k in ("x0", "eg2_init", "edx2_init")}
    names, source, fmt = gradients.names, gradients.source, format.value
    for s in (side_a, side_b):
        bad = diffing.first_nonfinite(s)
        if bad is not None:
            messages.warn(_f("%(side)s: values are no longer finite from step %(step)s on (IEEE arithmetic, as "
                             "the frameworks carry on)", side=s.spec, step=bad))
    from adadelta_cli.formats import writers

    writers.write_report(fmt, output_path, digits, fragment=latex_fragment,
                        document=lambda: diffing.document(side_a, side_b, gradients.values, names, source, one,
                                                          digits, show_all=show_all or fmt != "table"),
                        records=lambda: diffing.data(side_a, side_b, gradients.values, names, source, one))



def _member(optimizer, a, b, inputs, fmt, output_path, latex_fragment, digits, show_all, settings) -> None:
    """diff --optimizer NAME: one family member under A's settings and B's (pytorch, keras, NAME=VALUE,...)."""
    from adadelta_cli.errors import SettingsError
    from adadelta_cli.features import family_diff, stepping
    from adadelta_cli.features.resolved import resolve
    from adadelta_cli.formats import writers

    name = stepping.optimizer_name(optimizer)
    given = settings.values
    found = [option for key, option in (("eg2_init", "--eg2-init"), ("edx2_init", "--edx2-init"),
                                        ("arithmetic", "--arithmetic"), ("subnormals", "--subnormals"))
             if given.get(key) is not None]
    if found:
        raise SettingsError(_f("%(options)s: Adadelta's own, not %(optimizer)s's", options=", ".join(found),
                               optimizer=name))
    dtype = given["dtype"] and given["dtype"].value
    gradients = read_gradients(
        inputs, output_path, _("no input given: comparing on the article's example g = 0.1, 0.2, 0.15"))
    x0 = resolve(x0=given["x0"]).initial(len(gradients.names)).x.tolist()
    side_a, side_b = family_diff.traces(a, b, name, {"dtype": dtype}, gradients, x0)
    writers.write_report(fmt, output_path, digits, fragment=latex_fragment,
                         document=lambda: family_diff.document(side_a, side_b, digits,
                                                               show_all=show_all or fmt != "table"),
                         records=lambda: family_diff.records(side_a, side_b))
