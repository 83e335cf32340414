"""R's names as Python identifiers, and back.

An R name may hold dots (``my.var``, ``as.factor``), a package
(``splines::ns``) or be a Python keyword (``in``, ``class``, ``or``): such a
name becomes ``_r_`` and the name with ``_`` as ``_u``, ``.`` as ``_d`` and
``:`` as ``_c``, which Python parses and :func:`r_name` reverses exactly.
"""

from __future__ import annotations

import keyword
import re

__all__ = ["python_name", "python_names", "r_name", "r_name_text"]

_R_IDENTIFIER = re.compile(r"(?<![\w.:])(?:[A-Za-z][\w.]*:::?)?(?:[A-Za-z]|\.(?![0-9]))[\w.]*")
"""An R name, with its package's if given (``splines::ns``)."""
_MANGLED = "_r_"


def python_name(name: str) -> str:
    """A Python identifier standing for the R name ``name``: itself, or, for a
    name with dots (``my.var``, ``as.factor``) or a package (``splines::ns``)
    or a Python keyword (``in``, ``class``), ``_r_`` and the name with ``_``
    as ``_u``, ``.`` as ``_d`` and ``:`` as ``_c`` (reversible: :func:`r_name`)."""
    if "." not in name and ":" not in name and not keyword.iskeyword(name) or name.startswith("np.") or name == ".":
        return name
    return _MANGLED + name.replace("_", "_u").replace(".", "_d").replace(":", "_c")


def r_name(name: str) -> str:
    """The R name behind a Python identifier (:func:`python_name`'s inverse)."""
    if not name.startswith(_MANGLED):
        return name
    return re.sub(r"_([udc])", lambda m: {"u": "_", "d": ".", "c": ":"}[m.group(1)], name[len(_MANGLED):])


_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"|%[^%\s]*%")
"""String literals and R's ``%op%`` operators: no names inside."""


def python_names(text: str) -> str:
    """``text`` with every R identifier outside string literals and R's
    ``%op%`` operators as its :func:`python_name`."""
    out, start = [], 0
    for m in _LITERAL.finditer(text):
        out += [_names_in(text[start:m.start()]), m.group(0)]
        start = m.end()
    out.append(_names_in(text[start:]))
    return "".join(out)


def _names_in(chunk: str) -> str:
    return _R_IDENTIFIER.sub(lambda m: python_name(m.group(0)), chunk)


def r_name_text(code: str) -> str:
    """``code`` with Python identifiers back as R's names (for messages)."""
    return re.sub(r"\b_r_\w+", lambda m: r_name(m.group(0)), code)
