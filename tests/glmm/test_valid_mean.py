"""A mean outside the family's range is an infinite deviance, so PIRLS halves the step.

With the identity (or inverse) link nothing keeps the means of a Poisson,
Gamma, inverse-Gaussian or binomial model in their range.  An
inverse-Gaussian identity-link fit (``tools/lme4_diff`` seed 33, data of
``invgauss_log_008``) had PIRLS settle where means were negative: the
variance ``mu^3`` and with it the weights were negative there, the Laplace
deviance NaN, and the fit ended in a PirlsError, where lme4 fits it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.core._glmresp import GlmResponse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "lme4_diff"
LME4_TIGHT_LOGLIK = -714.45262  # lme4 1.1-31, glmerControl(tolPwrss = 1e-12); its default fit: -714.45046


@pytest.mark.parametrize("family,y,bad,good", [
    (mm.families.InverseGaussian("identity"), [1.0, 2.0], [-0.5, 1.0], [0.5, 1.0]),
    (mm.families.Gamma("identity"), [1.0, 2.0], [1.0, 0.0], [1.0, 0.1]),
    (mm.families.Poisson("identity"), [0.0, 2.0], [-0.1, 1.0], [0.1, 1.0]),
    (mm.families.Binomial("identity"), [0.0, 1.0], [0.5, 1.2], [0.5, 0.9]),
    (mm.families.NegativeBinomial(2.0, "identity"), [0.0, 3.0], [-1.0, 2.0], [1.0, 2.0]),
])
def test_a_mean_outside_the_range_has_infinite_deviance(family, y, bad, good):
    resp = GlmResponse(np.array(y), family, np.ones(2), np.ones(2), np.zeros(2))
    assert resp.deviance(np.array(bad)) == np.inf
    assert np.isfinite(resp.deviance(np.array(good)))


def test_inverse_gaussian_identity_fit_stays_in_range():
    data = pd.read_csv(FIXTURES / "invgauss_identity_s33_008.csv", dtype={"g": str})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lme4 warns too: "nearly unidentifiable"
        fit = mm.glmer("y ~ x + (1 | g)", data, family=mm.families.InverseGaussian("identity"))
    assert fit.loglik >= LME4_TIGHT_LOGLIK - 1e-3
    assert np.all(fit.fitted() > 0)


def test_the_range_is_checked_only_where_the_link_can_leave_it():
    """Derived from the link's and the family's ranges: logit, probit,
    cloglog and log keep the means inside (no pass over the rows for the
    check); identity, inverse and sqrt, and the log link of a binomial, do not."""
    F = mm.families
    kept = [F.Binomial(), F.Binomial("probit"), F.Binomial("cloglog"), F.Poisson(), F.Gamma("log"),
            F.InverseGaussian("log"), F.NegativeBinomial(2.0), F.Gaussian("log")]
    left = [F.Binomial("log"), F.Binomial("identity"), F.Poisson("identity"), F.Poisson("sqrt"), F.Gamma(),
            F.Gamma("identity"), F.InverseGaussian(), F.NegativeBinomial(2.0, "identity")]
    assert [f.mean_can_leave_range for f in kept] == [False] * len(kept)
    assert [f.mean_can_leave_range for f in left] == [True] * len(left)
