"""Build hook: compile the translation catalogs (.po) into gettext .mo files, and the float64 kernel
(adadelta_cli/_kernel.c) into a shared library loaded with ctypes.

The kernel is optional: without a C compiler the wheel is pure Python and the same arithmetic runs in numpy
(bit for bit the same, only slower). ADADELTA_NO_KERNEL=1 skips it on purpose.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

KERNEL = "adadelta_cli/_kernel.c"
LIBRARY = "adadelta_cli/_kernel.so"
# -ffp-contract=off: never fuse what the numpy code rounds twice; -fno-math-errno: sqrt is one instruction.
FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared"]


def compilers() -> list[list[str]]:
    """$CC if set; else the compiler Python was built with, then plain cc."""
    if os.environ.get("CC"):
        return [shlex.split(os.environ["CC"])]
    found = [shlex.split(cc) for cc in (sysconfig.get_config_var("CC"), "cc") if cc]
    return [cc for i, cc in enumerate(found) if cc not in found[:i]]


def compile_kernel(source: Path, target: Path) -> str | None:
    """Compile ``source`` into ``target``; None on success, else why not (the build goes on without it)."""
    if sys.platform == "win32":
        return "not built on Windows"
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    why = "no C compiler found"
    for cc in compilers():
        # Without the x86-64-v3 clone where the compiler lacks it.
        for extra in ([], ["-DADADELTA_NO_CLONES"]):
            command = [*cc, *FLAGS, f'-DADADELTA_SOURCE_SHA="{sha}"', *extra, "-o", str(target), str(source), "-lm"]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.SubprocessError) as error:
                why = f"{cc[0]}: {error}"
                break  # this compiler cannot run at all: try the next
            if done.returncode == 0:
                return None
            lines = (done.stderr or done.stdout).strip().splitlines()
            why = lines[-1] if lines else f"{cc[0]} exited with {done.returncode}"
    return why


class BuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        self.compile_catalogs(root, build_data)
        if os.environ.get("ADADELTA_NO_KERNEL"):
            return
        # The library goes beside its source, as an in-place build would put it: an editable install and tests
        # run from the source tree load it from there. A read-only tree builds it aside, for the wheel only.
        target = root / LIBRARY
        if not os.access(target.parent, os.W_OK):
            if version == "editable":
                self.app.display_warning("adadelta-cli: the source tree is read-only; numpy does the kernel's work")
                return
            target = Path(tempfile.mkdtemp(prefix="adadelta-kernel-")) / "_kernel.so"
        why = compile_kernel(root / KERNEL, target)
        if why is not None:
            self.app.display_warning(f"adadelta-cli: the C kernel was not built ({why}); numpy does its work")
            return
        if version != "editable":
            build_data["force_include"][str(target)] = LIBRARY
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    @staticmethod
    def compile_catalogs(root: Path, build_data: dict) -> None:
        i18n = root / "adadelta_cli" / "i18n.py"
        # The catalog compiler is read from the package's own i18n.py, without importing the package.
        source = i18n.read_text(encoding="utf-8").replace("\n_initial_language()\n", "\n")
        namespace: dict = {"__name__": "adadelta_i18n_build", "__file__": str(i18n)}
        exec(compile(source, str(i18n), "exec"), namespace)  # noqa: S102  (the project's own file)
        out = Path(tempfile.mkdtemp(prefix="adadelta-mo-"))
        for po in sorted((root / "adadelta_cli" / "locale").glob("*/LC_MESSAGES/*.po")):
            relative = po.relative_to(root).with_suffix(".mo")
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(namespace["compile_po"](po.read_text(encoding="utf-8")))
            build_data["force_include"][str(target)] = str(relative)
