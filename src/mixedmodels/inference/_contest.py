"""t and F tests of contrasts ``L beta = 0`` (lmerTest's ``contest1D`` / ``contestMD``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg as la

from mixedmodels.inference._satterthwaite import fstat_ddf

METHODS = ("satterthwaite", "kenward-roger", "asymptotic")
_ALIASES = {"satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "kenward_roger": "kenward-roger",
            "kr": "kenward-roger", "asymptotic": "asymptotic", "normal": "asymptotic", "lme4": "asymptotic"}
T_COLUMNS = ["estimate", "std_error", "df", "statistic", "p_value"]
F_COLUMNS = ["sum_sq", "mean_sq", "num_df", "den_df", "f_value", "p_value"]


def ddf_method(ddf: str) -> str:
    """Canonical name of a denominator-df method (case and spelling as lmerTest's accepted)."""
    key = str(ddf).lower().replace(" ", "-")
    if key not in _ALIASES:
        raise ValueError(f"ddf must be one of {METHODS}; got ddf={ddf!r}.")
    return _ALIASES[key]


def t_test(fit, l, ddf: str = "satterthwaite") -> dict[str, float]:
    """Estimate, standard error, df, t and two-sided p of the contrast ``l' beta``."""
    method = ddf_method(ddf)
    l = np.asarray(l, dtype=float).ravel()
    if l.size != fit.problem.p:
        raise ValueError(f"contrast has {l.size} entries; the model has {fit.problem.p} fixed effects.")
    estimate = float(l @ fit.fixef.to_numpy())
    if method == "kenward-roger":
        kr = fit._kenward_roger
        var, df = float(l @ kr.phi_adj @ l), kr.adjust(l[None, :])[0]
    elif method == "satterthwaite":
        vc = fit._varpar_covariance
        var, df = vc.variance(l), vc.ddf(l)
    else:
        var, df = float(l @ fit.vcov.to_numpy() @ l), np.inf
    se = np.sqrt(var)
    t = estimate / se
    from scipy import stats  # here, not at the top: slow to import
    return dict(zip(T_COLUMNS, (estimate, se, df, t, float(2 * stats.t.sf(abs(t), df)))))


def f_test(fit, L, ddf: str = "satterthwaite") -> dict[str, float]:
    """F test of ``L beta = 0``: sums of squares, df, F and p in lmerTest's layout."""
    method = ddf_method(ddf)
    L = np.atleast_2d(np.asarray(L, dtype=float))
    if L.shape[1] != fit.problem.p:
        raise ValueError(f"contrast matrix has {L.shape[1]} columns; the model has {fit.problem.p} fixed effects.")
    if method == "kenward-roger":
        return _f_kenward_roger(fit, full_row_rank(L))
    if method == "asymptotic":
        L = full_row_rank(L)
        lb = L @ fit.fixef.to_numpy()
        wald = float(lb @ np.linalg.solve(L @ fit.vcov.to_numpy() @ L.T, lb)) / L.shape[0]
        return _f_row(wald, L.shape[0], np.inf, fit.sigma)
    return _f_satterthwaite(fit, L)


def _f_satterthwaite(fit, L: np.ndarray) -> dict[str, float]:
    vc = fit._varpar_covariance
    if L.shape[0] == 1:
        row = t_test(fit, L[0])
        return _f_row(row["statistic"] ** 2, 1, row["df"], fit.sigma)
    d, P = np.linalg.eigh(L @ vc.vcov_beta @ L.T)
    d, P = d[::-1], P[:, ::-1]
    q = int(np.sum(d > max(np.sqrt(np.finfo(float).eps) * d[0], 0.0)))
    PtL = P[:, :q].T @ L
    if q == 1:
        row = t_test(fit, PtL[0])
        return _f_row(row["statistic"] ** 2, 1, row["df"], fit.sigma)
    f_value = float(np.sum((PtL @ vc.beta) ** 2 / d[:q])) / q
    nu = np.array([vc.ddf(PtL[m]) for m in range(q)])
    return _f_row(f_value, q, fstat_ddf(nu), fit.sigma)


def _f_kenward_roger(fit, L: np.ndarray) -> dict[str, float]:
    kr = fit._kenward_roger
    f_unscaled = kr.wald(L, fit.fixef.to_numpy())
    ddf, scaling, q = kr.adjust(L)
    return _f_row(f_unscaled, q, ddf, fit.sigma, scaling)


def _f_row(f_value: float, q: int, ddf: float, sigma: float, scaling: float = 1.0) -> dict[str, float]:
    """lmerTest's ``mk_Ftable``: Mean Sq is the unscaled F times sigma^2."""
    mean_sq = f_value * sigma**2
    f_value *= scaling
    from scipy import stats  # here, not at the top: slow to import
    p = float(stats.f.sf(f_value, q, ddf)) if np.isfinite(ddf) else float(stats.chi2.sf(f_value * q, q))
    return dict(zip(F_COLUMNS, (mean_sq * q, mean_sq, q, ddf, f_value, p)))


def full_row_rank(L: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Rows of ``L`` spanning its row space (dependent rows dropped, as pbkrtest)."""
    if L.shape[0] <= 1:
        return L
    _, r, piv = la.qr(L.T, mode="economic", pivoting=True)
    rank = int(np.sum(np.abs(np.diag(r)) > tol * abs(r[0, 0])))
    return L[np.sort(piv[:rank])]


def coef_table(fit, ddf: str = "satterthwaite") -> pd.DataFrame:
    """t test of every fixed effect (lmerTest's ``coef(summary(fit, ddf=))``)."""
    names = fit.frame.fixef_names
    rows = [t_test(fit, l, ddf) for l in np.eye(len(names))]
    return pd.DataFrame(rows, index=pd.Index(names, name="term"), columns=T_COLUMNS)


def contest(fit, L, ddf: str = "satterthwaite") -> pd.DataFrame:
    """One row: t test of ``l' beta`` (1 row in ``L``) or F test of ``L beta = 0``."""
    try:
        L = np.atleast_2d(np.asarray(L, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"L must be numbers: a vector or matrix of weights over the fixed effects "
                         f"{list(fit.fixef.index)}; got {L!r}") from None
    if L.shape[0] == 1:
        return pd.DataFrame([t_test(fit, L[0], ddf)], columns=T_COLUMNS)
    return pd.DataFrame([f_test(fit, L, ddf)], columns=F_COLUMNS)
