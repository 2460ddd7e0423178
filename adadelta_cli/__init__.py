"""Adadelta (Zeiler 2012, Algorithm 1) step by step: a calculator for checking the recurrence by hand."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("adadelta-cli")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str):
    # The notebook API is imported on first use, so the command line does not pay for it.
    if name in ("trace", "Trace"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Trace", "__version__", "trace"]
