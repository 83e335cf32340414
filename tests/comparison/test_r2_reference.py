"""``r2`` and ``icc`` against performance::r2_nakagawa / icc (r2icc_*.json), 1e-5 relative."""

import numpy as np
import pytest

from mixedmodels.comparison._r2 import variance_components
from tests.comparison._refs import extra, fits_of

LMER = ["r2icc_sleep_slope", "r2icc_exam_int", "r2icc_pupils_crossed"]


@pytest.mark.parametrize("name", LMER)
def test_r2_and_icc(name):
    ref, fit = extra(name), fits_of(name)["fit"]
    r2, icc = fit.r2(), fit.icc()
    for key in ("R2_marginal", "R2_conditional"):
        assert r2[key] == pytest.approx(ref["r2_nakagawa"][key], rel=1e-5)
    for key in ("ICC_adjusted", "ICC_unadjusted", "ICC_conditional"):
        assert icc[key] == pytest.approx(ref["icc"][key], rel=1e-5)


@pytest.mark.parametrize("name", LMER)
def test_variance_components(name):
    ref, fit = extra(name)["get_variance"], fits_of(name)["fit"]
    ours = variance_components(fit)
    for key in ("var.fixed", "var.random", "var.residual", "var.distribution", "var.dispersion"):
        np.testing.assert_allclose(ours[key.replace(".", "_")], ref[key], rtol=1e-5, atol=1e-12, err_msg=key)
