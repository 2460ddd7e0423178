"""A framework's recorded runs of the family (tests/golden/family/*.json) replayed here: through the description
(``family.step``) and through `trace --optimizer NAME` with the options a case's settings make."""

from __future__ import annotations

import csv
import io

from adadelta_cli.maths import family


def run_description(case: dict, h: dict, state: dict | None = None) -> list[list[float]]:
    """x_t after each step of ``case`` under settings ``h`` (each parameter from ``state``, else the start)."""
    description = family.DESCRIPTIONS[case["optimizer"]]
    xs = list(case["x0"])
    states: list[dict] = [dict(state or {}) for _ in xs]
    out = []
    for t, grads in enumerate(case["grads"], 1):
        for p, g in enumerate(grads):
            xs[p] = family.step(description, h, states[p], t, g, xs[p])["x"]
        out.append(list(xs))
    return out


def options(preset: str, settings: dict, state: dict | None = None) -> list[str]:
    """The command line that gives ``settings`` (this tool's names) and ``state`` under ``preset``."""
    out = ["--preset", preset]
    for key, value in settings.items():
        if key in ("lr", "eps", "weight_decay"):
            out += [f"--{key.replace('_', '-')}", repr(value)]
        else:
            out += ["--set", f"{key}={str(value).lower() if isinstance(value, bool) else repr(value)}"]
    for key, value in (state or {}).items():
        out += ["--state", f"{key}={value!r}"]
    return out


def traced(run, tmp_path, case: dict, opts: list[str]) -> list[list[float]]:
    """x_t after each step of ``case`` as `trace --optimizer NAME OPTIONS -f csv` gives them."""
    path = tmp_path / "g.csv"
    names = [f"p{i}" for i in range(len(case["x0"]))]
    path.write_text(",".join(names) + "\n" + "".join(",".join(map(repr, g)) + "\n" for g in case["grads"]),
                    encoding="utf-8")
    result = run("trace", path, "--optimizer", case["optimizer"], *opts, "--x0", ",".join(map(repr, case["x0"])),
                 "-f", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    return [[float(r["x"]) for r in rows[i:i + len(names)]] for i in range(0, len(rows), len(names))]


def worst(mine: list[list[float]], theirs: list[list[float]]) -> float:
    """The largest relative difference of two runs' x_t."""
    return max(abs(a - b) / max(abs(b), 1e-300) for row, want in zip(mine, theirs) for a, b in zip(row, want))
