"""``build_model_frame``: formula + data -> :class:`ModelFrame`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from mixedmodels._warnings import MixedModelsWarning, user_stacklevel
from mixedmodels.formula._bars import expand_bars
from mixedmodels.formula._contrasts import Contrasts, as_contrasts
from mixedmodels.formula._data import argument_vector, as_dataframe
from mixedmodels.formula._design import plan_design
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._evaluate import evaluate, variable
from mixedmodels.formula._frame import ModelFrame
from mixedmodels.formula._grouping import to_factor
from mixedmodels.formula._random import build_re_terms, check_levels
from mixedmodels.formula._rank import drop_aliased
from mixedmodels.formula._response import evaluate_response, response_name
from mixedmodels.formula._rnames import r_display
from mixedmodels.formula._spec import ModelSpec
from mixedmodels.formula._split import split_formula
from mixedmodels.formula._terms import parse_terms
from mixedmodels.formula._values import Factor, Numeric

__all__ = ["build_model_frame"]


def _na_rows(columns: dict[str, np.ndarray], na_action: str, n: int) -> np.ndarray:
    """Rows with a missing value in any column; raise for ``na_action="raise"``."""
    mask = np.zeros(n, dtype=bool)
    counts = {}
    for name, bad in columns.items():
        if bad.any():
            counts[name] = int(bad.sum())
            mask |= bad
    if counts and na_action == "raise":
        listed = ", ".join(f"{k} ({v} row{'s' if v > 1 else ''})" for k, v in counts.items())
        raise FormulaError(f"missing values in variables used by the model: {listed}; "
                           "remove those rows or use na_action='omit'")
    if mask.all():
        raise FormulaError(f"no rows left: every row has a missing value in {list(counts)}")
    return mask


def _missing(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return np.isnan(value).reshape(len(value), -1).any(axis=1)
    return value.na_rows()


def build_model_frame(formula: str, data: Any, *, na_action: str = "omit", weights: Any = None,
                      offset: Any = None, contrasts: dict | None = None,
                      allow_n_levels: bool = False, missing: dict[str, np.ndarray] | None = None) -> ModelFrame:
    """Turn an lme4 formula and data into arrays ready for fitting.

    Parameters
    ----------
    formula : str
        e.g. ``"Reaction ~ Days + (Days | Subject)"``.
    data : DataFrame, dict of arrays or polars DataFrame
        The variables.
    na_action : {"omit", "raise"}
        Drop rows with missing values in any variable used, or raise.
    weights, offset : None, column name or array of length ``len(data)``
        Prior weights; an offset added to the formula's ``offset()`` terms.
    contrasts : dict, optional
        Contrasts of factors of the fixed effects, R's ``contrasts`` argument:
        ``{"f": "contr.sum"}``; a value is a name (``contr.treatment``,
        ``contr.sum``, ``contr.helmert``, ``contr.poly``, ``contr.SAS``, or
        without ``contr.``) or a matrix with one row per level (a DataFrame's
        columns name its columns). The random-effects terms keep R's default
        contrasts, as in lme4 (``C(f, sum)`` in a term sets them there).
    allow_n_levels : bool
        Allow a grouping factor with as many levels as observations (glmer's
        rule); lmer's rule (False) requires fewer.
    missing : dict, optional
        Further variables of the fit outside the formula (a residual
        structure's groups or times): name -> rows where that one is missing,
        dropped or raised on by ``na_action`` as the formula's are.

    Returns
    -------
    ModelFrame
    """
    if na_action not in ("omit", "raise"):
        raise FormulaError(f"na_action must be 'omit' or 'raise', got {na_action!r}")
    frame = as_dataframe(data)
    if len(frame) == 0:
        raise FormulaError(f"the data has no rows (columns: {list(frame.columns)[:8]}); nothing to fit")
    split = split_formula(formula)
    fixed, specs = parse_terms(split.fixed), expand_bars(split.bars)
    variables = dict(fixed.variables)
    for spec in specs:
        variables.update(spec.terms.variables)
    for var in fixed.offsets:
        variables[var.name] = var
    states = {name: {} for name in variables}
    values = {name: evaluate(var, frame, states[name]) for name, var in variables.items()}
    atom_states = {a: {} for spec in specs for a in spec.atoms}
    atoms = {a: to_factor(evaluate(variable(a, lookup=True), frame, atom_states[a])) for a in atom_states}
    extras = {"response " + response_name(split.response): evaluate_response(split.response, frame),
              "weights": argument_vector(weights, frame, "weights"),
              "offset": argument_vector(offset, frame, "offset")}
    columns = {**values, **atoms, **{k: v for k, v in extras.items() if v is not None}}
    mask = _na_rows({**{k: _missing(v) for k, v in columns.items()}, **(missing or {})}, na_action, len(frame))
    rows = np.flatnonzero(~mask)
    values = {k: _subset(v, rows) for k, v in values.items()}
    atoms = {k: v.take(rows).drop_unused() for k, v in atoms.items()}
    chosen = _fixed_contrasts(contrasts, fixed.terms, values)
    model_frame = _assemble(formula, split, fixed, specs, variables, states, values, atoms,
                            {k: (None if v is None else v[rows]) for k, v in extras.items()},
                            rows, len(frame), allow_n_levels, chosen)
    model_frame.spec.atom_states = atom_states
    if isinstance(data, pd.DataFrame):
        model_frame.row_labels = data.index[rows]
    model_frame.arguments = {"weights": _kept(weights), "offset": _kept(offset), "na_action": na_action}
    if contrasts:
        model_frame.arguments["contrasts"] = dict(contrasts)
    return model_frame


def _fixed_contrasts(contrasts: dict | None, terms: list[tuple[str, ...]],
                     values: dict) -> dict[str, Contrasts]:
    """The ``contrasts`` argument checked against the fixed terms' variables,
    as R's ``model.matrix`` does: a name that is no variable there is
    ignored with R's warning; one that is not a factor is an error."""
    if not contrasts:
        return {}
    if not isinstance(contrasts, dict):
        raise FormulaError(f"contrasts must be a dict of factor name -> contrasts, e.g. "
                           f"{{'f': 'contr.sum'}}; got {type(contrasts).__name__}")
    used = {v for term in terms for v in term}
    out = {}
    for given, spec in contrasts.items():
        name = given if given in used else r_display(str(given).strip("`"))  # "my f" for `my f`
        if name not in used:
            warnings.warn(f"variable {name!r} is absent, its contrast will be ignored "
                          f"(fixed-effects variables: {sorted(used)})", MixedModelsWarning,
                          stacklevel=user_stacklevel())
        elif not isinstance(values[name], Factor):
            raise FormulaError(f"contrasts apply only to factors; {name!r} is numeric")
        else:
            out[name] = as_contrasts(spec, f"factor {name!r}")
    return out


def _kept(argument):
    """A weights or offset argument as ``update`` reuses it: a column name as
    given, values copied (changing the caller's array later changes nothing)."""
    return argument if argument is None or isinstance(argument, str) else np.array(argument, dtype=float)


def _subset(value, rows):
    """The rows used; factors lose levels that no longer occur (R's
    ``drop.unused.levels``), logical ones keep FALSE and TRUE (R's model matrix)."""
    taken = value.take(rows)
    return taken.drop_unused() if isinstance(taken, Factor) and not taken.logical else taken


def _check_finite(values: dict, extras: dict) -> None:
    """Infinite values cannot be modelled: name the variable instead of failing later."""
    named = {k: v.values for k, v in values.items() if isinstance(v, Numeric)}
    named.update({k.removeprefix("response "): v for k, v in extras.items() if isinstance(v, np.ndarray)})
    for name, arr in named.items():
        bad = int(np.isinf(arr).reshape(len(arr), -1).any(axis=1).sum())
        if bad:
            raise FormulaError(f"{name!r} has infinite values in {bad} row{'s' if bad > 1 else ''} "
                               "(e.g. log(0)); remove or recode those rows")


def _assemble(formula, split, fixed, specs, variables, states, values, atoms, extras,
              rows, n_total, allow_n_levels, contrasts) -> ModelFrame:
    n = len(rows)
    _check_finite(values, extras)
    plan, X_full = plan_design(fixed, values, n, contrasts)
    X, names, dropped = drop_aliased(X_full, list(plan.names))
    re_terms, re_plans = build_re_terms(specs, values, atoms, n)
    check_levels(re_terms, n, allow_n_levels)
    if extras["weights"] is not None and (extras["weights"] < 0).any():
        raise FormulaError("negative weights not allowed")
    total = extras["offset"]
    for var in fixed.offsets:
        part = values[var.name].values[:, 0]
        total = part.copy() if total is None else total + part
    factor_levels = {k: (v.levels, v.ordered) for k, v in values.items() if isinstance(v, Factor)}
    kept = [j for j in range(X_full.shape[1]) if j not in set(dropped)]
    spec = ModelSpec(formula, split.fixed, plan, kept, re_plans, variables, states,
                     factor_levels, list(fixed.offsets))
    response_key = next(k for k in extras if k.startswith("response "))
    return ModelFrame(formula, extras[response_key], response_name(split.response), X, names,
                      [plan.names[j] for j in dropped], re_terms, total, extras["weights"],
                      n_total - n, rows.astype(np.int64), spec)
