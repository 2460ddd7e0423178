"""Long traces: the blocked scan agrees with the step-by-step order; files are read a block at a time."""

import csv
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta_cli import core, readers, scan

from .reference import adadelta as reference


def agree(a: core.Step, b: core.Step, tol=1e-12):
    for name in ("eg2", "edx2_prev", "eta", "dx", "edx2"):
        x, y = getattr(a, name), getattr(b, name)
        # Below about 1e-290 doubles lose precision (subnormals): there an absolute difference is what counts.
        rel = np.abs(x - y) / np.maximum(np.abs(y), 1e-290)
        assert np.all((rel <= tol) | (x == y)), (name, float(rel.max()))
    # x is a running sum: its error is relative to the sum of the steps, not to x (which may pass through 0).
    scale = np.abs(b.x[:1]) + np.cumsum(np.abs(b.x - np.vstack([b.x[:1], b.x[:-1]])), axis=0) + np.abs(b.x)
    assert np.all(np.abs(a.x - b.x) <= tol * np.maximum(scale, 1e-290))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3), st.floats(0.0, 0.999), st.sampled_from([1e-8, 1e-6, 1e-2]),
       st.sampled_from([1.0, 0.5, 0.001]), st.booleans(), st.sampled_from([0.0, 0.1]), st.integers(0, 2**32 - 1),
       st.sampled_from([1e-6, 1.0, 1e3]))
def test_scan_agrees_with_sequential(steps, size, rho, eps, lr, maximize, wd, seed, scale):
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((steps, size)) * scale
    grads[rng.random((steps, size)) < 0.05] = 0.0
    s = core.Settings(rho=rho, eps=eps, lr=lr, maximize=maximize, weight_decay=wd, weight_decay_mode="decoupled")
    state = core.init(rng.standard_normal(size), size=size)
    agree(core.run(grads, s, state, method="scan"), core.run(grads, s, state, method="sequential"))


def test_long_trace_against_reference():
    grads = np.random.default_rng(5).standard_normal(20_000) * 0.1
    steps = core.run(grads, core.Settings())  # long enough to be scanned
    ref = reference(grads.tolist())
    for name in ("eg2", "eta", "dx", "edx2"):
        want = np.array([r[name] for r in ref])
        assert np.max(np.abs(steps.__getattribute__(name)[:, 0] - want) / np.abs(want)) < 1e-12, name


def test_auto_method_uses_the_scan_for_long_narrow_traces_without_the_kernel(monkeypatch):
    from adadelta_cli import kernel

    calls = []
    monkeypatch.setattr(scan, "run", lambda *a: calls.append(1) or core.sequential(*a))
    monkeypatch.setattr(kernel, "available", lambda: False)
    core.run(np.ones((core.SCAN_MIN_STEPS + 1, 1)), core.Settings())
    core.run(np.ones((10, 1)), core.Settings())
    core.run(np.ones((core.SCAN_MIN_STEPS + 1, 1)), core.Settings(weight_decay=0.1))  # coupled: step by step
    core.run(np.ones((core.SCAN_MIN_STEPS + 1, 1)), core.Settings(dtype="float32"))
    assert calls == [1]
    # With the kernel, every float64 trace is stepped exactly, however long.
    monkeypatch.undo()
    if kernel.available():
        calls, kernel_calls, real = [], [], kernel.run
        monkeypatch.setattr(scan, "run", lambda *a: calls.append(1) or core.sequential(*a))
        monkeypatch.setattr(kernel, "run", lambda *a, **k: kernel_calls.append(1) or real(*a, **k))
        core.run(np.ones((max(core.SCAN_MIN_STEPS, core.KERNEL_MIN_VALUES) + 1, 1)), core.Settings())
        assert calls == [] and kernel_calls == [1]


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
    monkeypatch.setattr(readers, "CHUNK_BYTES", 64)


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
    whole = readers.read_bytes(text.encode(), str(path))
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


def test_parallel_formatting_gives_the_same_text(run, tmp_path, monkeypatch):
    from adadelta_cli import tracing

    path = tmp_path / "g.csv"
    grads = np.random.default_rng(9).standard_normal((40_000, 2)) * 0.1
    path.write_text("w,b\n" + "\n".join(f"{a!r},{b!r}" for a, b in grads.tolist()) + "\n")
    import multiprocessing

    pools = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda *a: pools.append(a) or real(*a))
    monkeypatch.setattr(tracing, "PIECE", 3000)
    for fmt in ("csv", "json"):
        monkeypatch.setattr(tracing, "PARALLEL_MIN_BYTES", 1 << 60)
        sequential = run("trace", path, "--format", fmt).stdout
        monkeypatch.setattr(tracing, "PARALLEL_MIN_BYTES", 0)
        parallel = run("trace", path, "--format", fmt).stdout
        assert parallel == sequential and len(parallel) > 1_000_000
    assert pools == [("fork",), ("fork",)]  # the parallel runs really went through worker processes


@pytest.mark.parametrize("bad, where", [("0.1x", ":4001:1:"), ("", ":4001"), ("1e999", ":4001:1:")])
def test_mid_size_files_read_by_blocks_report_like_whole_files(run, tmp_path, monkeypatch, bad, where):
    # Files from WHOLE_BYTES up are parsed by blocks (numpy for the plain ones): same values, same messages.
    lines = [repr(v) for v in np.random.default_rng(3).standard_normal(6000).tolist()]
    path = tmp_path / "g.csv"
    path.write_text("g\n" + "\n".join(lines) + "\n")
    assert path.stat().st_size > readers.WHOLE_BYTES
    by_blocks = run("trace", path, "--format", "csv")
    monkeypatch.setattr(readers, "WHOLE_BYTES", 1 << 40)
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
    assert path.stat().st_size > readers.WHOLE_BYTES
    for fmt in ("csv", "json", "table"):
        by_blocks = run("trace", path, "--format", fmt)
        monkeypatch.setattr(readers, "WHOLE_BYTES", 1 << 40)
        whole = run("trace", path, "--format", fmt)
        monkeypatch.undo()
        assert by_blocks.exit_code == 0 and by_blocks.stdout == whole.stdout, fmt
