"""``fit.all_fit``: lme4's ``allFit``, the model refitted with every optimizer."""

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels.core._optimize import OPTIMIZERS


def test_every_optimizer_reaches_the_fit():
    sleep = mm.datasets.load("sleepstudy").assign(w=lambda d: np.linspace(0.5, 2, len(d)))
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep, weights="w")
    table = fit.all_fit()
    assert list(table.index) == list(OPTIMIZERS)
    assert (table["error"] == "").all()
    assert table.loc["bobyqa", "loglik"] == pytest.approx(fit.loglik, abs=1e-9)  # the weights kept
    assert table["loglik_diff"].max() == 0 and table["loglik_diff"].min() > -1e-4  # scipy Powell: 1.4e-5 short
    np.testing.assert_allclose(table["fixef Days"], fit.fixef["Days"], rtol=1e-4)
    assert {"theta Subject.(Intercept)", "feval", "seconds", "messages"} <= set(table.columns)


def test_a_failing_optimizer_is_a_row_with_its_error():
    cbpp = mm.datasets.load("cbpp")
    fit = mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    table = fit.all_fit(["bobyqa", "newuoa"])
    assert np.isnan(table.loc["newuoa", "loglik"]) and "needs at least two parameters" in table.loc["newuoa", "error"]
    assert table.loc["bobyqa", "loglik"] == pytest.approx(fit.loglik, abs=1e-8)
    with pytest.raises(ValueError, match=r"unknown optimizers \['lbfgs'\]"):
        fit.all_fit(["lbfgs"])
