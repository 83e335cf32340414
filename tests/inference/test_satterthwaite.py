"""Satterthwaite t tests and type III F tests against lmerTest, every reference lmer model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import reference, reference_names
from tests.inference._agreement import assert_f_table, assert_t_table

NAMES = [n for n in reference_names("lme4::lmer") if "satterthwaite" in reference(n)]
CASES = [pytest.param(n, marks=pytest.mark.slow) if n == "insteval_crossed" else n for n in NAMES]


@pytest.mark.parametrize("name", CASES)
def test_coef_table(fitted, name):
    assert_t_table(fitted(name).coef_table("satterthwaite"), reference(name)["satterthwaite"]["coef_table"])


@pytest.mark.parametrize("name", CASES)
def test_anova_type3(fitted, name):
    want = reference(name)["satterthwaite"]["anova_type3"]
    got = fitted(name).anova(type=3, ddf="satterthwaite")
    assert "Satterthwaite's method" in got.attrs["heading"]
    assert_f_table(got, want)


def test_asymptotic_is_normal(fitted):
    fit = fitted("sleep_slope_reml")
    table = fit.coef_table("asymptotic")
    assert np.isinf(table["df"]).all()
    z = fit.fixef / np.sqrt(np.diag(fit.vcov))
    np.testing.assert_allclose(table["statistic"], z)


def test_contest_one_row_is_the_coefficient_test(fitted):
    fit = fitted("nurses_nested")
    row = fit.contest([0, 0, 0, 0, 0, 0, 1, 0]).iloc[0]
    want = fit.coef_table().loc["hospsizemedium"]
    np.testing.assert_allclose(row.to_numpy(float), want.to_numpy(float))


def test_contest_rows_give_the_term_f_test(fitted):
    fit = fitted("nurses_nested")
    L = np.zeros((2, 8))
    L[0, 6] = L[1, 7] = 1.0
    row = fit.contest(L).iloc[0]
    want = fit.anova().loc["hospsize"]
    np.testing.assert_allclose(row.to_numpy(float), want.to_numpy(float))


def test_unknown_ddf_names_the_choices(fitted):
    with pytest.raises(ValueError, match="ddf must be one of"):
        fitted("sleep_int").coef_table("containment")
