"""Every warning of the library points to the user's line, however deep the call."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import mixedmodels as mm


def _ours(caught) -> list[warnings.WarningMessage]:
    return [w for w in caught if issubclass(w.category, mm.MixedModelsWarning)]


def _separated() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 200
    x = rng.normal(size=n)
    flag = (np.arange(n) % 7 == 0).astype(float)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x))).astype(float)
    y[flag == 1] = 1.0  # quasi-complete separation by flag
    return pd.DataFrame({"y": y, "x": x, "flag": flag, "g": np.repeat(np.arange(20), 10).astype(str)})


def test_glmer_refit_update_and_lmer_warn_at_the_callers_line():
    data = _separated()
    sleep = mm.datasets.load("sleepstudy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = mm.glmer("y ~ x + flag + (1 | g)", data, family="binomial")  # separation, from a data check
        n_glmer = len(_ours(caught))
        fit.refit(data["y"])  # the same, four frames deeper (it pointed into glmm/_result.py)
        fit.update("y ~ x + flag + (1 | g)")
        mm.lmer("Reaction ~ Days + I(2 * Days) + (1 | Subject)", sleep)  # rank deficiency (warnings.warn)
    ours = _ours(caught)
    assert n_glmer >= 1 and len(ours) >= 3 * n_glmer + 1
    assert {w.filename for w in ours} == {__file__}, sorted({(w.filename, str(w.message)[:40]) for w in ours})
