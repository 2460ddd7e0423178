"""Measure every speed goal as a ratio against its yardstick, in one run on one machine.

    python benchmarks/run.py                 # everything (about five minutes; torch yardsticks need torch)
    python benchmarks/run.py --quick         # smaller inputs, for a first look

Prints one line per goal: what was measured, the two times (medians), the ratio and the goal. No test asserts any
of this; the numbers go into the README.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PY = sys.executable


def seconds(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired(first: list[str], second: list[str], repeat: int) -> tuple[float, float]:
    """Median times of two commands run by turns, so that a slow spell of the machine weighs on both alike."""
    a, b = [], []
    for _ in range(repeat):
        a.append(seconds(first, 1))
        b.append(seconds(second, 1))
    return statistics.median(a), statistics.median(b)


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak resident memory of ``cmd``, measured in a wrapper process of its own."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
             "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([PY, "-c", probe, *cmd], check=True, capture_output=True, text=True).stdout
    return int(out.strip()) / 1024


def write_gradients(path: Path, steps: int, seed: int) -> None:
    g = np.random.default_rng(seed).standard_normal(steps) * 0.1
    with open(path, "w") as f:
        f.write("g\n")
        for start in range(0, steps, 100_000):
            f.write("\n".join(map(repr, g[start:start + 100_000].tolist())) + "\n")


def report(what: str, ours: float, yardstick: float, goal: str, unit: str = "s") -> None:
    print(f"{what:<58} {ours:9.3f} {unit} vs {yardstick:9.3f} {unit}   ratio {ours / yardstick:6.3f}   goal {goal}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats")
    args = parser.parse_args()
    long_steps = 100_000 if args.quick else 1_000_000
    memory_steps = 300_000 if args.quick else 3_000_000
    repeat = 3 if args.quick else 5
    have_torch = importlib.util.find_spec("torch") is not None
    # The installed console script, as users run it (python -m adopts runpy's few ms more).
    script = Path(PY).with_name("adadelta")
    adadelta = [str(script)] if script.exists() else [PY, "-m", "adadelta_cli"]

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, numpy {np.__version__}")
    latency, floor = paired([*adadelta, "trace", "0.1", "0.2", "0.15"],
                            [PY, str(HERE / "minimal_app.py"), "0.1", "0.2", "0.15"], repeat * 6)
    report("latency: adadelta trace 0.1 0.2 0.15 / minimal Typer app", latency, floor, "<= 1.15")

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "g.csv", Path(tmp) / "out.csv"
        write_gradients(src, long_steps, 1)
        ours = seconds([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)], repeat)
        plain = seconds([PY, str(HERE / "straightforward.py"), str(src), str(dst)], repeat)
        report(f"{long_steps:,}-step CSV -> CSV / straightforward script", ours, plain, "<= 0.6")
        if have_torch:
            torch_time = seconds([PY, str(HERE / "straightforward_torch.py"), str(src), str(dst)], 1)
            report(f"{long_steps:,}-step CSV -> CSV / the same with torch.optim.Adadelta", ours, torch_time,
                   "<= 0.06")
        else:
            print("torch is not installed: the torch yardsticks are skipped (pip install torch)")

        write_gradients(src, memory_steps, 2)
        rss = peak_rss_mb([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)])
        print(f"{memory_steps:,}-step CSV -> CSV peak RSS: {rss:.0f} MB   goal < 250 MB")

    wide = (
        "import sys, time, numpy as np\n"
        "from adadelta_cli import trace\n"
        "g = np.random.default_rng(0).standard_normal((1000, 10000))\n"
        "trace(g[:2])\n"
        "t = time.perf_counter(); steps = trace(g, rho=0.9); print(time.perf_counter() - t)\n"
    )
    # The same, reading η and Δx too (they are worked out on first use).
    wide_all = wide.replace("print(time.perf_counter() - t)", "steps.eta; steps.dx; print(time.perf_counter() - t)")
    wide_torch = (
        "import time, numpy as np, torch\n"
        "g = torch.from_numpy(np.random.default_rng(0).standard_normal((1000, 10000)))\n"
        "p = torch.nn.Parameter(torch.zeros(10000, dtype=torch.float64)); opt = torch.optim.Adadelta([p])\n"
        "t = time.perf_counter()\n"
        "for row in g:\n"
        "    p.grad = row; opt.step()\n"
        "print(time.perf_counter() - t)\n"
    )

    def fresh(script: str) -> float:
        # Each in a fresh process, as a user's notebook or script meets it: first-touch memory costs count.
        return float(subprocess.run([PY, "-c", script], check=True, capture_output=True, text=True).stdout)

    ours, ours_all, theirs = [], [], []
    for _ in range(repeat):  # interleaved, so that a slow spell of the machine weighs on both
        ours.append(fresh(wide))
        ours_all.append(fresh(wide_all))
        if have_torch:
            theirs.append(fresh(wide_torch))
    if have_torch:
        report("API 1,000 steps x 10,000 parameters / torch.optim.Adadelta", statistics.median(ours),
               statistics.median(theirs), "<= 1.0")
        report("  the same, reading eta and dx as well", statistics.median(ours_all), statistics.median(theirs),
               "(no goal)")
    else:
        print(f"API 1,000 steps x 10,000 parameters: {statistics.median(ours):.3f} s (torch not installed: no ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
