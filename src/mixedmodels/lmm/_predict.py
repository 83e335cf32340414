"""Fitted values, residuals and predictions (conditional, marginal, new levels)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.formula import split_formula
from mixedmodels.formula._bars import expand_bars

_NO_RANDOM = {"~0", "NA"}


def linear_predictor(fit, terms: list[int] | None = None) -> np.ndarray:
    """``X beta + sum_i Z_i b_i + offset`` on the rows used in the fit."""
    eta = fit.frame.X @ fit._solution.beta
    if fit.frame.offset is not None:
        eta = eta + fit.frame.offset
    for i, block in enumerate(fit.problem.blocks):
        if terms is None or i in terms:
            eta = eta + block.apply(fit._solution.b[i])
    return eta


def residuals(fit, type: str = "response", scaled: bool = False) -> pd.Series:
    """Residuals as lme4's ``residuals.lmResp``: ``"response"`` and ``"working"`` are
    ``y - mu``; ``"pearson"`` and ``"deviance"`` are ``sqrt(w) (y - mu)``.
    ``scaled`` divides by sigma."""
    if type not in ("response", "working", "pearson", "deviance"):
        raise ValueError(f"residual type must be 'response', 'working', 'pearson' or 'deviance'; got {type!r}.")
    r = fit.frame.response - linear_predictor(fit)
    if type in ("pearson", "deviance") and fit.frame.weights is not None:
        r = r * np.sqrt(fit.frame.weights)
    if scaled:
        r = r / fit.sigma
    return pd.Series(r, index=fit.frame.row_labels, name=f"{type} residuals")


def selected_terms(fit, re_form: str | None) -> list[int]:
    """Indices of the random-effects terms that ``re_form`` keeps.

    ``re_form``'s bars are parsed and expanded by the formula layer (so
    ``(Days || g)``, ``(1 + x | g)`` and ``(x | g)`` mean what they mean in
    the model formula) and matched to the model's terms by grouping factor
    and effects.
    """
    if re_form is None:
        return list(range(len(fit.frame.re_terms)))
    if not isinstance(re_form, str):
        raise TypeError(f"re_form must be None (all terms), '~0' or 'NA' (none), or a string of terms such as "
                        f"'~(1 | g)'; got {re_form!r}")
    if re_form.replace(" ", "") in _NO_RANDOM:
        return []
    model = [_key(spec) for text in fit.frame.spec.re_term_strings for spec in _bars(f"({text})")]
    given = _bars(re_form.strip().lstrip("~"))
    if not given:
        raise ValueError(f"re_form {re_form!r} names no random-effects term; give terms such as "
                         f"'~({fit.frame.spec.re_term_strings[0]})', '~0' (or 'NA') for none, or None for all.")
    chosen = []
    for spec in given:
        if _key(spec) not in model:
            raise ValueError(
                f"re_form term ({spec.text}) is not a random-effects term of the model; "
                f"the model has: {', '.join(f'({s})' for s in fit.frame.spec.re_term_strings)}."
            )
        chosen.append(model.index(_key(spec)))
    return sorted(set(chosen))


def _bars(rhs: str) -> list:
    """Expanded random-effects terms of a right-hand side."""
    return expand_bars(split_formula(f"y ~ {rhs}").bars)


def _key(spec) -> tuple:
    return spec.group, spec.terms.intercept, tuple(spec.terms.labels)


def predict(fit, newdata=None, re_form: str | None = None, allow_new_levels: bool = False) -> pd.Series:
    """Predictions on the response scale.

    Parameters
    ----------
    newdata : DataFrame, optional
        New rows; the training-time transforms (scale, poly, factor levels)
        are applied, and ``offset()`` terms of the formula evaluated in them
        (an offset given as the fit's ``offset`` argument is not added on new
        rows, as in lme4). Default: the data used in the fit.
    re_form : str, optional
        ``None`` uses every random-effects term; ``"~0"`` (or ``"NA"``)
        gives population-level predictions; ``"~(1 | g)"`` keeps only the
        named terms.
    allow_new_levels : bool
        Levels not seen in the fit get zero random effects instead of an error.
    """
    terms = selected_terms(fit, re_form)
    if newdata is None:
        return pd.Series(linear_predictor(fit, terms), index=fit.frame.row_labels, name="predicted")
    spec = fit.frame.spec
    eta = spec.fixed_matrix(newdata) @ fit._solution.beta
    offset = spec.offset(newdata)
    if offset is not None:
        eta = eta + offset
    index = getattr(newdata, "index", None)
    if terms:
        eta = eta + _random_part(fit, spec.re_matrices(newdata), terms, allow_new_levels, index)
    return pd.Series(eta, index=index if index is not None and len(index) == len(eta) else None, name="predicted")


def _random_part(fit, matrices, terms, allow_new_levels, index=None) -> np.ndarray:
    total = np.zeros(matrices[0][0].shape[0]) if matrices else 0.0
    for i in terms:
        Z, codes = matrices[i]
        term = fit.frame.re_terms[i]
        new = codes < 0
        if new.any() and not allow_new_levels:
            raise ValueError(
                f"newdata has levels of {term.group!r} not seen in the fit "
                f"(first in newdata row {_first_new(codes, index)!r}); pass allow_new_levels=True to predict "
                "them with zero random effects."
            )
        b = fit._solution.b[i]
        contrib = np.einsum("ij,ij->i", Z, b[np.where(new, 0, codes)])
        total = total + np.where(new, 0.0, contrib)
    return total


def _first_new(codes: np.ndarray, index) -> object:
    """Label of the first row of newdata with an unseen level."""
    first = int(np.flatnonzero(codes < 0)[0])
    return index[first] if index is not None and len(index) == len(codes) else first
