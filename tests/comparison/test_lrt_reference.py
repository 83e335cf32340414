"""``anova`` against lme4's likelihood-ratio tables (lrt_*.json), 1e-6 relative."""

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels.comparison import RefitMessage
from tests.comparison._refs import extra, fits_of, table_values

COLUMNS = {"npar": "npar", "AIC": "aic", "BIC": "bic", "logLik": "loglik", "deviance": "deviance",
           "Chisq": "chisq", "Df": "df", "Pr(>Chisq)": "p_value"}
NESTED = ["lrt_exam_sex", "lrt_pupils_secondary", "lrt_sleep_int_vs_slope"]


def check_table(ours, table):
    assert list(ours.index) == table["row_names"]
    for r_col, col in COLUMNS.items():
        want = table_values(table, r_col)
        rtol = 1e-4 if r_col == "Pr(>Chisq)" else 1e-6
        np.testing.assert_allclose(ours[col].to_numpy(float), want, rtol=rtol, equal_nan=True, err_msg=r_col)


@pytest.mark.parametrize("name", NESTED)
def test_ml_refit_table(name):
    fits = fits_of(name)
    with pytest.warns(RefitMessage, match="refitting model"):
        ours = mm.anova(fm1=fits["fm1"], fm0=fits["fm0"])
    check_table(ours, extra(name)["anova"]["ml_refit"]["table"])


@pytest.mark.parametrize("name", NESTED)
def test_no_refit_table(name):
    fits = fits_of(name)
    ours = mm.anova(fm0=fits["fm0"], fm1=fits["fm1"], refit=False)
    check_table(ours, extra(name)["anova"]["reml_no_refit"]["table"])


def test_lmer_against_lm():
    ref, fits = extra("lrt_sleep_lmer_vs_lm")["anova"], fits_of("lrt_sleep_lmer_vs_lm")
    with pytest.warns(RefitMessage):
        check_table(mm.anova(fm1=fits["fm1"], lm0=fits["lm0"]), ref["lmer_first"]["table"])
    # Unlike R, the lm may come first.
    with pytest.warns(RefitMessage):
        check_table(mm.anova(lm0=fits["lm0"], fm1=fits["fm1"]), ref["lmer_first"]["table"])
    with pytest.warns(mm.MixedModelsWarning, match="some models fit with REML"):
        check_table(mm.anova(fm1=fits["fm1"], lm0=fits["lm0"], refit=False), ref["lmer_first_no_refit"]["table"])


def test_positional_names_and_errors():
    fits = fits_of("lrt_sleep_int_vs_slope")
    with pytest.warns(RefitMessage):
        table = mm.anova(fits["fm1"], fits["fm0"])
    assert list(table.index) == ["model2", "model1"]
    with pytest.raises(ValueError, match="two or more"):
        mm.anova(fits["fm1"])
