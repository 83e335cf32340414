"""Variance parameters on the standard-deviation / correlation scale, lme4's names.

lme4 lists, per random-effects term in theta's order (column-major lower
triangle), the standard deviation of each effect and the correlation of
each pair, then the residual standard deviation: ``.sig01, .sig02, ...,
.sigma`` or, with ``oldNames = FALSE``, ``sd_(Intercept)|Subject``,
``cor_Days.(Intercept)|Subject``, ``sigma``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._varcorr import term_covariances


def has_residual(fit) -> bool:
    """Whether the model has a residual standard deviation (not binomial/Poisson)."""
    return bool(getattr(fit, "has_residual", True))


def _positions(structure) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every sd/cor of a term's covariance: the column-major
    lower triangle, lme4's ``.sig`` order (whatever the term's parametrization)."""
    rows, cols = np.tril_indices(structure.k)
    order = np.lexsort((rows, cols))
    return rows[order], cols[order]


def parameter_names(fit, old_names: bool = False) -> list[str]:
    """Names of the sd/cor parameters (and sigma) in lme4's order."""
    names = []
    for term, structure in zip(fit.frame.re_terms, fit.problem.theta_map.structures):
        effects = term.effect_names
        for r, c in zip(*_positions(structure)):
            names.append(f"sd_{effects[r]}|{term.group}" if r == c else f"cor_{effects[r]}.{effects[c]}|{term.group}")
    if old_names:
        names = [f".sig{i + 1:02d}" for i in range(len(names))]
    if has_residual(fit):
        names.append(".sigma" if old_names else "sigma")
    return names


def parameter_indices(which, new_names: list[str], old_names: list[str]) -> list[int]:
    """Positions of the parameters ``which`` (names in either style, or positions; None: all)."""
    if which is None:
        return list(range(len(new_names)))
    out = []
    for w in [which] if isinstance(which, (str, int)) else which:
        if isinstance(w, (int, np.integer)):
            out.append(int(w))
        elif w in new_names:
            out.append(new_names.index(w))
        elif w in old_names:
            out.append(old_names.index(w))
        else:
            raise ValueError(f"Unknown parameter {w!r}; choose from {new_names} or {old_names}.")
    return out


def fit_sdcor(fit) -> np.ndarray:
    """The fit's sd/cor vector (then sigma if the model has one), from its term covariances."""
    out = []
    for structure, cov in zip(fit.problem.theta_map.structures, term_covariances(fit)):
        sd = np.sqrt(np.diag(cov))
        for r, c in zip(*_positions(structure)):
            if r == c:
                out.append(sd[r])
            else:
                denom = sd[r] * sd[c]
                out.append(cov[r, c] / denom if denom > 0 else 0.0)
    if has_residual(fit):
        out.append(fit.sigma)
    return np.array(out)


def sdcor_to_theta(fit, sdcor: np.ndarray, sigma: float) -> np.ndarray:
    """theta (relative Cholesky factors) of an sd/cor vector and ``sigma``; inverse of :func:`fit_sdcor`."""
    theta, start = [], 0
    for structure in fit.problem.theta_map.structures:
        rows, cols = _positions(structure)
        part = np.asarray(sdcor[start : start + rows.size], float)
        start += rows.size
        k = structure.k
        sd = np.zeros(k)
        corr = np.eye(k)
        for value, r, c in zip(part, rows, cols):
            if r == c:
                sd[r] = value
            else:
                corr[r, c] = corr[c, r] = value
        cov = corr * np.outer(sd, sd) / sigma**2
        lam = _cholesky_psd(cov)
        theta.append(lam[rows, cols])
    return np.concatenate(theta)


def _cholesky_psd(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor allowing zero variances (columns of zeros)."""
    k = cov.shape[0]
    lam = np.zeros((k, k))
    for j in range(k):
        d = cov[j, j] - lam[j, :j] @ lam[j, :j]
        lam[j, j] = np.sqrt(max(d, 0.0))
        for i in range(j + 1, k):
            lam[i, j] = (cov[i, j] - lam[i, :j] @ lam[j, :j]) / lam[j, j] if lam[j, j] > 0 else 0.0
    return lam


def variance_parameters(fit, old_names: bool = False) -> pd.Series:
    """The fit's sd/cor parameters and sigma, lme4's names."""
    return pd.Series(fit_sdcor(fit), index=parameter_names(fit, old_names), name="estimate")


def default_statistic(fit) -> pd.Series:
    """Fixed effects, then sd/cor parameters and sigma (bootstrap default)."""
    return pd.concat([fit.fixef, variance_parameters(fit)])
