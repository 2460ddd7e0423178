"""``adadelta --version --verbose``: what is installed and in use, for a bug report or to see whether the compiled
kernel does the work (``pip install`` hides the build's warning when there was no C compiler)."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from adadelta_cli.i18n import _, _f

# The runtime dependencies and the optional ones whose version matters to a result or a picture.
PACKAGES = ("typer", "click", "rich", "numpy", "orjson", "plotext", "matplotlib")


def installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def kernel_status() -> tuple[bool, str]:
    """(in use, what to say): the compiled kernel's state, and why numpy does the work where it does."""
    from adadelta_cli.maths import kernel

    if kernel.switched_off():
        return False, _("not in use: switched off (ADADELTA_KERNEL=numpy); numpy does the work")
    if not kernel.LIBRARY.exists():
        return False, _("not built (this install had no C compiler, ran on Windows, or set ADADELTA_NO_KERNEL=1); "
                        "numpy does the work, with the same results, more slowly")
    why = kernel.verify()
    if why is not None:
        return False, _f("not in use: %(library)s %(reason)s; numpy does the work", library=kernel.LIBRARY,
                         reason=why)
    if not kernel.available():
        return False, _f("not in use: %(library)s cannot be loaded; numpy does the work", library=kernel.LIBRARY)
    return True, _f("in use (%(library)s)", library=kernel.LIBRARY)


def report() -> str:
    """Python, the platform, each dependency's version and the kernel's state, one per line."""
    lines = [f"Python {platform.python_version()} ({platform.python_implementation()}, {sys.executable})",
             _f("platform: %(platform)s", platform=platform.platform())]
    for name in PACKAGES:
        found = installed(name)
        if found is not None:
            lines.append(f"{name} {found}")
        elif name in ("matplotlib",):
            lines.append(_f("%(name)s: not installed (pip install 'adadelta-cli[plot]' for pictures)", name=name))
    lines.append(_f("compiled kernel: %(state)s", state=kernel_status()[1]))
    return "\n".join(lines)
