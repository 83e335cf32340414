"""R's names as Python identifiers, and back.

An R name may hold dots (``my.var``, ``as.factor``), a package
(``splines::ns``), be a Python keyword (``in``, ``class``, ``or``) or, in
backticks, hold anything (`` `my var` ``): such a name becomes ``_r_`` and
the name with ``_`` as ``_u``, ``.`` as ``_d``, ``:`` as ``_c`` and any other
character that is no ASCII letter or digit as ``_x`` and its six hex
digits (a name that starts with ``_r_``, or that Python's NFKC reading would
change, is escaped too),
which Python parses and :func:`r_name` reverses exactly.  R prints a name
that is not syntactic in backticks (:func:`r_display`).
"""

from __future__ import annotations

import keyword
import re
import unicodedata

__all__ = ["python_name", "python_names", "r_display", "r_name", "r_name_text"]

_R_IDENTIFIER = re.compile(r"(?<![\w.:])(?:[^\W\d_][\w.]*:::?)?(?:[^\W\d_]|\.(?![0-9]))[\w.]*")
"""An R name, with its package's if given (``splines::ns``)."""
_MANGLED = "_r_"


def python_name(name: str) -> str:
    """A Python identifier standing for the R name ``name``: itself, or, for a
    name with dots (``my.var``, ``as.factor``) or a package (``splines::ns``)
    or a Python keyword (``in``, ``class``), ``_r_`` and the name with ``_``
    as ``_u``, ``.`` as ``_d`` and ``:`` as ``_c`` (reversible: :func:`r_name`)."""
    plain = (name.isidentifier() and not keyword.iskeyword(name) and not name.startswith(_MANGLED)
             and unicodedata.normalize("NFKC", name) == name)  # Python reads names as NFKC
    if plain or name.startswith("np.") or name == ".":
        return name
    return _MANGLED + "".join(_ESCAPES.get(ch, ch if ch.isascii() and ch.isalnum() else f"_x{ord(ch):06x}")
                              for ch in name)


_ESCAPES = {"_": "_u", ".": "_d", ":": "_c"}


def r_name(name: str) -> str:
    """The R name behind a Python identifier (:func:`python_name`'s inverse)."""
    if not name.startswith(_MANGLED):
        return name
    return re.sub(r"_([udc]|x[0-9a-f]{6})", _unescape, name[len(_MANGLED):])


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    return chr(int(code[1:], 16)) if code.startswith("x") else {"u": "_", "d": ".", "c": ":"}[code]


_R_RESERVED = frozenset({"if", "else", "repeat", "while", "function", "for", "next", "break", "in"})
"""R's reserved words that are no constants (``TRUE``, ``NA``, ... print as they are)."""


def r_display(name: str) -> str:
    """An R name as R prints it: in backticks when it is not syntactic (``my var``)."""
    plain = name.split("::")[-1]
    return name if _syntactic(plain) else f"`{name}`"


def _syntactic(name: str) -> bool:
    """R's ``make.names(name) == name``: a letter, or a dot not followed by
    a digit, then letters, digits, dots and underscores; not a reserved word."""
    if not name or name in _R_RESERVED:
        return False
    head_ok = name[0].isalpha() or (name[0] == "." and not name[1:2].isdigit())
    return head_ok and all(c.isalpha() or c in "0123456789._" for c in name)


_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"|%[^%\s]*%|`[^`]*`")
"""String literals, R's ``%op%`` operators and backticked names (one name each)."""


def python_names(text: str) -> str:
    """``text`` with every R identifier outside string literals and R's
    ``%op%`` operators as its :func:`python_name`."""
    out, start = [], 0
    for m in _LITERAL.finditer(text):
        literal = m.group(0)
        out += [_names_in(text[start:m.start()]), python_name(literal[1:-1]) if literal[0] == "`" else literal]
        start = m.end()
    out.append(_names_in(text[start:]))
    return "".join(out)


def _names_in(chunk: str) -> str:
    return _R_IDENTIFIER.sub(lambda m: python_name(m.group(0)), chunk)


def r_name_text(code: str) -> str:
    """``code`` with Python identifiers back as R's names (for messages)."""
    return re.sub(r"\b_r_\w+", lambda m: r_name(m.group(0)), code)
