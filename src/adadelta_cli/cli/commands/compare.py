"""adadelta compare: Adadelta beside other optimizers on the same gradients."""

import itertools

from adadelta_cli import outfiles, streams
from adadelta_cli.cli.commands._common import NUMBERS_OK, read_gradients
from adadelta_cli.cli.options import (
    Digits,
    Format,
    Given,
    Inputs,
    LatexFragment,
    OutputOpt,
    ReportFormat,
    SetOpt,
    ShowAll,
    WithOpt,
    settings_options,
)
from adadelta_cli.i18n import N_, _

COMMAND = dict(name="compare", context_settings=NUMBERS_OK, help=N_(
    'Run Adadelta and other optimizers on the same gradients: η_t and x_t side by side.'))


@settings_options(without=("dtype",))
def command(
    inputs: Inputs = None,
    with_: WithOpt = None, set_: SetOpt = None,
    format: Format = ReportFormat("table"), output_path: OutputOpt = None, latex_fragment: LatexFragment = False,
    digits: Digits = 6,
    show_all: ShowAll = False,
    *, settings: Given,  # the settings options, given by @settings_options
) -> None:
    from adadelta_cli.features import comparing

    resolved = settings.resolve()
    chosen = comparing.parse_with(with_)
    hyper = comparing.parse_sets(set_, chosen)
    gradients = read_gradients(
        inputs, output_path, _("no input given: comparing on the article's example g = 0.1, 0.2, 0.15"))
    recorded = {**resolved.as_dict(), "input": gradients.source, "with": chosen,
                "others": {name: hyper[name] for name in chosen}}
    from adadelta_cli.formats import writers

    # Written as computed, a block of steps at a time; the first block before anything is written.
    blocks = comparing.compute_blocks(gradients.values, resolved, chosen, hyper)
    first = next(blocks)
    if format.value in ("csv", "json"):
        writers.write_report(format.value, output_path, digits, records=lambda: comparing.records(
            gradients.values, gradients.names, None, recorded, blocks=itertools.chain([first], blocks)), held=True)
        return
    if output_path is None or outfiles.is_stdout(output_path):
        blocks = streams.watched(blocks)  # a reader gone away ends it before the rest is computed
    writers.write_report(format.value, output_path, digits, fragment=latex_fragment, document=lambda: (
        comparing.document(gradients.values, gradients.names, None, recorded, digits,
                           show_all=show_all or format.value != "table", blocks=itertools.chain([first], blocks))))
