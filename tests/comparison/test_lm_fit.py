"""``lm`` against R's ``lm`` summaries stored in the reference files."""

import numpy as np
import pytest

import mixedmodels as mm
from tests.comparison._refs import extra, fit_call


def test_lm_matches_r():
    ref = extra("lrt_sleep_lmer_vs_lm")["fits"]["lm0"]["summary"]
    fit = fit_call("sleepstudy", "lm(Reaction ~ Days, data = dat)")
    np.testing.assert_allclose(fit.fixef.to_numpy(), list(ref["fixef"].values()), rtol=1e-10)
    np.testing.assert_allclose([fit.sigma, fit.loglik], [ref["sigma"], ref["logLik"]], rtol=1e-10)
    assert fit.npar == ref["logLik_df"] and fit.nobs == ref["nobs"]
    assert fit.aic == pytest.approx(-2 * ref["logLik"] + 2 * 3)


def test_lm_reml_loglik_matches_lmertest_ranova():
    # lmerTest's ranova row for removing the only random term is the lm's REML logLik.
    row = extra("lmertest_exam_int")["tables"]["ranova"]["table"]["rows"]["(1 | school)"]
    fit = mm.lm("normexam ~ standLRT + sex", mm.datasets.load("Exam"))
    assert fit.loglik_of(reml=True) == pytest.approx(row["logLik"], rel=1e-10)


def test_lm_refit_and_simulate():
    fit = mm.lm("Reaction ~ Days", mm.datasets.load("sleepstudy"))
    y = fit.simulate(2, seed=1)
    assert y.shape == (180, 2)
    again = fit.refit(y["sim_1"])
    assert again.fixef.index.tolist() == ["(Intercept)", "Days"]
    with pytest.raises(mm.FormulaError, match="random-effects"):
        mm.lm("Reaction ~ Days + (1 | Subject)", mm.datasets.load("sleepstudy"))


def test_glm_gaussian_is_lm_and_poisson_loglik():
    from scipy import stats

    sleep = mm.datasets.load("sleepstudy")
    g, l = mm.glm("Reaction ~ Days", sleep), mm.lm("Reaction ~ Days", sleep)
    np.testing.assert_allclose(g.fixef, l.fixef, rtol=1e-10)
    assert g.loglik == pytest.approx(l.loglik, rel=1e-10) and g.npar == l.npar
    cbpp = mm.datasets.load("cbpp")
    p = mm.glm("incidence ~ period", cbpp, family="poisson")
    assert p.loglik == pytest.approx(stats.poisson.logpmf(cbpp["incidence"], p.fitted()).sum(), rel=1e-10)
    b = mm.glm("cbind(incidence, size - incidence) ~ period", cbpp, family="binomial")
    assert b.fixef["(Intercept)"] == pytest.approx(-1.26902, abs=1e-5)  # R: glm(..., binomial)
    assert b.npar == 4


@pytest.mark.parametrize("kind", ["lm", "glm", "lmer", "lmer_reml"])
def test_information_criteria_are_python_floats(kind):
    sleep = mm.datasets.load("sleepstudy")
    fit = {
        "lm": lambda: mm.lm("Reaction ~ Days", sleep),
        "glm": lambda: mm.glm("Reaction ~ Days", sleep, family="Gamma"),
        "lmer": lambda: mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, reml=False),
        "lmer_reml": lambda: mm.lmer("Reaction ~ Days + (1 | Subject)", sleep),
    }[kind]()
    for value in (fit.aic, fit.bic, fit.deviance, fit.loglik):
        assert type(value) is float
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2 * fit.npar, rel=1e-12)
    assert fit.bic == pytest.approx(-2 * fit.loglik + np.log(fit.nobs) * fit.npar, rel=1e-12)
    assert fit.formula.startswith("Reaction ~ Days")


def test_glm_warns_when_irls_stops_at_maxit():
    from mixedmodels.families import Poisson

    cbpp = mm.datasets.load("cbpp")
    with pytest.warns(mm.ConvergenceWarning, match="glm.fit: algorithm did not converge"):
        short = mm.glm("incidence ~ period", cbpp, family="poisson", maxit=2)
    assert not short.converged and short.iterations == 2
    full = mm.glm("incidence ~ period", cbpp, family=Poisson())  # a Family instance is used as given
    assert full.converged and full.iterations < 25
    np.testing.assert_allclose(full.fixef, mm.glm("incidence ~ period", cbpp, family="poisson").fixef, rtol=0)
    with pytest.raises(ValueError, match="maxit=0"):
        mm.glm("incidence ~ period", cbpp, family="poisson", maxit=0)


@pytest.mark.parametrize("fitter, formula, family, hint", [
    ("lm", "Reaction ~ Days + (1 | Subject)", None, "lmer"),
    ("glm", "Reaction ~ Days + (1 | Subject)", "gaussian", "glmer"),
])
def test_bars_are_refused_with_the_mixed_model_to_use(fitter, formula, family, hint):
    data = mm.datasets.load("sleepstudy")
    kwargs = {} if family is None else {"family": family}
    with pytest.raises(mm.FormulaError, match=f"mixedmodels.{hint}"):
        getattr(mm, fitter)(formula, data, **kwargs)
