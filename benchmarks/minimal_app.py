"""The latency floor of the stack: a minimal Typer app that imports typer, rich and numpy and prints a two-column
Rich table of its arguments."""

import numpy as np  # noqa: F401  (the stack's import cost is part of the floor)
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer()


@app.command()
def main(values: list[str]) -> None:
    table = Table("i", "value")
    for i, v in enumerate(values, start=1):
        table.add_row(str(i), v)
    Console().print(table)


if __name__ == "__main__":
    app()
