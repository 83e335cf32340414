"""Every lme4 GLMM reference (glmer, glmer.nb): our fit against lme4's numbers.

Tolerances (issue #5): fixed effects within 1e-3 of their standard error;
standard errors within 0.5 %; random-effect variances within 0.5 %;
log-likelihood not below lme4's by more than 1e-3; conditional modes of the
listed levels and their conditional variances (lme4's condVar) within 1e-3
relative.

Standard errors: lme4 takes them from a finite-difference Hessian of the
deviance over (theta, beta) (``deriv12``, step 1e-4) of its stage-2
deviance function, which restarts PIRLS from the stage-1 linear predictor
each time, stops it when the penalized deviance changes by less than 1e-7
relative and reads the log-determinant at the weights of the iterate before
the last.  ``GlmerControl(vcov_hessian="lme4")`` (the default, "auto",
with the logit and log links) evaluates that function; the Hessian of the converged Laplace deviance
(``vcov_hessian="converged"``) gives cbpp standard errors 1.3-1.4 % off
lme4's (tests/glmm/test_api.py::test_vcov_hessian_choices).
"""

import numpy as np
import pytest

from tests.glmm.conftest import glmm_reference, glmm_reference_names

NAMES = glmm_reference_names()
SLOW = {"grouse_nb_brood", "grouse_nb_location"}
CASES = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in NAMES]


def test_all_glmer_references_are_covered():
    assert {"cbpp_glmm", "grouse_pois", "patents_pois", "speed_glmm"} <= set(NAMES)


# lme4's stage-2 Nelder-Mead stopped short of the optimum on these fits: our
# log-likelihood is higher (measured +2.9e-4 to +4.6e-4), so our fixed effects
# may move further than 1e-3 SE.  They get 3e-3 SE, and the test asserts the
# better optimum that justifies it; every other model is held to 1e-3.
STOPPED_SHORT = {"cbpp_glmm", "cbpp_prop_weights", "cbpp_pois_offset", "cbpp_pois_offset_arg", "verbagg_bern"}


def fixef_tolerance(name, fit, ref) -> float:
    """1e-3 standard errors; 3e-3 for the fits in STOPPED_SHORT, where our
    log-likelihood must then exceed lme4's by more than 1e-4."""
    if name not in STOPPED_SHORT:
        return 1e-3
    assert fit.loglik - ref["logLik"] > 1e-4, "the looser fixef tolerance needs a better optimum"
    return 3e-3


@pytest.mark.parametrize("name", CASES)
def test_fixed_effects(glmm_fitted, name):
    fit, ref = glmm_fitted(name), glmm_reference(name)
    assert list(fit.fixef.index) == list(ref["fixef"])
    se = np.array(list(ref["fixef_se"].values()))
    err = np.abs(fit.fixef.to_numpy() - np.array(list(ref["fixef"].values()))) / se
    assert err.max() <= fixef_tolerance(name, fit, ref), err


@pytest.mark.parametrize("name", CASES)
def test_standard_errors(glmm_fitted, name):
    fit, ref = glmm_fitted(name), glmm_reference(name)
    se = np.array(list(ref["fixef_se"].values()))
    ours = np.sqrt(np.diag(fit.vcov.to_numpy()))
    np.testing.assert_allclose(ours, se, rtol=0.005)


@pytest.mark.parametrize("name", CASES)
def test_variances_likelihood_and_counts(glmm_fitted, name):
    fit, ref = glmm_fitted(name), glmm_reference(name)
    ours = fit.varcorr
    for vc in ref["varcorr"]:
        rows = ours[(ours["grp"] == vc["group"]) & ours["var2"].isna()]
        assert list(rows["var1"]) == vc["terms"]
        np.testing.assert_allclose(rows["vcov"].to_numpy(), vc["variance"], rtol=5e-3)
    assert fit.loglik >= ref["logLik"] - 1e-3
    assert fit.npar == ref["logLik_df"]
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-3)
    assert fit.is_singular == bool(ref["isSingular"])
    assert fit.ngroups == ref["ngrps"]
    assert fit.nobs == ref["nobs"]
    assert fit.deviance == pytest.approx(ref["deviance"], rel=1e-3)
    assert fit.aic == pytest.approx(ref["AIC"], abs=2e-3)


@pytest.mark.parametrize("name", CASES)
def test_modes_and_fitted_values(glmm_fitted, name):
    fit, ref = glmm_fitted(name), glmm_reference(name)
    for group, want in ref["ranef_first10"].items():
        got = fit.ranef[group].loc[want["levels"], want["terms"]].to_numpy()
        scale = np.abs(np.asarray(want["values"], float)).max()
        np.testing.assert_allclose(got, want["values"], rtol=1e-3, atol=1e-3 * scale)
        idx = fit.ranef[group].index.get_indexer(want["levels"])
        for (names, blocks), want_blocks in zip(dict(fit.ranef_condvar)[group], want.get("condVar_blocks", [])):
            assert names == want_blocks["terms"]
            first = np.asarray(want_blocks["matrices"], float)
            np.testing.assert_allclose(blocks[idx], first, rtol=1e-3, atol=1e-3 * np.abs(first).max())
    rows = np.asarray(ref["rows_used_first10"]) - 1
    np.testing.assert_allclose(fit.fitted().loc[rows], ref["fitted_first10"], rtol=1e-3)
    np.testing.assert_allclose(fit.predict().loc[rows], ref["linpred_first10"], rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(fit.predict(re_form="~0").loc[rows], ref["population_pred_first10"],
                               rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name", [n for n in NAMES if "deviance_residuals_first10" in glmm_reference(n)])
def test_residuals(glmm_fitted, name):
    fit, ref = glmm_fitted(name), glmm_reference(name)
    rows = np.asarray(ref["rows_used_first10"]) - 1
    for kind in ("deviance", "pearson", "response"):
        want = ref[f"{kind}_residuals_first10"]
        np.testing.assert_allclose(fit.residuals(kind).loc[rows], want, rtol=2e-3, atol=2e-3)
