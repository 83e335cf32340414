"""glmer's API beyond the reference numbers: summary layout, residuals,
predictions, simulation, diagnostics and the errors users meet."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mixedmodels as mm
from mixedmodels.families import Binomial, Gamma, NegativeBinomial, Poisson

CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"


@pytest.fixture(scope="module")
def cbpp():
    return mm.datasets.load("cbpp")


@pytest.fixture(scope="module")
def fit(cbpp):
    return mm.glmer(CBPP, cbpp)


def test_summary_layout(fit):
    lines = str(fit.summary()).splitlines()
    assert lines[0] == ("Generalized linear mixed model fit by maximum likelihood "
                        "(Laplace Approximation) ['glmerMod']")
    assert lines[1] == " Family: binomial  ( logit )"
    text = "\n".join(lines)
    for piece in ("AIC", "df.resid", "Scaled residuals:", "Random effects:", "z value", "Pr(>|z|)"):
        assert piece in text
    coefs = fit.summary().coefficients
    assert list(coefs.columns) == ["Estimate", "Std. Error", "z value", "Pr(>|z|)"]


def test_fitted_predict_and_residual_types(fit, cbpp):
    mu = fit.fitted()
    np.testing.assert_allclose(fit.predict(type="response"), mu)
    np.testing.assert_allclose(fit.predict(cbpp, type="response").to_numpy(), mu.to_numpy())
    y = fit.problem.response.y
    np.testing.assert_allclose(fit.residuals("response"), y - mu)
    dev = fit.residuals("deviance").to_numpy()
    assert fit.deviance == pytest.approx(np.sum(dev**2))
    assert fit.sigma == 1.0
    with pytest.raises(ValueError, match="residual type"):
        fit.residuals("partial")
    with pytest.raises(ValueError, match="type must be"):
        fit.predict(type="odds")


def test_proportion_with_weights_equals_cbind(fit, cbpp):
    prop = mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, weights="size")
    np.testing.assert_allclose(prop.fixef, fit.fixef, atol=1e-5)
    assert prop.loglik == pytest.approx(fit.loglik, abs=1e-6)


def test_simulate_and_refit(fit):
    sims = fit.simulate(3, seed=1)
    assert sims.shape == (fit.nobs, 3)
    assert ((sims >= 0) & (sims <= 1)).all().all()
    again = fit.simulate(3, seed=1)
    pd.testing.assert_frame_equal(sims, again)


def test_overdispersion(fit):
    od = fit.overdispersion()
    assert od["rdf"] == fit.df_residual
    assert od["ratio"] == pytest.approx(od["chisq"] / od["rdf"])
    assert 0 <= od["p"] <= 1


def test_nagq_needs_one_scalar_term():
    data = mm.datasets.load("grouseticks")
    with pytest.raises(ValueError, match="single, scalar random-effects term"):
        mm.glmer("TICKS ~ YEAR + (1 | BROOD) + (1 | LOCATION)", data, family="poisson", nagq=5)


def test_cbind_needs_binomial(cbpp):
    with pytest.raises(mm.FormulaError, match="binomial"):
        mm.glmer(CBPP, cbpp, family="poisson")


@pytest.mark.parametrize(("formula", "kwargs", "shown"), [
    ("all_one ~ x + (1 | g)", {"family": "binomial"}, "1 as a proportion of the trials"),
    ("cbind(size, none) ~ x + (1 | g)", {"family": "binomial"}, "1 as a proportion of the trials"),
    ("all_one ~ x + (1 | g)", {"family": "binomial", "weights": "size"}, "1 as a proportion"),
    ("none ~ x + (1 | g)", {"family": "poisson"}, "(0 in every row used)"),
    ("cbind(size, other) ~ x + (1 | g)", {"family": "binomial", "weights": "w"}, "1 as a proportion"),
])
def test_a_constant_response_is_a_clear_error(formula, kwargs, shown):
    """lme4 stops with "Response is constant" (any family); we named no
    column and failed deep in the factorization (tools/lme4_diff seed 16: a
    probit job whose 505 simulated responses were all 1)."""
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"g": np.repeat([f"g{i}" for i in range(10)], 5), "x": rng.normal(size=50),
                         "all_one": 1, "none": 0, "size": 3, "w": np.r_[0.0, np.ones(49)]})
    data["other"] = np.r_[2, np.zeros(49)]  # differs only in a row of weight 0
    with pytest.raises(mm.FormulaError, match=r"The response '.*' is constant") as error:
        mm.glmer(formula, data, **kwargs)
    assert shown in str(error.value)
    with pytest.raises(mm.FormulaError, match="is constant"):
        mm.glmer_nb("none ~ x + (1 | g)", data)


def test_fitted_probabilities_numerically_0_or_1_are_reported(cbpp):
    """``tools/lme4_diff`` seed 6: 2 successes in 179 probit trials, which the
    fixed and random effects separate together (the fixed effects alone do
    not): the fit runs off (slope 19.8, random-effect SD 71), lme4 stops with
    "PIRLS loop resulted in NaN value"; we warn as R's glm does."""
    path = Path(__file__).parent.parent / "fixtures" / "lme4_diff" / "bin_probit_s6_006.csv"
    data = pd.read_csv(path, dtype={"g": str})
    with pytest.warns(mm.ConvergenceWarning, match=r"fitted probabilities numerically 0 or 1 occurred in \d+ of 179"):
        mm.glmer("y ~ x + (1 | g)", data, family=mm.families.Binomial("probit"))
    rng = np.random.default_rng(3)
    g, x = rng.integers(0, 30, 400), rng.normal(size=400)
    mu = 1 - np.exp(-np.exp(0.2 + 0.8 * x + rng.normal(0, 0.5, 30)[g]))  # 70 % successes, mu to 1 - 1e-16
    ordinary = pd.DataFrame({"y": rng.binomial(1, mu), "x": x, "g": np.char.add("g", g.astype(str))})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ordinary fits: no such message (cloglog's mu is 1 from eta = 3.6)
        mm.glmer(CBPP, cbpp, family="binomial")
        mm.glmer("y ~ x + (1 | g)", ordinary, family=mm.families.Binomial("cloglog"))
        steep = pd.read_csv(path.with_name("bin_probit_s17_005.csv"), dtype={"g": str})  # one row at eta 8.5
        mm.glmer("y ~ x + (1 | g)", steep, family=mm.families.Binomial("probit"))


def test_separation_is_detected_and_named():
    rng = np.random.default_rng(3)
    n = 200
    g = np.repeat(np.arange(20), 10)
    x = rng.normal(size=n)
    flag = (np.arange(n) % 7 == 0).astype(float)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    y[flag == 1] = 1.0  # flag predicts success perfectly: quasi-complete separation
    data = pd.DataFrame({"y": y, "x": x, "flag": flag, "g": g.astype(str)})
    with pytest.warns(mm.MixedModelsWarning, match="quasi-complete separation.*flag"):
        fit = mm.glmer("y ~ x + flag + (1 | g)", data, control=mm.GlmerControl(check_conv_grad="ignore",
                                                                            check_conv_hess="ignore",
                                                                            check_singular="ignore"))
    assert not any("fitted probabilities" in m for m in fit.optsummary.messages)  # the separation message says it


def test_separation_among_factor_cells(monkeypatch):
    """Factor cells: both outcomes in every cell -> no separation, without the
    linear program; one cell of successes only -> quasi-complete separation
    found by it."""
    from scipy import optimize

    from mixedmodels.glmm import _diagnostics

    linprog = optimize.linprog
    calls = []
    monkeypatch.setattr(optimize, "linprog", lambda *a, **k: calls.append(1) or linprog(*a, **k))

    X = np.repeat(np.eye(4), 6, axis=0)
    X[:, 0] = 1.0  # intercept and three dummies: four cells of six rows
    y = np.tile([0.0, 1.0, 1.0, 0.0, 1.0, 0.0], 4)

    def pinned(y):
        rows, group = _diagnostics.distinct_rows(np.column_stack([X, 2 * y - 1]))
        return _diagnostics._every_row_pinned(group, rows[:, -1])

    assert pinned(y) and _diagnostics.separating_direction(X, y) is None
    # proportions strictly between 0 and 1 pin their rows too
    assert _diagnostics.separating_direction(X, np.full(24, 0.3)) is None
    assert not calls  # neither needed the linear program
    y[6:12] = 1.0  # the second cell: successes only
    assert not pinned(y)
    direction = _diagnostics.separating_direction(X, y)
    assert calls and direction is not None and np.all(X[6:12] @ direction > 0)
    assert np.allclose(np.delete(X, np.s_[6:12], 0) @ direction, 0)


def test_bernoulli_factor_response_matches_numeric():
    data = mm.datasets.load("VerbAgg").iloc[:2000]
    as_factor = mm.glmer("r2 ~ Anger + (1 | id)", data)
    numeric = data.assign(r2=(data["r2"] == "Y").astype(float))
    as_number = mm.glmer("r2 ~ Anger + (1 | id)", numeric)
    np.testing.assert_allclose(as_factor.fixef, as_number.fixef, rtol=1e-8)


@pytest.mark.parametrize("family", [Binomial(), Binomial("probit"), Binomial("cloglog"), Poisson(),
                                    Gamma("log"), NegativeBinomial(2.0)])
def test_family_deviance_is_twice_loglik_difference(family):
    rng = np.random.default_rng(0)
    if isinstance(family, Binomial):
        y = rng.integers(0, 2, 50).astype(float)
    elif isinstance(family, Gamma):
        y = rng.gamma(2.0, 1.0, 50)
    else:
        y = rng.poisson(3.0, 50).astype(float)
    mu = family.link.linkinv(family.link.link(family.mustart(y, np.ones(50))) + 0.1)
    assert np.all(family.dev_resids(y, mu, np.ones(50)) >= -1e-12)
    assert np.all(family.dev_resids(y, np.maximum(y, 1e-300) if not isinstance(family, Binomial)
                                    else np.clip(y, 1e-12, 1 - 1e-12), np.ones(50)) < 1e-9)
    np.testing.assert_allclose(family.link.linkinv(family.link.link(mu)), mu, rtol=1e-10)


def test_family_strings_and_errors():
    assert isinstance(mm.families.get_family("Gamma"), Gamma)
    assert mm.families.get_family("inverse_gaussian").link.name == "1/mu^2"
    with pytest.raises(ValueError, match="Unknown family"):
        mm.families.get_family("tweedie")
    with pytest.raises(ValueError, match="not available"):
        Poisson("logit")


def test_coef_table_is_the_summary_z_table(fit):
    table = fit.coef_table()
    assert list(table.columns) == ["estimate", "std_error", "df", "statistic", "p_value"]
    assert np.all(np.isinf(table["df"]))
    coefs = fit.summary().coefficients
    np.testing.assert_allclose(table.to_numpy()[:, [0, 1, 3, 4]], coefs.to_numpy(), rtol=1e-12)
    pd.testing.assert_frame_equal(fit.coef_table("asymptotic"), table)


def test_contest_is_a_wald_test(fit):
    one = fit.contest([0, 1, 0, 0])
    row = fit.coef_table().loc["period2"]
    assert one["statistic"].iloc[0] == pytest.approx(row["statistic"])
    L = np.eye(4)[1:]
    several = fit.contest(L)
    b, V = fit.fixef.to_numpy()[1:], fit.vcov.to_numpy()[1:, 1:]
    wald = float(b @ np.linalg.solve(V, b))
    assert several["f_value"].iloc[0] == pytest.approx(wald / 3)
    assert several["p_value"].iloc[0] == pytest.approx(stats.chi2.sf(wald, 3))


def test_lmm_only_methods_say_what_to_use_instead(fit):
    for call in (lambda: fit.coef_table("satterthwaite"), lambda: fit.contest([0, 1, 0, 0], ddf="kr"),
                 lambda: fit.summary(ddf="kenward-roger")):
        with pytest.raises(ValueError, match=r"linear mixed models; use coef_table\(ddf='asymptotic'\)"):
            call()
    with pytest.raises(NotImplementedError, match=r"mm.anova\(m0, m1\)"):
        fit.anova()
    with pytest.raises(NotImplementedError, match=r"mm.anova\(m0, m1\)"):
        fit.ranova()
    with pytest.raises(ValueError, match="likelihood-ratio tests only"):
        fit.drop1(test="F")
    with pytest.raises(ValueError, match="maximum likelihood only"):
        fit.update(reml=True)
    with pytest.raises(NotImplementedError, match="linear mixed models"):
        _ = fit._varpar_covariance
    assert str(fit.summary(ddf="asymptotic")) == str(fit.summary())


def test_update_formula_and_data(fit, cbpp):
    same = fit.update(data=cbpp)
    np.testing.assert_allclose(same.fixef, fit.fixef, rtol=1e-10)
    null = fit.update("cbind(incidence, size - incidence) ~ 1 + (1 | herd)")
    assert isinstance(null, mm.GlmerFit) and list(null.fixef.index) == ["(Intercept)"]
    assert null.family.name == fit.family.name and null.nagq == fit.nagq
    assert null.loglik < fit.loglik
    lrt = mm.anova(null, fit)
    assert lrt["chisq"].iloc[1] == pytest.approx(2 * (fit.loglik - null.loglik), rel=1e-8)


def test_refit_takes_counts_or_proportions_of_the_trials(fit):
    y = fit.frame.response
    as_proportions = fit.refit(fit.problem.response.y)
    np.testing.assert_allclose(as_proportions.fixef, fit.fixef, rtol=1e-8)
    as_counts = fit.refit(y)
    np.testing.assert_allclose(as_counts.fixef, fit.fixef, rtol=1e-8)
    sim = fit.refit(fit.simulate(1, seed=2)["sim_1"])
    assert isinstance(sim, mm.GlmerFit) and sim.nobs == fit.nobs
    with pytest.raises(ValueError, match=r"proportions of the trials, shape \(56,\)"):
        fit.refit(np.zeros(10))


def test_refit_of_a_bernoulli_fit_takes_its_levels():
    data = mm.datasets.load("VerbAgg").iloc[:600]
    fit = mm.glmer("r2 ~ Anger + (1 | id)", data)
    again = fit.refit(data["r2"])
    np.testing.assert_allclose(again.fixef, fit.fixef, rtol=1e-8)


def test_two_level_string_response_is_a_factor_with_sorted_levels():
    data = mm.datasets.load("VerbAgg").iloc[:600]
    strings = data.assign(r2=data["r2"].astype(str).map({"N": "no", "Y": "yes"}).astype(object))
    as_strings = mm.glmer("r2 ~ Anger + (1 | id)", strings)
    as_factor = mm.glmer("r2 ~ Anger + (1 | id)", data)
    np.testing.assert_allclose(as_strings.fixef, as_factor.fixef, rtol=1e-8)
    three = strings.assign(r2=np.where(np.arange(600) % 3 == 0, "maybe", strings["r2"]))
    with pytest.raises(mm.FormulaError, match="not numeric.*two distinct strings"):
        mm.glmer("r2 ~ Anger + (1 | id)", three)


def test_unusable_hessian_falls_back_to_rx_with_lme4s_warning(cbpp, monkeypatch):
    from mixedmodels.glmm import _checks

    def indefinite(devfun, params, fx=None, lower=None):
        return np.zeros(params.size), -np.eye(params.size)

    monkeypatch.setattr(_checks, "gradient_hessian_symmetric", indefinite)
    control = mm.GlmerControl(check_conv_grad="ignore")
    with pytest.warns(mm.ConvergenceWarning, match="falling back to var-cov estimated from RX"):
        bad = mm.glmer(CBPP, cbpp, control=control)
    assert any("falling back to var-cov estimated from RX" in m for m in bad.optsummary.messages)
    assert np.all(np.diag(bad.vcov) > 0)
    quiet = mm.GlmerControl(check_conv_grad="ignore", check_conv_hess="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mm.glmer(CBPP, cbpp, control=quiet)


def test_failed_pirls_in_lme4s_hessian_falls_back_to_rx(cbpp, monkeypatch):
    from mixedmodels.core._pirls import PirlsError
    from mixedmodels.glmm import _checks

    def failing(problem, params, eta0, nagq):
        raise PirlsError("PIRLS step-halvings failed")

    monkeypatch.setattr(_checks, "restarted_deviance", failing)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bad = mm.glmer(CBPP, cbpp)
    said = [str(w.message) for w in caught if issubclass(w.category, mm.ConvergenceWarning)]
    assert any(re.search(r"falling back to var-cov estimated from RX \(\d+ non-finite", m) for m in said), said
    assert any("Problem with Hessian check" in m for m in said), said  # the checks see the same Hessian
    assert np.all(np.diag(bad.vcov) > 0)


def test_vcov_hessian_choices(cbpp):
    """lme4's Hessian (default) and the converged one differ by the truncation
    effect only (about 1.3 % in cbpp's standard errors); the estimates are the same."""
    lme4_like = mm.glmer(CBPP, cbpp)
    converged = mm.glmer(CBPP, cbpp, control=mm.GlmerControl(vcov_hessian="converged"))
    ratio = np.sqrt(np.diag(converged.vcov) / np.diag(lme4_like.vcov))
    assert np.all(np.abs(ratio - 1) < 0.03) and np.any(np.abs(ratio - 1) > 1e-3)
    np.testing.assert_allclose(converged.fixef, lme4_like.fixef, rtol=0, atol=0)
    lme4_named = mm.glmer(CBPP, cbpp, control=mm.GlmerControl(vcov_hessian="lme4"))
    np.testing.assert_array_equal(lme4_named.vcov, lme4_like.vcov)  # "auto" with the logit link
    with pytest.raises(ValueError, match="vcov_hessian must be 'auto', 'lme4' or 'converged'"):
        mm.GlmerControl(vcov_hessian="exact")
    with pytest.raises(ValueError, match="derivative_pirls_tol must be positive; got 0"):
        mm.GlmerControl(derivative_pirls_tol=0)


def test_other_links_take_the_converged_hessian_and_the_rx_fallback_carries_sigma(cbpp, monkeypatch):
    """With a link other than the family's natural one the covariance of beta
    comes from the converged Hessian ("auto"); a Gamma fit whose Hessian is
    set aside falls back to ``sigma^2 (R_X' R_X)^-1``, lme4's
    ``vcov(use.hessian = FALSE)`` (sigma^2 was missing)."""
    from mixedmodels.glmm import _checks
    from mixedmodels.glmm._fit import _full_factor

    probit = mm.families.Binomial(link="probit")
    auto = mm.glmer(CBPP, cbpp, family=probit)
    converged = mm.glmer(CBPP, cbpp, family=probit, control=mm.GlmerControl(vcov_hessian="converged"))
    np.testing.assert_array_equal(auto.vcov, converged.vcov)
    rng = np.random.default_rng(3)
    g = rng.integers(0, 12, 240)
    x = rng.normal(size=240)
    y = rng.gamma(4.0, np.exp(0.5 + 0.3 * x + rng.normal(0, 0.4, 12)[g]) / 4.0)
    data = pd.DataFrame({"y": y, "x": x, "g": np.char.add("g", g.astype(str))})
    monkeypatch.setattr(_checks, "hessian_vcov", lambda hess, ntheta: None)  # as if not positive definite
    with pytest.warns(mm.ConvergenceWarning, match="falling back to var-cov estimated from RX"):
        fit = mm.glmer("y ~ x + (1 | g)", data, family=mm.families.Gamma(link="log"))
    assert 0.3 < fit.sigma < 0.8
    unscaled = _full_factor(fit.problem, fit.problem.modes(fit.theta.to_numpy(), fit.fixef.to_numpy()))[1]
    np.testing.assert_allclose(fit.vcov.to_numpy(), fit.sigma**2 * unscaled, rtol=1e-6)


def test_fixed_effects_vcov_levels():
    from mixedmodels.glmm._checks import fixed_effects_vcov

    rx = np.eye(2)
    good = np.diag([4.0, 2.0, 8.0])
    vcov, found = fixed_effects_vcov(good, 1, rx, mm.GlmerControl())
    np.testing.assert_allclose(vcov, np.diag([1.0, 0.25]))
    assert found == []
    vcov, found = fixed_effects_vcov(None, 1, rx, mm.GlmerControl())
    assert vcov is rx and found == []
    with pytest.raises(mm.CheckError, match="eigenvalues from -1"):
        fixed_effects_vcov(np.diag([1.0, -1.0, 1.0]), 1, rx, mm.GlmerControl(check_conv_hess="raise"))


def test_stage1_modes_restart_from_mustart_when_warm_pirls_fails(cbpp):
    from mixedmodels.core._pirls import PirlsError
    from mixedmodels.glmm._fit import glmer_frame, glmer_problem
    from mixedmodels.glmm._stages import modes_at

    problem = glmer_problem(glmer_frame(CBPP, cbpp), mm.families.get_family("binomial"))
    original, calls = problem.modes, []
    original(np.array([1.0]))  # a first PIRLS, as stage 1's evaluations leave it: the next one starts warm

    def failing_once(theta, beta=None):
        calls.append(problem._start_eta is not None)  # whether this call starts from mustart
        if len(calls) == 1:
            raise PirlsError("diverged from the warm start")
        return original(theta, beta)

    problem.modes = failing_once
    result = modes_at(problem, np.array([0.6]))
    assert calls == [False, True] and result.converged and np.all(np.isfinite(result.eta))


def test_distinct_rows_and_their_groups():
    from mixedmodels.glmm._diagnostics import distinct_rows

    M = np.array([[2.0, 1.0, -1.0], [0.5, 3.0, 1.0], [2.0, 1.0, 1.0], [0.5, 3.0, 1.0], [2.0, 1.0, -1.0], [0.5, 2.0, 0.0]])
    rows, group = distinct_rows(M)
    np.testing.assert_array_equal(rows, np.unique(M, axis=0))
    np.testing.assert_array_equal(group, [0, 1, 2, 2])  # (0.5, 2), (0.5, 3), (2, 1) twice


@pytest.mark.parametrize("seed", range(4))
def test_separation_program_grows_from_a_few_rows(monkeypatch, seed):
    """The linear program starts on a few rows and takes in those its answer
    violates: the verdict is that of the program on all rows (a direction
    valid on every row, or none), here from 20 starting rows of 3,000."""
    from scipy import optimize

    from mixedmodels.glmm import _diagnostics

    linprog = optimize.linprog
    calls = []
    monkeypatch.setattr(optimize, "linprog", lambda *a, **k: calls.append(1) or linprog(*a, **k))
    monkeypatch.setattr(_diagnostics, "_FIRST_ROWS", 20)
    rng = np.random.default_rng(seed)
    n = 3000
    x = rng.normal(size=n)
    flag = np.zeros(n)
    flag[rng.choice(n, 6, replace=False)] = 1.0
    X = np.column_stack([np.ones(n), x, flag])
    y = (rng.uniform(size=n) < 0.5).astype(float)
    assert _diagnostics.separating_direction(X, y) is None
    y[flag == 1] = 1.0  # the rare flag: successes only, quasi-complete separation
    direction = _diagnostics.separating_direction(X, y)
    assert direction is not None and len(calls) > 2
    value = (X @ direction) * np.where(y > 0, 1.0, -1.0)
    assert np.all(value >= -1e-9) and np.any(value > 1e-7)
    assert abs(direction[2]) > 1e-6


def test_separation_found_whatever_the_scale_of_the_column():
    """A predictor in tiny units separates as well as in large ones (the
    program works on columns scaled to max |x| = 1)."""
    from mixedmodels.glmm._diagnostics import separating_direction

    rng = np.random.default_rng(8)
    x = rng.normal(size=20_000)
    y = (x > 0).astype(float)
    for unit in (1e-10, 1.0, 1e8):
        X = np.column_stack([np.ones(x.size), unit * x])
        direction = separating_direction(X, y)
        assert direction is not None
        assert np.all((X @ direction) * np.where(y > 0, 1.0, -1.0) >= -1e-9)


@pytest.mark.parametrize("unit", [1e-7, 1.0, 1e7])
def test_separating_term_named_whatever_its_units(unit):
    rng = np.random.default_rng(3)
    n = 200
    g = np.repeat(np.arange(20), 10)
    x = rng.normal(size=n)
    flag = (np.arange(n) % 7 == 0).astype(float) * unit
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    y[flag != 0] = 1.0
    data = pd.DataFrame({"y": y, "x": x, "flag": flag, "g": g.astype(str)})
    control = mm.GlmerControl(check_conv_grad="ignore", check_conv_hess="ignore", check_singular="ignore",
                              check_scale_x="ignore")
    with pytest.warns(mm.MixedModelsWarning, match="quasi-complete separation.*flag"):
        mm.glmer("y ~ x + flag + (1 | g)", data, control=control)


def test_newton_pirls_falls_back_to_fisher_scoring_from_a_bad_start():
    """From a start far off, a Newton step on negative binomial data can
    overshoot beyond what ten halvings mend (review): the call goes on with
    Fisher scoring and reaches the modes instead of failing."""
    from mixedmodels.glmm._fit import glmer_frame, glmer_problem

    rng = np.random.default_rng(1)
    n, theta = 400, 0.05
    g = rng.integers(0, 20, n)
    x = rng.normal(size=n)
    mu = np.exp(1.0 + 1.5 * x + rng.normal(scale=1.0, size=20)[g])
    y = rng.negative_binomial(theta, theta / (theta + mu)).astype(float)
    data = pd.DataFrame({"y": y, "x": x, "g": [f"g{v:02d}" for v in g]})
    problem = glmer_problem(glmer_frame("y ~ x + (1 | g)", data), mm.families.NegativeBinomial(theta))
    for beta in ([15.0, 3.0], [15.0, -3.0]):  # Newton steps alone: PirlsError (measured)
        problem.reset(u=[np.zeros((20, 1))], beta=np.array(beta))
        assert problem._start_eta is None  # reset() replaces R's pending mustart
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the overflowing steps on the way raise no numpy warnings
            result = problem.modes(np.array([1.0]))
        assert result.converged and np.isfinite(result.pdev)


def test_a_plain_control_takes_glmer_defaults_for_the_rest():
    cbpp = mm.datasets.load("cbpp")
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    fit = mm.glmer(formula, cbpp, family="binomial", control=mm.Control(check_singular="ignore"))
    assert isinstance(fit.control, mm.GlmerControl) and fit.control.check_singular == "ignore"
    with pytest.raises(TypeError, match="control must be a mixedmodels.GlmerControl"):
        mm.glmer(formula, cbpp, family="binomial", control="bobyqa")
    with pytest.raises(mm.FormulaError, match="Use mixedmodels.glm"):
        mm.glmer("incidence ~ period", cbpp, family="poisson")


def test_non_integer_binomial_counts_warn_as_r_does():
    """R's binomial()$initialize: "non-integer #successes in a binomial glm!" for a
    proportion without its trials as weights, "non-integer counts" for cbind."""
    cbpp = mm.datasets.load("cbpp")
    with pytest.warns(mm.ResponseWarning, match=r"non-integer #successes in a binomial glm! \(34 of 56 rows"):
        mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, family="binomial",
                 control=mm.GlmerControl(check_singular="ignore", check_conv_hess="ignore"))
    with pytest.warns(mm.ResponseWarning, match="non-integer counts"):
        mm.glm("cbind(incidence + 0.5, size - incidence) ~ period", cbpp, family="binomial")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mm.ResponseWarning)
        mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, family="binomial", weights="size")
        mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, family="binomial",
                 control=mm.GlmerControl(check_counts="ignore", check_singular="ignore", check_conv_hess="ignore"))


def test_refits_do_not_repeat_the_count_warning():
    cbpp = mm.datasets.load("cbpp").assign(w=lambda d: d["size"] * 1.0001 + 0.3)
    with pytest.warns(mm.ResponseWarning):
        fit = mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, family="binomial", weights="w")
    with warnings.catch_warnings():
        warnings.simplefilter("error", mm.ResponseWarning)
        fit.refit(fit.simulate(seed=1).iloc[:, 0])
