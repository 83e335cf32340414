"""Leverage and Cook's distance of an lmer fit: lme4's ``hatvalues`` and ``cooks.distance``.

The fitted values are ``H y`` with ``H = A M^-1 A'``, ``A = W^1/2 [Z Lambda, X]``
and ``M = A'A + diag(1 (random effects), 0 (fixed effects))``, the penalized
system behind the fit; the leverages are ``diag(H)``.  Up to 6,000 random
plus fixed effects ``M^-1`` is formed densely and applied to chunks of rows
of ``A`` (11,227 rows on 2,201 levels: about a second); beyond, ``M`` is
factored by sparse LU and solved for the chunks (minutes for InstEval's
73,421 rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import lapack
from scipy.sparse.linalg import splu

from mixedmodels.lmm._matrices import term_columns

_CHUNK_ENTRIES = 20_000_000  # dense right-hand sides solved at once (160 MB)
_DENSE_MAX = 6_000  # random plus fixed effects up to which M^-1 is formed densely (288 MB), else sparse LU


def system_rows(fit) -> sp.csc_matrix:
    """``A = W^1/2 [Z Lambda, X]`` (rows used x (random + fixed effects))."""
    blocks = [term_columns(term, term.Z @ lam) for term, lam in zip(fit.frame.re_terms, fit._state.lambdas)]
    blocks.append(sp.csc_matrix(fit.frame.X))
    weights = np.ones(fit.nobs) if fit.frame.weights is None else np.asarray(fit.frame.weights, dtype=float)
    return (sp.diags(np.sqrt(weights)) @ sp.hstack(blocks, format="csc")).tocsc()


def hatvalues(fit) -> pd.Series:
    """Diagonal of the hat matrix, per row used (lme4's ``hatvalues``)."""
    A = system_rows(fit)
    q = A.shape[1] - fit.frame.X.shape[1]
    M = (A.T @ A + sp.diags(np.r_[np.ones(q), np.zeros(A.shape[1] - q)])).tocsc()
    solve = _dense_inverse_solver(M) if M.shape[0] <= _DENSE_MAX else splu(M).solve
    A = A.tocsr()
    step = max(1, _CHUNK_ENTRIES // A.shape[1])
    h = np.empty(A.shape[0])
    for start in range(0, A.shape[0], step):
        rows = A[start : start + step]
        h[start : start + step] = np.asarray(rows.multiply(solve(rows.T.toarray()).T).sum(axis=1)).ravel()
    return pd.Series(h, index=fit.frame.row_labels, name="hatvalues")


def _dense_inverse_solver(M: sp.spmatrix):
    """``x -> M^-1 x`` through the dense inverse (Cholesky; one BLAS-3 product per chunk)."""
    factor, info = lapack.dpotrf(M.toarray(), lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"the penalized system is not positive definite (dpotrf info={info})")
    inverse, info = lapack.dpotri(factor, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"the penalized system is singular (dpotri info={info})")
    inverse = np.tril(inverse) + np.tril(inverse, -1).T
    return lambda x: inverse @ x


def cooks_distance(fit) -> pd.Series:
    """Cook's distance as lme4's ``cooks.distance``: ``(r / (1 - h))^2 h / (sigma^2 p)``
    with Pearson residuals ``r``, leverages ``h`` and ``p`` fixed effects."""
    h = hatvalues(fit).to_numpy()
    r = fit.residuals("pearson").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (r / (1 - h)) ** 2 * h / (fit.sigma**2 * fit.frame.X.shape[1])
    d[np.isinf(d)] = np.nan
    return pd.Series(d, index=fit.frame.row_labels, name="cooks_distance")
