"""Adadelta (Zeiler 2012, Algorithm 1) step by step: a calculator for checking the recurrence by hand."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("adadelta-cli")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
