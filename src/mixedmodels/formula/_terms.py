"""The terms of a one-sided formula, in R's order.

formulaic expands the operators (``+ - * : ^ /``, ``0 +``/``- 1``); this
module re-orders the result as R's ``terms()`` does: variables in order of
first appearance, each term's variables in that order, terms sorted stably
by their number of variables, and ``offset(...)`` terms set aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from formulaic import Formula
from formulaic.errors import FormulaicError
from formulaic.parser import DefaultFormulaParser
from formulaic.parser.types.factor import Factor as FFactor

from mixedmodels.formula._deparse import call_operators
from mixedmodels.formula._errors import FormulaError, from_formulaic
from mixedmodels.formula._evaluate import Variable, variable
from mixedmodels.formula._rnames import python_names

__all__ = ["Terms", "parse_terms"]


@dataclass(frozen=True)
class Terms:
    """Terms of a model formula.

    Attributes
    ----------
    intercept : bool
        Whether the model has an intercept.
    terms : list of tuple of str
        Variable names of each term, in R's order (``("a", "b")`` is ``a:b``).
    variables : dict
        ``name -> Variable`` in order of first appearance.
    offsets : list of Variable
        ``offset(...)`` terms.
    """

    intercept: bool
    terms: list[tuple[str, ...]]
    variables: dict[str, Variable] = field(default_factory=dict)
    offsets: list[Variable] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """R's term labels, e.g. ``["Days", "Days:sex"]``."""
        return [":".join(t) for t in self.terms]


def _variable(factor: FFactor) -> Variable:
    return variable(factor.expr, lookup=factor.eval_method == FFactor.EvalMethod.LOOKUP, python=True)


def _formulaic_terms(text: str) -> list[list[FFactor]]:
    try:
        formula = Formula(text, _ordering="none")
    except FormulaicError as exc:
        raise from_formulaic(exc, text) from None
    except FormulaError:
        raise
    except Exception as exc:  # noqa: BLE001 - formulaic raises assorted types
        raise FormulaError(f"cannot parse {text!r}: {exc}") from None
    if not hasattr(formula, "__iter__") or hasattr(formula, "rhs"):
        raise FormulaError(f"{text!r} is not a right-hand side (no '~' or '|' allowed here)")
    return [list(term.factors) for term in formula]


def _appearance(text: str) -> dict[str, int]:
    """Variable name -> position of its first appearance in ``text`` (R's order)."""
    order: dict[str, int] = {}
    try:
        tokens = list(DefaultFormulaParser().get_tokens(text))
    except Exception:  # noqa: BLE001 - parse errors are reported by _formulaic_terms
        return order
    for tok in tokens:
        if tok.kind.name in ("NAME", "PYTHON"):
            try:
                name = variable(tok.token, lookup=tok.kind.name == "NAME", python=True).name
            except FormulaError:
                continue
            order.setdefault(name, len(order))
    return order


@lru_cache(maxsize=512)
def parse_terms(text: str) -> Terms:
    """Parse ``text`` (e.g. ``"Days * sex - 1"``) into R-ordered :class:`Terms`.

    Cached by text: the result is shared, so callers must not mutate it.
    """
    # formulaic reads Python: as.factor(x), my.var, in.x, I(x %% 2)
    text = call_operators(python_names(text))
    intercept, variables, offsets, raw = False, {}, [], []
    for factors in _formulaic_terms(text):
        if len(factors) == 1 and factors[0].eval_method == FFactor.EvalMethod.LITERAL:
            if factors[0].expr not in ("1", "1.0"):
                raise FormulaError(f"constant term {factors[0].expr!r} is not allowed; use 1 or 0")
            intercept = True
            continue
        names = []
        for f in factors:
            var = _variable(f)
            if var.name.startswith("offset("):
                if len(factors) > 1:
                    raise FormulaError(f"{var.name} cannot be part of an interaction")
                offsets.append(var)
                break
            variables.setdefault(var.name, var)
            names.append(var.name)
        else:
            raw.append(names)
    seen = _appearance(text)
    order = {name: (seen.get(name, len(seen)), i) for i, name in enumerate(variables)}
    variables = dict(sorted(variables.items(), key=lambda kv: order[kv[0]]))
    terms: list[tuple[str, ...]] = []
    for names in raw:
        term = tuple(sorted(set(names), key=order.__getitem__))
        if term not in terms:
            terms.append(term)
    terms.sort(key=len)
    return Terms(intercept, terms, variables, offsets)
