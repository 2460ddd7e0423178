"""The digit rule: when a written value agrees with a computed one (one home for every verdict and diagnosis).

A written value agrees with a computed value when the computed value, rounded at the last digit written, is what
was written (no finer than the 12th significant digit: a program's float noise is not judged); a written 0 agrees
only with 0. A value is *right* when it agrees and carries at least ``sig_digits`` significant digits (trailing
zeros written count), unless it is the exact value (the article's 0.0005 is E[g²]_1 itself); fewer digits is its
own verdict, *too few*. ``last_digit`` also accepts ±1 in the last digit written; ``rel_tol`` is the alternative
rule, within that relative distance.
"""

from __future__ import annotations

import math
import re
from decimal import Context, Decimal, DecimalException, localcontext
from typing import cast

from adadelta_cli.errors import InputError
from adadelta_cli.formats.cells import EXPECTED_NUMBER
from adadelta_cli.i18n import _, _f

SIG_DIGITS = 3  # significant digits a written value must carry, by default
MAX_JUDGED_DIGITS = 12  # digits beyond the 12th (a program's float noise) are not judged
EXACT = 1e-12  # a value this close (relatively) to the computed one is the exact value, however few its digits
NOISE = Decimal("1e-13")  # a hair of float noise allowed where the computed value lies at a tie
# Verdicts: the scored ones, and "given" (a cell the worksheet filled in for the student: not scored).
RIGHT, RIGHT_GIVEN, WRONG, TOO_FEW, UNANSWERED, GIVEN, UNREADABLE = (
    "right", "right_given", "wrong", "too_few", "unanswered", "given", "unreadable")
SCORED = (RIGHT, RIGHT_GIVEN, WRONG, TOO_FEW, UNANSWERED, UNREADABLE)

DECIMAL = Context(prec=80, Emax=999_999_999_999_999_999, Emin=-999_999_999_999_999_999)


_TIMES_TEN = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+))\s*[×xX*·⋅]\s*10\s*(?:\^|\*\*)?\s*\(?\s*([-+]?\d+)\s*\)?")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def clean(text: str) -> str:
    """A written value without the marks people add: ≈, ~, spaces; any minus sign as '-'; a power of ten written
    out (1.0×10^-6, 1.0 x 10⁻⁶, 1.0*10**-6) as 1.0e-6.

    >>> clean(" ≈ 1.0×10^-6"), clean("2.5 · 10⁻³"), clean("−0.1")
    ('1.0e-6', '2.5e-3', '-0.1')
    """
    cleaned = text.strip().lstrip("≈~").strip().replace("\u2212", "-")
    if "10" in cleaned and any(mark in cleaned for mark in "×xX*·⋅"):
        m = _TIMES_TEN.fullmatch(cleaned.translate(_SUPERSCRIPTS))
        if m:
            return f"{m.group(1)}e{m.group(2)}"
    return cleaned


def as_decimal(text: str) -> Decimal:
    try:
        value = Decimal(clean(text))
    except DecimalException:
        raise InputError(_f('%(value)s is not a number; %(expected)s', value=repr(text),
                            expected=_(EXPECTED_NUMBER))) from None
    if not value.is_finite():
        raise InputError(_f('%(value)s is not a finite number; %(expected)s', value=repr(text),
                            expected=_(EXPECTED_NUMBER)))
    return value


def significant_digits(text: str) -> int:
    """Significant digits written, trailing zeros included: 1 for 0.0005, 4 for 0.2000, 3 for 1.00e-3, 0 for 0."""
    digits = as_decimal(text).as_tuple().digits
    return len(digits) - next((i for i, d in enumerate(digits) if d), len(digits))


def judged_place(written: Decimal) -> int:
    """The place a written value is judged at: its last digit, but no finer than its 12th significant digit."""
    return max(cast(int, written.as_tuple().exponent), written.adjusted() - (MAX_JUDGED_DIGITS - 1))


def agrees(text: str, computed: float, rel_tol: float | None = None, *, last_digit: bool = False) -> bool:
    """True when ``computed``, rounded at the last digit written in ``text``, is what was written (or it lies within
    ``rel_tol``).

    >>> agrees("0.0005", 0.0005000000000000004), agrees("-0.0201", -0.0201969302998739)
    (True, False)
    >>> agrees("-0.0201", -0.02010075630518424), agrees("0.201", 0.2019693, rel_tol=0.01)
    (True, True)
    """
    if not math.isfinite(computed):
        return False
    written = as_decimal(text)
    return agrees_at(written, judged_place(written), computed, 1.5 if last_digit else 0.5) or \
        within(written, computed, rel_tol)


def judge(text: str, computed: float, sig_digits: int = SIG_DIGITS, rel_tol: float | None = None,
          *, last_digit: bool = False) -> str:
    """right, too_few (agrees, but with fewer than ``sig_digits`` significant digits and not exact) or wrong.

    >>> judge("0.0005", 0.0005000000000000004), judge("0.2", 0.2019693), judge("0.0000", 9.98e-7)
    ('right', 'too_few', 'wrong')
    >>> judge("0.2020", 0.2019693), judge("0.2019", 0.2019693), judge("0.2", 0.2019693, rel_tol=0.02)
    ('right', 'wrong', 'right')
    """
    if not math.isfinite(computed):
        return WRONG
    written = as_decimal(text)
    if written.is_zero():
        return RIGHT if computed == 0 else WRONG
    if within(written, computed, rel_tol):
        return RIGHT
    if not agrees(text, computed, last_digit=last_digit):
        return WRONG
    return RIGHT if significant_digits(text) >= sig_digits or within(written, computed, EXACT) else TOO_FEW


def within(written: Decimal, computed: float, rel_tol: float | None) -> bool:
    """The --rel-tol rule alone: |written − computed| ≤ rel_tol·|computed| (no rule given: False).

    >>> within(Decimal("0.04"), 0.0446767, 0.001), within(Decimal("0.0447"), 0.0446767, 0.001)
    (False, True)
    """
    if rel_tol is None or not math.isfinite(computed):
        return False
    with localcontext(DECIMAL):
        exact = Decimal(computed)
        return abs(exact - written) <= Decimal(rel_tol) * abs(exact)


def agrees_at(written: Decimal, place: int, computed: float, units: float = 0.5) -> bool:
    """True when ``computed`` lies within ``units`` units of the place ``place`` of ``written`` (0.5: it rounds to
    what was written; 1.5: ±1 in the last digit), a hair of float noise allowed at a tie; a written 0 only for 0."""
    if not math.isfinite(computed):
        return False
    if written.is_zero():
        return computed == 0
    with localcontext(DECIMAL):
        exact = Decimal(computed)
        return abs(exact - written) <= Decimal(units).scaleb(place) + abs(exact) * NOISE
