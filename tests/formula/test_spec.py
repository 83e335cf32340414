"""Rebuilding matrices on new data."""

from __future__ import annotations

import numpy as np
import pytest

from mixedmodels.formula import FormulaError, build_model_frame


def test_fixed_matrix_reproduces_training(data):
    mf = build_model_frame("y ~ poly(x, 2) * f + scale(z) + o + (x | g)", data)
    np.testing.assert_allclose(mf.spec.fixed_matrix(data), mf.X, atol=1e-12)
    for (Z, codes), term in zip(mf.spec.re_matrices(data), mf.re_terms):
        np.testing.assert_array_equal(Z, term.Z)
        np.testing.assert_array_equal(codes, term.codes)


def test_scale_uses_training_centre(data):
    mf = build_model_frame("y ~ scale(z)", data)
    new = data.iloc[:3].assign(z=[0.0, 1.0, 2.0])
    z = data["z"].to_numpy()
    expected = (np.array([0.0, 1.0, 2.0]) - z.mean()) / z.std(ddof=1)
    np.testing.assert_allclose(mf.spec.fixed_matrix(new)[:, 1], expected)


def test_subset_of_levels_keeps_columns(data):
    mf = build_model_frame("y ~ f", data)
    new = data[data["f"] == "b"]
    X = mf.spec.fixed_matrix(new)
    assert X.shape == (len(new), 3) and (X[:, 1] == 1).all() and (X[:, 2] == 0).all()


def test_unknown_fixed_level_is_an_error(data):
    mf = build_model_frame("y ~ s", data)
    with pytest.raises(FormulaError, match="'s'.*'zz'"):
        mf.spec.fixed_matrix(data.assign(s="zz"))


def test_new_grouping_level_gets_minus_one(data):
    mf = build_model_frame("y ~ x + (1 | h)", data)
    new = data.iloc[:4].assign(h=["u", "new", "w", "v"])
    (Z, codes), = mf.spec.re_matrices(new)
    assert codes.tolist() == [0, -1, 2, 1]
    assert Z.shape == (4, 1)


def test_re_matrices_select_terms(data):
    mf = build_model_frame("y ~ (1 | g) + (x || h)", data)
    picked = mf.spec.re_matrices(data, terms=["h.1"])
    assert len(picked) == 1 and picked[0][0].shape[1] == 1
    with pytest.raises(FormulaError, match="no random-effects term"):
        mf.spec.re_matrices(data, terms=["nope"])


def test_aliased_columns_stay_dropped(data):
    d = data.assign(x2=2 * data["x"])
    with pytest.warns(UserWarning):
        mf = build_model_frame("y ~ x + x2", d)
    assert mf.spec.fixed_matrix(d.iloc[:5]).shape == (5, 2)
