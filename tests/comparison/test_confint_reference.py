"""``confint`` (profile and Wald) against lme4's confint (confint_*.json), 1e-3 relative."""

import numpy as np
import pytest

from mixedmodels.comparison._confint import profile_interval
from tests.comparison._refs import extra, fits_of

NAMES = ["confint_sleep_slope_reml", "confint_exam_int_reml", "confint_pupils_crossed"]


def check(ours, stored, rtol):
    assert list(ours.index) == stored["rownames"]
    assert list(ours.columns) == stored["colnames"]
    want = np.array([[np.nan if v is None else v for v in row] for row in stored["values"]], float)
    np.testing.assert_allclose(ours.to_numpy(), want, rtol=rtol, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
def test_profile_intervals(name):
    ref, fit = extra(name)["confint"], fits_of(name)["fit"]
    ours = fit.confint("profile")
    check(ours, ref["profile_newnames"], 1e-4)
    old = fit.confint("profile", parm=[".sigma"], old_names=True)
    assert list(old.index) == [".sigma"]
    np.testing.assert_allclose(old.to_numpy()[0], list(ref["profile_oldnames"]["rows"][".sigma"].values()), rtol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_wald_intervals(name):
    ref, fit = extra(name)["confint"], fits_of(name)["fit"]
    check(fit.confint("wald"), ref["wald_newnames"], 1e-4)
    check(fit.confint("Wald", old_names=True), ref["wald"], 1e-4)


def test_profile_table_and_fallbacks():
    fit = fits_of("confint_sleep_slope_reml")["fit"]
    table = fit.profile(which=["Days"])
    assert set(table["parameter"]) == {"Days"} and table["zeta"].abs().max() > 1.96
    assert np.all(np.diff(table["zeta"]) > 0)
    # A profile that stops short of -1.96 gives the parameter's bound.
    values, zetas = np.array([0.0, 1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 1.5, 3.0])
    lo, hi = profile_interval(values, zetas, 0.95, (0.0, np.inf))
    assert lo == 0.0 and 1.0 < hi < 3.0
    with pytest.raises(ValueError, match="method must be"):
        fit.confint("bca")


def test_boot_intervals():
    fit = fits_of("confint_sleep_slope_reml")["fit"]
    ci = fit.confint("boot", nsim=30, seed=1, parm=["Days", "sigma"])
    assert list(ci.index) == ["Days", "sigma"]
    assert ci.loc["Days", "2.5 %"] < fit.fixef["Days"] < ci.loc["Days", "97.5 %"]


def test_parameters_named_in_either_style_or_by_position():
    from mixedmodels.comparison._parameters import parameter_indices

    new, old = ["sd_(Intercept)|Subject", "sigma", "Days"], [".sig01", ".sigma", "Days"]
    assert parameter_indices(None, new, old) == [0, 1, 2]
    assert parameter_indices(["Days", ".sigma", 0], new, old) == [2, 1, 0]
    assert parameter_indices("sigma", new, old) == [1]
    with pytest.raises(ValueError, match="Unknown parameter 'tau'"):
        parameter_indices(["tau"], new, old)


def test_unconverged_profile_points_are_reported(monkeypatch):
    import mixedmodels as mm
    from mixedmodels.comparison import _profile
    from mixedmodels.core import OptSummary

    def few_evaluations(start, lower, upper):
        return OptSummary("bobyqa", np.asarray(start, float), np.asarray(lower, float), upper=upper, maxeval=3)

    monkeypatch.setattr(_profile, "_settings", few_evaluations)
    fit = fits_of("confint_sleep_slope_reml")["fit"]
    with pytest.warns(mm.ConvergenceWarning, match=r"profile of 'Days': the optimizer did not converge .*MAXEVAL_REACHED"):
        fit.profile(which=["Days"])
