"""Dates and times as R treats them: as a predictor, a ``Date`` is the
number of days since 1970-01-01 and a ``POSIXct`` the number of seconds; as a
grouping factor, levels labelled ``2020-01-31`` (or ``2020-01-31 10:30:00``),
in time order, as R's ``factor()`` of them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.formula import build_model_frame
from mixedmodels.formula._values import as_factor

START = pd.Timestamp("2020-01-01")


@pytest.fixture(scope="module")
def sleep():
    d = mm.datasets.load("sleepstudy")
    return d.assign(date=START + pd.to_timedelta(d["Days"], unit="D"),
                    time=START + pd.Timedelta("10:30:00") + pd.to_timedelta(d["Days"], unit="h"),
                    visit=START + pd.to_timedelta(d["Subject"].cat.codes, unit="D"))


def _fit(formula, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dates' scale draws lme4's rescaling warning
        return mm.lmer(formula, data)


def test_a_date_predictor_counts_days_since_1970(sleep):
    days, dated = _fit("Reaction ~ Days + (1 | Subject)", sleep), _fit("Reaction ~ date + (1 | Subject)", sleep)
    offset = (START - pd.Timestamp("1970-01-01")).days  # 18262
    np.testing.assert_allclose(dated.fixef["date"], days.fixef["Days"], rtol=1e-6)
    np.testing.assert_allclose(dated.fixef["(Intercept)"] + offset * dated.fixef["date"],
                               days.fixef["(Intercept)"], rtol=1e-6)


def test_a_time_predictor_counts_seconds(sleep):
    days, timed = _fit("Reaction ~ Days + (1 | Subject)", sleep), _fit("Reaction ~ time + (1 | Subject)", sleep)
    # seconds since 1970 (1.6e9) beside the intercept make X ill-conditioned: lme4 1.1-31's
    # slope is 1.5e-5 off in the same fit (10.467446 per hour against 10.467286)
    np.testing.assert_allclose(timed.fixef["time"] * 3600, days.fixef["Days"], rtol=1e-4)


def test_date_grouping_levels_are_rs_labels(sleep):
    fit = _fit("Reaction ~ Days + (1 | visit)", sleep)
    assert list(fit.ranef["visit"].index[:2]) == ["2020-01-01", "2020-01-02"]
    by_subject = _fit("Reaction ~ Days + (1 | Subject)", sleep)
    np.testing.assert_allclose(fit.loglik, by_subject.loglik, rtol=1e-12)
    np.testing.assert_allclose(fit.predict(sleep.head(3)), by_subject.predict(sleep.head(3)), rtol=1e-9)


def test_time_grouping_levels_keep_the_time(sleep):
    fit = _fit("Reaction ~ Days + (1 | time)", sleep.assign(Reaction=sleep["Reaction"] + np.arange(180) % 7))
    assert list(fit.ranef["time"].index[:2]) == ["2020-01-01 10:30:00", "2020-01-01 11:30:00"]


def test_new_data_count_in_the_training_unit(sleep):
    """A model fitted on dates predicts at times of day in days (half a day:
    half the daily slope), and a time of day keeps its date's level."""
    fit = _fit("Reaction ~ date + (1 | visit)", sleep)
    new = sleep.head(2).copy()
    before = fit.predict(new)
    new["date"] += pd.Timedelta("12h")
    new.loc[new.index[1], "visit"] += pd.Timedelta("12h")
    after = fit.predict(new)
    np.testing.assert_allclose(after - before, fit.fixef["date"] / 2, rtol=1e-9)


def test_factor_and_as_numeric_of_a_date_are_rs(sleep):
    fit = _fit("Reaction ~ factor(visit) + as.numeric(date) + (1 | Subject)", sleep.head(40))
    assert fit.fixef.index[1] == "factor(visit)2020-01-02"
    assert fit.fixef.index[-1] == "as.numeric(date)"
    days = _fit("Reaction ~ factor(visit) + Days + (1 | Subject)", sleep.head(40))
    np.testing.assert_allclose(fit.fixef.iloc[-1], days.fixef["Days"], rtol=1e-6)


def test_timezone_aware_times_count_seconds_since_1970_utc(sleep):
    local = sleep.assign(time=sleep["time"].dt.tz_localize("Europe/Berlin"))  # UTC+1 in January
    naive = build_model_frame("Reaction ~ time", sleep).X[:, 1]
    aware = build_model_frame("Reaction ~ time", local).X[:, 1]
    np.testing.assert_array_equal(aware, naive - 3600.0)
    assert naive[0] == (START + pd.Timedelta("10:30:00") - pd.Timestamp("1970-01-01")).total_seconds()


def test_as_numeric_of_a_date_keeps_the_training_unit(sleep):
    fit = _fit("Reaction ~ as.numeric(date) + (1 | Subject)", sleep)
    new = sleep.head(2).copy()
    before = fit.predict(new)
    new["date"] += pd.Timedelta("12h")
    np.testing.assert_allclose(fit.predict(new) - before, fit.fixef["as.numeric(date)"] / 2, rtol=1e-9)


def test_time_zone_labels_and_fractional_seconds_as_r():
    """R: levels(factor(as.POSIXct(c("2020-03-01", "2020-03-02"), tz = "Europe/Berlin")))
    is "2020-03-01" "2020-03-02" (midnight there; 23:00 in UTC); times a
    quarter second apart keep apart."""
    berlin = pd.Series(pd.to_datetime(["2020-03-01", "2020-03-02"]).tz_localize("Europe/Berlin"))
    assert as_factor(berlin).levels == ["2020-03-01", "2020-03-02"]
    quarter = pd.Series(pd.to_datetime(["2020-01-01 10:30:00", "2020-01-01 10:30:00.25"], format="ISO8601"))
    assert as_factor(quarter).levels == ["2020-01-01 10:30:00", "2020-01-01 10:30:00.25"]
