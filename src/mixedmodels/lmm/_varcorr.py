"""Variance components in the layout of R's ``as.data.frame(VarCorr(fit))``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def term_covariances(fit) -> list[np.ndarray]:
    """Covariance matrix ``sigma^2 lambda lambda'`` of every term's effects."""
    return [fit.sigma**2 * lam @ lam.T for lam in fit._state.lambdas]


def varcorr_frame(fit) -> pd.DataFrame:
    """Rows grp, var1, var2, vcov, sdcor: variances, then covariances, Residual last."""
    rows = []
    for term, cov in zip(fit.frame.re_terms, term_covariances(fit)):
        sd = np.sqrt(np.diag(cov))
        names = term.effect_names
        for a, name in enumerate(names):
            rows.append((term.name, name, None, cov[a, a], sd[a]))
        for b in range(len(names)):
            for a in range(b + 1, len(names)):
                denom = sd[a] * sd[b]
                corr = cov[a, b] / denom if denom > 0 else np.nan
                rows.append((term.name, names[b], names[a], cov[a, b], corr))
    if getattr(fit, "has_residual", True):
        rows.append(("Residual", None, None, fit.sigma**2, fit.sigma))
    return pd.DataFrame(rows, columns=["grp", "var1", "var2", "vcov", "sdcor"])
