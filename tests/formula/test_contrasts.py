"""Contrasts other than R's defaults, against lme4 1.1-31 / lmerTest
(``tools/refs/make_refs_contrasts.R`` -> ``reference_extra/contrasts.json``):
the ``contrasts`` argument, ``C(f, contr[, how.many])`` in the formula, a
contrast matrix with column names, and R's ``%in%``.

Tolerances are the lmer reference tests' (issue 3; glmer's for the GLMM):
fixed effects within 1e-3 of their standard error, standard errors within
0.2 % (0.5 % for glmer), log-likelihood not below lme4's by more than 1e-3;
column names exactly R's; population-level predictions within 1e-3 of the
largest fixed-effect standard error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mixedmodels as mm
from mixedmodels.formula import FormulaError, build_model_frame
from mixedmodels.formula._contrasts import Contrasts, contrast_matrix
from tests.conftest import reference

REF = reference("contrasts")["models"]


def _data(name: str) -> pd.DataFrame:
    if name == "sleep":
        data = mm.datasets.load("sleepstudy")
        return data.assign(half=pd.Categorical(np.where(data["Days"] < 5, "early", "late")))
    return mm.datasets.load(name)


def _contrasts(ref: dict) -> dict | None:
    if not ref["contrasts"]:
        return None
    out = {}
    for name, spec in ref["contrasts"].items():
        out[name] = spec if isinstance(spec, str) else pd.DataFrame(spec["matrix"], columns=spec["colnames"])
    return out


@pytest.fixture(scope="module", params=sorted(REF))
def case(request):
    ref = REF[request.param]
    data = _data(ref["data"])
    if ref["fun"] == "lmer":
        fit = mm.lmer(ref["formula"], data, reml=ref["reml"], contrasts=_contrasts(ref))
    else:
        fit = mm.glmer(ref["formula"], data, family="binomial", contrasts=_contrasts(ref))
    return ref, fit, data


def test_columns_and_estimates_match_lme4(case):
    ref, fit, _ = case
    assert list(fit.fixef.index) == ref["colnames"]
    se = np.array([ref["fixef_se"][k] for k in ref["colnames"]])
    want = np.array([ref["fixef"][k] for k in ref["colnames"]])
    assert np.all(np.abs(fit.fixef.to_numpy() - want) <= 1e-3 * se)
    rtol = 2e-3 if ref["fun"] == "lmer" else 5e-3
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov.to_numpy())), se, rtol=rtol)
    assert fit.loglik >= ref["loglik"] - 1e-3


def test_population_predictions_on_new_rows_match_lme4(case):
    ref, fit, data = case
    new = data.iloc[ref["new_rows"]].reset_index(drop=True)
    got = fit.predict(new, re_form="~0")
    scale = max(ref["fixef_se"].values())
    np.testing.assert_allclose(np.asarray(got, dtype=float), ref["predict_fixed"], atol=1e-3 * scale)


@pytest.mark.parametrize("name", ["cake_sum_arg", "cake_default", "cake_missing_main", "cake_missing_main_sum",
                                  "cake_numeric_missing_main"])
def test_type3_anova_matches_lmertest(name):
    """Polynomial (ordered) and sum contrasts, and terms whose main effect is missing."""
    ref = REF[name]
    fit = mm.lmer(ref["formula"], _data("cake"), contrasts=_contrasts(ref))
    got = fit.anova(type=3)
    want = ref["anova_type3"]
    assert list(got.index) == want["row_names"]
    for term in want["row_names"]:
        row = want["rows"][term]
        assert got.loc[term, "num_df"] == row["NumDF"]
        np.testing.assert_allclose(got.loc[term, "f_value"], row["F value"], rtol=1e-4)
        np.testing.assert_allclose(got.loc[term, "den_df"], row["DenDF"], rtol=1e-3)


@pytest.mark.parametrize("kind, matrix, names", [
    ("contr.treatment", [[0, 0], [1, 0], [0, 1]], ["b", "c"]),
    ("contr.SAS", [[1, 0], [0, 1], [0, 0]], ["a", "b"]),
    ("contr.sum", [[1, 0], [0, 1], [-1, -1]], ["1", "2"]),
    ("contr.helmert", [[-1, -1], [1, -1], [0, 2]], ["1", "2"]),
])
def test_named_contrasts_are_r_matrices(kind, matrix, names):
    got, got_names = contrast_matrix(["a", "b", "c"], False, "contrast", Contrasts(kind))
    np.testing.assert_array_equal(got, matrix)
    assert got_names == names


def test_helmert_of_four_levels_is_r():
    got, _ = contrast_matrix(list("abcd"), False, "contrast", Contrasts("contr.helmert"))
    # R: contr.helmert(4)
    np.testing.assert_array_equal(got, [[-1, -1, -1], [1, -1, -1], [0, 2, -1], [0, 0, 3]])


def test_indicator_coding_ignores_contrasts():
    data = pd.DataFrame({"y": np.arange(6.0), "f": list("abcabc")})
    mf = build_model_frame("y ~ 0 + f", data, contrasts={"f": "contr.sum"})
    assert mf.fixef_names == ["fa", "fb", "fc"]


def test_contrasts_argument_is_kept_by_update():
    ref = REF["cake_sum_arg"]
    fit = mm.lmer(ref["formula"], _data("cake"), contrasts=_contrasts(ref))
    refit = fit.update(reml=False)
    assert list(refit.fixef.index) == ref["colnames"]


def test_absent_contrast_variable_warns_as_r():
    data = pd.DataFrame({"y": np.arange(6.0), "f": list("abcabc"), "x": np.arange(6.0)})
    with pytest.warns(mm.MixedModelsWarning, match="variable 'g' is absent, its contrast will be ignored"):
        build_model_frame("y ~ f", data, contrasts={"g": "contr.sum"})


@pytest.mark.parametrize("contrasts, message", [
    ({"x": "contr.sum"}, "contrasts apply only to factors; 'x' is numeric"),
    ({"f": "contr.foo"}, "unknown contrasts 'contr.foo' for factor 'f'"),
    ({"f": np.ones((2, 1))}, "contrast matrix for 'f' has 2 rows but the factor has 3 levels"),
    ({"f": [["a"], ["b"], ["c"]]}, "contrasts for factor 'f' must be a name"),
    ("contr.sum", "contrasts must be a dict"),
])
def test_bad_contrasts_are_clear_errors(contrasts, message):
    data = pd.DataFrame({"y": np.arange(6.0), "f": list("abcabc"), "x": np.arange(6.0)})
    with pytest.raises(FormulaError, match=message):
        build_model_frame("y ~ f + x", data, contrasts=contrasts)


@pytest.mark.parametrize("formula, message", [
    ("y ~ C(f, 'foo')", "unknown contrasts 'foo'"),
    ("y ~ C(f, sum, 0)", "how.many must be a positive whole number"),
    ("y ~ C(f, x)", "contr must be one of R's contrasts"),
])
def test_bad_contrasts_in_formula_are_clear_errors(formula, message):
    data = pd.DataFrame({"y": np.arange(6.0), "f": list("abcabc"), "x": np.arange(6.0)})
    with pytest.raises(FormulaError, match=message):
        build_model_frame(formula, data)


def test_contrasts_in_a_random_term():
    data = mm.datasets.load("cake")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mm.lmer("angle ~ recipe + (C(recipe, sum) | replicate)", data)
    assert fit.varcorr["var1"].tolist()[:3] == ["(Intercept)", "C(recipe, sum)1", "C(recipe, sum)2"]


def test_drop1_refits_keep_the_remaining_contrasts_without_warning():
    fit = mm.lmer("angle ~ recipe + temperature + (1 | replicate)", _data("cake"),
                  contrasts={"recipe": "contr.sum", "temperature": "contr.treatment"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = fit.drop1()
    plain = mm.lmer("angle ~ recipe + temperature + (1 | replicate)", _data("cake")).drop1()
    np.testing.assert_allclose(table["lrt"].to_numpy()[1:], plain["lrt"].to_numpy()[1:], rtol=1e-6)
