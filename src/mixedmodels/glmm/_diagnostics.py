"""GLMM diagnostics lme4 lacks: separation of a binomial response, overdispersion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels._warnings import ConvergenceWarning, signal
from mixedmodels.families import Binomial

_MAX_DISTINCT_ROWS = 20_000


def separating_direction(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """A direction ``b`` with ``x'b >= 0`` where ``y = 1``, ``<= 0`` where
    ``y = 0`` and ``= 0`` where ``0 < y < 1``, strict on some rows (Konis's
    linear program); None if there is none (no separation)."""
    sign = np.where(y >= 1, 1.0, np.where(y <= 0, -1.0, 0.0))
    rows = np.unique(np.column_stack([X, sign]), axis=0)
    Xs, s = rows[:, :-1], rows[:, -1]
    if rows.shape[0] > _MAX_DISTINCT_ROWS or _every_row_pinned(Xs, s):
        return None
    signed = Xs * np.where(s == 0, 1.0, s)[:, None]
    strict, mixed = signed[s != 0], signed[s == 0]
    from scipy import optimize  # here, not at the top: slow to import

    res = optimize.linprog(
        -strict.sum(axis=0), A_ub=-strict if strict.size else None,
        b_ub=np.zeros(strict.shape[0]) if strict.size else None,
        A_eq=mixed if mixed.size else None, b_eq=np.zeros(mixed.shape[0]) if mixed.size else None,
        bounds=[(-1, 1)] * X.shape[1], method="highs",
    )
    if res.status != 0 or -res.fun < 1e-7:
        return None
    return res.x


def _every_row_pinned(Xs: np.ndarray, s: np.ndarray) -> bool:
    """Whether every distinct row of X has a response strictly between 0 and
    1, or both a 0 and a 1: each then forces ``x'b = 0``, so no direction
    separates (no linear program needed; e.g. factors with both outcomes in
    every cell)."""
    _, pattern = np.unique(Xs, axis=0, return_inverse=True)
    pattern = pattern.ravel()
    n = int(pattern.max()) + 1 if pattern.size else 0
    seen = [np.bincount(pattern[s == v], minlength=n) > 0 for v in (-1.0, 0.0, 1.0)]
    return bool(np.all(seen[1] | (seen[0] & seen[2])))


def check_separation(problem, names: list[str], level: str) -> list[str]:
    """Complete or quasi-complete separation of a binomial response by the fixed effects."""
    resp = problem.response
    if level == "ignore" or not isinstance(resp.family, Binomial) or problem.p == 0:
        return []
    keep = resp.weights > 0
    direction = separating_direction(problem.X[keep], resp.y[keep])
    if direction is None:
        return []
    terms = [n for n, b in zip(names, direction) if abs(b) > 1e-6]
    complete = np.all(np.abs(problem.X[keep] @ direction) > 1e-7)
    kind = "complete" if complete else "quasi-complete"
    msg = (f"{kind} separation: the fixed effects {', '.join(terms)} separate the responses "
           "(some estimates will diverge to +-infinity and their standard errors are meaningless); "
           "consider removing or merging those terms, or a penalized/Bayesian fit")
    signal(msg, level, ConvergenceWarning, stacklevel=6)
    return [msg]


def overdispersion(fit) -> pd.Series:
    """Pearson chi-square over residual degrees of freedom, with its p-value
    (``chi2.sf``): ratio well above 1 means overdispersion."""
    if fit.family.has_scale:
        raise ValueError(f"overdispersion is defined for families without a dispersion parameter "
                         f"(binomial, poisson); this fit is {fit.family.name}.")
    chisq = float(np.sum(fit.residuals("pearson").to_numpy() ** 2))
    rdf = fit.df_residual
    from scipy import stats  # here, not at the top: slow to import
    return pd.Series({"chisq": chisq, "ratio": chisq / rdf, "rdf": rdf, "p": float(stats.chi2.sf(chisq, rdf))})
