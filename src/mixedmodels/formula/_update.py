"""R's ``update.formula`` for the forms lme4 users write: ``. ~ . + x``,
``. ~ . - x``, ``. ~ . - (1 | g) + (1 | g:h)``, ``log(.) ~ .``, ``~ . + x``.

A ``.`` on the left stands for the old response (as does a missing left side); a ``.`` standing as the
first term on the right for the old right-hand side, whose top-level terms
the further ``+ term`` add to and ``- term`` remove (matched as written,
spaces aside; ``- 1`` / ``+ 0`` drop the intercept).  R would also expand
``a * b`` before removing ``a``; here such a removal is an error that lists
the terms there are.
"""

from __future__ import annotations

import re

from mixedmodels.formula._errors import FormulaError, FormulaSyntaxError
from mixedmodels.formula._rnames import python_names
from mixedmodels.formula._split import _depths, _pieces, _top

__all__ = ["update_formula"]

_DOT = re.compile(r"(?<![\w.])\.(?![\w.])")
_INTERCEPT = {"0", "1"}


def update_formula(old: str, new: str) -> str:
    """``new`` with its dots replaced from ``old``, and ``old``'s response when
    ``new`` has none (``"~ . + x"``); ``new`` itself otherwise."""
    if not isinstance(new, str) or "~" not in new:
        return new
    new_lhs, new_rhs = _sides(new)
    if new_lhs and not _DOT.search(new):
        return new
    old_lhs, old_rhs = _sides(old)
    lhs = _DOT.sub(lambda _: old_lhs, new_lhs) if new_lhs else old_lhs
    return f"{lhs} ~ {_updated_rhs(old_rhs, new_rhs, new)}"


def _sides(formula: str) -> tuple[str, str]:
    depths = _depths(formula)
    tildes = _top(formula, depths, "~")
    if len(tildes) != 1:
        raise FormulaSyntaxError("a model formula needs exactly one '~', as in '. ~ . + x'", formula,
                                 tildes[1] if tildes else None)
    return formula[: tildes[0]].strip(), formula[tildes[0] + 1 :].strip()


def _updated_rhs(old_rhs: str, new_rhs: str, new: str) -> str:
    pieces = _pieces(new_rhs, 0, new_rhs)
    if not any(_DOT.search(text) for _, text, _ in pieces):
        return new_rhs
    if pieces[0][1] != "." or pieces[0][0] == "-" or any(_DOT.search(t) for _, t, _ in pieces[1:]):
        raise FormulaError(f"in {new!r}, '.' must stand alone as the first term of the right-hand side "
                           "('. + x', '. - x'); write the formula out otherwise")
    terms = [(op or "+", text) for op, text, _ in _pieces(old_rhs, 0, old_rhs)]
    for op, text, _ in pieces[1:]:
        terms = _removed(terms, text, new) if op == "-" else _added(terms, text)
    if not any(op == "+" and _key(t) not in _INTERCEPT for op, t in terms):
        raise FormulaError(f"{new!r} leaves no terms on the right-hand side; use '. ~ 1' for an intercept only")
    return " ".join(text if i == 0 and op == "+" else f"{op} {text}" for i, (op, text) in enumerate(terms))


def _key(term: str) -> str:
    """A term's text compared as R compares terms: spaces aside, a name with
    or without backticks alike (`` `x` `` is ``x``)."""
    return python_names(re.sub(r"\s+", "", term))


def _added(terms: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    if any(op == "+" and _key(t) == _key(text) for op, t in terms):
        return terms
    return terms + [("+", text)]


def _removed(terms: list[tuple[str, str]], text: str, new: str) -> list[tuple[str, str]]:
    kept = [(op, t) for op, t in terms if not (op == "+" and _key(t) == _key(text))]
    if len(kept) < len(terms):
        return kept
    if _key(text) in _INTERCEPT:
        return terms + [("-", text)]
    raise FormulaError(f"{new!r} removes {text!r}, which is not a term of the formula as written; its terms "
                       f"are {[t for op, t in terms if op == '+']}")
