"""Evaluate formula variables on a data frame (formulaic's stateful eval).

Plain column names are looked up directly; expressions such as
``log(x + 1)`` or ``scale(x)`` go through formulaic's ``stateful_eval`` with
R-like transforms, keeping each transform's state for new data.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from formulaic.utils.stateful_transforms import stateful_eval

from mixedmodels.formula._deparse import (
    free_names,
    parse_expr,
    parse_python,
    python_code,
    r_deparse,
)
from mixedmodels.formula._errors import FormulaError, UnknownVariableError
from mixedmodels.formula._rnames import python_name, r_display, r_name
from mixedmodels.formula._transforms import TRANSFORMS
from mixedmodels.formula._values import Factor, Numeric, as_value, in_time_unit

__all__ = ["Variable", "evaluate", "evaluate_raw", "variable"]


@dataclass(frozen=True)
class Variable:
    """A formula variable: its R name and how to compute it."""

    name: str
    code: str
    lookup: bool


def variable(text: str, lookup: bool = False, python: bool = False) -> Variable:
    """Make a :class:`Variable` from expression text (``lookup`` for bare
    names; ``python``: text already in Python's terms, as formulaic's terms
    of :func:`~mixedmodels.formula._deparse.call_operators`' output)."""
    if lookup:
        name = r_name(text.strip("`"))
        return Variable(r_display(name), name, True)
    node = parse_python(text) if python else parse_expr(text)
    if isinstance(node, ast.Name):
        return Variable(r_name(node.id), r_name(node.id), True)
    return Variable(r_deparse(node), python_code(node), False)


def _check_names(var: Variable, data: pd.DataFrame) -> None:
    names, funcs = free_names(parse_python(var.code))
    for name in sorted(names):
        if name not in data.columns and name not in TRANSFORMS:
            raise UnknownVariableError(name, data.columns)
    for func in sorted(funcs):
        if func not in TRANSFORMS:
            known = ", ".join(sorted(k for k, v in TRANSFORMS.items() if callable(v) and not k.startswith("_")))
            raise FormulaError(f"unknown function {func!r} in {var.name!r}; "
                               f"functions available in formulas: {known}")


def evaluate_raw(var: Variable, data: pd.DataFrame, state: dict) -> Any:
    """Evaluate ``var`` on ``data`` and return the raw result."""
    if var.lookup:
        if var.code not in data.columns:
            raise UnknownVariableError(var.code, data.columns)
        return data[var.code]
    _check_names(var, data)
    env = {python_name(k): v for k, v in TRANSFORMS.items()}
    env.update({python_name(c): data[c] for c in data.columns if isinstance(c, str)})
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # R gives -Inf/NaN silently
            return stateful_eval(var.code, env, {}, state, None)
    except FormulaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any evaluation failure is a formula problem
        raise FormulaError(f"could not evaluate {var.name!r}: {type(exc).__name__}: {exc}") from None


def evaluate(var: Variable, data: pd.DataFrame, state: dict) -> Numeric | Factor:
    """Evaluate ``var`` and classify the result (numeric block or factor).

    Dates and times keep the unit (days or seconds) of their first
    evaluation, recorded in ``state``: new data count in the training units
    whatever times of day they hold."""
    raw = evaluate_raw(var, data, state)
    value = as_value(raw, len(data))
    if isinstance(value, Numeric) and value.time_unit is not None:
        value = in_time_unit(value, state.setdefault("time_unit", value.time_unit))
    if len(getattr(value, "codes", getattr(value, "values", []))) != len(data):
        raise FormulaError(f"{var.name!r} has {len(value.codes if isinstance(value, Factor) else value.values)} "
                           f"values but the data have {len(data)} rows")
    return value
