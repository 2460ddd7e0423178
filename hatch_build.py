"""Build hook: compile the translation catalogs (.po) into the wheel as gettext .mo files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
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
