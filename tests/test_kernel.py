"""The compiled float64 kernel (adadelta_cli/_kernel.c) against the numpy code it replaces: bit for bit.

The kernel is built where a C compiler is found: into the wheel by `pip install .`, in place (beside _kernel.c) by
`pip install -e .`, which is what tests run from the source tree load. Without it these tests are skipped, except
under CI, where a missing kernel is a failure: CI must test the code that users run.
"""

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta_cli import trace
from adadelta_cli.errors import NumericError
from adadelta_cli.maths import core, kernel

from .test_golden import ADADELTA, load

SWITCHED_OFF = os.environ.get("ADADELTA_KERNEL", "").lower() == "numpy"
pytestmark = pytest.mark.skipif(
    not kernel.available() and (SWITCHED_OFF or not os.environ.get("CI")),
    reason="the C kernel is switched off (ADADELTA_KERNEL=numpy)" if SWITCHED_OFF
    else "the C kernel is not built here (pip install -e . builds it in place where a C compiler is found)")


@pytest.fixture(autouse=True)
def kernel_state_restored():
    """The loader's state as it was before each test: a test that reloads it (a stale or damaged library) must not
    leave the next test without its kernel."""
    saved = (kernel._function, kernel._loaded)
    yield
    kernel._function, kernel._loaded = saved


def test_kernel_is_built_in_ci():
    # Under CI the package is installed first, and the machine has a compiler: the kernel must be there.
    assert kernel.available(), f"{kernel.LIBRARY} missing or stale: pip install -e . builds it in place"


def identical(a, b):
    """Bit for bit (−0 is not +0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(a.view(np.uint64) == b.view(np.uint64)))


def assert_identical(x: core.Step, y: core.Step):
    for name, a, b in zip(core.FIELDS, x, y):
        assert identical(a, b), (name, np.argwhere(a != b)[:3].tolist())


SETTINGS = st.builds(
    dict,
    rho=st.sampled_from([0.0, 0.5, 0.9, 0.95, 0.999]),
    eps=st.sampled_from([0.0, 1e-8, 1e-7, 1e-6, 1.0]),
    lr=st.sampled_from([1.0, 0.5, 0.37, 1e-3, -0.2]),
    maximize=st.booleans(),
    weight_decay=st.sampled_from([0.0, 0.01, 0.3]),
    weight_decay_mode=st.sampled_from(["coupled", "decoupled"]),
    lr_dtype=st.sampled_from(["float64", "float32"]),
)


@settings(max_examples=150, deadline=None)
@given(SETTINGS, st.integers(1, 300), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_kernel_equals_numpy_bit_for_bit(kw, steps, size, seed):
    rng = np.random.default_rng(seed)
    # Each parameter on its own scale, from 1e-8 to 1e3, with zeros mixed in.
    grads = rng.standard_normal((steps, size)) * 10.0 ** rng.integers(-8, 4, size=(1, size))
    grads[rng.random((steps, size)) < 0.05] = 0.0
    s = core.Settings(**kw)
    state = core.init(rng.standard_normal(size), rng.random(size) * 1e-3, rng.random(size) * 1e-4, size=size)
    state = state._replace(x=np.where(rng.random(size) < 0.2, -0.0, state.x))  # signed zeros kept alike
    if kw["eps"] == 0.0:
        grads[grads == 0] = 1e-3  # 0/0 is an error, tested elsewhere
        state = core.init(np.where(rng.random(size) < 0.2, -0.0, rng.standard_normal(size)), size=size)
    want = core.run(grads, s, state, method="numpy")
    got = core.run(grads, s, state, method="kernel")
    assert_identical(got, want)


@pytest.mark.parametrize("path", [p for p in ADADELTA if load(p)["dtype"] == "float64"], ids=lambda p: p.stem)
def test_golden_vectors_through_both(path):
    from .test_golden import ours

    doc = load(path)
    s = ours(doc)  # the path chosen automatically
    grads = np.array(doc["grads"])
    state = core.init(doc["settings"]["x0"], size=grads.shape[1])
    settings_ = _settings_of(doc)
    assert_identical(core.run(grads, settings_, state, method="kernel"),
                     core.run(grads, settings_, state, method="numpy"))
    assert identical(core.run(grads, settings_, state, method="kernel").x, s.x)


def _settings_of(doc):
    from adadelta_cli.maths import presets

    s = dict(doc["settings"])
    if doc["framework"] == "tf1":
        s = presets.finish({**s, "hyper_float32": True})
    return core.Settings(rho=s["rho"], eps=s["eps"], lr=s["lr"], weight_decay=s["weight_decay"],
                         weight_decay_mode=s["weight_decay_mode"], maximize=s["maximize"],
                         lr_dtype=s.get("lr_dtype", "float64"))


def test_torch_golden_float64_is_matched_exactly_by_the_kernel():
    # The kernel rounds a·b + c once with the processor's (or libm's) fused multiply-add, as PyTorch does.
    doc = load(Path(__file__).parent / "golden" / "torch_article_float64_single.json")
    got = core.run(np.array(doc["grads"]), _settings_of(doc), core.init(doc["settings"]["x0"], size=1),
                   method="kernel")
    for name in ("eg2", "edx2", "x"):
        assert identical(getattr(got, name), np.array(doc["steps"][name])), name


@pytest.mark.parametrize("grads, eps, message", [
    ([[0.1], [1e200], [0.1]], 1e-6, "step 2: E[g²] overflows"),
    ([[0.0], [0.1]], 0.0, re.compile(r"step 1: η(_t)? = √\(E\[Δx²\]_\{t[−-]1\} \+ ε\) / √\(E\[g²\]_t \+ ε\) is 0/0")),
    ([[0.1, 0.2], [0.1, float("nan")], [0.3, 0.1]], 1e-6, "step 2, parameter 2"),
])
def test_errors_name_the_same_step(grads, eps, message):
    s = core.Settings(eps=eps)
    for method in ("kernel", "numpy"):
        with pytest.raises(NumericError, match=message if isinstance(message, re.Pattern) else re.escape(message)):
            core.run(np.array(grads), s, method=method)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 30), st.integers(1, 4), st.integers(0, 2**32 - 1),
       st.sampled_from([np.inf, -np.inf, np.nan, 1e200, 1e-200]), st.sampled_from([0.0, 0.9]),
       st.sampled_from([1e-6, 0.0]))
def test_quick_look_at_the_last_step_finds_every_bad_value(steps, size, seed, bad, rho, eps):
    # check_finite looks at the last step first: a NaN or an infinity anywhere must still be found.
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((steps, size))
    t, p = rng.integers(steps), rng.integers(size)
    grads[t, p] = bad
    s = core.Settings(rho=rho, eps=eps)
    full, _ = core.sequential(grads, s, core.init(size=size), method="numpy")
    anything_bad = not all(np.isfinite(column).all() for column in full)
    try:
        core.check_finite(full, s)
    except NumericError:
        assert anything_bad
    else:
        assert not anything_bad


def test_api_trace_is_the_kernels_exactly():
    grads = np.random.default_rng(3).standard_normal((100, 30))
    lazy = trace(grads, preset="pytorch", x0=np.linspace(-1, 1, 30))
    full = core.run(grads, lazy.settings, core.init(np.linspace(-1, 1, 30), size=30), method="numpy")
    assert identical(lazy.eta, full.eta) and identical(lazy.dx, full.dx)
    assert identical(lazy.x, full.x) and identical(lazy.edx2_prev, full.edx2_prev)
    assert lazy.records()[31]["dx"] == float(full.dx[1, 1])
    assert repr(lazy).startswith("Trace(100 steps × 30 parameters")


def test_a_stale_library_is_refused(tmp_path, monkeypatch, capsys):
    # A library compiled from another version of _kernel.c must not be used: numpy does the work instead.
    lib, rec, src = _copy_kernel(tmp_path)
    src.write_text(src.read_text() + "/* changed */\n")
    for name, path in (("LIBRARY", lib), ("RECORD", rec), ("SOURCE", src)):
        monkeypatch.setattr(kernel, name, path)
    monkeypatch.setattr(kernel, "_loaded", False)
    monkeypatch.setattr(kernel, "_function", None)
    assert not kernel.available()
    (notice,) = capsys.readouterr().err.splitlines()
    assert "was built from another _kernel.c" in notice
    shutil.copy(Path(core.__file__).with_name("_kernel.c"), src)
    monkeypatch.setattr(kernel, "_loaded", False)
    assert kernel.available() and capsys.readouterr().err == ""


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("ADADELTA_KERNEL", "numpy")
    monkeypatch.setattr(kernel, "_loaded", False)
    monkeypatch.setattr(kernel, "_function", None)
    assert not kernel.available()
    with pytest.raises(ValueError, match="not available"):
        core.run(np.ones((3, 1)), core.Settings(), method="kernel")
    # the trace itself is unchanged: numpy does the same arithmetic
    grads = np.random.default_rng(6).standard_normal((300, 20))
    off = core.run(grads, core.Settings(lr=0.3))
    monkeypatch.delenv("ADADELTA_KERNEL")
    monkeypatch.setattr(kernel, "_loaded", False)
    assert kernel.available()
    assert_identical(core.run(grads, core.Settings(lr=0.3)), off)


def test_float32_never_goes_to_the_kernel(monkeypatch):
    calls = []
    monkeypatch.setattr(kernel, "run", lambda *a, **k: calls.append(1))
    core.run(np.ones((5000, 3)), core.Settings(dtype="float32"))
    assert calls == []



# --- The library is checked as a whole before it is loaded ---------------------------------------------------------

def _damaged_copies():
    """name -> how to damage a copy of the package's kernel (library, build record, source)."""
    def truncate(lib, rec):
        lib.write_bytes(lib.read_bytes()[: lib.stat().st_size // 3])

    def flip(lib, rec):
        data = bytearray(lib.read_bytes())
        data[len(data) // 2] ^= 0x40
        lib.write_bytes(bytes(data))

    def wrong_digest(lib, rec):
        rec.write_text(rec.read_text().replace(kernel.json.loads(rec.read_text())["sha256"], "0" * 64))

    def missing(lib, rec):
        lib.unlink()

    def foreign_source(lib, rec):  # built from another _kernel.c than the one beside it
        src = lib.with_suffix(".c")
        src.write_text(src.read_text() + "\n/* changed */\n")

    def no_record(lib, rec):
        rec.unlink()

    def unreadable_record(lib, rec):
        rec.write_bytes(b"\xff\xfe not json")

    return {f.__name__: f for f in (truncate, flip, wrong_digest, missing, foreign_source, no_record,
                                    unreadable_record)}


DAMAGES = _damaged_copies()


def _copy_kernel(folder: Path) -> tuple[Path, Path, Path]:
    for name in ("_kernel.so", "_kernel.json", "_kernel.c"):
        shutil.copy(kernel.LIBRARY.with_name(name), folder / name)
    return folder / "_kernel.so", folder / "_kernel.json", folder / "_kernel.c"


def test_the_built_library_is_the_one_recorded():
    assert kernel.verify() is None
    record = kernel.json.loads(kernel.RECORD.read_text())
    assert record["size"] == kernel.LIBRARY.stat().st_size and len(record["sha256"]) == 64


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_library_is_refused_before_loading(damage, tmp_path):
    lib, rec, src = _copy_kernel(tmp_path)
    assert kernel.verify(lib, rec, src) is None
    DAMAGES[damage](lib, rec)
    why = kernel.verify(lib, rec, src)
    assert why and "\n" not in why


def test_no_library_and_no_record_is_a_pure_python_install(tmp_path):
    assert kernel.verify(tmp_path / "_kernel.so", tmp_path / "_kernel.json", tmp_path / "_kernel.c") is None


@pytest.fixture(scope="module")
def package_copy_run(tmp_path_factory):
    """Run the command line from a copy of the package (its kernel damaged at will), in a fresh process."""
    import subprocess
    import sys

    def run(damage, *args, env=None):
        root = tmp_path_factory.mktemp(damage or "sound")
        shutil.copytree(Path(kernel.__file__).parent.parent, root / "adadelta_cli",
                        ignore=shutil.ignore_patterns("__pycache__"))
        if damage:
            maths = root / "adadelta_cli" / "maths"
            DAMAGES[damage](maths / "_kernel.so", maths / "_kernel.json")
        # The engine chosen by shape (these tests are about loading the kernel, whichever engine the pass forces).
        environment = {**os.environ, "PYTHONPATH": str(root), "ADADELTA_ENGINE": "auto", **(env or {})}
        environment.pop("ADADELTA_KERNEL", None) if not env else None
        return subprocess.run([sys.executable, "-m", "adadelta_cli", *args], capture_output=True, cwd=root,
                              env=environment, timeout=120)

    return run


def test_a_damaged_library_gives_numpys_bytes_and_one_notice(package_copy_run, tmp_path):
    rng = np.random.default_rng(5)
    gradients = tmp_path / "g.csv"  # 300 × 8 = 2,400 values: enough for the kernel to be used
    np.savetxt(gradients, rng.standard_normal((300, 8)), delimiter=",", fmt="%.17g")
    args = ("trace", str(gradients), "--format", "csv")
    want = package_copy_run(None, *args, env={"ADADELTA_KERNEL": "numpy"})
    assert want.returncode == 0 and want.stderr == b""
    sound = package_copy_run(None, *args)
    assert sound.returncode == 0 and sound.stderr == b"" and sound.stdout == want.stdout
    for damage in ("truncate", "flip", "wrong_digest", "missing", "foreign_source"):
        got = package_copy_run(damage, *args)
        assert got.returncode == 0, (damage, got.stderr)
        assert got.stdout == want.stdout, damage
        lines = got.stderr.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("adadelta trace: note: the compiled kernel "), (damage, lines)
        assert lines[0].endswith("; numpy does the work")


def test_switched_off_by_the_environment_says_nothing(package_copy_run):
    got = package_copy_run("truncate", "trace", "0.1", "0.2", env={"ADADELTA_KERNEL": "numpy"})
    assert got.returncode == 0 and got.stderr == b""


def test_the_notice_in_chinese(package_copy_run, tmp_path):
    gradients = tmp_path / "g.csv"
    np.savetxt(gradients, np.full((300, 8), 0.1), delimiter=",")
    got = package_copy_run("flip", "trace", str(gradients), "--format", "json", "--lang", "zh")
    assert got.returncode == 0
    (line,) = got.stderr.decode().splitlines()
    assert line.startswith("adadelta trace: 提示：编译内核 ") and line.endswith("；改由 numpy 计算")


def test_a_library_whose_source_hash_is_not_utf8_is_refused(tmp_path, monkeypatch, capsys):
    # Built and recorded like the real one (size and digest match), but it names its source in bytes that are not
    # UTF-8: refused with the notice, no exception.
    import hashlib
    import subprocess

    lib, rec, src = _copy_kernel(tmp_path)
    command = [os.environ.get("CC", "cc"), "-O2", "-fPIC", "-shared", '-DADADELTA_SOURCE_SHA="\\xff\\xfe"',
               "-o", str(lib), str(src), "-lm"]
    try:
        built = subprocess.run(command, capture_output=True).returncode == 0
    except OSError:
        built = False
    if not built:
        pytest.skip("no C compiler here")
    digest = hashlib.sha256(lib.read_bytes()).hexdigest()
    rec.write_text(kernel.json.dumps({"size": lib.stat().st_size, "sha256": digest,
                                      "source_sha256": hashlib.sha256(src.read_bytes()).hexdigest()}))
    for name, path in (("LIBRARY", lib), ("RECORD", rec), ("SOURCE", src)):
        monkeypatch.setattr(kernel, name, path)
    monkeypatch.setattr(kernel, "_loaded", False)
    monkeypatch.setattr(kernel, "_function", None)
    assert kernel.verify() is None and not kernel.available()
    (notice,) = capsys.readouterr().err.splitlines()
    assert notice.endswith("does not say it was built from the recorded source; numpy does the work")
