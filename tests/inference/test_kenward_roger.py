"""Kenward-Roger t tests and type III F tests against pbkrtest (via lmerTest)."""

from __future__ import annotations

import pytest

from tests.conftest import reference, reference_names
from tests.inference._agreement import assert_f_table, assert_t_table

NAMES = [n for n in reference_names("lme4::lmer") if "kenward_roger" in reference(n)]


@pytest.mark.parametrize("name", NAMES)
def test_coef_table(fitted, name):
    assert_t_table(fitted(name).coef_table("kenward-roger"), reference(name)["kenward_roger"]["coef_table"])


@pytest.mark.parametrize("name", NAMES)
def test_anova_type3(fitted, name):
    got = fitted(name).anova(type=3, ddf="kenward-roger")
    assert "Kenward-Roger's method" in got.attrs["heading"]
    assert_f_table(got, reference(name)["kenward_roger"]["anova_type3"])


def test_ml_fit_is_refused(fitted):
    with pytest.raises(ValueError, match="only available for REML fits"):
        fitted("sleep_slope_ml").coef_table("kenward-roger")


def test_large_data_is_refused_with_a_pointer_to_satterthwaite(fitted, monkeypatch):
    from mixedmodels.inference import _kenward_roger

    fit = fitted("sleep_slope_reml")
    monkeypatch.setattr(_kenward_roger, "MAX_NOBS", 100)
    with pytest.raises(NotImplementedError, match="satterthwaite"):
        _kenward_roger.kenward_roger(fit)
