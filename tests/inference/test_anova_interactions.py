"""Type I/II/III anova of a model with interactions (contained terms), against
lmerTest 3.1-3 on R 4.2.2: ``lmer(stress ~ experience * sex + treatment * hospsize
+ (1 | hospital/ward), nurses)``, values as printed by ``anova(fit, type=, ddf=)``."""

from __future__ import annotations

import numpy as np
import pytest

import mixedmodels as mm
from tests.inference._agreement import assert_p_close

FORMULA = "stress ~ experience * sex + treatment * hospsize + (1 | hospital/ward)"
TERMS = ["experience", "sex", "treatment", "hospsize", "experience:sex", "treatment:hospsize"]
NUM_DF = [1, 1, 1, 2, 1, 2]
# (DenDF, F value, Pr(>F)) per term, as printed by R
R_TABLES = {
    (1, "satterthwaite"): [(939.18, 72.2339, 7.4e-17), (939.54, 153.2147, 1.0e-32), (72.06, 66.8356, 7.175e-12),
                           (22.00, 6.2633, 0.007029), (930.69, 0.0547, 0.815084), (72.36, 28.7906, 6.328e-10)],
    (2, "satterthwaite"): [(918.97, 84.2643, 2.8e-19), (911.59, 17.3564, 3.393e-05), (72.06, 66.7858, 7.275e-12),
                           (22.00, 6.2686, 0.007005), (910.71, 0.0081, 0.928190), (72.36, 28.7906, 6.327e-10)],
    (3, "satterthwaite"): [(918.39, 68.2157, 5.079e-16), (911.59, 17.3564, 3.393e-05), (72.55, 29.1631, 8.035e-07),
                           (22.00, 6.1152, 0.007728), (910.71, 0.0081, 0.928190), (72.36, 28.7906, 6.327e-10)],
    (2, "kenward-roger"): [(918.87, 84.1929, 2.9e-19), (911.47, 17.3458, 3.412e-05), (71.92, 66.7851, 7.368e-12),
                           (22.02, 6.2686, 0.007001), (910.58, 0.0081, 0.928212), (72.22, 28.7903, 6.391e-10)],
    (3, "kenward-roger"): [(918.29, 68.1576, 5.221e-16), (911.47, 17.3458, 3.412e-05), (72.41, 29.1629, 8.066e-07),
                           (22.02, 6.1152, 0.007723), (910.58, 0.0081, 0.928212), (72.22, 28.7903, 6.391e-10)],
}


@pytest.fixture(scope="module")
def fit():
    return mm.lmer(FORMULA, mm.datasets.load("nurses"))


@pytest.mark.parametrize("kind, ddf", list(R_TABLES))
def test_anova_with_interactions(fit, kind, ddf):
    got = fit.anova(type=kind, ddf=ddf)
    want = np.array(R_TABLES[kind, ddf])
    assert list(got.index) == TERMS and got["num_df"].tolist() == NUM_DF
    np.testing.assert_allclose(got["den_df"], want[:, 0], rtol=0.01)
    np.testing.assert_allclose(got["f_value"], want[:, 1], rtol=0.01, atol=1e-4)
    assert_p_close(got["p_value"], want[:, 2])


def test_lme4_table_is_sequential_in_r_x(fit):
    """``anova(fit, ddf = "lme4", type = 3)`` (lmerTest 3.1-3 hands over to
    lme4 1.1-31, which ignores ``type``): the squares of ``R_X beta`` by term,
    not lmerTest's type I (its experience F is 72.23, lme4's 77.44)."""
    got = fit.anova(type=3, ddf="lme4")
    assert list(got.columns) == ["npar", "sum_sq", "mean_sq", "f_value"] and list(got.index) == TERMS
    assert got["npar"].tolist() == NUM_DF
    # as printed by R with digits = 10; rtol 2e-4: the fixed effects agree with lme4's to about
    # 1e-6 of their size, which the smallest sum of squares (0.0025, a difference) magnifies
    np.testing.assert_allclose(got["sum_sq"], [18.75802556, 36.17527182, 15.27787716, 2.96989582, 0.00246550,
                                               13.94760312], rtol=2e-4)
    np.testing.assert_allclose(got["f_value"], [77.44042, 149.34559, 63.07302, 6.13044, 0.01018, 28.79056],
                               rtol=2e-4)
    assert got.attrs["heading"] == "Analysis of Variance Table"
