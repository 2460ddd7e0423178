"""Build hook: compile the translation catalogs (.po) into the wheel as gettext .mo files."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location("_i18n", root / "adadelta_cli" / "i18n.py",
                                                      submodule_search_locations=None)
        # i18n.py is loaded on its own (it needs nothing from the package to compile a catalog).
        source = (root / "adadelta_cli" / "i18n.py").read_text(encoding="utf-8").replace("\nset_language(None)\n", "\n")
        namespace: dict = {"__name__": "_i18n", "__file__": str(root / "adadelta_cli" / "i18n.py")}
        exec(compile(source, spec.origin, "exec"), namespace)  # noqa: S102  (the project's own file)
        out = Path(tempfile.mkdtemp(prefix="adadelta-mo-"))
        for po in sorted((root / "adadelta_cli" / "locale").glob("*/LC_MESSAGES/*.po")):
            relative = po.relative_to(root).with_suffix(".mo")
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(namespace["compile_po"](po.read_text(encoding="utf-8")))
            build_data["force_include"][str(target)] = str(relative)
