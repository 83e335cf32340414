"""Term -> column map of the fixed-effects matrix (R's ``attr(X, "assign")``)."""

from __future__ import annotations

import warnings

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
