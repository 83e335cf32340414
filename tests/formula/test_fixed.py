"""Fixed-effects matrices: R's column names, order and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from mixedmodels.formula import build_model_frame


def names(formula: str, data) -> list[str]:
    return build_model_frame(formula, data).fixef_names


@pytest.mark.parametrize("formula, expected", [
    ("y ~ x", ["(Intercept)", "x"]),
    ("y ~ x*f", ["(Intercept)", "x", "fb", "fc", "x:fb", "x:fc"]),
    ("y ~ f*x", ["(Intercept)", "fb", "fc", "x", "fb:x", "fc:x"]),
    ("y ~ x:f + f", ["(Intercept)", "fb", "fc", "x:fa", "x:fb", "x:fc"]),
    ("y ~ f:x", ["(Intercept)", "fa:x", "fb:x", "fc:x"]),
    ("y ~ 0 + f + s", ["fa", "fb", "fc", "sq"]),
    ("y ~ f - 1", ["fa", "fb", "fc"]),
    ("y ~ o", ["(Intercept)", "o.L", "o.Q", "o.C"]),
    ("y ~ b + s", ["(Intercept)", "bTRUE", "sq"]),
    ("y ~ poly(x, 2) + scale(z) + log(z)", ["(Intercept)", "poly(x, 2)1", "poly(x, 2)2",
                                           "scale(z)", "log(z)"]),
    ("y ~ I(x^2) + log(z+1) + sqrt(z) + exp(x)", ["(Intercept)", "I(x^2)", "log(z + 1)",
                                                  "sqrt(z)", "exp(x)"]),
    ("y ~ poly(x,2):f", ["(Intercept)"] + [f"poly(x, 2){k}:f{l}" for l in "abc" for k in "12"]),
    ("y ~ C(g) + factor(h)", ["(Intercept)", "C(g)1", "C(g)2", "C(g)3", "C(g)4", "C(g)5",
                              "factor(h)v", "factor(h)w"]),
    ("y ~ (x + z + f)^2", ["(Intercept)", "x", "z", "fb", "fc", "x:z", "x:fb", "x:fc",
                           "z:fb", "z:fc"]),
    ("y ~ f*s - f", ["(Intercept)", "sq", "fb:sp", "fc:sp", "fb:sq", "fc:sq"]),
    # R labels the term x:s:f (variable order) and codes s and f by indicators;
    # x equals the sum of those columns, so the last one is aliased and dropped.
    ("y ~ x + s + f:x:s", ["(Intercept)", "x", "sq", "x:sp:fa", "x:sq:fa", "x:sp:fb",
                           "x:sq:fb", "x:sp:fc"]),
    ("y ~ -1", []),
])
@pytest.mark.filterwarnings("ignore:fixed-effect model matrix is rank deficient")
def test_names(formula, expected, data):
    assert names(formula, data) == expected


def test_interaction_order_follows_variable_appearance(data):
    assert names("y ~ s:f + f + s", data) == ["(Intercept)", "fb", "fc", "sq", "sq:fb", "sq:fc"]


def test_treatment_coding_is_zero_one(data):
    mf = build_model_frame("y ~ x*f", data)
    X, codes = mf.X, data["f"].cat.codes.to_numpy()
    assert np.array_equal(X[:, 2], (codes == 1).astype(float))
    assert np.array_equal(X[:, 4], data["x"].to_numpy() * (codes == 1))


def test_poly_matches_r():
    import pandas as pd
    mf = build_model_frame("y ~ poly(x, 2)", pd.DataFrame({"y": np.zeros(5), "x": np.arange(1, 6)}))
    # R: poly(1:5, 2)
    r1 = [-0.632455532033676, -0.316227766016838, 0, 0.316227766016838, 0.632455532033676]
    r2 = [0.534522483824849, -0.267261241912424, -0.534522483824849, -0.267261241912424,
          0.534522483824849]
    np.testing.assert_allclose(mf.X[:, 1], r1, atol=1e-14)
    np.testing.assert_allclose(mf.X[:, 2], r2, atol=1e-14)


def test_ordered_contrasts_match_contr_poly():
    import pandas as pd
    o = pd.Categorical(list("abcd"), categories=list("abcd"), ordered=True)
    mf = build_model_frame("y ~ o", pd.DataFrame({"y": np.zeros(4), "o": o}))
    # R: contr.poly(4)
    expected = [[-0.670820393249937, 0.5, -0.223606797749979],
                [-0.223606797749979, -0.5, 0.670820393249937],
                [0.223606797749979, -0.5, -0.670820393249937],
                [0.670820393249937, 0.5, 0.223606797749979]]
    np.testing.assert_allclose(mf.X[:, 1:], expected, atol=1e-14)


def test_scale_is_r_scale(data):
    mf = build_model_frame("y ~ scale(z)", data)
    z = data["z"].to_numpy()
    np.testing.assert_allclose(mf.X[:, 1], (z - z.mean()) / z.std(ddof=1), rtol=1e-14)


def test_unused_levels_are_dropped(data):
    d = data.copy()
    d["f"] = d["f"].cat.add_categories(["zz"])
    assert names("y ~ f", d) == ["(Intercept)", "fb", "fc"]


def test_rank_deficient_columns_dropped_with_warning(data):
    d = data.assign(x2=2 * data["x"])
    with pytest.warns(UserWarning, match="rank deficient so dropping 1 column / coefficient"):
        mf = build_model_frame("y ~ x + x2", d)
    assert mf.fixef_names == ["(Intercept)", "x"] and mf.dropped_fixef == ["x2"]
    assert mf.X.shape == (len(d), 2)
    with pytest.warns(UserWarning, match="dropping 2 columns / coefficients"):
        build_model_frame("y ~ x + x2 + I(3*x)", d)


def test_offsets_summed(data):
    mf = build_model_frame("cnt ~ x + offset(log(z)) + offset(x)", data, offset=np.ones(len(data)))
    expected = np.log(data["z"]) + data["x"] + 1
    np.testing.assert_allclose(mf.offset, expected)
    assert mf.fixef_names == ["(Intercept)", "x"]
    np.testing.assert_allclose(mf.spec.offset(data.iloc[:5]), expected[:5] - 1)
    assert build_model_frame("y ~ x", data).offset is None


@pytest.mark.parametrize("ratio, aliased", [(1e-2, []), (1e-5, []), (1e-9, [2])])
def test_quick_full_rank_check_defers_near_aliased_columns(ratio, aliased):
    """Columns nearly combinations of earlier ones (relative residual below
    1e-4) are judged by the exact Gram-Schmidt, as before the quick check."""
    from mixedmodels.formula._rank import _clearly_full_rank, aliased_columns

    rng = np.random.default_rng(4)
    a, b, e = rng.normal(size=(3, 500))
    X = np.column_stack([a, b, a + 2 * b + ratio * e / np.linalg.norm(e) * np.linalg.norm(a + 2 * b)])
    assert _clearly_full_rank(X, 1e-7) == (ratio > 1e-4)
    assert aliased_columns(X) == aliased


def test_quick_full_rank_check_survives_tiny_columns():
    """Columns near 1e-160 (their squares underflow): an aliased one is still found."""
    from mixedmodels.formula._rank import aliased_columns

    x = np.random.default_rng(6).normal(size=200)
    assert aliased_columns(np.column_stack([np.ones(200), x, 1e-160 * x])) == [2]
