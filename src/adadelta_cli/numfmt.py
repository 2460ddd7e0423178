"""Numbers as text: significant digits for people, shortest round-trip text for machines."""

from __future__ import annotations

import math


def sig(value: float, digits: int = 6) -> str:
    """``value`` with ``digits`` significant digits and no trailing zeros; tiny or huge values in e-notation.

    Rounding happens here only, for display: the values that feed the next step are never rounded.

    >>> sig(0.0005000000000000004), sig(0.002475), sig(0.00347625), sig(-0.004467670516087701)
    ('0.0005', '0.002475', '0.00347625', '-0.00446767')
    >>> sig(9.980039920159682e-07), sig(1.0), sig(-0.0), sig(123456789.0)
    ('9.98004e-7', '1', '0', '1.23457e8')
    """
    value = float(value)
    if value == 0.0:
        return "0"
    text = format(value, f".{digits}g")  # inf and nan as Python writes them
    mantissa, marker, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if marker else text


def full(value: float) -> str:
    """The shortest text that reads back as exactly ``value``: the digits of Python's repr, spelled as JSON and
    every CSV of the package spell them (1e-6, not 1e-06), so one number reads the same everywhere.

    >>> full(1e-06), full(0.1 + 0.2), full(-0.0), full(float("inf"))
    ('1e-6', '0.30000000000000004', '-0.0', 'inf')
    """
    import orjson

    value = float(value)
    return orjson.dumps(value).decode() if math.isfinite(value) else repr(value)


def given(value: float) -> str:
    """A setting as it was given: its shortest exact text, an integer without ".0" (0.95, 1e-6, 1, 0.001).

    >>> given(0.95), given(1.0), given(1e-06), given(0.949999988079071), given(1e20)
    ('0.95', '1', '1e-6', '0.949999988079071', '1e20')
    """
    text = full(value).replace("e+", "e")
    return text[:-2] if text.endswith(".0") else text


def latex(value: float, digits: int = 6) -> str:
    r"""``sig`` for LaTeX math mode: 9.98004e-7 becomes 9.98004 \times 10^{-7}.

    >>> latex(9.980039920159682e-07), latex(-0.0201)
    ('9.98004 \\times 10^{-7}', '-0.0201')
    """
    mantissa, marker, exponent = sig(value, digits).partition("e")
    return f"{mantissa} \\times 10^{{{exponent}}}" if marker else mantissa
