"""Every lme4::lmer reference model: our fit against lme4's numbers.

Tolerances (issue #3): fixed effects within 1e-3 of their standard error;
standard errors and variance components within 0.2 % (variances near zero:
within 1e-4 of the total variance); log-likelihood not below lme4's by more
than 1e-3; singular flag equal; conditional modes, their variances and
fitted values of the listed rows within 1e-3 relative.
"""

import numpy as np
import pytest

from tests.conftest import REFERENCE_EXTRA, reference, reference_names

# the shared references, and the lmer ones of tools/refs (among them a small trailing
# term whose parameters lmer profiles out, as in InstEval, and three-level nesting)
LMER = reference_names("lme4::lmer") + reference_names("lme4::lmer", REFERENCE_EXTRA)
FAST = [n for n in LMER if n != "insteval_crossed"]
CASES = FAST + [pytest.param("insteval_crossed", marks=pytest.mark.slow)]


def close_rel(got, want, rel, atol=0.0):
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rel, atol=atol)


@pytest.mark.parametrize("name", CASES)
def test_fixed_effects(fitted, name):
    fit, ref = fitted(name), reference(name)
    assert list(fit.fixef.index) == list(ref["fixef"])
    se = np.array(list(ref["fixef_se"].values()))
    assert np.all(np.abs(fit.fixef.to_numpy() - np.array(list(ref["fixef"].values()))) <= 1e-3 * se)
    close_rel(np.sqrt(np.diag(fit.vcov)), se, 2e-3)


@pytest.mark.parametrize("name", CASES)
def test_variance_components_and_likelihood(fitted, name):
    fit, ref = fitted(name), reference(name)
    total = sum(sum(vc["variance"]) for vc in ref["varcorr"]) + ref["sigma"] ** 2
    ours = fit.varcorr
    for vc in ref["varcorr"]:
        rows = ours[(ours["grp"] == vc["group"]) & ours["var2"].isna()]
        assert list(rows["var1"]) == vc["terms"]
        for got, want in zip(rows["vcov"], vc["variance"]):
            assert abs(got - want) <= max(2e-3 * want, 1e-4 * total), (vc["group"], got, want)
    assert fit.sigma == pytest.approx(ref["sigma"], rel=2e-3)
    assert fit.loglik >= ref["logLik"] - 1e-3
    assert fit.is_singular == bool(ref["isSingular"])
    assert fit.ngroups == ref["ngrps"]
    assert fit.nobs == ref["nobs"]


@pytest.mark.parametrize("name", CASES)
def test_modes_and_fitted_values(fitted, name):
    fit, ref = fitted(name), reference(name)
    for group, want in ref["ranef_first10"].items():
        got = fit.ranef[group].loc[want["levels"], want["terms"]]
        scale = np.abs(np.asarray(want["values"], float)).max()
        close_rel(got.to_numpy(), want["values"], 1e-3, atol=1e-3 * scale + 1e-12)
        condvar = dict(fit.ranef_condvar)[group]
        for (names, blocks), want_blocks in zip(condvar, want["condVar_blocks"]):
            assert names == want_blocks["terms"]
            first = np.asarray(want_blocks["matrices"], float)
            idx = [list(fit.ranef[group].index).index(lv) for lv in want["levels"]]
            close_rel(blocks[idx], first, 1e-3, atol=1e-3 * np.abs(first).max() + 1e-12)
    rows = np.asarray(ref["rows_used_first10"]) - 1
    fitted_values = fit.fitted()
    close_rel(fitted_values.loc[rows], ref["fitted_first10"], 1e-3)
    population = fit.predict(re_form="~0")
    close_rel(population.loc[rows], ref["population_pred_first10"], 1e-3)
