"""Profile-likelihood intervals of glmer fits against lme4 (confint_glmm_*.json).

lme4 profiles a GLMM on the Laplace (or AGQ) deviance over (sd, fixed
effects); its numbers carry two inexactnesses ours does not, and the
interval tolerance below is what they explain:

* glmer's PIRLS stops at ``tolPwrss = 1e-7``, so lme4's profile deviances
  (``basedev + zeta^2``) are above the converged Laplace deviance at the
  same parameters, by up to 1.4e-2 on grouseticks (the files store the
  deviance at every profile point recomputed with ``tolPwrss = 1e-13``);
* its optimum can be worse than ours (cbpp: deviance 5.7e-4 above ours).

A deviance error ``e`` moves zeta by about ``e / (2 * 1.96)`` near
``|zeta| = 1.96``, which moves an endpoint by that times the slope
``d(parameter) / d(zeta)``, about ``(upper - lower) / (2 * 1.96)``.  To
that add 1e-6 relative for the interpolation: our grid is not lme4's (it
starts from another optimum and steps by other zetas), so the splines
through the two differ slightly; on the nAGQ = 5 fit, whose deviances agree
to 5e-9, that is 1.5e-7.  Observed differences are 5-30 % of the bound and
below 5e-4 relative.  The deviance function itself is checked directly at
lme4's profile points.
"""

from functools import cache

import numpy as np
import pytest

from mixedmodels.comparison._profile import make_profiler
from tests.comparison._refs import extra, fits_of

NAMES = ["confint_glmm_cbpp", "confint_glmm_cbpp_agq5", "confint_glmm_grouse"]
Z = 1.959963984540054


def stored(block: dict) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in block["values"]], float)


@cache
def profile_ci(name):
    return fits_of(name)["fit"].confint("profile")


def explained_error(name: str, row: int, want: np.ndarray) -> float:
    """Endpoint shift the deviance errors of lme4's profile of parameter ``row`` explain (see module doc)."""
    ref, fit = extra(name), fits_of(name)["fit"]
    base_r = -2 * ref["fits"]["fit"]["summary"]["logLik"]
    table = ref["profile"]["parameters"][ref["profile"]["columns"][row]]
    zeta, tight = np.array(table["zeta"]), np.array(table["tight_deviance"])
    deviance_error = np.max(np.abs(base_r + zeta**2 - tight)) + abs(-2 * fit.loglik - base_r)
    slope = (want[row, 1] - want[row, 0]) / (2 * Z)
    return deviance_error / (2 * Z) * slope + 1e-6 * np.nanmax(np.abs(want[row]))


@pytest.mark.parametrize("name", NAMES)
def test_profile_intervals(name):
    ref = extra(name)["confint"]["profile_newnames"]
    ours, want = profile_ci(name), stored(ref)
    assert list(ours.index) == ref["rownames"] and list(ours.columns) == ref["colnames"]
    np.testing.assert_allclose(ours.to_numpy(), want, rtol=1e-3, equal_nan=True)
    for row in range(len(want)):
        bound = explained_error(name, row, want)
        assert np.all(np.abs(ours.to_numpy()[row] - want[row]) <= bound), (ours.index[row], bound)


def test_agq_intervals_agree_closely():
    # nAGQ = 5: lme4's PIRLS converges tightly there (its profile deviances are within
    # 5e-9 of the tight ones) and its optimum is ours, so the intervals agree to 1e-6.
    want = stored(extra("confint_glmm_cbpp_agq5")["confint"]["profile_newnames"])
    np.testing.assert_allclose(profile_ci("confint_glmm_cbpp_agq5").to_numpy(), want, rtol=1e-6)


def test_singular_direction_gives_the_bound():
    # The LOCATION sd profile reaches 0 with |zeta| < 1.96: the lower limit is 0, as lme4's.
    ours = profile_ci("confint_glmm_grouse")
    assert ours.loc["sd_(Intercept)|LOCATION", "2.5 %"] == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_deviance_at_lme4_profile_points(name):
    # lme4's deviance recomputed at tolPwrss = 1e-13 is still up to 1.2e-5 above ours where its
    # PIRLS starts far from the modes (it keeps them between calls), within 1e-10 elsewhere.
    profiler = make_profiler(fits_of(name)["fit"])
    for table in extra(name)["profile"]["parameters"].values():
        ours = np.array([profiler.deviance(p) for p in np.array(table["points"])])
        np.testing.assert_allclose(ours, table["tight_deviance"], rtol=0, atol=2e-5)


@pytest.mark.parametrize("name", NAMES)
def test_old_names(name):
    ref, fit = extra(name)["confint"], fits_of(name)["fit"]
    old = fit.confint("profile", parm=[".sig01", 1], old_names=True)
    assert list(old.index) == [".sig01", ref["profile_oldnames"]["rownames"][1]]
    np.testing.assert_allclose(old.to_numpy(), stored(ref["profile_oldnames"])[:2], rtol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_wald(name):
    ref, fit = extra(name)["confint"], fits_of(name)["fit"]
    for method, block, old_names in [("wald", "wald_newnames", False), ("Wald", "wald", True)]:
        wald = fit.confint(method, old_names=old_names)
        assert list(wald.index) == ref[block]["rownames"]
        np.testing.assert_allclose(wald.to_numpy(), stored(ref[block]), rtol=1e-3, equal_nan=True)


def test_profile_table_and_fit_untouched():
    fit = fits_of("confint_glmm_cbpp")["fit"]
    before = (fit.loglik, fit.fixef.copy(), [u.copy() for u in fit.problem.u])
    table = fit.profile(which=["period2", ".sig01"])
    assert list(table["parameter"].unique()) == ["period2", "sd_(Intercept)|herd"]
    for _, part in table.groupby("parameter"):
        assert np.all(np.diff(part["zeta"]) > 0) and part["zeta"].abs().max() > Z
    assert fit.loglik == before[0] and fit.fixef.equals(before[1])
    assert all(np.array_equal(a, b) for a, b in zip(fit.problem.u, before[2]))


def test_not_profiled_families_and_nagq0_say_why():
    import mixedmodels as mm

    cbpp = mm.datasets.load("cbpp")
    agq0 = mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, nagq=0)
    with pytest.raises(NotImplementedError, match="nagq=0 .* Refit with nagq=1"):
        agq0.confint("profile")
    orthodont = mm.datasets.load("Orthodont")
    gamma = mm.glmer("distance ~ age + (1 | Subject)", orthodont, family=mm.families.Gamma("log"))
    with pytest.raises(NotImplementedError, match="dispersion parameter"):
        gamma.profile()
