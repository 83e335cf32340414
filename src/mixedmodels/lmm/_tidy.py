"""broom.mixed-style tables of fixed effects and variance components."""

from __future__ import annotations

import numpy as np
import pandas as pd


def tidy(fit, effects: str = "fixed", conf_level: float = 0.95) -> pd.DataFrame:
    """One row per fixed effect (``"fixed"``) or per variance parameter (``"ran_pars"``).

    ``"fixed"``: term, estimate, std_error, statistic, conf_low, conf_high
    (Wald intervals at ``conf_level``).  ``"ran_pars"``: group, term
    (``sd__x``, ``cor__x.y``), estimate, variance and var_prop, each
    variance's share of the total (random-effect variances plus residual).
    """
    if effects == "fixed":
        return _fixed(fit, conf_level)
    if effects == "ran_pars":
        return _ran_pars(fit)
    raise ValueError(f"effects must be 'fixed' or 'ran_pars'; got {effects!r}.")


def _fixed(fit, conf_level: float) -> pd.DataFrame:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be between 0 and 1; got {conf_level!r}.")
    est = fit.fixef.to_numpy()
    se = np.sqrt(np.diag(fit.vcov.to_numpy()))
    from scipy import stats  # here, not at the top: slow to import
    z = stats.norm.ppf(0.5 + conf_level / 2)
    return pd.DataFrame(
        {
            "term": fit.fixef.index,
            "estimate": est,
            "std_error": se,
            "statistic": est / se,
            "conf_low": est - z * se,
            "conf_high": est + z * se,
        }
    )


def _ran_pars(fit) -> pd.DataFrame:
    vc = fit.varcorr
    is_var = vc["var2"].isna()
    total = vc.loc[is_var, "vcov"].sum()
    rows = []
    for _, r in vc.iterrows():
        if r["var2"] is None or (isinstance(r["var2"], float) and np.isnan(r["var2"])):
            name = "Observation" if r["grp"] == "Residual" else r["var1"]
            rows.append((r["grp"], f"sd__{name}", r["sdcor"], r["vcov"], r["vcov"] / total))
        else:
            rows.append((r["grp"], f"cor__{r['var1']}.{r['var2']}", r["sdcor"], np.nan, np.nan))
    return pd.DataFrame(rows, columns=["group", "term", "estimate", "variance", "var_prop"])
