"""Confidence intervals for the parameters of a mixed model (lme4's ``confint.merMod``).

Rows: the sd/cor parameters and sigma, then the fixed effects, named as
lme4 with ``oldNames = FALSE`` (``sd_(Intercept)|Subject``, ``sigma``) or,
with ``old_names=True``, ``.sig01``, ``.sigma``.  Columns ``2.5 %`` and
``97.5 %`` as R's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.comparison._parameters import (
    parameter_indices,
    parameter_names,
    variance_parameters,
)

METHODS = ("wald", "profile", "boot")


def _columns(level: float) -> list[str]:
    a = (1 - level) / 2
    return [f"{100 * a:.3g} %", f"{100 * (1 - a):.3g} %"]


def wald(fit, level: float = 0.95) -> np.ndarray:
    """``fixef -/+ qnorm((1 + level) / 2) * se``, one row per fixed effect."""
    se = np.sqrt(np.diag(np.asarray(fit.vcov, float)))
    from scipy import stats  # here, not at the top: slow to import
    z = stats.norm.ppf((1 + level) / 2)
    beta = np.asarray(fit.fixef, float)
    return np.column_stack([beta - z * se, beta + z * se])


def profile_interval(values: np.ndarray, zetas: np.ndarray, level: float, bounds=(np.nan, np.nan)) -> np.ndarray:
    """Interval from one profile, as lme4's ``confint.thpr``.

    An interpolating natural cubic spline of zeta on the parameter is
    inverted (R's ``backSpline``: a cubic Hermite spline of the parameter on
    zeta with reciprocal slopes) and read at ``-/+ qnorm((1 + level) / 2)``;
    a limit the profile does not reach becomes the parameter's bound.
    """
    order = np.argsort(values)
    x, z = values[order], zetas[order]
    from scipy import stats  # here, not at the top: slow to import
    from scipy.interpolate import CubicHermiteSpline, CubicSpline

    target = stats.norm.ppf((1 + level) / 2) * np.array([-1.0, 1.0])
    forward = CubicSpline(x, z, bc_type="natural")
    slope = forward(x, 1)
    if np.any(np.diff(z) <= 0) or np.any(slope <= 0):
        out = np.interp(target, z, x, left=np.nan, right=np.nan)
    else:
        back = CubicHermiteSpline(z, x, 1.0 / slope)
        out = np.where((target >= z[0]) & (target <= z[-1]), back(target), np.nan)
    return np.where(np.isnan(out), bounds, out)


def _bounds(name: str) -> tuple[float, float]:
    if name.startswith("cor_"):
        return (-1.0, 1.0)
    if name.startswith("sd_") or name == "sigma":
        return (0.0, np.inf)
    return (np.nan, np.nan)


def confint(fit, method: str = "profile", level: float = 0.95, parm=None, old_names: bool = False,
            nsim: int = 500, seed=None, n_jobs: int = 1, boot_type: str = "percentile",
            progress: bool = False) -> pd.DataFrame:
    """Confidence intervals, as lme4's ``confint(fit, method = ...)``.

    Parameters
    ----------
    method : {"profile", "wald", "boot"}
        Profile likelihood (the fit refitted by ML, as lme4), Wald intervals
        for the fixed effects (variance rows are NaN), or parametric
        bootstrap percentile intervals (``nsim`` replicates).
    level : float
        Confidence level.
    parm : list of str, optional
        Rows to compute (either naming style); default all.
    old_names : bool
        ``.sig01``-style names instead of ``sd_(Intercept)|Subject``.

    Returns
    -------
    pandas.DataFrame
    """
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level!r}.")
    new = parameter_names(fit) + list(fit.fixef.index)
    old = parameter_names(fit, True) + list(fit.fixef.index)
    rows = parameter_indices(parm, new, old)
    values = np.full((len(new), 2), np.nan)
    nvp = len(new) - len(fit.fixef)
    if method == "wald":
        values[nvp:] = wald(fit, level)
    elif method == "profile":
        values = _profile_values(fit, rows, new, level, values)
    else:
        values = _boot_values(fit, new, nsim, seed, n_jobs, boot_type, level)
    table = pd.DataFrame(values, index=old if old_names else new, columns=_columns(level))
    return table.iloc[rows]


def _profile_values(fit, rows, names, level, values):
    from mixedmodels.comparison._profile import make_profiler, profile_parameter

    profiler = make_profiler(fit)
    for i in rows:
        table = profile_parameter(profiler, i)
        values[i] = profile_interval(table["value"].to_numpy(), table["zeta"].to_numpy(), level, _bounds(names[i]))
    return values


def _boot_values(fit, names, nsim, seed, n_jobs, boot_type, level):
    from mixedmodels.comparison._bootstrap import bootstrap

    boot = bootstrap(fit, nsim, _varpar_then_fixef, seed, n_jobs, progress=False)
    ci = boot.confint(boot_type, level)
    return ci.loc[names].to_numpy()


def _varpar_then_fixef(fit) -> pd.Series:
    """lme4's order for bootstrap intervals: sd/cor, sigma, then fixed effects."""
    return pd.concat([variance_parameters(fit), fit.fixef])
