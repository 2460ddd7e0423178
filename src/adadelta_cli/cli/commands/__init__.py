"""One module per command. Each holds ``COMMAND`` (its name, help and context settings) and ``command``, the
function Typer calls; ``adadelta_cli.cli.app`` wires them into the app, in the order ``--help`` lists them."""

NAMES = ("trace", "step", "check", "worksheet", "walk", "lesson", "plot", "compare", "diff", "optimize")
