"""Likelihood-ratio tests between nested models (lme4's ``anova.merMod``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mixedmodels._warnings import MixedModelsWarning, user_stacklevel

COLUMNS = ["npar", "aic", "bic", "loglik", "deviance", "chisq", "df", "p_value"]
REFIT_MESSAGE = "refitting model(s) with ML (instead of REML)"


class RefitMessage(MixedModelsWarning):
    """lme4's message that REML fits were refitted by maximum likelihood."""


def ml_fit(fit):
    """``fit`` refitted by maximum likelihood if it was fitted by REML (else itself)."""
    return fit.update(reml=False) if getattr(fit, "reml", False) else fit


def lrt_table(fits: list, names: list[str]) -> pd.DataFrame:
    """The anova table of already comparable fits, rows sorted by npar (stably)."""
    npar = np.array([f.npar for f in fits])
    order = np.argsort(npar, kind="stable")
    fits, names, npar = [fits[i] for i in order], [names[i] for i in order], npar[order]
    loglik = np.array([f.loglik for f in fits])
    nobs = np.array([f.nobs for f in fits])
    chisq = np.concatenate([[np.nan], 2.0 * np.maximum(0.0, np.diff(loglik))])
    df = np.concatenate([[np.nan], np.diff(npar)]).astype(float)
    with np.errstate(invalid="ignore"):
        from scipy import stats  # here, not at the top: slow to import
        p = np.where(df == 0, np.nan, stats.chi2.sf(chisq, df))
    table = pd.DataFrame(
        {
            "npar": npar,
            "aic": -2 * loglik + 2 * npar,
            "bic": -2 * loglik + np.log(nobs) * npar,
            "loglik": loglik,
            "deviance": -2 * loglik,
            "chisq": chisq,
            "df": df,
            "p_value": p,
        },
        index=pd.Index(names, name="model"),
    )
    table.attrs["formulas"] = {n: getattr(f, "formula", "") for n, f in zip(names, fits)}
    return table


def anova(*fits, refit: bool = True, names: list[str] | None = None, **named) -> pd.DataFrame:
    """Likelihood-ratio table of nested models, as lme4's ``anova(m0, m1, ...)``.

    Parameters
    ----------
    *fits : LmerFit, GlmerFit, LmFit, ...
        Two or more models fitted to the same observations; anything with
        ``loglik``, ``npar`` and ``nobs``.
    refit : bool, default True
        Refit REML fits by maximum likelihood first (lme4 says so with the
        message "refitting model(s) with ML (instead of REML)", issued here as
        a :class:`RefitMessage` warning). ``refit=False`` compares the
        criteria as fitted.
    names : list of str, optional
        Row names for the positional models (default ``model1``, ``model2``, ...).
    **named
        Models given by keyword use the keyword as row name.

    Returns
    -------
    pandas.DataFrame
        Rows sorted by ``npar``; columns ``npar, aic, bic, loglik, deviance
        (-2 loglik), chisq, df, p_value``; the first row has NaN tests.
    """
    names = list(names) if names is not None else [f"model{i + 1}" for i in range(len(fits))]
    if len(names) != len(fits):
        raise ValueError(f"names must name every positional model; got {len(names)} names for {len(fits)} models.")
    fits, names = list(fits) + list(named.values()), names + list(named)
    if len(fits) < 2:
        raise ValueError(f"anova compares two or more models; got {len(fits)}.")
    nobs = {f.nobs for f in fits}
    if len(nobs) > 1:
        raise ValueError(f"models were not all fitted to the same number of observations: {sorted(nobs)}.")
    reml = [bool(getattr(f, "reml", False)) for f in fits]
    if refit and any(reml):
        warnings.warn(REFIT_MESSAGE, RefitMessage, stacklevel=user_stacklevel())
        fits = [ml_fit(f) for f in fits]
    elif any(reml) and not all(reml):
        warnings.warn("some models fit with REML = TRUE, some not", MixedModelsWarning, stacklevel=user_stacklevel())
    return lrt_table(fits, names)
