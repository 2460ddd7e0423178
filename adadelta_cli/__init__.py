"""Adadelta (Zeiler 2012, Algorithm 1) step by step: a calculator for checking the recurrence by hand."""


def __getattr__(name: str):
    # Resolved on first use, so the command line pays neither for the notebook API nor for package metadata.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("adadelta-cli")
        except PackageNotFoundError:  # running from a source tree that is not installed
            return "0+unknown"
    if name in ("trace", "Trace"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Trace", "__version__", "trace"]
