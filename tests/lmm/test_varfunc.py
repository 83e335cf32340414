"""``weights=mm.VarPower(v)`` and ``mm.VarExp(v)``, nlme's ``varPower(form = ~ v)``
and ``varExp(form = ~ v)``, against nlme 3.1-162 (``tools/refs/make_refs_residuals.R``:
Orthodont by REML and ML; with ``corAR1`` in ``test_corar1``), at the lmer
references' tolerances (:func:`tests.lmm.residual_refs.check_estimates`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from tests.lmm.residual_refs import MODELS as ALL_MODELS
from tests.lmm.residual_refs import (
    check_estimates,
    fit_reference,
    relative_theta,
    variance_params,
)

MODELS = {name: ref for name, ref in ALL_MODELS.items() if not ref.get("correlation")}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_nlme(name):
    check_estimates(fit_reference(MODELS[name])[0], MODELS[name])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_our_criterion_at_nlmes_estimates_is_nlmes_log_likelihood(name):
    """The weighted cross-products at nlme's power / expon and covariance:
    -2 times nlme's log-likelihood, to 1e-6."""
    from mixedmodels.core._crossprod import row_cross_products
    from mixedmodels.lmm._fit import lmer_frame, lmer_problem, offset_response
    from mixedmodels.lmm._varfunc import missing_rows, row_sd

    ref = MODELS[name]
    fit, data = fit_reference(ref)
    frame = lmer_frame(fit.formula, data, missing=missing_rows(fit.var_function, data))
    sd = row_sd(fit.var_function, data, frame)
    s = sd.multiplier(sd.searched_params(variance_params(ref)))
    template = lmer_problem(frame)
    xp = row_cross_products(template.blocks, frame.X, offset_response(frame), np.arange(len(s)), 1.0 / s**2)
    problem = template.with_cross_products(xp, -2.0 * np.sum(np.log(s)))
    assert abs(-0.5 * problem.deviance(relative_theta(ref), ref["REML"]) - ref["logLik"]) < 1e-6


@pytest.fixture(scope="module")
def power_fit():
    return mm.lmer("distance ~ age + (1 | Subject)", mm.datasets.load("Orthodont"), weights=mm.VarPower("age"))


def test_summary_update_and_simulate(power_fit):
    text = str(power_fit.summary())
    assert "Variance function:\n Structure: Power of variance covariate\n Formula: ~age\n Parameter estimates:" in text
    assert "Weights:" not in text
    ml = power_fit.update(reml=False)
    assert isinstance(ml, mm.VarFunctionFit) and not ml.reml and ml.var_function == mm.VarPower("age")
    sims = power_fit.simulate(3000, seed=4, re_form=None).to_numpy() - power_fit.fitted().to_numpy()[:, None]
    ages = mm.datasets.load("Orthodont")["age"].to_numpy()
    for age in (8, 14):
        expected = power_fit.sigma * age ** power_fit.var_delta["power"]
        assert abs(sims[ages == age].std() / expected - 1) < 0.03


def test_inference_holding_the_parameter_fixed_is_not_offered(power_fit):
    with pytest.raises(NotImplementedError, match="a variance function"):
        power_fit.coef_table("satterthwaite")
    assert power_fit.coef_table("asymptotic").shape[0] == 2


@pytest.mark.parametrize("spec, values, message", [
    (mm.VarPower("v"), [0.0, 1.0], "is 0 in some rows"),
    (mm.VarExp("v"), [1.0, np.inf], "must hold finite numbers"),
    (mm.VarExp("v"), ["8", "10"], "must be numeric"),
    (mm.VarExp("nosuch"), [1.0, 2.0], "'nosuch' is not a column"),
])
def test_bad_covariates_are_clear_errors(spec, values, message):
    data = mm.datasets.load("Orthodont")
    data = data.assign(v=np.resize(np.asarray(values), len(data)))
    with pytest.raises(mm.FormulaError, match=message):
        mm.lmer("distance ~ age + (1 | Subject)", data, weights=spec)


def test_a_missing_covariate_drops_its_row():
    data = mm.datasets.load("Orthodont")
    holed = data.assign(v=data["age"].where(data.index != 3))
    a = mm.lmer("distance ~ age + (1 | Subject)", holed, weights=mm.VarExp("v"))
    b = mm.lmer("distance ~ age + (1 | Subject)", data.drop(index=3).assign(v=lambda d: d["age"]),
                weights=mm.VarExp("v"))
    assert a.nobs == 107 and abs(a.loglik - b.loglik) < 1e-8
    with pytest.raises(mm.FormulaError, match=r"missing values .*v \(1 row\)"):
        mm.lmer("distance ~ age + (1 | Subject)", holed, weights=mm.VarExp("v"), na_action="raise")
    assert list(a.var_delta.index) == ["expon"]


@pytest.mark.parametrize("spec, transform", [
    (mm.VarExp, lambda age: age + 20), (mm.VarExp, lambda age: age * 50), (mm.VarExp, lambda age: age * 1e-4),
    (mm.VarPower, lambda age: age * 1e-3), (mm.VarPower, lambda age: age * 1e3),
])
def test_the_covariates_units_do_not_change_the_fit(spec, transform):
    """The likelihood does not change when the covariate is shifted (varExp)
    or rescaled; the search is in the covariate's own units.  Before, varExp
    of age + 20 stopped 0.002 short, of age * 50 stayed at its start (the
    homoscedastic fit) and of age * 1e-4 at its bound; nlme: -223.482492 for
    every varExp one (expon -0.00914068 per year)."""
    data = mm.datasets.load("Orthodont")
    base = mm.lmer("distance ~ age + (1 | Subject)", data, weights=spec("age"))
    moved = mm.lmer("distance ~ age + (1 | Subject)", data.assign(v=transform(data["age"])), weights=spec("v"))
    assert abs(moved.loglik - base.loglik) < 1e-6
    np.testing.assert_allclose(moved.fixef, base.fixef, rtol=1e-5)
    if spec is mm.VarExp:
        assert abs(base.loglik - (-223.482492)) < 1e-6
        slope = (transform(np.float64(9)) - transform(np.float64(8)))
        np.testing.assert_allclose(moved.var_delta["expon"] * slope, base.var_delta["expon"], rtol=1e-3)


def test_small_covariate_units_are_not_a_singular_fit():
    """varPower of x / 1000 with power 1.44: nlme's sigma (the SD at v = 1)
    is 2e4 times the residuals', so theta relative to it is 2.7e-5; lme4's
    singular check reads theta relative to the residuals' typical SD (the
    multipliers' geometric mean).  nlme: power 1.4375085, logLik -556.959281."""
    import warnings

    rng = np.random.default_rng(1)
    g, x = np.repeat(np.arange(30), 6), np.tile(np.arange(1.0, 7.0), 30)
    y = 1 + 0.5 * x + rng.normal(size=30)[g] + rng.normal(size=180) * x**1.5
    data = pd.DataFrame({"y": y, "v": x * 1e-3, "x": x, "g": g.astype(str)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", mm.SingularFitWarning)
        fit = mm.lmer("y ~ x + (1 | g)", data, weights=mm.VarPower("v"))
    assert not fit.is_singular and fit.theta.iloc[0] < 1e-4
    assert abs(fit.loglik - (-556.959281)) < 1e-6 and abs(fit.var_delta["power"] - 1.4375085) < 1e-5
