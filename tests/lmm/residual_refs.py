"""The nlme fits of ``tools/refs/make_refs_residuals.R`` and ours of the same
models, for the residual-structure tests (``test_corar1``, ``test_varfunc``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import mixedmodels as mm
from tests.conftest import REFERENCE_EXTRA, reference

MODELS = {m["name"]: m for m in reference("residuals")["models"]}
DATA = {"sleep": "sleepstudy", "sleep_gaps": "sleepstudy", "sleep_rev": "sleepstudy", "ortho": "Orthodont",
        "gpa": "gpa"}
SIM_NEG = REFERENCE_EXTRA / "data" / "sim_ar1_negative.csv"
SIM_CAR1 = REFERENCE_EXTRA / "data" / "sim_car1.csv"
VARIANCE = {"varIdent": (mm.VarIdent, "|"), "varPower": (mm.VarPower, "~"), "varExp": (mm.VarExp, "~")}


def reference_data(ref: dict) -> pd.DataFrame:
    """The rows nlme was handed, in its order (with the R script's added columns)."""
    name = ref["name"]
    if name.startswith("sim_"):
        data = pd.read_csv(SIM_NEG if name.startswith("sim_neg") else SIM_CAR1)
    else:
        data = mm.datasets.load(next(DATA[k] for k in sorted(DATA, key=len, reverse=True) if name.startswith(k)))
    if "Days" in data:
        data = data.assign(late=np.where(data["Days"] >= 5, "late", "early"), Days1=data["Days"] + 1)
    return data.iloc[np.asarray(ref["rows"]) - 1].reset_index(drop=True)


def variance_spec(ref: dict):
    """Our variance function for the reference's ``weights`` (or None)."""
    if not ref.get("weights"):
        return None
    kind, after = VARIANCE[ref["weights"].split("(")[0]]
    return kind(ref["weights"].split(after)[-1].strip(" )"))


def variance_params(ref: dict) -> np.ndarray:
    """nlme's variance-function parameters as ours are searched: log-ratios
    after the first stratum's (varIdent), or the power / expon."""
    values = np.array(list((ref.get("var_coef") or {}).values()), dtype=float)
    return np.log(values[1:]) if (ref.get("weights") or "").startswith("varIdent") else values


def correlation_spec(ref: dict):
    """Our correlation structure for the reference's ``correlation`` (or None)."""
    if not ref.get("correlation"):
        return None
    time, group = (part.strip() for part in ref["correlation"].split("~")[1].rstrip(")").split("|"))
    structure = mm.CorCAR1 if ref["correlation"].startswith("corCAR1") else mm.CorAR1
    return structure(None if time == "1" else time, group)


def fit_reference(ref: dict):
    """Our fit of a reference model, and the data it was fitted to."""
    data = reference_data(ref)
    random, group = (part.strip() for part in ref["random"].split("~")[1].split("|"))
    fit = mm.lmer(f"{ref['formula']} + ({random} | {group})", data, reml=ref["REML"],
                  correlation=correlation_spec(ref), weights=variance_spec(ref))
    return fit, data


def check_estimates(fit, ref: dict) -> None:
    """The lmer references' tolerances (issue 3): fixed effects within 1e-3 of
    their SE, SEs, sigma and random-effect SDs within 0.2 %, the
    log-likelihood not below nlme's by more than 1e-3, the structure's
    parameters within 1e-3 (Phi absolute, variance parameters relative), the
    first modes and fitted values within 1e-3 relative."""
    check_fixed_part(fit, list(ref["fixef"].values()), list(ref["fixef_se"].values()), ref["sigma"],
                     ref["logLik"], ref["df"], ref.get("Phi"))
    assert fit.nobs == ref["nobs"]
    if ref.get("var_coef"):
        ours = fit.var_ident if isinstance(variance_spec(ref), mm.VarIdent) else fit.var_delta
        np.testing.assert_allclose(ours.to_numpy(), list(ref["var_coef"].values()), rtol=1e-3, atol=1e-5)
        assert list(ours.index) == list(ref["var_coef"])
    sds = fit.varcorr.query("var2.isna() and grp != 'Residual'", engine="python")["sdcor"].to_numpy()
    np.testing.assert_allclose(sds, ref["re_sd"], rtol=2e-3)
    modes = next(iter(fit.ranef.values())).loc[ref["ranef_levels_first5"]]
    np.testing.assert_allclose(modes.to_numpy().T, [ref["ranef_first5"][k] for k in ref["ranef_first5"]],
                               rtol=1e-3, atol=1e-6 * np.abs(modes.to_numpy()).max())
    np.testing.assert_allclose(fit.fitted()[:10], ref["fitted_first10"], rtol=1e-3)


def check_fixed_part(fit, fixef, se, sigma: float, loglik: float, npar: int, phi: float | None = None) -> None:
    """Fixed effects within 1e-3 of their SE, SEs and sigma within 0.2 %, the
    log-likelihood not below nlme's by more than 1e-3, nlme's parameter
    count, and any Phi within 1e-3 (the lmer references' tolerances)."""
    assert np.all(np.abs(fit.fixef.to_numpy() - fixef) <= 1e-3 * np.asarray(se))
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov.to_numpy())), se, rtol=2e-3)
    np.testing.assert_allclose(fit.sigma, sigma, rtol=2e-3)
    assert fit.loglik >= loglik - 1e-3 and fit.npar == npar
    if phi is not None:
        assert abs(fit.phi - phi) < 1e-3


def relative_theta(ref: dict) -> np.ndarray:
    """nlme's random-effects covariance relative to sigma^2 as lme4's theta
    (the lower triangle of its Cholesky factor, by columns)."""
    relative = np.linalg.cholesky(np.asarray(ref["re_cov"]) / ref["sigma"] ** 2)
    return relative.T[np.triu_indices_from(relative)]
