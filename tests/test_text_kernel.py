"""The kernel's two text routines against their Python twins: reading plain numbers (float()'s values, nothing
else read) and putting step and parameter before each CSV row (the same bytes)."""

import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adadelta_cli.formats import blocks, cells, machine, readers, render
from adadelta_cli.formats.report import Records, Steps
from adadelta_cli.maths import core, kernel

pytestmark = pytest.mark.skipif(
    not kernel.available() and (os.environ.get("ADADELTA_KERNEL", "").lower() == "numpy" or not os.environ.get("CI")),
    reason="the C kernel is not built or is switched off here")


def bits(values) -> list[int]:
    return [struct.unpack("<Q", struct.pack("<d", v))[0] for v in values]


HARD = ["0.1", "-0", "-0.0", "+.5", "1.", "1E5", "1e+5", "5e-324", "4.9e-324", "2.4703282292062328e-324",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "1e23", "9007199254740993",
        "9007199254740992.5", "123456789012345678901234567890", "0.000000000000000000000000000001234",
        "1" + "0" * 30 + "e-30", "0." + "0" * 40 + "7e40", "3.141592653589793238462643383279", "-1e-7",
        "8.988465674311579e307", "1e22", "1e-22", "4503599627370497.5", "00000.5", "0e999"]


def test_hard_numbers_read_as_float_reads_them():
    got = kernel.parse("\n".join(HARD).encode(), 1, None)
    assert got is not None and got.shape == (len(HARD), 1)
    assert bits(got[:, 0]) == bits(float(h) for h in HARD)


def test_numbers_near_halfway_between_two_doubles_round_as_float_rounds_them():
    from decimal import Decimal

    texts = []
    for v in np.random.default_rng(8).standard_normal(3000).tolist() + [1.0, 0.1, 1e-19, 9.5e18, 2.0 ** 60]:
        mid = (Decimal(v) + Decimal(float(np.nextafter(v, np.inf)))) / 2
        texts += [format(mid, ".25g"), format(mid, ".19g"), format(mid, ".18g"), format(mid, ".17g")]
    texts += [f"{w}e{e}" for w, e in [(18446744073709551615, -19), (18446744073709551615, 19), (1, -19),
                                        (9007199254740993, 0), (9007199254740993, -1), (1152921504606846977, -3)]]
    got = kernel.parse("\n".join(texts).encode(), 1, None)
    assert got is not None and bits(got[:, 0]) == bits(float(t) for t in texts)


@given(st.integers(1, 10 ** 19 - 1), st.integers(-40, 25))
def test_up_to_19_digits_read_as_float_reads_them(w, e):
    text = f"{w}e{e}"
    got = kernel.parse(text.encode(), 1, None)
    assert got is not None and bits(got[:, 0]) == bits([float(text)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=40),
       st.sampled_from([",", ";", "\t", None]), st.sampled_from(["{!r}", "{:.3e}", "{:.20g}", "{:.1f}", "{:.17E}"]))
def test_random_numbers_read_as_float_reads_them(values, sep, spelling):
    width = 2
    texts = [spelling.format(v) for v in values] + ([repr(values[0])] if len(values) % 2 else [])
    joiner = " " if sep is None else sep
    body = "".join(f"{a}{joiner}{b}\r\n" if i % 3 == 0 else f" {a} {joiner} {b}\n" if sep != "\t" else
                   f"{a}{joiner}{b}\n" for i, (a, b) in enumerate(zip(texts[::2], texts[1::2])))
    got = kernel.parse(body.encode(), width, sep)
    want = [float(t) for t in texts]
    if any((w == 0 and cells._NONZERO_MANTISSA.match(t)) or abs(w) == float("inf") for t, w in zip(texts, want)):
        assert got is None  # read as 0 or as an infinity: the careful reader says so
    else:
        assert got is not None and bits(got.reshape(-1)) == bits(want)


@pytest.mark.parametrize("body,width,sep", [
    ("0.1\n\n0.2\n", 1, None),  # a blank line
    ("0.1\n# c\n", 1, None),
    ("nan\n", 1, None), ("inf\n", 1, None), ("1e400\n", 1, None), ("1e-400\n", 1, None),
    ("0x10\n", 1, None), ("1_0\n", 1, None), ("\u22120.1\n", 1, None), ("1e\n", 1, None), (".\n", 1, None),
    ("-\n", 1, None), ("1.5,\n", 1, ","), ("1,5\n", 1, None), ("1,2,3\n", 2, ","), ("1\n", 2, ","),
    ("1\r2\n", 1, None), ("\t1\t2\n", 2, "\t"), ("1\t2\t\n", 2, "\t"), ("1\x0c\n", 1, None), ('"1",2\n', 2, ","),
    ("1 2\n", 2, ","), ("12\n", 2, None), ("0." + "1" * 600 + "\n", 1, None),
])
def test_anything_else_is_left_to_the_careful_reader(body, width, sep):
    assert kernel.parse(body.encode(), width, sep) is None


@pytest.mark.parametrize("text", [
    "g\n" + "\n".join(repr(v) for v in np.random.default_rng(1).standard_normal(3000).tolist()) + "\n",
    "a;b\n" + "\n".join(f"{v!r};{-v:.3e}" for v in np.random.default_rng(2).standard_normal(2000).tolist()),
    "\n".join(f"{v!r}\t {v / 3!r}" for v in np.random.default_rng(3).standard_normal(2000).tolist()) + "\r\n",
    "t,w\n" + "\n".join(f"{i},{v!r}" for i, v in enumerate(np.random.default_rng(4).standard_normal(2000).tolist(), 1)),
    "g\n" + "0.1\n" * 3000 + "\n0.2\n# done\n",
])
def test_blocks_read_with_and_without_the_kernel_alike(tmp_path, monkeypatch, text):
    monkeypatch.setattr(blocks, "CHUNK_BYTES", 4096)
    path = tmp_path / "g.csv"
    path.write_text(text)
    fast = readers.open_stream([str(path)])
    got = np.concatenate(list(fast.blocks()))
    monkeypatch.setattr(kernel, "parse", lambda *a: None)
    slow = readers.open_stream([str(path)])
    want = np.concatenate(list(slow.blocks()))
    assert fast.names == slow.names and bits(got.reshape(-1)) == bits(want.reshape(-1))


@pytest.mark.parametrize("names,first_t,steps", [(["x"], 1, 500), (["w", 'a "b"', "c,d", "é"], 99_998, 40),
                                                 ([f"p{i}" for i in range(9)], 7, 3)])
def test_csv_lines_are_pythons_bytes(monkeypatch, names, first_t, steps):
    grads = np.random.default_rng(5).standard_normal((steps, len(names))) * 10.0 ** np.arange(-8, -8 + len(names))
    trace = core.run(grads, core.Settings(maximize=True, weight_decay=0.01))
    columns = render.machine_columns(show_g_eff=True)
    records = Records(columns, [Steps(first_t, names, [getattr(trace, c) for c in columns[2:]])])
    got = b"".join(machine.csv_pieces(records))
    monkeypatch.setattr(kernel, "csv_lines", lambda *a: None)
    want = b"".join(machine.csv_pieces(records))
    assert got == want
    assert want.split(b"\n")[1].startswith(f"{first_t},".encode())


def test_csv_lines_refuse_what_is_not_a_matrix():
    assert kernel.csv_lines(b"[[1.0,2.0],[3.0]", 2, 1, 1, [b",x,"]) is None
    assert kernel.csv_lines(b"[[1.0]]", 2, 1, 1, [b",x,"]) is None
    assert bytes(kernel.csv_lines(b"[[1.0,2.0],[3.0,4.0]]", 2, 9, 2, [b",a,", b",b,"])) == b"9,a,1.0,2.0\n9,b,3.0,4.0\n"
