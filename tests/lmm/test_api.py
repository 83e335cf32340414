"""The lmer API contract: accessors, predict, simulate, update, summary, checks."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels import datasets

FORMULA = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture(scope="module")
def sleep():
    return datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def fit(sleep):
    return mm.lmer(FORMULA, sleep)


def test_accessor_types(fit):
    assert isinstance(fit.fixef, pd.Series)
    assert fit.vcov.shape == (2, 2) and list(fit.vcov.index) == ["(Intercept)", "Days"]
    assert list(fit.varcorr.columns) == ["grp", "var1", "var2", "vcov", "sdcor"]
    assert fit.varcorr["grp"].iloc[-1] == "Residual"
    assert set(fit.ranef) == {"Subject"} and fit.ranef["Subject"].shape == (18, 2)
    coef = fit.coef["Subject"]
    np.testing.assert_allclose(coef["Days"], fit.fixef["Days"] + fit.ranef["Subject"]["Days"])
    assert fit.df_residual == 174 and fit.npar == 6
    assert fit.aic == pytest.approx(-2 * fit.loglik + 12)


def test_fitted_plus_residuals_is_response(fit, sleep):
    np.testing.assert_allclose(fit.fitted() + fit.residuals(), sleep["Reaction"])
    np.testing.assert_allclose(fit.residuals(scaled=True), fit.residuals() / fit.sigma)


def test_predict_newdata_matches_fitted_and_population(fit, sleep):
    new = sleep.iloc[:25]
    np.testing.assert_allclose(fit.predict(new), fit.fitted().iloc[:25])
    population = fit.fixef["(Intercept)"] + fit.fixef["Days"] * new["Days"]
    np.testing.assert_allclose(fit.predict(new, re_form="~0"), population)
    np.testing.assert_allclose(fit.predict(new, re_form="NA"), population)


def test_predict_new_levels(fit, sleep):
    new = pd.DataFrame({"Days": [1.0, 2.0], "Subject": ["999", "308"]})
    with pytest.raises(ValueError, match="allow_new_levels"):
        fit.predict(new)
    got = fit.predict(new, allow_new_levels=True)
    assert got.iloc[0] == pytest.approx(fit.fixef["(Intercept)"] + fit.fixef["Days"])
    b = fit.ranef["Subject"].loc["308"]
    expected = fit.fixef["(Intercept)"] + 2 * fit.fixef["Days"] + b["(Intercept)"] + 2 * b["Days"]
    assert got.iloc[1] == pytest.approx(expected)


def test_predict_unknown_re_form_term(fit):
    with pytest.raises(ValueError, match="not a random-effects term"):
        fit.predict(re_form="~(1 | Nope)")


def test_simulate_is_reproducible_and_plausible(fit):
    a = fit.simulate(nsim=200, seed=1)
    b = fit.simulate(nsim=200, seed=1)
    assert a.shape == (180, 200) and a.equals(b)
    assert not a.equals(fit.simulate(nsim=200, seed=2))
    # Unconditional: the per-row variance is sigma^2 plus the random-effect variance.
    lam = fit._state.lambdas[0] * fit.sigma
    cov = lam @ lam.T
    days = fit.frame.X[:, 1]
    expected = fit.sigma**2 + cov[0, 0] + 2 * days * cov[0, 1] + days**2 * cov[1, 1]
    ratio = a.var(axis=1).to_numpy() / expected
    assert 0.75 < ratio.mean() < 1.25
    conditional = fit.simulate(nsim=400, seed=3, re_form=None)
    np.testing.assert_allclose(conditional.mean(axis=1), fit.fitted(), atol=4 * fit.sigma / np.sqrt(400) * 1.5)


def test_update_reml_to_ml_and_refit(fit, sleep):
    ml = fit.update(reml=False)
    assert not ml.reml and ml.reml_criterion is None
    direct = mm.lmer(FORMULA, sleep, reml=False)
    assert ml.loglik == pytest.approx(direct.loglik, abs=1e-8)
    same = fit.refit(sleep["Reaction"].to_numpy())
    assert same.loglik == pytest.approx(fit.loglik, abs=1e-8)
    smaller = fit.update("Reaction ~ Days + (1 | Subject)")
    assert smaller.theta.size == 1
    with pytest.raises(ValueError, match="180 values"):
        fit.refit(np.ones(3))


def test_summary_layout(fit):
    text = str(fit.summary())
    for piece in [
        "Linear mixed model fit by REML ['lmerMod']",
        "Formula: Reaction ~ Days + (Days | Subject)",
        "   Data: sleepstudy",
        "REML criterion at convergence: 1743.6",
        "Scaled residuals:",
        "Random effects:",
        " Groups   Name        Variance Std.Dev. Corr",
        "Number of obs: 180, groups:  Subject, 18",
        "Fixed effects:",
        "Correlation of Fixed Effects:",
        "(Intr)",
    ]:
        assert piece in text, piece
    ml = str(fit.update(reml=False).summary())
    assert "maximum likelihood" in ml and "df.resid" in ml and "1751.9" in ml


def test_tidy_tables(fit):
    fixed = fit.tidy()
    assert list(fixed.columns) == ["term", "estimate", "std_error", "statistic", "conf_low", "conf_high"]
    assert fixed["conf_low"].iloc[1] < fit.fixef["Days"] < fixed["conf_high"].iloc[1]
    ran = fit.tidy("ran_pars")
    assert ran["var_prop"].sum() == pytest.approx(1.0)
    assert list(ran["term"]) == ["sd__(Intercept)", "sd__Days", "cor__(Intercept).Days", "sd__Observation"]


def test_no_random_effects_is_a_clear_error(sleep):
    with pytest.raises(mm.FormulaError, match="no random-effects terms"):
        mm.lmer("Reaction ~ Days", sleep)


def test_cbind_response_points_to_glmer():
    cbpp = datasets.load("cbpp")
    with pytest.raises(mm.FormulaError, match="glmer"):
        mm.lmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp)


def test_check_levels_can_be_set(sleep):
    nurses = datasets.load("nurses")
    formula = "stress ~ age + sex + experience + treatment + wardtype + hospsize + (1 | hospital) + (1 | ward)"
    with pytest.warns(mm.SingularFitWarning, match="boundary"):
        fit = mm.lmer(formula, nurses)
    assert fit.is_singular
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm.lmer(formula, nurses, control=mm.Control(check_singular="ignore"))
    with pytest.raises(mm.CheckError, match="singular"):
        mm.lmer(formula, nurses, control=mm.Control(check_singular="raise"))
    with pytest.raises(ValueError, match="check_singular"):
        mm.Control(check_singular="loud")


def test_convergence_warning_when_optimizer_is_stopped_early(sleep):
    control = mm.Control(optimizer_options={"maxeval": 4}, restart_edge=False)
    with pytest.warns(mm.ConvergenceWarning, match="convergence code MAXEVAL_REACHED"):
        fit = mm.lmer(FORMULA, sleep, control=control)
    assert fit.optsummary.return_code == "MAXEVAL_REACHED"


def test_scale_warning(sleep):
    data = sleep.assign(Big=sleep["Days"] * 1e5)
    with pytest.warns(mm.ScaleWarning, match="very different scales"):
        mm.lmer("Reaction ~ Big + (1 | Subject)", data)


def test_optimizer_choices_reach_the_same_optimum(fit, sleep):
    for method in ["newuoa", "scipy-lbfgsb"]:
        other = mm.lmer(FORMULA, sleep, control=mm.Control(optimizer=method))
        assert other.loglik == pytest.approx(fit.loglik, abs=1e-4), method
        assert other.optsummary.method == method
    with pytest.raises(ValueError, match="Unknown optimizer"):
        mm.lmer(FORMULA, sleep, control=mm.Control(optimizer="magic"))


def test_weights_scale_the_residual_variance(sleep):
    w = np.where(sleep["Days"] > 4, 2.0, 1.0)
    fit_w = mm.lmer(FORMULA, sleep, weights=w)
    assert fit_w.frame.weights is not None
    np.testing.assert_allclose(fit_w.residuals("pearson"), fit_w.residuals() * np.sqrt(w))
    np.testing.assert_allclose(fit_w.residuals("deviance"), fit_w.residuals("pearson"))


def test_results_carry_the_data_index(sleep):
    labelled = sleep.set_axis([f"r{i}" for i in range(len(sleep))])
    fit = mm.lmer(FORMULA, labelled)
    for series in [fit.fitted(), fit.residuals(), fit.predict()]:
        assert list(series.index[:2]) == ["r0", "r1"]
    assert list(fit.simulate(seed=1).index[:2]) == ["r0", "r1"]
    new = labelled.iloc[:2].assign(Subject=["999", "999"])
    with pytest.raises(ValueError, match="newdata row 'r0'"):
        fit.predict(new)


def test_re_form_terms_are_parsed_like_the_model_formula(fit, sleep):
    np.testing.assert_allclose(fit.predict(re_form="~(1 + Days | Subject)"), fit.predict())
    np.testing.assert_allclose(fit.predict(re_form="~(Days | Subject)"), fit.predict())
    uncorr = mm.lmer("Reaction ~ Days + (Days || Subject)", sleep)
    np.testing.assert_allclose(uncorr.predict(re_form="~(Days || Subject)"), uncorr.predict())
    intercept_only = uncorr.predict(re_form="~(1 | Subject)")
    b0 = uncorr.ranef["Subject"]["(Intercept)"].to_numpy()[uncorr.frame.re_terms[0].codes]
    np.testing.assert_allclose(intercept_only, uncorr.predict(re_form="~0") + b0)
    with pytest.raises(ValueError, match="not a random-effects term"):
        fit.predict(re_form="~(1 | Subject)")


def test_gradient_check_flags_a_point_short_of_the_optimum(sleep):
    """lme4's scaled-gradient check (finite differences at the returned
    theta) fires for a fit stopped early and stays quiet at the optimum."""
    control = mm.Control(optimizer_options={"maxeval": 8}, restart_edge=False)
    with pytest.warns(mm.ConvergenceWarning, match=r"max\|grad\|"):
        mm.lmer(FORMULA, sleep, control=control)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mm.ConvergenceWarning)
        mm.lmer(FORMULA, sleep)


def test_the_factor_at_the_optimum_is_the_one_the_search_formed(sleep, monkeypatch):
    """The fit keeps the factor of the best evaluation instead of forming it
    again at the optimum (one dense factorization fewer per fit)."""
    from mixedmodels.core import LinearMixedProblem

    formed = []
    update = LinearMixedProblem.update

    def recording(self, theta):
        formed.append((np.array(theta), update(self, theta)))
        return formed[-1][1]

    monkeypatch.setattr(LinearMixedProblem, "update", recording)
    for control in (mm.Control(), mm.Control(check_conv_nobsmax=0)):  # with and without the derivative checks
        formed.clear()
        fit = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, control=control)
        at_optimum = [state for theta, state in formed if np.array_equal(theta, fit.optsummary.final)]
        assert len(at_optimum) == 1 and at_optimum[0] is fit._state  # formed once, by the search
        # nothing formed after the search but deriv12's two points (one parameter)
        assert len(formed) == fit.optsummary.feval + (0 if control.check_conv_nobsmax == 0 else 2)


def test_reml_must_be_a_bool(fit, sleep):
    """A string such as "ML" would otherwise pass as true and fit by REML."""
    with pytest.raises(TypeError, match="reml must be True .* got 'ML'"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, reml="ML")
    with pytest.raises(TypeError, match="got 0"):
        fit.update(reml=0)


@pytest.mark.parametrize("fitter", [lambda d: mm.lmer("Reaction ~ Days + (1 | Subject)", d),
                                    lambda d: mm.glmer("Days ~ 1 + (1 | Subject)", d, family="poisson")])
def test_empty_data_is_a_clear_error(sleep, fitter):
    with pytest.raises(mm.FormulaError, match="the data has no rows .*'Reaction'"):
        fitter(sleep.iloc[:0])


def test_re_form_without_terms_is_a_clear_error(fit):
    with pytest.raises(ValueError, match="re_form 'hello' names no random-effects term.*'~0'"):
        fit.predict(re_form="hello")
    with pytest.raises(TypeError, match="re_form must be None .* got nan"):
        fit.predict(re_form=float("nan"))
    np.testing.assert_allclose(fit.predict(re_form="~ 0"), fit.predict(re_form="NA"))


def test_control_must_be_a_control(sleep):
    with pytest.raises(TypeError, match=r"control must be a mixedmodels.Control .* got dict"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, control={"optimizer": "newuoa"})


def test_newuoa_on_one_parameter_is_a_clear_error(sleep):
    """nlopt's NEWUOA needs two parameters (its bare invalid_argument otherwise)."""
    with pytest.raises(ValueError, match="'newuoa' needs at least two parameters.*'bobyqa'"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, control=mm.Control(optimizer="newuoa"))
    two = mm.lmer("Reaction ~ Days + (Days || Subject)", sleep, control=mm.Control(optimizer="newuoa"))
    assert two.optsummary.method == "newuoa"


def test_contest_takes_numbers(fit):
    with pytest.raises(ValueError, match=r"L must be numbers: .* \['\(Intercept\)', 'Days'\]; got 'Days'"):
        fit.contest("Days")


def test_coef_puts_random_only_effects_first_as_lme4():
    """lme4's ``coef`` prepends a random effect that is no fixed effect (its
    fixed part 0): ``coef(lmer(Reaction ~ 1 + (Days | Subject)))`` has columns
    Days, (Intercept); R: subject 308 20.6010269, 249.4572."""
    fit = mm.lmer("Reaction ~ 1 + (Days | Subject)", mm.datasets.load("sleepstudy"))
    table = fit.coef["Subject"]
    assert list(table.columns) == ["Days", "(Intercept)"]
    np.testing.assert_allclose(table.loc["308"], [20.6010269, 249.4572], rtol=1e-5)


def test_summary_scaled_residuals_are_pearson_with_weights():
    """lme4's summary prints Pearson residuals over sigma, sqrt(w) included. R:
    quantile(summary(lmer(distance ~ age + (1 | Subject), Orthodont, weights =
    ifelse(Sex == "Male", 1, 4)))$residuals): -3.2522 -0.5006 0.0183 0.5421 3.2188."""
    data = mm.datasets.load("Orthodont")
    fit = mm.lmer("distance ~ age + (1 | Subject)", data, weights=np.where(data["Sex"] == "Male", 1.0, 4.0))
    assert "-3.2522 -0.5006  0.0183  0.5421  3.2188" in str(fit.summary())
