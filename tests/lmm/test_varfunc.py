"""``weights=mm.VarPower(v)`` and ``mm.VarExp(v)``, nlme's ``varPower(form = ~ v)``
and ``varExp(form = ~ v)``, against nlme 3.1-162 (``tools/refs/make_refs_residuals.R``:
Orthodont by REML and ML; with ``corAR1`` in ``test_corar1``), at the lmer
references' tolerances (:func:`tests.lmm.residual_refs.check_estimates`)."""

from __future__ import annotations

import numpy as np
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
    s = row_sd(fit.var_function, data, frame).multiplier(variance_params(ref))
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
    (mm.VarExp("v"), ["a", "b"], "must hold finite numbers"),
    (mm.VarExp("nosuch"), [1.0, 2.0], "'nosuch' is not a column"),
])
def test_bad_covariates_are_clear_errors(spec, values, message):
    data = mm.datasets.load("Orthodont")
    data = data.assign(v=np.resize(np.asarray(values, dtype=object), len(data)))
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
