"""Drop aliased fixed-effect columns as lme4's ``chkRank.drop.cols`` does.

R's ``qr(X, tol = 1e-7, LAPACK = FALSE)`` (LINPACK ``dqrdc2``) moves a column
to the end when its norm, after removing what earlier columns explain, falls
below ``tol`` times its original norm; those columns are dropped.
"""

from __future__ import annotations

import warnings

import numpy as np

from mixedmodels._warnings import MixedModelsWarning, user_stacklevel

__all__ = ["RankDeficiencyWarning", "aliased_columns", "drop_aliased"]


class RankDeficiencyWarning(MixedModelsWarning):
    """Columns of the fixed-effects matrix were dropped as linear combinations.

    lme4 reports this as a message; silence it with
    ``warnings.filterwarnings("ignore", category=RankDeficiencyWarning)``.
    """


_CLEAR_MARGIN = 1e3  # relative residual norms this many times tol are trusted from the Gram matrix


def aliased_columns(X: np.ndarray, tol: float = 1e-7) -> list[int]:
    """Indices of columns that are (numerically) combinations of earlier ones
    (Gram-Schmidt, twice per column, into a preallocated orthonormal basis),
    after a quick check that answers "none" for clearly full-rank ``X``."""
    if _clearly_full_rank(X, tol):
        return []
    basis = np.empty((X.shape[0], X.shape[1]), order="F")  # leading columns contiguous
    kept = 0
    dropped = []
    for j in range(X.shape[1]):
        x = X[:, j]
        q = basis[:, :kept]
        norm0 = float(np.linalg.norm(x))
        r = x - q @ (q.T @ x)
        r = r - q @ (q.T @ r)
        norm = float(np.linalg.norm(r))
        if norm0 == 0.0 or not np.isfinite(norm) or norm < tol * norm0:
            dropped.append(j)
        else:
            basis[:, kept] = r / norm
            kept += 1
    return dropped


def _clearly_full_rank(X: np.ndarray, tol: float) -> bool:
    """Whether every column keeps more than ``_CLEAR_MARGIN * tol`` of its
    norm after removing what earlier columns explain, read off the Cholesky
    factor of the columns' correlation matrix (one product instead of a
    pass over the rows per column; the squared arithmetic is accurate far
    above ``tol``).  False means "look closer", not "rank deficient"."""
    norms = np.linalg.norm(X, axis=0)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0.0):
        return False
    unit = X / norms  # before the product: squares of tiny columns would underflow
    gram = unit.T @ unit
    try:
        chol = np.linalg.cholesky(gram)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.diagonal(chol) > _CLEAR_MARGIN * tol))


def drop_aliased(X: np.ndarray, names: list[str], tol: float = 1e-7
                 ) -> tuple[np.ndarray, list[str], list[int]]:
    """Drop aliased columns, warning with lme4's message.

    Returns
    -------
    X : ndarray
        The kept columns.
    names : list of str
        Their names.
    dropped : list of int
        Indices (into the input) of the dropped columns.
    """
    dropped = aliased_columns(X, tol) if X.shape[1] else []
    if not dropped:
        return X, names, []
    k = len(dropped)
    what = "column / coefficient" if k == 1 else "columns / coefficients"
    warnings.warn(f"fixed-effect model matrix is rank deficient so dropping {k} {what}",
                  RankDeficiencyWarning, stacklevel=user_stacklevel())
    keep = [j for j in range(X.shape[1]) if j not in set(dropped)]
    return X[:, keep], [names[j] for j in keep], dropped
