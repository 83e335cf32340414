"""Term -> column map of the fixed-effects matrix (R's ``attr(X, "assign")``)."""

from __future__ import annotations

import warnings

import numpy as np

from mixedmodels.formula import build_model_frame


def test_assign_matches_r(data):
    # R: attr(model.matrix(~ x * f + poly(z, 2)), "assign") is 0 1 2 2 3 3 4 4
    mf = build_model_frame("y ~ x * f + poly(z, 2) + (1 | g)", data)
    assert mf.spec.term_labels == ["x", "f", "poly(z, 2)", "x:f"]
    assert mf.fixef_assign == [0, 1, 2, 2, 3, 3, 4, 4]
    assert len(mf.fixef_assign) == mf.X.shape[1]


def test_assign_without_intercept(data):
    mf = build_model_frame("y ~ 0 + f + x", data)
    assert mf.fixef_assign == [1, 1, 1, 2]


def test_assign_skips_aliased_columns(data):
    d = data.assign(x2=2 * data["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = build_model_frame("y ~ x + x2 + f", d)
    assert mf.fixef_names == ["(Intercept)", "x", "fb", "fc"]
    assert mf.fixef_assign == [0, 1, 3, 3]


def test_indicator_matrix_codes_every_level(data):
    # R: model.matrix(~ 0 + f) and model.matrix(~ 0 + x:f) for each term
    mf = build_model_frame("y ~ x * f + (1 | g)", data)
    X, names, assign = mf.spec.indicator_matrix(data, mf.rows_used)
    assert names == ["(Intercept)", "x", "fa", "fb", "fc", "x:fa", "x:fb", "x:fc"]
    assert assign == [0, 1, 2, 2, 2, 3, 3, 3]
    assert (X[:, 2:5].sum(axis=1) == 1).all()
    np.testing.assert_allclose(X[:, 5:].sum(axis=1), data["x"].to_numpy())
