"""Agreement rules with lmerTest/pbkrtest (issue 4): df and F within 1 %,
p-values within 1e-3 absolute or 2 % relative."""

from __future__ import annotations

import numpy as np
import pandas as pd

T_COLUMNS = {"Estimate": "estimate", "Std. Error": "std_error", "df": "df", "t value": "statistic",
             "Pr(>|t|)": "p_value"}
F_COLUMNS = {"Sum Sq": "sum_sq", "Mean Sq": "mean_sq", "NumDF": "num_df", "DenDF": "den_df",
             "F value": "f_value", "Pr(>F)": "p_value"}


def r_table(rows: dict, columns: dict) -> pd.DataFrame:
    """An R table stored as ``{row: {column: value}}``, renamed to our columns."""
    if not rows:
        return pd.DataFrame(columns=list(columns.values()), dtype=float)
    return pd.DataFrame(rows).T.rename(columns=columns)[list(columns.values())].astype(float)


def assert_p_close(got, want) -> None:
    got, want = np.asarray(got, float), np.asarray(want, float)
    ok = (np.abs(got - want) <= 1e-3) | (np.abs(got - want) <= 0.02 * np.abs(want))
    assert ok.all(), f"p-values {got} vs R {want}"


def assert_t_table(got: pd.DataFrame, want_rows: dict) -> None:
    want = r_table(want_rows, T_COLUMNS)
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got["df"], want["df"], rtol=0.01)
    np.testing.assert_allclose(got["std_error"], want["std_error"], rtol=2e-3)
    np.testing.assert_allclose(got["statistic"], want["statistic"], rtol=0.01, atol=1e-3)
    assert_p_close(got["p_value"], want["p_value"])


def assert_f_table(got: pd.DataFrame, want_rows: dict) -> None:
    want = r_table(want_rows, F_COLUMNS)
    assert list(got.index) == list(want.index)
    np.testing.assert_array_equal(got["num_df"], want["num_df"])
    np.testing.assert_allclose(got["den_df"], want["den_df"], rtol=0.01)
    np.testing.assert_allclose(got["f_value"], want["f_value"], rtol=0.01)
    np.testing.assert_allclose(got["sum_sq"], want["sum_sq"], rtol=0.01)
    assert_p_close(got["p_value"], want["p_value"])
