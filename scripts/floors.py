"""Print a pip constraints file that pins every dependency declared in pyproject.toml to its floor (``>=X`` ->
``==X``), the runtime ones and every extra's: what `pip install -c` needs to install the oldest versions the
package says it works with, so that CI tests exactly those (``.ci/run``). A dependency declared without a floor is
left free.

    python scripts/floors.py > floors.txt && pip install -c floors.txt '.[plot,test]'
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)(;.*)?$")


def floors(pyproject: Path) -> dict[tuple[str, str], str]:
    """{(name, environment marker): floor} for every declared dependency with a ``>=`` bound. A floor that depends
    on the Python version keeps its marker, which pip evaluates in the constraints file."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    found: dict[tuple[str, str], str] = {}
    for requirement in declared:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"floors: cannot read the requirement {requirement!r}")
        name, spec, marker = match.group(1).lower(), match.group(2), (match.group(3) or "").strip()
        for clause in spec.split(","):
            clause = clause.strip()
            if clause.startswith(">="):
                floor = clause[2:].strip()
                key = (name, marker)
                if key in found and found[key] != floor:
                    raise SystemExit(f"floors: {name} is declared with two floors ({found[key]}, {floor})")
                found[key] = floor
    return found


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    for (name, marker), floor in sorted(floors(root / "pyproject.toml").items()):
        sys.stdout.write(f"{name}=={floor}{' ' + marker if marker else ''}\n")


if __name__ == "__main__":
    main()
