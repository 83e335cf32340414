"""Random-effects terms: expansion, grouping factors, order and names."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mixedmodels import datasets
from mixedmodels.formula import FormulaError, build_model_frame
from mixedmodels.formula._random import lme4_order, make_unique


def terms(formula, data):
    mf = build_model_frame(formula, data)
    return [(t.name, t.group, t.effect_names) for t in mf.re_terms]


def test_double_bar_splits_terms_not_factor_columns(data):
    assert terms("y ~ (x + z || g)", data) == [
        ("g", "g", ["(Intercept)"]), ("g.1", "g", ["x"]), ("g.2", "g", ["z"])]
    assert terms("y ~ (f || g)", data) == [
        ("g", "g", ["(Intercept)"]), ("g.1", "g", ["fa", "fb", "fc"])]
    assert terms("y ~ (0 + x || g)", data) == [("g", "g", ["x"])]


def test_sleepstudy_uncorrelated_strings():
    mf = build_model_frame("Reaction ~ Days + (Days || Subject)", datasets.load("sleepstudy"))
    assert mf.spec.re_term_strings == ["1 | Subject", "0 + Days | Subject"]
    assert [t.name for t in mf.re_terms] == ["Subject", "Subject.1"]
    assert mf.spec.rhs_without_bars == "Days"


def test_lhs_semantics(data):
    assert terms("y ~ (x | g)", data) == [("g", "g", ["(Intercept)", "x"])]
    assert terms("y ~ (0 + f | g)", data) == [("g", "g", ["fa", "fb", "fc"])]
    assert terms("y ~ (f | g)", data) == [("g", "g", ["(Intercept)", "fb", "fc"])]
    mf = build_model_frame("y ~ (x | g)", data)
    np.testing.assert_array_equal(mf.re_terms[0].Z, np.column_stack([np.ones(len(data)), data["x"]]))


def test_nested_slash_expands_like_lme4(data):
    mf = build_model_frame("y ~ x + (1 | h/g)", data)
    assert [t.group for t in mf.re_terms] == ["g:h", "h"]
    assert mf.spec.re_term_strings == ["1 | g:h", "1 | h"]
    lev = mf.re_terms[0].levels
    assert lev == sorted(lev, key=lambda s: (int(s.split(":")[0]), s.split(":")[1]))
    labels = [f"{g}:{h}" for g, h in zip(data["g"], data["h"])]
    assert [lev[c] for c in mf.re_terms[0].codes] == labels


def test_interaction_levels_first_factor_slowest():
    d = pd.DataFrame({"y": np.arange(6.0), "a": ["x", "y", "x", "y", "y", "x"],
                      "b": pd.Categorical(["2", "1", "1", "2", "1", "2"], categories=["2", "1"])})
    mf = build_model_frame("y ~ (1 | a:b)", d)
    assert mf.re_terms[0].levels == ["x:2", "x:1", "y:2", "y:1"]
    assert mf.ngroups == {"a:b": 4}


def test_numeric_grouping_sorted_numerically():
    d = pd.DataFrame({"y": np.arange(6.0), "g": [10, 2, 2, 10, 33, 33]})
    assert build_model_frame("y ~ (1 | g)", d).re_terms[0].levels == ["2", "10", "33"]


def test_lme4_order_reverses_ties():
    assert lme4_order([3, 5, 3]) == [1, 2, 0]
    assert lme4_order([5, 3, 3]) == [0, 1, 2]
    assert lme4_order([2, 2]) == [0, 1]


def test_terms_reordered_by_levels(data):
    mf = build_model_frame("y ~ (1 | h) + (1 | g) + (x | h)", data)
    assert [t.name for t in mf.re_terms] == ["g", "h", "h.1"]  # (x | h) now first
    assert list(mf.ngroups) == ["g", "h"]
    assert [t.effect_names for t in mf.re_terms] == [["(Intercept)"], ["(Intercept)", "x"],
                                                      ["(Intercept)"]]


def test_make_unique():
    assert make_unique(["a", "a", "b", "a"]) == ["a", "a.1", "b", "a.2"]


def test_no_bars_is_fine(data):
    mf = build_model_frame("y ~ x", data)
    assert mf.re_terms == [] and mf.ngroups == {}


def test_one_level_grouping_factor(data):
    with pytest.raises(FormulaError, match="grouping factors must have > 1 sampled level"):
        build_model_frame("y ~ x + (1 | k)", data.assign(k="one"))


def test_as_many_levels_as_observations(data):
    d = data.assign(id=np.arange(len(data)))
    with pytest.raises(FormulaError, match=r"must be < number of observations \(problems: id\)"):
        build_model_frame("y ~ x + (1 | id)", d)
    assert build_model_frame("y ~ x + (1 | id)", d, allow_n_levels=True).ngroups == {"id": 60}


def test_interaction_groups_of_new_rows_take_the_training_codes():
    """``group_codes``: a seen combination gets its training code; an unseen
    one, or a row with a part missing, gets -1 (a new level)."""
    from mixedmodels.formula._grouping import group_codes, group_factor
    from mixedmodels.formula._values import Factor

    training = group_factor([Factor(np.array([0, 1, 1, 0]), ["x", "y"]), Factor(np.array([0, 1, 1, 0]), ["1", "2"])])
    assert training.levels == ["x:1", "y:2"]
    new_a = Factor(np.array([0, 1, -1, 1]), ["x", "y"])
    new_b = Factor(np.array([0, 0, 0, 1]), ["1", "2"])
    assert group_codes([new_a, new_b], training.levels).tolist() == [0, -1, -1, 1]


def test_an_interaction_whose_labels_join_ambiguously_is_an_error():
    """Levels containing ':' can join to one label for two combinations
    ('a' with 'b:c', 'a:b' with 'c'); R's interaction() gives duplicated
    levels there. A clear error instead of two groups merged."""
    d = pd.DataFrame({"y": np.arange(8.0), "a": ["a", "a:b"] * 4, "b": ["b:c", "c"] * 4})
    with pytest.raises(FormulaError, match="'a:b:c' for more than one combination"):
        build_model_frame("y ~ (1 | a:b)", d)


def test_deeper_nesting_is_named_as_lme4_names_it():
    """lme4 1.1-31 names the terms of (1 | a/b/c/e) "e:(c:(b:a))", "c:(b:a)",
    "b:a", "a", and those of (1 | a/b:c) "b:c:a", "a" (R's deparse of
    expandSlash's calls); the written-out name is read back to the same term."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({c: rng.choice(["p", "q", "r"], 300) for c in "abce"}).assign(y=rng.normal(size=300))
    nested = build_model_frame("y ~ (1 | a/b/c/e)", d)
    assert [t.group for t in nested.re_terms] == ["e:(c:(b:a))", "c:(b:a)", "b:a", "a"]
    assert nested.spec.re_term_strings == ["1 | e:(c:(b:a))", "1 | c:(b:a)", "1 | b:a", "1 | a"]
    assert [t.group for t in build_model_frame("y ~ (1 | a/b:c)", d).re_terms] == ["b:c:a", "a"]
    written = build_model_frame("y ~ (1 | e : (c:(b : a))) + (1 | c:(b:a)) + (1 | b:a) + (1 | a)", d)
    assert [t.group for t in written.re_terms] == [t.group for t in nested.re_terms]
    for ours, theirs in zip(written.re_terms, nested.re_terms):
        assert ours.levels == theirs.levels
        np.testing.assert_array_equal(ours.codes, theirs.codes)


@pytest.mark.parametrize("group, shown", [("c:(b:a", "unclosed '('"), ("c:b)", "unmatched ')'"),
                                          ("c:(b:a))", "unmatched ')'"), ("log(a)", "got 'log(a)'")])
def test_parentheses_in_a_grouping_factor_must_enclose_an_interaction(group, shown):
    d = pd.DataFrame({"y": np.arange(6.0), "a": list("pqpqpq"), "b": list("xxyyzz"), "c": list("uvuvuv")})
    with pytest.raises(FormulaError, match=re.escape(shown)):
        build_model_frame(f"y ~ (1 | {group})", d)


@pytest.mark.parametrize("group", ["(a/b)/c", "a/(b/c)"])
def test_parentheses_around_a_slash_are_an_error_as_in_lme4(group):
    d = pd.DataFrame({"y": np.arange(8.0), "a": list("pqpqpqpq"), "b": list("xxyyxxyy"), "c": list("uuuuvvvv")})
    with pytest.raises(FormulaError, match="parentheses around '/' are not supported"):
        build_model_frame(f"y ~ (1 | {group})", d)


def test_a_parenthesised_interaction_above_a_slash_is_named_once():
    d = pd.DataFrame({"y": np.arange(8.0), "a": list("pqpqpqpq"), "b": list("xxyyxxyy"), "c": list("uvuvuvuv")})
    assert [t.group for t in build_model_frame("y ~ (1 | (a:b)/c)", d).re_terms] == ["c:(a:b)", "a:b"]
