"""``ranova`` and ``drop1`` against lmerTest (lmertest_*.json)."""

import warnings

import numpy as np
import pytest

import mixedmodels as mm
from tests.comparison._refs import extra, fits_of, table_values

NAMES = ["lmertest_sleep_slope", "lmertest_exam_int", "lmertest_nurses_nested"]
RANOVA = {"npar": "npar", "logLik": "loglik", "AIC": "aic", "LRT": "lrt", "Df": "df", "Pr(>Chisq)": "p_value"}
DROP1_F = {"Sum Sq": "sum_sq", "Mean Sq": "mean_sq", "NumDF": "num_df", "DenDF": "den_df", "F value": "f_value",
           "Pr(>F)": "p_value"}


def check(ours, table, columns, rtol):
    assert list(ours.index) == table["row_names"]
    for r_col, col in columns.items():
        want = table_values(table, r_col)
        np.testing.assert_allclose(ours[col].to_numpy(float), want, rtol=rtol, equal_nan=True, err_msg=r_col)


@pytest.mark.parametrize("name", NAMES)
def test_ranova(name):
    fit = fits_of(name)["fit"]
    check(fit.ranova(), extra(name)["tables"]["ranova"]["table"], RANOVA, 1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_drop1_f_satterthwaite(name):
    fit = fits_of(name)["fit"]
    check(fit.drop1("F"), extra(name)["tables"]["drop1_satterthwaite"]["table"], DROP1_F, 1e-4)


def test_drop1_chisq_is_the_ml_likelihood_ratio():
    fit = fits_of("lmertest_nurses_nested")["fit"]
    table = fit.drop1()
    reduced = fit.update(formula="stress ~ age + sex + experience + wardtype + hospsize + (1 | hospital/ward)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lrt = mm.anova(reduced, fit)
    assert table.loc["treatment", "lrt"] == pytest.approx(lrt["chisq"].iloc[1], rel=1e-6)
    assert table.loc["hospsize", "npar"] == 2
    with pytest.raises(ValueError, match="test must be"):
        fit.drop1("Wald")


def test_ranova_to_a_linear_model_keeps_the_offset_and_weights():
    """Dropping the only random-effects term refits by lm with the fit's
    offset argument, weights and na_action (it passed only the weights, by
    row of the rows used)."""
    import numpy as np

    sleep = mm.datasets.load("sleepstudy")
    sleep = sleep.assign(off=30 * np.sin(np.arange(len(sleep))), w=np.linspace(0.5, 2, len(sleep)))
    sleep.loc[3, "Days"] = np.nan
    by_argument = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, offset="off", weights="w", reml=False)
    in_formula = mm.lmer("Reaction ~ Days + offset(off) + (1 | Subject)", sleep, weights="w", reml=False)
    assert by_argument.loglik == pytest.approx(in_formula.loglik, abs=1e-8)
    np.testing.assert_allclose(by_argument.ranova()["lrt"].iloc[1], in_formula.ranova()["lrt"].iloc[1], rtol=1e-8)
