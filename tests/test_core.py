"""The recurrence: the article's numbers, an independent reference, the order of operations, invariants."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta_cli.maths import arith, core
from adadelta_cli.maths.core import Settings

from .reference import adadelta as reference

ARTICLE = [0.1, 0.2, 0.15]


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def test_article_eg2_values():
    steps = core.run(ARTICLE, Settings(rho=0.95))
    assert steps.eg2[:, 0] == pytest.approx([0.0005, 0.002475, 0.00347625], rel=1e-14)


def test_article_full_trace_matches_measured_values():
    steps = core.run(ARTICLE, Settings())
    assert steps.dx[:, 0].tolist() == pytest.approx(
        [-0.004467670516087701, -0.005681367090731249, -0.004800873720760839], rel=1e-15)
    assert steps.edx2[:, 0].tolist() == pytest.approx(
        [9.980039920159682e-07, 2.5620003933973735e-06, 3.586319797862107e-06], rel=1e-15)


def test_article_second_example_eta_and_dx():
    state = core.State(np.zeros(1), np.array([1e-4]), np.zeros(1))
    step, _ = core.update(np.array([0.1]), state, Settings(eps=1e-6), eg2=np.array([0.002475]))
    assert float(step.eta[0]) == pytest.approx(0.201969302998739, rel=1e-14)
    assert float(step.dx[0]) == pytest.approx(-0.0201969302998739, rel=1e-14)
    step, _ = core.update(np.array([0.1]), state, Settings(eps=0.0), eg2=np.array([0.002475]))
    assert float(step.eta[0]) == pytest.approx(0.20100756305184242, rel=1e-14)
    assert float(step.dx[0]) == pytest.approx(-0.02010075630518424, rel=1e-14)


def test_tensorflow_9058_ordering():
    # ρ = 0, ε = 1, g = 1: the numerator must use E[Δx²]_{t−1} = 0, giving −√(1/2); the bug gave −0.866.
    steps = core.run([1.0], Settings(rho=0.0, eps=1.0))
    assert float(steps.dx[0, 0]) == pytest.approx(-math.sqrt(0.5), rel=1e-15)


def test_numerator_uses_previous_accumulator_and_lr_only_scales_x():
    s = Settings(lr=0.5)
    steps = core.run([0.3, -0.1, 0.2], s)
    for t in range(1, 3):
        expected_eta = math.sqrt(steps.edx2[t - 1, 0] + s.eps) / math.sqrt(steps.eg2[t, 0] + s.eps)
        assert steps.eta[t, 0] == pytest.approx(expected_eta, rel=1e-15)
        assert steps.edx2_prev[t, 0] == steps.edx2[t - 1, 0]
    # The accumulator takes the unscaled Δx: identical to the lr = 1 run.
    unscaled = core.run([0.3, -0.1, 0.2], Settings(lr=1.0))
    assert steps.edx2.tolist() == unscaled.edx2.tolist()
    assert steps.x[:, 0].tolist() == pytest.approx(np.cumsum(0.5 * unscaled.dx[:, 0]).tolist(), rel=1e-14)


@pytest.mark.parametrize("kwargs", [
    {}, {"rho": 0.9}, {"rho": 0.0}, {"eps": 1e-8, "lr": 0.01}, {"x0": 2.0, "weight_decay": 0.1},
    {"maximize": True}, {"weight_decay": 0.05, "decoupled": True, "lr": 0.1, "x0": -1.5},
    {"eg2": 0.01, "edx2": 1e-4, "x0": 0.3},
])
def test_against_reference(kwargs):
    rng = np.random.default_rng(7)
    grads = (rng.normal(size=60) * 10.0 ** rng.integers(-4, 3, size=60)).tolist()
    s = Settings(rho=kwargs.get("rho", 0.95), eps=kwargs.get("eps", 1e-6), lr=kwargs.get("lr", 1.0),
                 weight_decay=kwargs.get("weight_decay", 0.0), maximize=kwargs.get("maximize", False),
                 weight_decay_mode="decoupled" if kwargs.get("decoupled") else "coupled")
    state = core.init(kwargs.get("x0", 0.0), kwargs.get("eg2", 0.0), kwargs.get("edx2", 0.0), size=1)
    steps = core.run(grads, s, state)
    for t, row in enumerate(reference(grads, **kwargs)):
        for name in core.FIELDS:
            assert rel(float(getattr(steps, name)[t, 0]), row[name]) <= 1e-13 or \
                abs(float(getattr(steps, name)[t, 0]) - row[name]) <= 1e-300, (t, name)


def test_update_is_pure():
    state = core.init(1.0, size=2)
    before = [a.copy() for a in state]
    core.update(np.array([0.1, 0.2]), state, Settings())
    assert all((a == b).all() for a, b in zip(state, before))


def test_settings_ranges():
    Settings(rho=1.0)  # accepted, as torch accepts it: the running averages then never change
    for bad in ({"rho": 1.0000001}, {"rho": -0.1}, {"eps": -1e-9}, {"lr": math.inf}, {"rho": math.nan}):
        with pytest.raises(core.SettingsError):
            Settings(**bad)


def test_zero_gradient_with_zero_eps_is_an_error_not_nan():
    with pytest.raises(core.NumericError, match="0/0"):
        core.run([0.0, 0.1], Settings(eps=0.0))


def test_overflowing_square_is_an_error():
    with pytest.raises(core.NumericError, match="overflows"):
        core.run([0.1, 1e200], Settings())


def test_fma32_single_rounding():
    # A case where rounding the float64 sum to float32 would round twice: the midpoint plus a tiny excess.
    a = np.float32(1 + 2**-23)
    c = np.float32(2**-24 * 1.0)
    exact = (1 + 2**-23) ** 2 + 2**-24  # 1 + 2^-22 + 2^-46 + 2^-24
    got = float(arith.fma32(a, a, c))
    assert got == float(np.float32(exact))
    # Exhaustive-ish: random triples agree with exact rational arithmetic.
    from fractions import Fraction
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((2000, 3)).astype(np.float32)
    xs[:, 2] *= np.float32(2**-20)
    r = arith.fma32(xs[:, 0], xs[:, 1], xs[:, 2])
    for (a, b, c), got in zip(xs, r):
        exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
        lo = np.float32(float(exact))
        # the correctly rounded float32 of the exact value
        cands = [lo, np.nextafter(lo, np.float32(np.inf)), np.nextafter(lo, np.float32(-np.inf))]
        best = min(cands, key=lambda v: (abs(Fraction(float(v)) - exact), int(v.view(np.int32)) & 1))
        assert got == best


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=40), st.floats(0.0, 0.999), st.floats(1e-12, 1.0))
def test_properties(grads, rho, eps):
    steps = core.run(grads, Settings(rho=rho, eps=eps))
    assert (steps.eg2 >= 0).all() and (steps.edx2 >= 0).all()
    assert (steps.eta > 0).all()
    g = np.asarray(grads)[:, None]
    representable = np.abs(g) * steps.eta > 1e-300  # else η·g underflows to 0 in any float arithmetic
    assert (np.sign(steps.dx) == -np.sign(g))[(g != 0) & representable].all()
    assert (steps.dx[g == 0] == 0).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=30))
def test_columns_are_independent(rows):
    grads = np.array(rows)
    together = core.run(grads, Settings())
    for p in range(3):
        alone = core.run(grads[:, p], Settings())
        for name in core.FIELDS:
            assert getattr(together, name)[:, p].tolist() == getattr(alone, name)[:, 0].tolist()


# --- one result on every install: the engines agree bit for bit ------------------------------------------------

def _libm_fma():
    """C's fma() from the C library, where ctypes finds one: the reference the emulations are held to."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("m")
    if name is None:
        return None
    try:
        f = ctypes.CDLL(name).fma
    except (OSError, AttributeError):
        return None
    f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double] * 3
    return f


LIBM_FMA = _libm_fma()
needs_libm = pytest.mark.skipif(LIBM_FMA is None, reason="no C library fma() reachable through ctypes")

_DOUBLES = st.floats(allow_nan=False, allow_infinity=False)
_MAGNITUDES = st.builds(lambda m, e: m * 2.0 ** e, st.floats(-2.0, 2.0, allow_nan=False), st.integers(-1074, 1023))


def _bits(values) -> list[int]:
    return np.asarray(values, dtype=np.float64).view(np.uint64).tolist()


@needs_libm
@settings(max_examples=1000, deadline=None)
@given(st.one_of(_DOUBLES, _MAGNITUDES), st.one_of(_DOUBLES, _MAGNITUDES), st.one_of(_DOUBLES, _MAGNITUDES))
def test_fma_emulations_round_once_like_c(a, b, c):
    from adadelta_cli.maths import scalar

    want = LIBM_FMA(a, b, c)
    assert _bits([scalar.fma(a, b, c)]) == _bits([want]), (a, b, c)
    assert _bits([scalar.fma_exact(a, b, c)]) == _bits([want]), (a, b, c)
    assert _bits(arith.fma64(np.array([a, 1.0]), np.array([b, 1.0]), np.array([c, 1.0]))[:1]) == _bits([want])


@needs_libm
def test_fma_ties_of_the_last_addition():
    # Products of small integers scaled so that a·b + c falls exactly halfway, or one error term past halfway:
    # where adding the two error terms first would round the wrong way.
    from adadelta_cli.maths import scalar

    rng = np.random.default_rng(17)
    n = 20_000
    a = rng.integers(1, 2**27, n).astype(np.float64)
    b = rng.integers(1, 2**27, n) * 2.0 ** -30
    c = rng.integers(-2**53, 2**53, n) * 2.0 ** rng.integers(-40, 10, n)
    want = [LIBM_FMA(x, y, z) for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]
    assert _bits(arith.fma64(a, b, c)) == _bits(want)
    assert _bits([scalar.fma(x, y, z) for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]) == _bits(want)


ENGINE_SETTINGS = st.fixed_dictionaries({
    "rho": st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.95, 0.999, 1.0 - 2.0 ** -53]), st.floats(0.0, 0.9999)),
    "eps": st.one_of(st.sampled_from([0.0, 1e-8, 1e-6, 1.0, 1e-300]), st.floats(0.0, 10.0)),
    "lr": st.one_of(st.sampled_from([1.0, -1.0, 0.0, 0.5, 1e-3, -0.3, 2.0 ** 40]), st.floats(-10.0, 10.0)),
    "lr_dtype": st.sampled_from(["float64", "float32"]),
    "maximize": st.booleans(),
    "weight_decay": st.sampled_from([0.0, 0.01, 0.3, 1e-12]),
    "weight_decay_mode": st.sampled_from(["coupled", "decoupled"]),
    "nonfinite": st.sampled_from(["stop", "continue"]),  # continue: IEEE's infinities and NaNs, alike everywhere
})


def _engines():
    from adadelta_cli.maths import kernel

    return ["numpy", "python"] + (["kernel"] if kernel.available() else [])


def _same(a: core.Step, b: core.Step) -> bool:
    """The same bits in every field; a NaN is a NaN whatever its sign or payload (every output spells it alike)."""
    def bits(column):
        column = np.ravel(column).astype(np.float64)
        return _bits(np.where(np.isnan(column), np.nan, column))

    return all(bits(x) == bits(y) for x, y in zip(a, b))


@settings(max_examples=250, deadline=None)
@given(ENGINE_SETTINGS, st.integers(1, 120), st.integers(1, 4), st.integers(0, 2**32 - 1),
       st.sampled_from([1e-300, 1e-160, 1e-8, 1.0, 1e3, 1e150, 1e250]))
def test_every_engine_gives_the_same_doubles(kw, steps, size, seed, scale):
    # The compiled kernel (where built), plain Python (no compiler) and numpy: the same bits in every field,
    # whatever the settings, including magnitudes where the error-free transformations under- or overflow.
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((steps, size)) * scale * 10.0 ** rng.integers(-3, 4, size=(1, size))
    grads[rng.random((steps, size)) < 0.1] = 0.0
    s = core.Settings(**kw)
    state = core.init(np.where(rng.random(size) < 0.2, -0.0, rng.standard_normal(size) * scale),
                      rng.random(size) * min(scale * scale, 1e300), rng.random(size) * 1e-4, size=size)
    results = {}
    for engine in _engines():
        try:
            results[engine] = core.run(grads, s, state, method=engine)
        except core.NumericError as error:  # an overflow or 0/0: every engine stops at the same step
            results[engine] = str(error)
    first, *rest = results.values()
    for engine, got in zip(list(results)[1:], rest):
        assert type(got) is type(first), engine
        assert got == first if isinstance(first, str) else _same(got, first), engine


def test_the_python_engine_over_thousands_of_steps_equals_numpy():
    grads = np.random.default_rng(8).standard_normal((3_000, 1)) * 0.1
    for s in (Settings(), Settings(lr=0.01, weight_decay=0.1, weight_decay_mode="decoupled"),
              Settings(maximize=True, weight_decay=0.01)):
        assert _same(core.run(grads, s, method="python"), core.run(grads, s, method="numpy"))
