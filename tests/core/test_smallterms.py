"""Small trailing terms profiled out of the LMM deviance
(:mod:`mixedmodels.core._smallterms`): the same deviance, the same optimum."""

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core import _smallterms
from mixedmodels.core._fit_theta import ThetaSearch
from mixedmodels.core._smallterms import SmallTermProfile
from mixedmodels.lmm._fit import lmer_frame, lmer_problem


def crossed_with_small_term(sd_small=0.4, slope=False, n=2500, seed=11):
    """Subjects x items crossed, plus a 6-level site term (intercept, or intercept and slope)."""
    rng = np.random.default_rng(seed)
    subj, item, site = rng.integers(0, 300, n), rng.integers(0, 80, n), rng.integers(0, 6, n)
    x = rng.normal(size=n)
    site_slope = rng.normal(0, 0.3, 6)[site] * x if slope else 0.0
    y = (1 + 0.5 * x + rng.normal(0, 0.8, 300)[subj] + rng.normal(0, 0.5, 80)[item]
         + rng.normal(0, sd_small, 6)[site] + site_slope + rng.normal(size=n))
    return pd.DataFrame({"y": y, "x": x, "subj": subj, "item": item, "site": site})


FORMULA = "y ~ x + (1 | subj) + (1 | item) + (1 | site)"


@pytest.fixture
def small_leading(monkeypatch):
    """Let the 80-level item block count as a large leading part."""
    monkeypatch.setattr(_smallterms, "MIN_LEADING", 50)


def problem_of(formula, data):
    return lmer_problem(lmer_frame(formula, data))


def test_chosen_only_with_a_large_leading_part(small_leading, monkeypatch):
    data = crossed_with_small_term()
    profile = SmallTermProfile.for_problem(problem_of(FORMULA, data))
    assert profile is not None and profile.n_outer == 2 and profile.n_small_re == 6
    assert SmallTermProfile.for_problem(problem_of("y ~ x + (1 | subj) + (1 | item)", data)) is None
    monkeypatch.setattr(_smallterms, "MIN_LEADING", 81)
    assert SmallTermProfile.for_problem(problem_of(FORMULA, data)) is None


@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("slope", [False, True])
def test_small_factor_gives_the_full_deviance(small_leading, reml, slope):
    formula = FORMULA.replace("(1 | site)", "(1 + x | site)") if slope else FORMULA
    problem = problem_of(formula, crossed_with_small_term(slope=slope))
    profile = SmallTermProfile.for_problem(problem)
    outer = np.array([0.7, 0.45])
    lead = profile.leading(outer)
    inners = [np.array([0.3, 0.1, 0.25]), np.array([1.2, -0.4, 0.0])] if slope else [np.array([0.3]), np.array([0.0])]
    for inner in inners:
        want = problem.deviance(profile.full_theta(outer, inner), reml)
        assert profile.inner_deviance(lead, inner, reml) == pytest.approx(want, rel=1e-11)


def test_full_deviance_reuses_the_large_factor(small_leading, monkeypatch):
    """At any theta the problem's own deviance; a point that differs only in
    the small terms' parameters costs no large factorization."""
    formula = FORMULA.replace("(1 | site)", "(1 + x | site)")
    problem = problem_of(formula, crossed_with_small_term(slope=True))
    profile = SmallTermProfile.for_problem(problem)
    factored = []
    leading = profile.leading
    monkeypatch.setattr(profile, "leading", lambda outer: factored.append(outer) or leading(outer))
    points = [[0.7, 0.45, 0.3, 0.1, 0.25], [0.7, 0.45, 0.31, 0.0, 0.2], [0.7, 0.46, 0.3, 0.1, 0.25],
              [0.7, 0.45, 0.0, -0.2, 0.0]]
    for theta in map(np.array, points):
        assert profile.full_deviance(theta, True) == pytest.approx(problem.deviance(theta, True), rel=1e-11)
    assert len(factored) == 2  # (0.7, 0.45) and (0.7, 0.46)
    monkeypatch.setattr(_smallterms, "MAX_KEPT_LEADING", 2)
    profile.full_deviance(np.array([0.7, 0.47, 0.3, 0.1, 0.25]), True)  # the oldest, (0.7, 0.45), goes
    profile.full_deviance(np.array(points[2]), True)
    assert len(factored) == 3
    profile.full_deviance(np.array(points[0]), True)
    assert len(factored) == 4


def test_derivative_checks_through_the_profile_match_the_direct_ones(small_leading, monkeypatch):
    """lme4's deriv12 at the optimum: the same gradient and Hessian whether the
    deviance goes through the profile (the fit's checks) or not."""
    from mixedmodels.core._derivs import gradient_hessian

    formula = FORMULA.replace("(1 | site)", "(1 + x | site)")
    data = crossed_with_small_term(slope=True)
    fit = mm.lmer(formula, data, reml=False)
    problem, x = fit.problem, fit.optsummary.final
    profile = SmallTermProfile.for_problem(problem)
    lower = problem.theta_map.lower_bounds()
    direct = gradient_hessian(lambda t: problem.deviance(t, False), x, lower=lower)
    profiled = gradient_hessian(lambda t: profile.full_deviance(t, False), x, lower=lower)
    np.testing.assert_allclose(profiled[0], direct[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(profiled[1], direct[1], rtol=0, atol=1e-6 * np.abs(direct[1]).max())
    # short of the optimum the checks still fire, as on the direct path
    monkeypatch.setattr(_smallterms.SmallTermProfile, "full_deviance",
                        lambda self, theta, reml: problem.deviance(theta, reml) + 50.0 * theta[0])
    with pytest.warns(mm.ConvergenceWarning, match="max\\|grad\\|"):
        mm.lmer(formula, data, reml=False)


@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("sd_small, slope", [(0.4, False), (0.0, False), (0.4, True)])
def test_profiled_fit_reaches_the_joint_optimum(small_leading, reml, sd_small, slope):
    formula = FORMULA.replace("(1 | site)", "(1 + x | site)") if slope else FORMULA
    data = crossed_with_small_term(sd_small=sd_small, slope=slope)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joint = mm.lmer(formula, data, reml=reml, control=mm.Control(profile_small_terms=False))
        profiled = mm.lmer(formula, data, reml=reml)
    assert profiled.optsummary.inner_feval > 0 and joint.optsummary.inner_feval == 0
    assert profiled.optsummary.feval < joint.optsummary.feval
    # as good an optimum (the optimizers' own tolerance apart), the same estimates
    def objective(fit):
        return fit.reml_criterion if reml else fit.deviance

    assert objective(profiled) <= objective(joint) + 1e-6
    assert profiled.optsummary.fmin == pytest.approx(objective(profiled), rel=1e-12)
    np.testing.assert_allclose(profiled.theta, joint.theta, atol=2e-3)
    np.testing.assert_allclose(profiled.fixef, joint.fixef, rtol=1e-4, atol=1e-6)
    assert profiled.is_singular == joint.is_singular


@pytest.mark.parametrize("name", ["smallterms_int_ml", "smallterms_slope_reml"])
def test_reference_fits_profile_the_site_term(fitted, name):
    """The lme4 references of tools/refs/make_refs_smallterms.R (checked in
    tests/lmm/test_reference.py) are fitted on the profiled path, with fewer
    large factorizations than lme4's evaluations."""
    from tests.conftest import reference

    fit = fitted(name)
    assert fit.optsummary.inner_feval > 0
    assert fit.optsummary.feval < reference(name)["feval"]


def test_two_small_terms_are_profiled_together(small_leading):
    """A 6-level site and a 4-level region term: both profiled (two inner parameters)."""
    data = crossed_with_small_term()
    data["region"] = np.random.default_rng(5).integers(0, 4, len(data))
    formula = FORMULA + " + (1 | region)"
    profile = SmallTermProfile.for_problem(problem_of(formula, data))
    assert profile is not None and profile.n_outer == 2 and profile.inner_theta.size == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joint = mm.lmer(formula, data, control=mm.Control(profile_small_terms=False))
        profiled = mm.lmer(formula, data)
    assert profiled.optsummary.inner_feval > 0
    assert profiled.reml_criterion <= joint.reml_criterion + 1e-6
    np.testing.assert_allclose(profiled.theta, joint.theta, atol=2e-3)


@pytest.mark.parametrize("options", [{"initial_step": np.full(3, 0.2)}, {"upper": [5.0, 5.0, 0.1]}])
def test_per_parameter_options_take_the_joint_search(small_leading, options):
    """Settings with one value per parameter are for all of theta: no split."""
    data = crossed_with_small_term()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(FORMULA, data, control=mm.Control(optimizer_options=options))
    assert fit.optsummary.inner_feval == 0
    if "upper" in options:
        assert fit.theta.iloc[2] <= 0.1


def test_all_failing_evaluations_give_a_clear_error(small_leading, monkeypatch):
    problem = problem_of(FORMULA, crossed_with_small_term())
    profile = SmallTermProfile.for_problem(problem)
    monkeypatch.setattr(profile, "leading", lambda outer: None)
    lower = problem.theta_map.lower_bounds()
    with pytest.raises(FloatingPointError, match="could not be evaluated"):
        _smallterms.optimize_profiled(profile, lambda t: problem.deviance(t, True), problem.theta_map.initial(),
                                      lower, True, ThetaSearch())


def test_inner_searches_on_their_evaluation_limit_are_reported(small_leading, monkeypatch):
    """An inner search cut short (here by its evaluation limit) is reported
    (nlopt's ROUNDOFF_LIMITED at the optimum of the small problem is not)."""
    original = _smallterms.minimize

    def limited(objective, summary):
        summary.maxeval = 3
        return original(objective, summary)

    monkeypatch.setattr(_smallterms, "minimize", limited)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(FORMULA, crossed_with_small_term())
    assert any("stopped early" in m for m in fit.optsummary.messages)
    monkeypatch.setattr(_smallterms, "minimize", original)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer(FORMULA, crossed_with_small_term())
    assert not any("stopped early" in m for m in fit.optsummary.messages)
