"""Simulating responses from a fitted GLMM (lme4's ``simulate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._predict import linear_predictor, selected_terms
from mixedmodels.lmm._simulate import check_nsim, draw_random_part, simulations_frame


def simulate(fit, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
    """Draw ``nsim`` responses at the estimates.

    Random-effects terms not kept by ``re_form`` (all of them for lme4's
    default ``"~0"``) get new draws ``sigma Lambda u``, ``u ~ N(0, I)``;
    the response is then drawn from the family with mean ``g^-1(eta)``
    (binomial: the proportion of the trials, as the fitted ``y``).
    """
    check_nsim(nsim)
    rng = np.random.default_rng(seed)
    kept = selected_terms(fit, re_form)
    base = linear_predictor(fit, kept)
    resp = fit.problem.response
    out = np.empty((fit.nobs, nsim))
    for s in range(nsim):
        eta = base + draw_random_part(fit, kept, rng)
        out[:, s] = fit.family.simulate(resp.mu(eta), resp.weights, fit.sigma, rng)
    return simulations_frame(fit, out)
