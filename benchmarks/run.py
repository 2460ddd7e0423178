"""Measure every speed goal as a ratio against its yardstick, in one run on one machine.

    python benchmarks/run.py                          # every row (some ten minutes on 2 cores)
    python benchmarks/run.py --quick                  # smaller inputs and fewer runs, for a first look
    python benchmarks/run.py --only latency,wide-table
    python benchmarks/run.py --torch-python /path/to/venv/bin/python   # torch yardsticks from another venv

Each row runs the two commands by turns (ours, yardstick, ours, yardstick, ...), so that a slow spell of a shared
machine weighs on both alike, and reports the median of each and the median and range of the per-pair ratios.
torch is never a dependency of this package: the torch yardsticks run under ``--torch-python`` (default: this
Python, where it can import torch). No test asserts any of this; the figures go into docs/performance.md
(``--markdown FILE`` writes the table there).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PY = sys.executable
ROWS = ("latency", "help", "csv-1m", "torch", "no-compiler", "memory", "wide-table", "api")


# Every process runs with its bytecode cached, as an installed package's is (pip compiles it): in a folder of the
# run's own, so that the source tree gets no __pycache__, even where PYTHONDONTWRITEBYTECODE is set.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**ENV, **(env or {})})
    return time.perf_counter() - start


def paired(ours, theirs, repeat: int, *, warm: bool = True) -> dict:
    """Run two measurements by turns, after one unmeasured run of each (bytecode, disk cache) unless ``warm`` is
    False; each is a function returning seconds."""
    if warm:
        ours()
        theirs()
    a, b = [], []
    for _ in range(repeat):
        a.append(ours())
        b.append(theirs())
    ratios = [x / y for x, y in zip(a, b)]
    return {"ours": statistics.median(a), "theirs": statistics.median(b), "ratio": statistics.median(ratios),
            "low": min(ratios), "high": max(ratios), "runs": repeat}


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_pss_mib(cmd: list[str]) -> float:
    """Peak proportional set size of ``cmd``'s whole process tree, sampled every 10 ms (Linux)."""
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kib(p) for p in _tree(process.pid)))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    done.set()
    sampler.join()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, cmd)
    return peak / 1024


def write_gradients(path: Path, steps: int, seed: int, columns: int = 1, scale: float = 0.1) -> None:
    g = np.random.default_rng(seed).standard_normal((steps, columns)) * scale
    with open(path, "w") as f:
        f.write(",".join(["g"] if columns == 1 else [f"w{j}" for j in range(columns)]) + "\n")
        for start in range(0, steps, 100_000):
            f.write("\n".join(",".join(map(repr, row)) for row in g[start:start + 100_000].tolist()) + "\n")


def imports_numpy(args: list[str]) -> bool:
    """Whether running the console script with ``args`` imports numpy (checked in a fresh interpreter)."""
    probe = ("import sys\nsys.argv = ['adadelta', *sys.argv[1:]]\nfrom adadelta_cli.cli.app import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\nsys.stderr.write(str('numpy' in sys.modules))\n")
    done = subprocess.run([PY, "-c", probe, *args], capture_output=True, text=True, env=ENV)
    return done.stderr.strip().endswith("True")


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, result: dict | None, goal: str, unit: str = "s", note: str = "") -> None:
        if result is None:
            self.rows.append((what, note, "", goal))
        else:
            measured = f"{result['ours']:.3g} {unit} / {result['theirs']:.3g} {unit}"
            ratio = f"{result['ratio']:.3f} ({result['low']:.3f}–{result['high']:.3f}, {result['runs']} pairs)"
            self.rows.append((what, measured + (f"; {note}" if note else ""), ratio, goal))
        print(f"{what}\n    {self.rows[-1][1]}   ratio {self.rows[-1][2]}   goal {goal}", flush=True)

    def markdown(self) -> str:
        lines = ["| yardstick | measured (medians) | ratio: median (range) | goal |", "| --- | --- | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows]
        return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs and fewer runs")
    parser.add_argument("--repeat", type=int, help="pairs per row (default 5, 3 with --quick)")
    parser.add_argument("--only", help=f"comma-separated rows among {', '.join(ROWS)}")
    parser.add_argument("--torch-python", default=PY, help="a Python that can import torch (the yardsticks)")
    parser.add_argument("--torch-steps", type=int, default=100_000, help="steps of the torch CSV yardstick")
    parser.add_argument("--markdown", type=Path, help="also write the table (and the machine) to this file")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else set(ROWS)
    repeat = args.repeat or (3 if args.quick else 5)
    long_steps = 100_000 if args.quick else 1_000_000
    memory_steps = 300_000 if args.quick else 3_000_000
    script = Path(PY).with_name("adadelta")  # the console script, as users run it
    adadelta = [str(script)] if script.exists() else [PY, "-m", "adadelta_cli"]
    cache = tempfile.TemporaryDirectory()
    ENV["PYTHONPYCACHEPREFIX"] = cache.name
    have_torch = subprocess.run([args.torch_python, "-c", "import torch"], capture_output=True).returncode == 0
    from adadelta_cli.maths import kernel

    machine = (f"{platform.machine()}, {os.cpu_count()} cores ({platform.processor() or platform.platform()}), "
               f"Python {platform.python_version()}, numpy {np.__version__}, kernel "
               f"{'built' if kernel.available() else 'not built'}")
    print(machine, flush=True)
    table = Table()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src, dst, other = tmp / "g.csv", tmp / "out.csv", tmp / "other.csv"

        if "latency" in only:
            table.add("`adadelta trace 0.1 0.2 0.15` / minimal Typer + Rich + numpy app",
                      paired(lambda: wall([*adadelta, "trace", "0.1", "0.2", "0.15"]),
                             lambda: wall([PY, str(HERE / "minimal_app.py"), "0.1", "0.2", "0.15"]), repeat * 4),
                      "≤ 1.10")
        if "help" in only:
            loaded = {cmd: imports_numpy(cmd.split()) for cmd in ("--help", "--version", "trace --help")}
            table.add("`adadelta --help`, `--version`, `trace --help` import numpy?", None, "no",
                      note=", ".join(f"`{k}`: {'yes' if v else 'no'}" for k, v in loaded.items()))

        if only & {"csv-1m", "no-compiler"}:
            write_gradients(src, long_steps, 1)
            ours = lambda: wall([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)])  # noqa: E731
            plain = lambda: wall([PY, str(HERE / "straightforward.py"), str(src), str(other)])  # noqa: E731
            if "csv-1m" in only:
                table.add(f"{long_steps:,}-step CSV → CSV / straightforward script (loadtxt, loop, csv.writer)",
                          paired(ours, plain, repeat), "≤ 0.15")
            if "no-compiler" in only:
                kernel_text = dst.read_bytes() if dst.exists() else None
                if kernel_text is None:
                    ours()
                    kernel_text = dst.read_bytes()
                fallback = lambda: wall([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)],  # noqa
                                        env={"ADADELTA_KERNEL": "numpy"})
                result = paired(fallback, plain, repeat)
                same = dst.read_bytes() == kernel_text
                table.add(f"{long_steps:,}-step CSV → CSV without the compiled kernel / straightforward script",
                          result, "≤ 1.0, bit-identical",
                          note="same bytes as the kernel's" if same else "DIFFERENT bytes from the kernel's")

        if "torch" in only:
            if have_torch:
                write_gradients(src, args.torch_steps, 3)
                result = paired(lambda: wall([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)]),
                                lambda: wall([args.torch_python, str(HERE / "straightforward_torch.py"), str(src),
                                              str(other)]), 1 if args.torch_steps > 200_000 else min(repeat, 3),
                                warm=False)
                table.add(f"{args.torch_steps:,}-step CSV → CSV / the same around torch.optim.Adadelta", result,
                          "≤ 0.05 (≤ 0.03 at 1M)")
            else:
                table.add("CSV → CSV / the same around torch.optim.Adadelta", None, "≤ 0.05",
                          note="torch not importable by --torch-python: skipped")

        if "memory" in only:
            write_gradients(src, memory_steps, 2)
            peak = peak_pss_mib([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)])
            table.add(f"{memory_steps:,}-step CSV → CSV, peak PSS of the whole process tree", None,
                      "≤ 150 MiB (aim < 100)", note=f"{peak:.0f} MiB")

        if "wide-table" in only:
            write_gradients(src, 200, 4, columns=760, scale=0.01)
            table.add("200 steps × 760 parameters: as a table / as CSV",
                      paired(lambda: wall([*adadelta, "trace", str(src), "-o", str(tmp / "t.txt")]),
                             lambda: wall([*adadelta, "trace", str(src), "--format", "csv", "-o", str(dst)]),
                             repeat), "≤ 3")

    if "api" in only:
        wide = ("import time, numpy as np\nfrom adadelta_cli import trace\n"
                "g = np.random.default_rng(0).standard_normal((1000, 10000))\ntrace(g[:2])\n"
                "t = time.perf_counter(); steps = trace(g, rho=0.9); steps.eta; steps.dx\n"
                "print(time.perf_counter() - t)\n")
        loop = ("import time, numpy as np, torch\nTHREADS\n"
                "g = torch.from_numpy(np.random.default_rng(0).standard_normal((1000, 10000)))\n"
                "p = torch.nn.Parameter(torch.zeros(10000, dtype=torch.float64))\n"
                "opt = torch.optim.Adadelta([p], rho=0.9)\nt = time.perf_counter()\n"
                "for row in g:\n    p.grad = row\n    opt.step()\nprint(time.perf_counter() - t)\n")
        # torch as a script runs it (its own threads), and on one thread: on a shared machine its worker threads
        # can spin against the other processes (7 s instead of 0.2 s for this loop, measured on 2 busy cores).
        loops = {"its default threads": loop.replace("THREADS", "pass"),
                 "one thread": loop.replace("THREADS", "torch.set_num_threads(1)")}

        def fresh(python: str, code: str) -> float:  # a fresh process, as a notebook or script meets it
            return float(subprocess.run([python, "-c", code], check=True, capture_output=True, text=True,
                                        env=ENV).stdout)

        # The floor under any implementation: η and Δx are 2 × 80 MB that must be written to fresh memory (allocated
        # as the API allocates them), before any arithmetic.
        floor = ("import time, numpy as np\nt = time.perf_counter()\n"
                 "kept = [np.empty((1000, 10000), np.float64) for _ in range(2)]\nfor a in kept:\n    a.fill(1.0)\n"
                 "print(time.perf_counter() - t)\n")
        if have_torch:
            for threads, code in loops.items():
                table.add("API `trace`, 1,000 steps × 10,000 parameters, η and Δx read / torch.optim.Adadelta "
                          f"loop ({threads})", paired(lambda: fresh(PY, wide),
                                                      lambda code=code: fresh(args.torch_python, code), repeat),
                          "≤ 0.7")
            for threads, code in loops.items():
                table.add(f"floor: writing η and Δx alone (2 × 80 MB of fresh memory, no arithmetic) / the torch loop "
                          f"({threads})", paired(lambda: fresh(PY, floor),
                                                 lambda code=code: fresh(args.torch_python, code), repeat), "")
        else:
            table.add("API `trace`, 1,000 × 10,000, η and Δx read", None, "≤ 0.7",
                      note=f"{fresh(PY, wide):.3f} s; torch not importable: no ratio")

    cache.cleanup()
    print()
    print(table.markdown())
    if args.markdown:
        command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
        args.markdown.write_text(f"Machine: {machine}.\n\nCommand: `{command.strip()}`\n\n" + table.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
