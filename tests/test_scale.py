"""Long traces: every install gives the same bytes, however long the trace; files are read a block at a time."""

import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from adadelta_cli.formats import blocks, readers
from adadelta_cli.maths import core, kernel

from .reference import adadelta as reference


def test_long_trace_against_reference():
    grads = np.random.default_rng(5).standard_normal(20_000) * 0.1
    steps = core.run(grads, core.Settings())  # long enough to be scanned
    ref = reference(grads.tolist())
    for name in ("eg2", "eta", "dx", "edx2"):
        want = np.array([r[name] for r in ref])
        assert np.max(np.abs(steps.__getattribute__(name)[:, 0] - want) / np.abs(want)) < 1e-12, name


def test_auto_method_by_install_and_shape(monkeypatch):
    monkeypatch.setenv("ADADELTA_ENGINE", "auto")
    calls = []
    real = core.sequential

    def spy(grads, settings, state, *, method="sequential"):
        out = real(grads, settings, state, method=method)
        calls.append(method)
        return out

    from adadelta_cli.maths import scalar

    columns = []
    monkeypatch.setattr(scalar, "column", lambda *a, _real=scalar.column, **k: columns.append(1) or _real(*a, **k))
    monkeypatch.setattr(kernel, "available", lambda: False)
    core.run(np.ones((30, 1)), core.Settings())
    core.run(np.ones((30, core.SCALAR_MAX_PARAMS)), core.Settings(weight_decay=0.1))
    assert len(columns) == 1 + core.SCALAR_MAX_PARAMS  # a few parameters: column by column in Python
    columns.clear()
    core.run(np.ones((30, core.SCALAR_MAX_PARAMS + 1)), core.Settings())  # many: a row at a time in numpy
    core.run(np.ones((30, 1)), core.Settings(dtype="float32"))  # float32 follows torch's kernels in numpy
    assert columns == []
    monkeypatch.undo()
    if kernel.available():  # by shape, never by what happens to be imported: short traces in plain Python
        kernel_calls, real_run = [], kernel.run
        monkeypatch.setattr(kernel, "run", lambda *a, **k: kernel_calls.append(1) or real_run(*a, **k))
        monkeypatch.setenv("ADADELTA_ENGINE", "auto")
        core.run(np.ones((1, 1)), core.Settings())
        core.run(np.ones((3, 1)), core.Settings(dtype="float32"))
        assert kernel_calls == []
        core.run(np.ones((core.KERNEL_MIN_VALUES, 1)), core.Settings())
        assert kernel_calls == [1]
        monkeypatch.setenv("ADADELTA_ENGINE", "kernel")  # the setting asks for it, wherever it applies
        core.run(np.ones((1, 1)), core.Settings())
        core.run(np.ones((3, 1)), core.Settings(dtype="float32"))
        assert kernel_calls == [1, 1]


def test_sequential_equals_folding_update():
    grads = np.random.default_rng(2).standard_normal((50, 3))
    s = core.Settings(weight_decay=0.05, maximize=True, lr=0.3)
    state = core.init([0.5, -1.0, 2.0], size=3)
    out = core.run(grads, s, state, method="sequential")
    for t in range(50):
        step, state = core.update(grads[t], state, s)
        for name in core.FIELDS:
            assert np.array_equal(getattr(out, name)[t], getattr(step, name)), (t, name)


# --- reading in blocks -----------------------------------------------------------------------------------------

@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(blocks, "CHUNK_BYTES", 64)


@pytest.mark.parametrize("text", [
    "g\n" + "\n".join(f"{v:.5f}" for v in np.linspace(-1, 1, 200)) + "\n",
    "\n".join(f"{v:.5f}" for v in np.linspace(-1, 1, 200)) + "\n",
    "# comment\nw,b\n" + "\n".join(f"{v:.4f},{-v:.4f}" for v in np.linspace(-1, 1, 150)) + "\n",
    "g\r\n" + "\r\n".join(f"{v:.5f}" for v in np.linspace(-1, 1, 150)) + "\r\n",
    "a b\n" + "\n".join(f"{v:.4f}  {v / 2:.4f}" for v in np.linspace(-1, 1, 150)) + "\n",
    "g\n" + "\n".join((f"{v:.5f}" if i % 17 else f"# note {i}\n\n{v:.5f}") for i, v in
                      enumerate(np.linspace(-1, 1, 200))) + "\n",
    "t,g\n" + "\n".join(f"{i},{v:.5f}" for i, v in enumerate(np.linspace(-1, 1, 100), start=1)) + "\n",
])
def test_blocks_equal_whole_file(small_chunks, tmp_path, text):
    path = tmp_path / "g.csv"
    path.write_bytes(text.encode())
    whole = blocks.read_bytes(text.encode(), str(path))
    stream = readers.open_stream([str(path)])
    got = np.concatenate(list(stream.blocks()))
    assert stream.names == whole.names
    assert np.array_equal(got, whole.values)


@pytest.mark.parametrize("text,where,message", [
    ("g\n" + "0.1\n" * 100 + "abc\n" + "0.2\n" * 50, ":102:1", "'abc' is not a number"),
    ("0.1\n" * 100 + "0.1,0.2\n", ":101:1", "'0.1,0.2' is not a number"),
    ("a,b\n" + "0.1,0.2\n" * 100 + "0.1\n", ":102", "has 1 values, expected 2"),
    ("g\n" + "0.1\n" * 100 + "nan\n", ":102:1", "must be a finite number"),
    ("g\n" + "0.1\n" * 100 + "1e999\n", ":102:1", "too large for a double"),
])
def test_bad_cells_in_later_blocks_are_located(small_chunks, tmp_path, text, where, message):
    path = tmp_path / "g.csv"
    path.write_text(text)
    with pytest.raises(readers.InputError) as info:
        list(readers.open_stream([str(path)]).blocks())
    assert f"{path}{where}" in str(info.value) and message in str(info.value)


def test_streamed_cli_output_equals_whole(small_chunks, run, tmp_path):
    path = tmp_path / "g.csv"
    grads = np.random.default_rng(3).standard_normal((400, 2)) * 0.1
    path.write_text("w,b\n" + "\n".join(f"{a!r},{b!r}" for a, b in grads.tolist()) + "\n")
    result = run("trace", path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    ref = core.run(grads, core.Settings())
    assert [float(r["x"]) for r in rows if r["param"] == "b"] == ref.x[:, 1].tolist()
    assert [float(r["edx2_prev"]) for r in rows if r["param"] == "w"] == ref.edx2_prev[:, 0].tolist()
    doc = json.loads(run("trace", path, "--format", "json").stdout)
    assert [s["eta"] for s in doc["steps"] if s["param"] == "w"] == ref.eta[:, 0].tolist()


def test_long_table_shows_ends(run):
    args = [f"{0.01 * ((i % 7) - 3):.2f}" for i in range(100)]
    out = run("trace", *args).stdout
    ts = [int(line.split()[0]) for line in out.splitlines() if line.strip()[:1].isdigit() and "hidden" not in line]
    assert ts == list(range(1, 11)) + list(range(91, 101))
    assert "80 steps hidden; --all shows every step" in out
    every = run("trace", *args, "--all").stdout
    assert [int(line.split()[0]) for line in every.splitlines() if line.strip()[:1].isdigit()] == list(range(1, 101))


def test_long_table_streamed(small_chunks, run, tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("\n".join("0.1" for _ in range(300)) + "\n")
    out = run("trace", path).stdout
    ts = [int(line.split()[0]) for line in out.splitlines() if line.strip()[:1].isdigit() and "hidden" not in line]
    assert ts == list(range(1, 11)) + list(range(291, 301))
    assert "280 steps hidden" in out


def _cli(args, cwd, **env):
    return subprocess.run([sys.executable, "-m", "adadelta_cli", *map(str, args)], cwd=cwd, capture_output=True,
                          env={**os.environ, **env}, check=True).stdout


@pytest.mark.parametrize("shape, options", [((25_000, 1), []), ((25_000, 2), ["--maximize", "--lr", "0.01"]),
                                            ((200, 60), ["--weight-decay", "0.1", "--rho", "0.9"])],
                         ids=["25k-steps", "25k-steps-2-params", "wide"])
def test_every_install_writes_the_same_bytes(tmp_path, shape, options):
    # The compiled kernel, and without it (ADADELTA_KERNEL=numpy: plain Python for a few parameters, numpy for
    # many), write the same CSV and JSON, byte for byte; the numbers read back as the doubles computed.
    grads = np.random.default_rng(21).standard_normal(shape) * 10.0 ** np.arange(-3, -3 + shape[1])[None, :] % 7
    path = tmp_path / "g.csv"
    path.write_text("\n".join(",".join(map(repr, row)) for row in grads.tolist()) + "\n")
    want = core.run(grads, core.Settings(maximize="--maximize" in options,
                                         lr=0.01 if "--lr" in options else 1.0,
                                         weight_decay=0.1 if "--weight-decay" in options else 0.0,
                                         rho=0.9 if "--rho" in options else 0.95))
    for fmt in ("csv", "json"):
        texts = {install: _cli(["trace", path, "--format", fmt, *options], tmp_path, ADADELTA_KERNEL=install)
                 for install in ("numpy", "")}
        assert texts["numpy"] == texts[""], fmt
        if fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(texts[""].decode())))
            got = np.array([float(r["x"]) for r in rows]).reshape(shape)
        else:
            got = np.array([s["x"] for s in json.loads(texts[""])["steps"]]).reshape(shape)
        assert np.array_equal(got, want.x)


@pytest.mark.parametrize("bad, where", [("0.1x", ":4001:1:"), ("", ":4001"), ("1e999", ":4001:1:")])
def test_mid_size_files_read_by_blocks_report_like_whole_files(run, tmp_path, monkeypatch, bad, where):
    # Files from WHOLE_BYTES up are parsed by blocks (numpy for the plain ones): same values, same messages.
    lines = [repr(v) for v in np.random.default_rng(3).standard_normal(6000).tolist()]
    path = tmp_path / "g.csv"
    path.write_text("g\n" + "\n".join(lines) + "\n")
    assert path.stat().st_size > blocks.WHOLE_BYTES
    by_blocks = run("trace", path, "--format", "csv")
    monkeypatch.setattr(blocks, "WHOLE_BYTES", 1 << 40)
    whole = run("trace", path, "--format", "csv")
    assert by_blocks.exit_code == whole.exit_code == 0 and by_blocks.stdout == whole.stdout
    lines[3999] = bad
    path.write_text("g\n" + "\n".join(lines) + "\n")
    whole = run("trace", path, "--format", "csv")
    monkeypatch.undo()
    by_blocks = run("trace", path, "--format", "csv")
    assert by_blocks.exit_code == whole.exit_code
    if bad:  # an empty line is skipped, as blank lines are
        assert by_blocks.exit_code == 2 and where in by_blocks.stderr
    assert by_blocks.stderr == whole.stderr


_RNG = np.random.default_rng(11)
_PAIRS = _RNG.standard_normal((4000, 2)).tolist()


@pytest.mark.parametrize("text", [
    "# a comment\nw,b\n" + "\n".join(f"{a!r},{b!r}" for a, b in _PAIRS) + "\n",
    "\n".join(f"{a!r} {b!r}" for a, b in _PAIRS) + "\n",
    "w\tb\r\n" + "\r\n".join(f"{a!r}\t{b!r}" for a, b in _PAIRS) + "\r\n",
    "\n".join(f"{a!r};{b!r}" for a, b in _PAIRS) + "\n",
    "t,g\n" + "\n".join(f"{i},{a!r}" for i, (a, _b) in enumerate(_PAIRS, 1)) + "\n",
], ids=["csv-header-comment", "spaces", "tabs-crlf", "semicolons", "step-column"])
def test_layouts_read_by_blocks_as_whole(run, tmp_path, monkeypatch, text):
    path = tmp_path / "g.csv"
    path.write_bytes(text.encode())
    assert path.stat().st_size > blocks.WHOLE_BYTES
    for fmt in ("csv", "json", "table"):
        by_blocks = run("trace", path, "--format", fmt)
        monkeypatch.setattr(blocks, "WHOLE_BYTES", 1 << 40)
        whole = run("trace", path, "--format", fmt)
        monkeypatch.undo()
        assert by_blocks.exit_code == 0 and by_blocks.stdout == whole.stdout, fmt


def test_wide_table_shows_the_first_and_last_parameters(run, tmp_path):
    from adadelta_cli.formats import render

    path = tmp_path / "wide.csv"
    grads = np.random.default_rng(12).standard_normal((40, 50)) * 0.01
    path.write_text(",".join(f"w{j}" for j in range(50)) + "\n"
                    + "\n".join(",".join(map(repr, row)) for row in grads.tolist()) + "\n")
    out = run("trace", path).stdout
    shown = [line.split()[1] for line in out.splitlines() if line.strip()[:1].isdigit() and "hidden" not in line]
    first, last = render.HEAD_PARAMS, render.TAIL_PARAMS
    step = [f"w{j}" for j in range(first)] + ["⋯"] + [f"w{j}" for j in range(50 - last, 50)]
    assert shown == step * 20  # the first and last ten steps, each with its first and last parameters
    assert f"⋯ {50 - first - last} more" in out
    assert "20 steps hidden" in out and f"{50 - first - last} of 50 parameters hidden in each step" in out
    # the values shown are the trace's own: the last parameter of the last step
    ref = core.run(grads, core.Settings())
    last_row = [line for line in out.splitlines() if line.split()[:2] == ["40", "w49"]][0]
    assert last_row.split()[-1] == f"{ref.x[-1, -1]:.6g}"
    every = run("trace", path, "--all").stdout
    assert sum(1 for line in every.splitlines() if line.strip()[:1].isdigit()) == 40 * 50
    assert "hidden" not in every


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["trace", "--help"]])
def test_help_and_version_load_no_numpy(args):
    # Start-up: what only prints help or the version does without numpy (some 80 ms of imports).
    probe = ("import sys\nsys.argv = ['adadelta', *sys.argv[1:]]\nfrom adadelta_cli.cli.app import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write('numpy loaded: %s' % ('numpy' in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
    assert done.stdout.strip() and done.stderr.endswith("numpy loaded: False"), done.stderr[-500:]
