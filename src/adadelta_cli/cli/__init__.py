"""The command line: the Typer app, its options and help texts, one module per command."""
