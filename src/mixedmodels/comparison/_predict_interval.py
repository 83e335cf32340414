"""Simulation prediction intervals (merTools' ``predictInterval``).

Each simulation draws the fixed effects from ``N(beta, vcov)``, every
level's random effects from their conditional distribution ``N(b, condVar)``
(new levels get zero), and, with ``include_residual``, a residual with
standard deviation drawn as ``sigma * sqrt(df / chi2(df))``, ``df = n - p``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.core import conditional_variances


def _psd_root(blocks: np.ndarray) -> np.ndarray:
    """``R`` with ``R R' = V`` for every ``(k, k)`` block (zero variances allowed)."""
    values, vectors = np.linalg.eigh(blocks)
    return vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]


def _design(fit, newdata):
    """Fixed matrix, (Z, codes) per term, offset and row index for the prediction rows."""
    if newdata is None:
        frame = fit.frame
        return frame.X, [(t.Z, t.codes) for t in frame.re_terms], frame.offset, frame.rows_used
    spec = fit.frame.spec
    index = getattr(newdata, "index", None)
    return spec.fixed_matrix(newdata), spec.re_matrices(newdata), spec.offset(newdata), index


def _random_draws(fit, matrices, nsim: int, rng) -> np.ndarray:
    condvar = conditional_variances(fit.problem, fit._state, fit.sigma)
    total = np.zeros((matrices[0][0].shape[0], nsim)) if matrices else 0.0
    for (Z, codes), b, V in zip(matrices, fit._solution.b, condvar):
        q, k = b.shape
        root = _psd_root(V)
        draws = b[None] + np.einsum("qab,sqb->sqa", root, rng.standard_normal((nsim, q, k)))
        known = codes >= 0
        rows = np.where(known, codes, 0)
        contrib = sum(Z[:, a, None] * draws[:, rows, a].T for a in range(k))
        total = total + np.where(known[:, None], contrib, 0.0)
    return total


def predict_interval(fit, newdata=None, level: float = 0.95, nsim: int = 1000, include_residual: bool = True,
                     seed=None, stat: str = "median") -> pd.DataFrame:
    """Prediction intervals by simulation, as merTools' ``predictInterval``.

    Parameters
    ----------
    newdata : DataFrame, optional
        Rows to predict (default: the rows used in the fit).
    level : float
        Interval coverage.
    nsim : int
        Number of simulations.
    include_residual : bool
        Add residual noise (an interval for a new observation); without it
        the interval is for the conditional mean.
    seed : int or numpy.random.Generator, optional
    stat : {"median", "mean"}
        The ``fit`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``fit``, ``lwr``, ``upr``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level!r}.")
    if stat not in ("median", "mean"):
        raise ValueError(f"stat must be 'median' or 'mean'; got {stat!r}.")
    rng = np.random.default_rng(seed)
    X, matrices, offset, index = _design(fit, newdata)
    betas = rng.multivariate_normal(np.asarray(fit.fixef, float), np.asarray(fit.vcov, float), size=nsim)
    sims = X @ betas.T + _random_draws(fit, matrices, nsim, rng)
    if offset is not None:
        sims = sims + np.asarray(offset, float)[:, None]
    if include_residual:
        df = fit.nobs - X.shape[1]
        sigmas = fit.sigma * np.sqrt(df / rng.chisquare(df, size=nsim))
        sims = sims + rng.standard_normal(sims.shape) * sigmas[None, :]
    a = (1 - level) / 2
    centre = np.median(sims, axis=1) if stat == "median" else sims.mean(axis=1)
    lwr, upr = np.quantile(sims, [a, 1 - a], axis=1)
    index = index if index is not None and len(index) == len(centre) else None
    return pd.DataFrame({"fit": centre, "lwr": lwr, "upr": upr}, index=index)
