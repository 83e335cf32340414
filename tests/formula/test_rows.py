"""Missing values, weights, offsets and the response."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mixedmodels.formula import FormulaError, build_model_frame


def test_na_rows_dropped_everywhere(data):
    d = data.copy()
    d.loc[2, "x"] = np.nan
    d.loc[5, "y"] = np.nan
    d["h"] = d["h"].astype(object)
    d.loc[7, "h"] = None
    w = np.ones(len(d))
    w[9] = np.nan
    mf = build_model_frame("y ~ x + (1 | h)", d, weights=w)
    assert mf.n_dropped == 4 and mf.n == len(d) - 4
    assert not set(mf.rows_used) & {2, 5, 7, 9}
    assert mf.weights.shape == (mf.n,) and mf.X.shape[0] == mf.re_terms[0].Z.shape[0] == mf.n


def test_na_in_unused_column_is_ignored(data):
    d = data.assign(unused=np.nan)
    assert build_model_frame("y ~ x", d).n_dropped == 0


def test_na_action_raise_names_columns(data):
    d = data.copy()
    d.loc[[1, 2], "x"] = np.nan
    with pytest.raises(FormulaError, match=r"x \(2 rows\)"):
        build_model_frame("y ~ x", d, na_action="raise")


def test_nothing_left(data):
    with pytest.raises(FormulaError, match="no rows left"):
        build_model_frame("y ~ x", data.assign(x=np.nan))


def test_scale_centre_uses_rows_dropped_for_other_variables(data):
    """As R's model.frame: transforms see all rows, NA rows are dropped afterwards."""
    d = data.copy()
    d.loc[0, "y"] = np.nan
    mf = build_model_frame("y ~ scale(z)", d)
    z = d["z"].to_numpy()
    np.testing.assert_allclose(mf.X[:, 1], ((z - z.mean()) / z.std(ddof=1))[1:])


def test_cbind_response(data):
    mf = build_model_frame("cbind(cnt, 10 - cnt) ~ x + (1 | g)", data)
    assert mf.response_name == "cbind(cnt, 10 - cnt)"
    np.testing.assert_array_equal(mf.response, np.column_stack([data["cnt"], 10 - data["cnt"]]))


def test_expression_response(data):
    mf = build_model_frame("log(z+1) ~ x", data)
    assert mf.response_name == "log(z + 1)"
    np.testing.assert_allclose(mf.response, np.log(data["z"] + 1))


def test_logical_and_two_level_factor_response(data):
    assert build_model_frame("b ~ x", data).response.tolist() == data["b"].astype(float).tolist()
    d = data.assign(yes=pd.Categorical(np.where(data["b"], "Yes", "No"), categories=["No", "Yes"]))
    assert build_model_frame("yes ~ x", d).response.tolist() == data["b"].astype(float).tolist()


def test_non_numeric_response(data):
    with pytest.raises(FormulaError, match="response 'h' is not numeric"):
        build_model_frame("h ~ x", data)
    with pytest.raises(FormulaError, match="3 levels"):
        build_model_frame("f ~ x", data)


def test_weights_by_name_and_negative(data):
    mf = build_model_frame("y ~ x", data, weights="z")
    np.testing.assert_array_equal(mf.weights, data["z"])
    with pytest.raises(FormulaError, match="negative weights"):
        build_model_frame("y ~ x", data, weights=-data["z"].to_numpy())


def test_dict_input(data):
    mf = build_model_frame("y ~ x + (1 | h)", {c: data[c].to_numpy() for c in ["y", "x", "h"]})
    assert mf.fixef_names == ["(Intercept)", "x"] and mf.ngroups == {"h": 3}
