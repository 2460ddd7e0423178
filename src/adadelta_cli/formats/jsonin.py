"""JSON to gradients: a list of numbers, a list of rows, an object of name -> list, or this tool's own trace JSON
(its g values); read strictly (no key twice, no NaN unless IEEE values are asked for, no number read as 0 that is not
0), every mistake one InputError."""

from __future__ import annotations

import json
import math

import numpy as np

from adadelta_cli.errors import InputError
from adadelta_cli.formats.cells import (
    _NONFINITE,
    EXPECTED_NUMBER,
    accepting_nonfinite,
    check_name,
    in_range,
    nonfinite_hint,
)
from adadelta_cli.formats.tables import Gradients, default_names, from_columns
from adadelta_cli.i18n import _, _f


def _json_shown(value, limit: int = 40) -> str:
    """A JSON value from the input quoted in a message, as JSON writes it, a long one cut with an ellipsis."""
    from adadelta_cli.safe import one_line

    return one_line(json.dumps(value), limit)


def _json_load(text: str, source: str):
    """The document: NaN and Infinity only where IEEE values are accepted, no number read as 0 that is not 0, no
    key given twice in one object (not silently the last one); integers exact up to 300 digits."""
    def constant(name: str) -> float:
        if accepting_nonfinite():
            return float(name)  # NaN, Infinity, -Infinity
        raise InputError(nonfinite_hint(_f('%(name)s is not a finite number; %(expected)s', name=name,
                                           expected=_(EXPECTED_NUMBER))), source=source)

    def floating(text: str) -> float:
        value = float(text)
        return in_range(value, text, text[:40], source=source) if value == 0.0 else value

    def unique(pairs: list) -> dict:
        seen: set = set()
        for key, _value in pairs:
            if key in seen:
                raise InputError(_f('the key %(key)s appears twice in one object; give each name once',
                                    key=_json_shown(key, 80)), source=source)
            seen.add(key)
        return dict(pairs)

    try:
        return json.loads(text, parse_constant=constant, parse_float=floating, object_pairs_hook=unique,
                          parse_int=lambda text: int(text) if len(text) <= 300 else float(text))
    except json.JSONDecodeError as exc:
        raise InputError(_f('is not valid JSON: %(reason)s', reason=exc.msg), source=source, line=exc.lineno,
                         column=exc.colno) from None
    except RecursionError:
        raise InputError(_("is not valid JSON: nested too deeply"), source=source) from None


def _json_number(value, where: str, source: str) -> float:
    if isinstance(value, str) and _NONFINITE.fullmatch(value.strip()) and accepting_nonfinite():
        return float(value)  # "inf", "-Infinity", "NaN" written as strings
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(_f('%(where)s is %(value)s, not a number; %(expected)s', where=where,
                            value=_json_shown(value), expected=_(EXPECTED_NUMBER)), source=source)
    try:
        value = float(value)
    except OverflowError:
        value = math.inf if value > 0 else -math.inf
    return in_range(value, "", where, source=source)


def read_json(text: str, source: str) -> Gradients:
    """A list of numbers, a list of rows, an object of name -> list, or this tool's own trace JSON (its g values)."""
    doc = _json_load(text, source)
    expected = _("expected a list of numbers, a list of rows, or an object of name -> list")
    columns: dict[str, list[float]] = {}
    for key in doc if isinstance(doc, dict) else ():
        check_name(key, source)
    if isinstance(doc, dict) and isinstance(doc.get("steps"), list):
        for i, step in enumerate(doc["steps"]):
            if not isinstance(step, dict) or "g" not in step:
                raise InputError(_f('steps[%(index)s] has no "g"; %(expected)s', index=i, expected=expected),
                                 source=source)
            columns.setdefault(check_name(str(step.get("param", "x")), source), []).append(
                _json_number(step["g"], f"steps[{i}].g", source))
        return from_columns(columns, source)
    if isinstance(doc, dict):
        for name, seq in doc.items():
            if not isinstance(seq, list):
                raise InputError(_f('%(name)s is not a list of numbers; %(expected)s', name=json.dumps(name),
                                    expected=expected), source=source)
            columns[name] = [_json_number(v, f"{json.dumps(name)}[{i}]", source) for i, v in enumerate(seq)]
        if not columns:
            raise InputError(_f('is an empty object; %(expected)s', expected=expected), source=source)
        return from_columns(columns, source)
    if not isinstance(doc, list):
        raise InputError(_f('holds %(content)s; %(expected)s', content=_json_shown(doc), expected=expected),
                         source=source)
    if not doc:
        raise InputError(_f('is an empty list; %(expected)s', expected=expected), source=source)
    if all(not isinstance(v, list) for v in doc):
        return Gradients(np.array([_json_number(v, f"[{i}]", source) for i, v in enumerate(doc)])[:, None], ["x"],
                         source)
    width = len(doc[0]) if isinstance(doc[0], list) else None
    rows = []
    for i, row in enumerate(doc):
        if not isinstance(row, list) or len(row) != width or not width:
            raise InputError(_f('row [%(index)s] is %(row)s; expected a list of %(width)s numbers like row [0]',
                                index=i, row=_json_shown(row), width=width or 'some'), source=source)
        rows.append([_json_number(v, f"[{i}][{j}]", source) for j, v in enumerate(row)])
    return Gradients(np.array(rows, dtype=np.float64), default_names(len(rows[0])), source)
