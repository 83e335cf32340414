"""Tests of the benchmark machinery (no R, no timing).

Run with ``.venv/bin/python -m pytest benchmarks/test_harness.py``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from benchmarks import markdown, report
from benchmarks.adapters import Result, normalize_name, split_formula
from benchmarks.adapters.mixedlm import _formula as mixedlm_formula
from benchmarks.adapters.statsmodels import model_arguments
from benchmarks.harness import Record, summarize
from benchmarks.problems import PROBLEMS, select
from benchmarks.simulate import CrossedDesign, cached_csv, load, simulate

SMALL = CrossedDesign(n=5_000, n_a=200, n_b=30, seed=7)


def test_registry_entries_are_complete():
    for pid, p in PROBLEMS.items():
        assert pid == p.id and "~" in p.formula and "|" in p.formula
        assert p.family in {"gaussian", "binomial", "poisson"}
        assert sum(source is not None for source in (p.dataset, p.design, p.data_file)) == 1


def test_quick_selection_and_unknown_id():
    assert [p.id for p in select(quick=True)] == ["sleepstudy", "exam", "pupils", "cbpp"]
    assert all(not p.is_glmm for p in select(family="lmm"))
    with pytest.raises(KeyError, match="sleepstudy"):
        select(["no_such_problem"])


def test_problem_c_matches_peers():
    d = PROBLEMS["peers_c"].design
    assert (d.n, d.n_a, d.n_b, d.family) == (1_000_000, 20_000, 5_000, "gaussian")
    d = PROBLEMS["sim_1m_50k"].design
    assert (d.n, d.n_a, d.n_b) == (1_000_000, 50_000, 1_000)


def test_simulation_is_deterministic():
    pd.testing.assert_frame_equal(simulate(SMALL), simulate(SMALL))
    other = CrossedDesign(n=5_000, n_a=200, n_b=30, seed=8)
    assert not np.allclose(simulate(SMALL).y, simulate(other).y)


def test_simulation_level_counts_and_effects():
    frame = simulate(SMALL)
    assert frame.A.nunique() == SMALL.n_a and frame.B.nunique() == SMALL.n_b
    assert frame.A.between(0, SMALL.n_a - 1).all()
    slope = np.polyfit(frame.x, frame.y, 1)[0]
    assert abs(slope - 0.5) < 0.1


def test_binomial_simulation_is_zero_one():
    frame = simulate(CrossedDesign(n=2_000, n_a=50, n_b=10, seed=1, family="binomial"))
    assert set(frame.y.unique()) <= {0, 1}


def test_cache_round_trip_is_exact(tmp_path):
    path = cached_csv(SMALL, tmp_path)
    assert path.exists() and cached_csv(SMALL, tmp_path) == path
    frame = load(SMALL, tmp_path)
    np.testing.assert_array_equal(frame.y.to_numpy(), simulate(SMALL).y.to_numpy())
    assert list(frame.A.cat.categories) == list(range(SMALL.n_a))


def test_split_formula_and_names():
    response, fixed, bars = split_formula("y ~ x + (1 | A) + (x | B)")
    assert (response, fixed, bars) == ("y", "x", [("1", "A"), ("x", "B")])
    assert normalize_name("Intercept") == "(Intercept)"
    assert normalize_name("service[T.1]:dept[T.5]") == "service1:dept5"


def test_statsmodels_arguments():
    one = model_arguments("Reaction ~ Days + (Days | Subject)")
    assert one == {"formula": "Reaction ~ Days", "groups": "Subject", "re_formula": "~Days"}
    crossed = model_arguments("y ~ x + (1 | A) + (1 | B)")
    assert crossed["vc_formula"] == {"A": "0 + C(A)", "B": "0 + C(B)"}


def test_mixedlm_spells_cbind_as_ratio():
    f = mixedlm_formula("cbind(incidence, size - incidence) ~ period + (1 | herd)")
    assert f == "incidence / size ~ period + (1 | herd)"


def _out(seconds, loglik=-10.0, **fixef):
    return Result(seconds=seconds, loglik=loglik, fixef=fixef or {"x": 1.0}).to_dict()


def test_summarize_takes_median_and_timeouts():
    rec = summarize("p", "lib", [_out(3.0), _out(1.0), _out(2.0)])
    assert rec.status == "ok" and rec.seconds == 2.0 and rec.seconds_all == [3.0, 1.0, 2.0]
    assert summarize("p", "lib", [], timed_out=600).status == "> 600 s"
    failed = Result(status="error", error="boom").to_dict()
    assert summarize("p", "lib", [failed]).status == "error"


def _records():
    return [Record("sleepstudy", "lme4", seconds=0.09, seconds_all=[0.09], loglik=-876.0,
                   fixef={"(Intercept)": 251.4, "Days": 10.47}),
            Record("sleepstudy", "glmm", seconds=0.02, seconds_all=[0.02], loglik=-876.5,
                   fixef={"(Intercept)": 251.5, "Days": 10.47}),
            Record("sleepstudy", "mixedmodels", seconds=0.01, seconds_all=[0.01],
                   loglik=-876.0, fixef={"(Intercept)": 251.4, "Days": 10.47}),
            Record("sleepstudy", "statsmodels", status="> 600 s")]


def test_csv_round_trip_and_comparisons(tmp_path):
    frame = report.to_frame(_records())
    glmm = frame.set_index("library").loc["glmm"]
    assert glmm.loglik_diff_vs_lme4 == pytest.approx(-0.5)
    assert glmm.max_abs_fixef_diff_vs_lme4 == pytest.approx(0.1)
    report.write_csv(frame, tmp_path / "r.csv")
    back = report.read_csv(tmp_path / "r.csv")
    assert list(back.columns) == report.COLUMNS and len(back) == 4
    assert json.loads(back.fixef[0]) == {"(Intercept)": 251.4, "Days": 10.47}
    assert math.isnan(back.set_index("library").loc["statsmodels", "seconds"])


def test_merge_replaces_pairs():
    old = report.to_frame(_records())
    new = report.to_frame([Record("sleepstudy", "glmm", seconds=0.03, seconds_all=[0.03],
                                  loglik=-876.0, fixef={"(Intercept)": 251.4, "Days": 10.47})])
    merged = report.merge(old, new)
    assert len(merged) == 4
    assert merged.set_index("library").loc["glmm", "seconds"] == 0.03


def test_merge_keeps_the_comparisons_of_problems_it_does_not_touch(tmp_path):
    """A run of other problems leaves the comparisons with lme4 as they were;
    log-likelihoods are written exactly (``%.10g`` turned a difference of
    1.3e-8 in -875.97 into 0 when a later merge recomputed it)."""
    records = [Record("sleepstudy", "lme4", seconds=0.03, seconds_all=[0.03], loglik=-875.969672232,
                      fixef={"x": 1.0}),
               Record("sleepstudy", "glmm", seconds=0.01, seconds_all=[0.01], loglik=-875.969672219,
                      fixef={"x": 1.0})]
    report.write_csv(report.to_frame(records), tmp_path / "r.csv")
    old = report.read_csv(tmp_path / "r.csv")
    assert old.set_index("library").loc["glmm", "loglik"] == -875.969672219
    old["loglik"] = old["loglik"].round(7)  # as older files held them: a recomputation gives 0
    cbpp = report.to_frame([Record("cbpp", "lme4", seconds=0.07, seconds_all=[0.07], loglik=-92.0,
                                   fixef={"x": 1.0})])
    merged = report.merge(old, cbpp).set_index(["problem", "library"])
    assert merged.loc[("sleepstudy", "glmm"), "loglik_diff_vs_lme4"] == pytest.approx(1.3e-8, rel=1e-3)
    assert merged.loc[("cbpp", "lme4"), "loglik_diff_vs_lme4"] == 0.0


def test_markdown_table():
    frame = report.to_frame(_records())
    text = markdown.render(frame, list(PROBLEMS.values()), {"cpu": "test"})
    header = next(line for line in text.splitlines() if line.startswith("| problem | mixedmodels"))
    assert "mixedmodels vs best other" in header
    row = next(line for line in text.splitlines() if line.startswith("| sleepstudy `"))
    assert "0.02 †" in row and "> 600 s" in row and "2x faster than glmm" in row
    assert "- cpu: test" in text
