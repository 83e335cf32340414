"""Formulas that call R functions, use column names with dots, that are
Python keywords or that need backticks, and R's operators, against lme4 1.1-31
(``tools/refs/make_refs_formula_functions.R`` -> ``reference_extra/formula_functions.json``):
fixed- and random-effects column names exactly lme4's, the log-likelihood within 1e-6
(every model here is a plain REML fit whose optimum both find), the fixed
effects within 1e-4 of their absolute value (plus 1e-6).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.formula import FormulaError, build_model_frame
from mixedmodels.formula._rnames import python_name, r_name
from tests.conftest import REFERENCE_EXTRA, reference

REF = reference("formula_functions")
DATA = pd.read_csv(REFERENCE_EXTRA / REF["data_file"])


@pytest.mark.parametrize("formula", sorted(REF["formulas"]))
def test_formula_matches_lme4(formula):
    ref = REF["formulas"][formula]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singular fits, as lme4's
        fit = mm.lmer(formula, DATA)
    assert list(fit.fixef.index) == ref["colnames"]
    vc = fit.varcorr
    effects = vc[(vc["grp"] != "Residual") & vc["var2"].isna()]["var1"].tolist()
    assert effects == ref["re_names"]
    assert list(dict.fromkeys(vc["grp"][vc["grp"] != "Residual"])) == list(dict.fromkeys(ref["re_groups"]))
    assert abs(fit.loglik - ref["loglik"]) < 1e-6
    want = np.array([ref["fixef"][k] for k in ref["colnames"]])
    np.testing.assert_allclose(fit.fixef.to_numpy(), want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["my.var", "as.factor", "in", "class", "a_b.c", "x._y", "lambda", "my var", "a-b", "2x", "_x0020"])
def test_python_names_are_reversible(name):
    mangled = python_name(name)
    assert mangled.isidentifier() and r_name(mangled) == name


def test_plain_names_are_left_alone():
    assert python_name("x_1") == "x_1" and r_name("x_1") == "x_1"


def test_cut_keeps_training_breaks_for_new_data():
    mf = build_model_frame("y ~ cut(x, 3)", DATA)
    new = pd.DataFrame({"x": [-1.0, 0.5, 2.0]})
    X = mf.spec.fixed_matrix(new)
    # training breaks: (-3.15,-1.2] (-1.2,0.74] (0.74,2.69] (R's labels of this data)
    np.testing.assert_array_equal(X[:, 1:], [[1, 0], [1, 0], [0, 1]])


def test_as_numeric_of_text_warns_as_r():
    data = pd.DataFrame({"y": np.arange(4.0), "s": ["1", "2", "x", "3"]})
    with pytest.warns(mm.MixedModelsWarning, match="NAs introduced by coercion"):
        mf = build_model_frame("y ~ as.numeric(s)", data)
    assert len(mf.response) == 3


@pytest.mark.parametrize("formula, message", [
    ("y ~ relevel(f, ref = 'zz')", "'ref' must be an existing level"),
    ("y ~ relevel(f, ref = 7)", "ref must be a level of"),
    ("y ~ relevel(ordered(f), ref = 'q')", "only for unordered factors"),
    ("y ~ cut(x, 1)", "whole number >= 2"),
    ("y ~ cut(x, c(1, 1))", "at least two distinct values"),
    ("y ~ C(f, contr.treatment(3, base = 2))", "with arguments is not supported"),
    ("y ~ c(x, z)", "joining variables is not supported"),
    ("y ~ cut(date, 3)", "cut\\(\\) of dates or times is not supported"),
])
def test_bad_arguments_are_clear_errors(formula, message):
    data = DATA.assign(date=pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(len(DATA)), unit="D"))
    with pytest.raises(FormulaError, match=message):
        build_model_frame(formula, data)


def test_expression_names_are_rs():
    mf = build_model_frame("y ~ I(!(w > 0)) + I(k %in% c(1, 3)) + I(k %/% 2) + I(x > 0 & z < 2)", DATA)
    assert mf.fixef_names == ["(Intercept)", "I(!(w > 0))TRUE", "I(k %in% c(1, 3))TRUE", "I(k%/%2)",
                              "I(x > 0 & z < 2)TRUE"]


@pytest.mark.parametrize("update, kept", [
    (". ~ . - `x`", ["(Intercept)", "`my var`", "my.var"]),
    (". ~ . - `my.var`", ["(Intercept)", "x", "`my var`"]),
    (". ~ . + `x`", ["(Intercept)", "x", "`my var`", "my.var"]),
])
def test_update_compares_terms_as_r(update, kept):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer("y ~ x + `my var` + my.var + (1 | g)", DATA)
        assert list(fit.update(update).fixef.index) == kept


def test_unicode_names_are_looked_up_as_written():
    """Python reads identifiers as NFKC (the micro sign as mu, a ligature as
    two letters): such names are escaped, and fit as the plain column does."""
    data = DATA.assign(**{"dose µg": DATA["z"], "x²": DATA["x"], "ﬁle": DATA["z"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer("y ~ log(`dose µg`) + `x²` + I(ﬁle^2) + (1 | g)", data)
        plain = mm.lmer("y ~ log(z) + x + I(z^2) + (1 | g)", data)
    assert list(fit.fixef.index) == ["(Intercept)", "log(`dose µg`)", "`x²`", "I(ﬁle^2)"]
    np.testing.assert_allclose(fit.loglik, plain.loglik, rtol=1e-12)
