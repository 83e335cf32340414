"""``fit.model_matrix``: lme4's ``model.matrix(fit)`` and ``getME(fit, "Z")``."""

import numpy as np
import pytest

import mixedmodels as mm


@pytest.fixture(scope="module")
def sleep():
    return mm.datasets.load("sleepstudy")


def test_z_columns_in_lme4_order(sleep):
    """lme4 1.1-31: getME(lmer(Reaction ~ Days + (Days | Subject)), "Z")[2:3, 1:4] is
    [[1, 1, 0, 0], [1, 2, 0, 0]] (levels major, effects minor); with (Days || Subject)
    the two terms come one after the other: columns 1, 2, 19, 20 are
    [[1, 0, 1, 0], [1, 0, 2, 0]]."""
    correlated = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    Z, names = correlated.model_matrix("random")
    assert Z.shape == (180, 36) and names[:3] == ["Subject:308.(Intercept)", "Subject:308.Days",
                                                  "Subject:309.(Intercept)"]
    np.testing.assert_array_equal(Z[1:3][:, :4].toarray(), [[1, 1, 0, 0], [1, 2, 0, 0]])
    separate = mm.lmer("Reaction ~ Days + (Days || Subject)", sleep)
    Z, names = separate.model_matrix("random")
    np.testing.assert_array_equal(Z[1:3][:, [0, 1, 18, 19]].toarray(), [[1, 0, 1, 0], [1, 0, 2, 0]])
    assert names[18] == "Subject.1:308.Days"


def test_x_beta_plus_z_b_is_the_fit(sleep):
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    X, (Z, _) = fit.model_matrix(), fit.model_matrix("random")
    assert list(X.columns) == ["(Intercept)", "Days"]
    b = fit.ranef["Subject"].to_numpy().ravel()
    np.testing.assert_allclose(X.to_numpy() @ fit.fixef.to_numpy() + Z @ b, fit.fitted().to_numpy(), rtol=1e-12)
    cbpp = mm.datasets.load("cbpp")
    glmm = mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    Z, _ = glmm.model_matrix("random")
    eta = glmm.model_matrix().to_numpy() @ glmm.fixef.to_numpy() + Z @ glmm.ranef["herd"].to_numpy().ravel()
    np.testing.assert_allclose(eta, glmm.predict(type="link").to_numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="type must be 'fixed' or 'random'"):
        fit.model_matrix("Z")
