"""Adadelta (Zeiler 2012, Algorithm 1) step by step: a calculator for checking the recurrence by hand."""


def __getattr__(name: str):
    # Resolved on first use, so the command line pays neither for the notebook API nor for package metadata.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("adadelta-cli")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0+unknown"
    if name in API:
        from adadelta_cli import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The Python API (adadelta_cli.api): each function returns an object that shows itself in a notebook.
API = ("trace", "step", "explain", "check", "worksheet", "compare", "diff",
       "Trace", "Step", "Marking", "Sheet", "Comparison", "Difference")

__all__ = [*API, "__version__"]
