"""Build hook: compile the translation catalogs (.po -> gettext .mo, with Babel) and the optional float64 kernel
(src/adadelta_cli/maths/_kernel.c -> a shared library loaded with ctypes).

Where the built files go:
- a wheel (``pip install .``, ``python -m build``): into a temporary folder that is removed once the wheel is
  written (``finalize``); the files reach only the wheel. Nothing is written into the source tree.
- an editable install (``pip install -e .``): beside their sources, as setuptools' in-place builds do, so that the
  package imported from the source tree (and the tests run there) finds them. These files are listed in .gitignore.

With the library goes ``_kernel.json``: its size and SHA-256 digest and the digest of the C source it was built
from. src/adadelta_cli/maths/kernel.py compares the library with that record before loading it, and lets numpy do the work
when they differ.

The kernel is optional: without a C compiler the wheel is pure Python and numpy does the same arithmetic (bit for
bit the same, only slower). ADADELTA_NO_KERNEL=1 skips it on purpose. Nothing of the package is imported or
executed here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "src/adadelta_cli"
KERNEL = f"{PACKAGE}/maths/_kernel.c"
LIBRARY = f"{PACKAGE}/maths/_kernel.so"
RECORD = f"{PACKAGE}/maths/_kernel.json"  # size and digest of the library, written at build time
LOCALE = f"{PACKAGE}/locale"
DOMAIN = "adadelta"
# -ffp-contract=off: never fuse what the numpy code rounds twice; -fno-math-errno: sqrt is one instruction.
FLAGS = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    why = "no C compiler found"
    for cc in compilers():
        command = [*cc, *FLAGS, f'-DADADELTA_SOURCE_SHA="{sha256(source)}"', "-o", str(target), str(source), "-lm"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.SubprocessError) as error:
            why = f"{cc[0]}: {error}"
            continue  # this compiler cannot run at all: try the next
        if done.returncode == 0:
            return None
        lines = (done.stderr or done.stdout).strip().splitlines()
        why = lines[-1] if lines else f"{cc[0]} exited with {done.returncode}"
    return why


def platform_tag() -> str:
    """This platform's wheel tag, as the wheel format spells it: linux_x86_64, macosx_11_0_arm64, ..."""
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def record(library: Path, source: Path) -> str:
    """The text of _kernel.json for ``library`` built from ``source``."""
    data = {"library": Path(LIBRARY).name, "size": library.stat().st_size, "sha256": sha256(library),
            "source_sha256": sha256(source)}
    return json.dumps(data, indent=1) + "\n"


def compile_catalog(po: Path, mo: Path) -> None:
    """``po`` -> ``mo`` with Babel (what ``pybabel compile`` does); fuzzy entries are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    locale = po.parent.parent.name
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale=locale, domain=po.stem)
    with open(mo, "wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)


class BuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        self._scratch: Path | None = None
        if version == "editable":
            if not os.access(root / PACKAGE, os.W_OK):
                self.app.display_warning("adadelta-cli: the source tree is read-only: no kernel (numpy does its work) "
                                         "and no compiled catalogs (compiled in memory where Babel is installed)")
                return
            out = root  # in place, as an editable install needs them (gitignored)
        else:
            self._scratch = out = Path(tempfile.mkdtemp(prefix="adadelta-build-"))
        for po in sorted((root / LOCALE).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            relative = po.relative_to(root).with_suffix(".mo")
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            partial = (out / relative).with_suffix(f".mo.{os.getpid()}")
            compile_catalog(po, partial)
            os.replace(partial, out / relative)  # a program reading the catalog meanwhile sees the old one or the new
            self._include(build_data, version, out / relative, relative)
        if os.environ.get("ADADELTA_NO_KERNEL"):
            return
        library, source = out / LIBRARY, root / KERNEL
        library.parent.mkdir(parents=True, exist_ok=True)
        partial = library.with_suffix(f".so.{os.getpid()}")
        why = compile_kernel(source, partial)
        if why is not None:
            partial.unlink(missing_ok=True)
            self.app.display_warning(f"adadelta-cli: the C kernel was not built ({why}); numpy does its work")
            return
        # Each file replaced whole: a program that has the old library loaded keeps it; one starting meanwhile finds
        # the library and its record disagreeing for a moment, and lets numpy do the work.
        partial_record = library.with_suffix(f".json.{os.getpid()}")
        partial_record.write_text(record(partial, source), encoding="utf-8")
        os.replace(partial, library)
        os.replace(partial_record, out / RECORD)
        for path in (LIBRARY, RECORD):
            self._include(build_data, version, out / path, Path(path))
        build_data["pure_python"] = False
        # The kernel is a plain shared library loaded with ctypes (no Python C API): one wheel per platform serves
        # every Python 3, so the tag names the platform only (``auditwheel repair`` turns linux_x86_64 into the
        # manylinux tag the package index takes).
        build_data["tag"] = f"py3-none-{platform_tag()}"

    @staticmethod
    def _include(build_data: dict, version: str, built: Path, relative: Path) -> None:
        """Into the wheel; an editable install finds the file in place already."""
        if version != "editable":
            build_data["force_include"][str(built)] = str(relative.relative_to("src"))  # the wheel's own path

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
