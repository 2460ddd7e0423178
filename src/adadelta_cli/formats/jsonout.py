"""JSON, written in one place: every command's ``--format json`` goes through here.

The layout is the contract's, the same for every command: one object, its ``settings`` indented, then its record
lists with one record a line (a trace of a million steps stays readable with ``head`` and ``grep``)::

    {
      "settings": {...},
      "steps": [
        {"t": 1, "param": "x", "g": 0.1, ...},
        ...
      ]
    }

orjson writes the numbers: the shortest text that reads back as the same double (ryu), as ``repr`` does, ten times
faster. A NaN or an infinity, which JSON cannot hold, reaches here already marked by ``machine.json_value`` as the
string "NaN", "Infinity" or "-Infinity"; ``null`` is a value that is not defined (η where g_t = 0 in compare).

>>> print(document({"rho": 0.95}, steps=[{"t": 1, "x": -0.004467670516087701}]), end="")
{
  "settings": {
    "rho": 0.95
  },
  "steps": [
    {"t":1,"x":-0.004467670516087701}
  ]
}
"""

from __future__ import annotations

import orjson

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def value(obj, *, indent: bool = True) -> str:
    """One JSON value (indented by two spaces, or on one line); invisible characters escaped (safe.json_text)."""
    from adadelta_cli.safe import json_text

    return json_text(orjson.dumps(obj, option=_OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)).decode())


def head(settings: dict, key: str = "steps") -> str:
    """The opening of a document, up to its first record list's ``[``: for writers that stream their records."""
    return '{\n  "settings": ' + value(settings).replace("\n", "\n  ") + f',\n  "{key}": ['


def record_lines(records, *, first: bool = True) -> str:
    """Records, one a line, each preceded by the separator it needs (``first``: the list's first record)."""
    out = []
    for record in records:
        out.append(("\n    " if first else ",\n    ") + value(record, indent=False))
        first = False
    return "".join(out)


TAIL = "\n  ]\n}\n"


def document(settings: dict, extra: dict | None = None, **lists) -> str:
    """A whole document: ``settings``, then each keyword's list of records one a line, then ``extra``'s keys."""
    parts = ['{\n  "settings": ' + value(settings).replace("\n", "\n  ")]
    for key, records in lists.items():
        body = record_lines(records)
        parts.append(f'  "{key}": [' + body + ("\n  ]" if body else "]"))
    for key, item in (extra or {}).items():
        parts.append(f'  "{key}": ' + value(item).replace("\n", "\n  "))
    return ",\n".join(parts) + "\n}\n"
