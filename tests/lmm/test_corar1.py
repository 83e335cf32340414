"""``correlation=mm.CorAR1(time, by)``, nlme's ``corAR1(form = ~ time | by)``,
and ``mm.CorCAR1``, its ``corCAR1``, against nlme 3.1-162: the shared
reference ``gpa_ar1`` and the fits of ``tools/refs/make_refs_residuals.R``
(sleepstudy by REML and ML, with a random slope, with gaps in the times,
with times in decreasing order; Orthodont with the rows' order as the
times; a simulated negative phi; corCAR1 on simulated irregular real times
and on Orthodont's ages).

Tolerances are the lmer references' (issue 3): fixed effects within 1e-3 of
their standard error, standard errors, sigma and random-effects standard
deviations within 0.2 %, the log-likelihood not below nlme's by more than
1e-3; Phi within 1e-3 (absolute: a correlation); conditional modes and
fitted values within 1e-3 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from tests.conftest import reference
from tests.lmm.residual_refs import (
    MODELS as ALL_MODELS,
)
from tests.lmm.residual_refs import (
    SIM_CAR1,
    check_estimates,
    check_fixed_part,
    fit_reference,
    relative_theta,
    variance_params,
)

MODELS = {name: ref for name, ref in ALL_MODELS.items() if ref.get("correlation")}
GPA = reference("gpa_ar1")


def test_gpa_matches_the_shared_nlme_reference():
    fit = mm.lmer("gpa ~ occasion + (1 | student)", mm.datasets.load("gpa"),
                  correlation=mm.CorAR1("occasion", "student"))
    check_fixed_part(fit, list(GPA["fixef"].values()), list(GPA["fixef_se"].values()), GPA["sigma"], GPA["logLik"],
                     GPA["logLik_df"], GPA["nlme"]["cor_struct"]["parameters"]["Phi"])
    assert abs(fit.aic - GPA["AIC"]) < 2e-3
    modes = GPA["ranef_first10"]["student"]
    np.testing.assert_allclose(fit.ranef["student"].iloc[:10, 0], np.ravel(modes["values"]), rtol=1e-3)
    np.testing.assert_allclose(fit.fitted()[:10], GPA["fitted_first10"], rtol=1e-3)
    np.testing.assert_allclose(fit.predict(re_form="~0")[:10], GPA["population_pred_first10"], rtol=1e-6)


def _fit(ref):
    return fit_reference(ref)


NLME_STOPS_SHORT = {"sleep_slope_reml": 0.03}
"""Fits where nlme's search stops below our optimum (by at least this)."""


@pytest.mark.parametrize("name", sorted(set(MODELS) - set(NLME_STOPS_SHORT)))
def test_matches_nlme(name):
    check_estimates(_fit(MODELS[name])[0], MODELS[name])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_our_criterion_at_nlmes_estimates_is_nlmes_log_likelihood(name):
    """The deviance function itself, at nlme's Phi, variance parameters and
    random-effects covariance (relative to sigma^2): -2 times nlme's
    log-likelihood, to 1e-6.  Where nlme's search stops short
    (sleep_slope_reml: nlme's nlminb fails and optim stops 0.035 below our
    singular optimum), this is how its numbers are checked."""
    from mixedmodels.lmm._corar1 import ar1_frame, profiled_criterion
    from mixedmodels.lmm._resfit import ProfiledTheta
    from mixedmodels.lmm._varfunc import row_sd

    ref = MODELS[name]
    fit, data = _fit(ref)
    frame, spec, groups, times = ar1_frame(fit.formula, data, fit.cor_ar1)
    sd = None if fit.var_function is None else row_sd(fit.var_function, data, frame)
    _, problem_at, scale = profiled_criterion(frame, groups, times, spec, ProfiledTheta(ref["REML"], fit.control),
                                              sd)
    variance = [] if sd is None else sd.searched_params(variance_params(ref))
    deviance = problem_at(np.r_[variance, scale.z_of(ref["Phi"])], searched=False).deviance(relative_theta(ref),
                                                                                              ref["REML"])
    assert abs(-0.5 * deviance - ref["logLik"]) < 1e-6


@pytest.mark.filterwarnings("ignore::mixedmodels.SingularFitWarning")
@pytest.mark.parametrize("name", sorted(NLME_STOPS_SHORT))
def test_a_better_optimum_than_nlmes(name):
    fit, _ = _fit(MODELS[name])
    assert fit.loglik > MODELS[name]["logLik"] + NLME_STOPS_SHORT[name]


@pytest.fixture(scope="module")
def sleep_fit():
    return mm.lmer("Reaction ~ Days + (1 | Subject)", mm.datasets.load("sleepstudy"),
                   correlation=mm.CorAR1("Days"))


def test_the_grouping_factor_is_the_default_group_and_update_keeps_the_structure(sleep_fit):
    assert sleep_fit.cor_ar1 == mm.CorAR1("Days", "Subject") and isinstance(sleep_fit, mm.CorAR1Fit)
    ml = sleep_fit.update(reml=False)
    ref = MODELS["sleep_int_ml"]
    assert isinstance(ml, mm.CorAR1Fit) and not ml.reml
    assert ml.loglik >= ref["logLik"] - 1e-3 and abs(ml.phi - ref["Phi"]) < 1e-3


def test_summary_shows_nlmes_correlation_block(sleep_fit):
    text = str(sleep_fit.summary())
    assert "Correlation Structure: AR(1)\n Formula: ~Days | Subject\n Parameter estimate(s):\n      Phi\n0.65" in text
    assert "Weights:" not in text


def test_likelihood_ratio_test_against_independent_residuals(sleep_fit):
    """The ML refits' likelihood ratio: nlme's sleep_int_ml log-likelihood
    against the ML one of independent residuals (lme4 and nlme: -897.0393), on 1 df."""
    import warnings

    plain = mm.lmer("Reaction ~ Days + (1 | Subject)", mm.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the refits by ML
        table = mm.anova(plain, sleep_fit)
    assert table["df"].iloc[1] == 1
    np.testing.assert_allclose(table["chisq"].iloc[1], 2 * (MODELS["sleep_int_ml"]["logLik"] + 897.0393), atol=2e-3)


def test_inference_holding_phi_fixed_is_not_offered(sleep_fit):
    for call in (sleep_fit.bootstrap, sleep_fit.r2, lambda: sleep_fit.coef_table("kenward-roger"),
                 lambda: sleep_fit.confint("boot")):
        with pytest.raises(NotImplementedError, match="CorAR1"):
            call()
    assert list(sleep_fit.confint("wald").dropna().index) == list(sleep_fit.fixef.index)


def test_rows_order_gives_positions_within_each_group_and_missing_times_drop_rows():
    """Without a time, positions count a group's rows in order, whatever
    rows of other groups lie between (nlme's ~ 1 | g); a missing time drops its row."""
    ortho = mm.datasets.load("Orthodont")
    interleaved = ortho.sort_values("age", kind="stable").reset_index(drop=True)
    a = mm.lmer("distance ~ age + (1 | Subject)", ortho, correlation=mm.CorAR1(by="Subject"))
    b = mm.lmer("distance ~ age + (1 | Subject)", interleaved, correlation=mm.CorAR1(by="Subject"))
    assert abs(a.loglik - b.loglik) < 1e-7 and abs(a.loglik - MODELS["ortho_order_reml"]["logLik"]) < 1e-6
    sleep = mm.datasets.load("sleepstudy")
    holed = sleep.assign(Days=sleep["Days"].where(sleep.index != 5))
    c = mm.lmer("Reaction ~ Days + (1 | Subject)", holed.assign(t=holed["Days"]), correlation=mm.CorAR1("t"))
    d = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep.drop(index=5).assign(t=lambda f: f["Days"]),
                correlation=mm.CorAR1("t"))
    assert c.nobs == 179 and abs(c.loglik - d.loglik) < 1e-9


def test_the_rows_cross_products_are_formed_once_per_piece(monkeypatch):
    """Rows, then per gap size the neighbours, their differences and their
    sums: an evaluation of phi reads no rows."""
    from mixedmodels.core import _crossprod

    calls = []
    formed = _crossprod.cross_products
    monkeypatch.setattr(_crossprod, "cross_products", lambda *a, **k: calls.append(1) or formed(*a, **k))
    fit = mm.lmer("Reaction ~ Days + (1 | Subject)", mm.datasets.load("sleepstudy"), correlation=mm.CorAR1("Days"))
    assert fit.cor_ar1_optsummary.feval > 5 and len(calls) == 4


@pytest.mark.parametrize("kwargs, error, message", [
    ({"correlation": mm.CorAR1("Days", "nosuch")}, mm.FormulaError, "'nosuch' is not a column"),
    ({"correlation": mm.CorAR1("half", "Subject")}, mm.FormulaError, "must be whole numbers"),
    ({"correlation": mm.CorAR1("zero", "Subject")}, mm.FormulaError, "unique within a group"),
    ({"correlation": mm.CorAR1("Days", "pair")}, NotImplementedError, "varies within a group of 'pair'"),
    ({"correlation": mm.CorAR1("Days"), "weights": "w"}, NotImplementedError, "prior weights"),
    ({"correlation": "corAR1"}, TypeError, "mm.CorAR1"),
])
def test_bad_structures_are_clear_errors(kwargs, error, message):
    sleep = mm.datasets.load("sleepstudy")
    sleep = sleep.assign(half=sleep["Days"] / 2, zero=0, w=1.0, pair=pd.factorize(sleep["Subject"])[0] // 2)
    with pytest.raises(error, match=message):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, **kwargs)


def test_several_grouping_factors_need_by():
    data = mm.datasets.load("Penicillin")
    with pytest.raises(mm.FormulaError, match="name the one"):
        mm.lmer("diameter ~ 1 + (1 | plate) + (1 | sample)", data, correlation=mm.CorAR1())


@pytest.mark.parametrize("make", [
    lambda days: pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
    lambda days: pd.Timestamp("2020-01-01 08:00") + pd.to_timedelta(days, unit="D"),  # a daily clock time
    lambda days: (pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D")).dt.date,  # datetime.date objects
    lambda days: pd.Timestamp("2020-03-05", tz="US/Eastern") + pd.to_timedelta(days, unit="D"),  # 24 h across DST
    lambda days: pd.Series(pd.date_range("2020-03-05", periods=10, tz="US/Eastern")).iloc[days].to_numpy(),
    lambda days: pd.to_timedelta(days, unit="D"),
])
def test_dates_and_times_as_times_count_days(make):
    """nlme with a Date time gives the integer days' fit (logLik -868.095532):
    dates, times at one clock time a day, local midnights across a clock
    change (calendar days) and 24-hour steps across it (elapsed days)."""
    sleep = mm.datasets.load("sleepstudy")
    sleep = sleep.assign(T=make(sleep["Days"]))
    fit = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, correlation=mm.CorAR1("T"))
    assert abs(fit.loglik - MODELS["sleep_int_reml"]["logLik"]) < 1e-6


def test_times_that_are_not_whole_days_name_the_value():
    sleep = mm.datasets.load("sleepstudy")
    sleep = sleep.assign(T=pd.Timestamp("2020-01-01") + pd.to_timedelta(sleep["Days"], unit="D"))
    sleep.loc[4, "T"] += pd.Timedelta(minutes=30)
    with pytest.raises(mm.FormulaError, match=r"whole numbers .*labelled 4 has Timestamp\('2020-01-05 00:30:00'\)"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, correlation=mm.CorAR1("T"))


def test_missing_structure_values_are_named_and_start_is_used():
    sleep = mm.datasets.load("sleepstudy")
    holed = sleep.assign(t=sleep["Days"].where(sleep.index != 5))
    with pytest.raises(mm.FormulaError, match=r"missing values .*: t \(1 row\)"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", holed, correlation=mm.CorAR1("t"), na_action="raise")
    with pytest.raises(ValueError, match="start has 2 values"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, correlation=mm.CorAR1("Days"), start=[1.0, 0.5])


def test_wald_tests_and_drop1_by_likelihood_ratios(sleep_fit):
    table = sleep_fit.coef_table("asymptotic")
    np.testing.assert_allclose(table["std_error"], np.sqrt(np.diag(sleep_fit.vcov)), rtol=1e-12)
    dropped = sleep_fit.drop1(test="Chisq")  # nlme: anova(<ML fit>, update(<it>, fixed = Reaction ~ 1)): L.Ratio 36.17115
    assert dropped.loc["Days", "npar"] == 1 and abs(dropped.loc["Days", "lrt"] - 36.17114) < 2e-5


def _whitened_deviance(data: pd.DataFrame, phi: float, theta: float) -> float:
    """ML deviance of Reaction ~ Days + (1 | Subject) with AR(1) residuals in
    Days, by whitening each subject's rows (x_1, (x_t - phi x_{t-1}) / sqrt(1 - phi^2)):
    an independent computation of what the cross-products give."""
    from mixedmodels.core import LinearMixedProblem, RandomEffectsBlock

    data = data.sort_values(["Subject", "Days"], kind="stable")
    D = np.column_stack([np.ones(len(data)), data["Days"], np.ones(len(data)), data["Reaction"]])
    out = D.copy()
    first = np.r_[True, data["Subject"].to_numpy()[1:] != data["Subject"].to_numpy()[:-1]]
    out[~first] = (D[~first] - phi * D[np.flatnonzero(~first) - 1]) / np.sqrt(1 - phi**2)
    codes = pd.factorize(data["Subject"])[0]
    problem = LinearMixedProblem([RandomEffectsBlock(codes, codes.max() + 1, out[:, 2:3])], out[:, :2], out[:, 3])
    log_det_r = np.sum(~first) * np.log1p(-phi**2)
    return problem.deviance(np.array([theta]), reml=False) + log_det_r


@pytest.mark.parametrize("phi", [0.3, -0.6, 0.99999, -0.99999, np.tanh(8.0)])
def test_the_cross_products_stay_accurate_as_phi_nears_one(phi):
    """Against whitening; the forms of :mod:`mixedmodels.core._ar1` have
    nothing large cancel (before them, 7e-6 off at 0.99999 and 0.04 at the bound)."""
    from mixedmodels.lmm._corar1 import ar1_frame, profiled_criterion
    from mixedmodels.lmm._resfit import ProfiledTheta

    data = mm.datasets.load("sleepstudy")
    frame, spec, groups, times = ar1_frame("Reaction ~ Days + (1 | Subject)", data, mm.CorAR1("Days", "Subject"))
    problem_at = profiled_criterion(frame, groups, times, spec, ProfiledTheta(False, mm.Control()))[1]
    ours = problem_at(np.arctanh(phi)).deviance(np.array([0.8]), reml=False)
    assert abs(ours - _whitened_deviance(data, phi, 0.8)) < 1e-8 * abs(ours)


def test_many_distinct_gaps_form_the_cross_products_from_the_rows():
    """Irregular times: holding per-gap pieces would cost more than a pass
    over the rows, which each evaluation then takes; both give the same."""
    from mixedmodels.core._ar1 import AR1CrossProducts
    from mixedmodels.lmm._ar1rows import pairs
    from mixedmodels.lmm._corar1 import ar1_frame
    from mixedmodels.lmm._fit import lmer_problem

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"g": np.repeat(np.arange(60), 6), "t": np.cumsum(rng.integers(1, 90, 360)),
                         "y": rng.standard_normal(360)})
    few = data.assign(t=np.tile(np.arange(6), 60))
    results = []
    for frame_data in (data, few):
        frame, _, groups, times = ar1_frame("y ~ 1 + (1 | g)", frame_data, mm.CorAR1("t", "g"))
        template = lmer_problem(frame)
        precision = AR1CrossProducts(template.blocks, frame.X, frame.response, *pairs(groups, times, "g"),
                                     template.factor.xp)
        results.append(precision.pieces is None)
        precision.pieces = [precision._piece(precision.gaps == gap) for gap in precision.unique_gaps]
        for phi in (0.7, -0.4):
            correlation = lambda gaps, phi=phi: phi**gaps
            xp, direct = precision.at(correlation)[0], precision._from_rows(correlation)
            np.testing.assert_allclose(xp.a_rr, direct.a_rr, rtol=1e-12)
            np.testing.assert_allclose(xp.a11, direct.a11, rtol=1e-12)
            np.testing.assert_allclose(xp.a_r1.toarray(), direct.a_r1.toarray(), rtol=1e-12, atol=1e-12)
    assert results == [True, False]


@pytest.mark.parametrize("column, message", [("text", "must be numbers; 'day5' is not"),
                                             ("rid", "nothing to correlate")])
def test_times_that_cannot_be_used_are_clear_errors(column, message):
    sleep = mm.datasets.load("sleepstudy").reset_index(drop=True)
    sleep = sleep.assign(text=sleep["Days"].astype(str), rid=np.arange(len(sleep)))
    sleep.loc[5, "text"] = "day5"
    spec = mm.CorAR1("Days", "rid") if column == "rid" else mm.CorAR1("text")
    with pytest.raises(mm.FormulaError, match=message):
        mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, correlation=spec)


def test_simulated_residuals_follow_the_ar1_process():
    """Residual draws (modes held, re_form=None): variance sigma^2 and
    correlation phi^gap between neighbours, gaps of 1 and of 2 (Days 3 and 7
    of every other subject dropped); reproducible with a seed."""
    sleep = mm.datasets.load("sleepstudy")
    ref = MODELS["sleep_gaps_reml"]
    data = sleep.iloc[np.asarray(ref["rows"]) - 1].reset_index(drop=True)
    fit = mm.lmer("Reaction ~ Days + (1 | Subject)", data, correlation=mm.CorAR1("Days"))
    sims = fit.simulate(4000, seed=7, re_form=None)
    e = (sims.to_numpy() - fit.fitted().to_numpy()[:, None]) / fit.sigma
    assert abs(e.var() - 1.0) < 0.02
    same = (data["Subject"].to_numpy()[1:] == data["Subject"].to_numpy()[:-1])
    gap = np.diff(data["Days"].to_numpy())
    for g in (1, 2):
        pairs = np.flatnonzero(same & (gap == g))
        corr = np.mean(e[pairs] * e[pairs + 1])
        assert abs(corr - fit.phi**g) < 0.02, (g, corr, fit.phi**g)
    np.testing.assert_array_equal(fit.simulate(2, seed=1), fit.simulate(2, seed=1))


def test_continuous_times_take_hours_and_print_nlmes_block():
    """corCAR1 on the simulated real times, given as datetimes (days from the
    first, fractions allowed): nlme's REML fit; the summary names the structure."""
    ref = MODELS["sim_car1_reml"]
    data = pd.read_csv(SIM_CAR1)
    data = data.assign(when=pd.Timestamp("2021-06-01 09:00") + pd.to_timedelta(data["t"], unit="D"))
    fit = mm.lmer("y ~ x + (1 | g)", data, correlation=mm.CorCAR1("when", "g"))
    assert abs(fit.loglik - ref["logLik"]) < 1e-6 and abs(fit.phi - ref["Phi"]) < 1e-4
    assert "Correlation Structure: Continuous AR(1)\n Formula: ~when | g" in str(fit.summary())
    with pytest.raises(TypeError, match="needs the column of the times"):
        mm.CorCAR1(by="g")


def test_a_variance_function_with_the_correlation():
    """weights=mm.VarIdent with correlation=mm.CorAR1 (nlme's weights and
    correlation together; numbers in test_matches_nlme[gpa_hetvar_ar1_reml]):
    both blocks in the summary, both counted in npar, update keeps both, and
    simulated residuals have SD sigma * delta per stratum."""
    gpa = mm.datasets.load("gpa")
    fit = mm.lmer("gpa ~ occasion + (1 | student)", gpa, weights=mm.VarIdent("occasion"),
                  correlation=mm.CorAR1("occasion", "student"))
    text = str(fit.summary())
    assert "Correlation Structure: AR(1)" in text and "Structure: Different standard deviations per stratum" in text
    assert fit.npar == MODELS["gpa_hetvar_ar1_reml"]["df"]
    ml = fit.update(reml=False)
    assert ml.var_ident is not None and ml.cor_ar1 == fit.cor_ar1 and not ml.reml
    sims = fit.simulate(3000, seed=2, re_form=None).to_numpy() - fit.fitted().to_numpy()[:, None]
    by_occasion = pd.Series(sims.std(axis=1)).groupby(gpa["occasion"].astype(str).to_numpy()).mean()
    np.testing.assert_allclose(by_occasion[fit.var_ident.index], fit.sigma * fit.var_ident, rtol=0.03)


def _nlme_car1(data: pd.DataFrame, time: str, reml: bool = True) -> float:
    return mm.lmer("y ~ x + (1 | g)", data, reml=reml, correlation=mm.CorCAR1(time, "g")).loglik


@pytest.mark.parametrize("factor", [1 / 1000, 1 / 100, 100, 86400])
def test_continuous_times_in_any_unit_reach_nlmes_optimum(factor):
    """phi is searched as a decay rate on the gaps' scale: with the times in
    a unit 1,000 times larger or 86,400 times smaller (seconds), the fit is
    the one in days (nlme: logLik -360.37884 at Phi 0.65203 per day).  A
    bound on phi itself forced a correlation at short gaps (-416.0 at t / 1000),
    and a start at phi 0.2 stalled where 0.2^gap underflows (-401.5 at t * 100)."""
    ref = MODELS["sim_car1_reml"]
    data = pd.read_csv(SIM_CAR1)
    fit = mm.lmer("y ~ x + (1 | g)", data.assign(tt=data["t"] * factor), correlation=mm.CorCAR1("tt", "g"))
    assert fit.loglik >= ref["logLik"] - 1e-6
    assert abs(fit.phi ** factor - ref["Phi"]) < 1e-4


def test_independent_residuals_at_short_gaps_are_not_forced_to_correlate():
    """Rows 0.02-0.3 apart with independent residuals: the CAR(1) fit is at
    least the fit without correlation (nested in it at phi -> 0)."""
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(60), 5)
    t = np.concatenate([np.cumsum(rng.uniform(0.02, 0.3, 5)) for _ in range(60)])
    x = rng.standard_normal(300)
    data = pd.DataFrame({"g": g, "t": t, "x": x, "y": 1 + 0.4 * x + rng.normal(0, 0.8, 60)[g] + rng.standard_normal(300)})
    car1 = mm.lmer("y ~ x + (1 | g)", data, correlation=mm.CorCAR1("t", "g"))
    plain = mm.lmer("y ~ x + (1 | g)", data)
    assert car1.loglik >= plain.loglik - 1e-6


def test_infinite_times_are_clear_errors():
    data = pd.read_csv(SIM_CAR1)
    data.loc[3, "t"] = np.inf
    with pytest.raises(mm.FormulaError, match="CorCAR1: the times in 't' must be finite; the row labelled 3"):
        mm.lmer("y ~ x + (1 | g)", data, correlation=mm.CorCAR1("t", "g"))
    with pytest.raises(TypeError, match="time must be a column name"):
        mm.CorCAR1(["t"], "g")


def test_ranova_refits_each_reduced_model_with_the_structure():
    """R: lme(Reaction ~ Days, random = list(Subject = pdDiag(~ Days)), correlation =
    corAR1(form = ~ Days | Subject)) and its two reduced models: logLik
    -863.098056191, -864.150030755 (no intercept), -868.095531780 (no slope)."""
    import warnings

    fit = mm.lmer("Reaction ~ Days + (Days || Subject)", mm.datasets.load("sleepstudy"), correlation=mm.CorAR1("Days"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = fit.ranova()
    np.testing.assert_allclose(table["loglik"], [-863.098056191, -864.150030755, -868.095531780], atol=1e-6)
    with pytest.raises(NotImplementedError, match="one random-effects term"):
        mm.lmer("Reaction ~ Days + (1 | Subject)", mm.datasets.load("sleepstudy"), correlation=mm.CorAR1("Days")).ranova()
