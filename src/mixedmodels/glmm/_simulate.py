"""Simulating responses from a fitted GLMM (lme4's ``simulate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._predict import linear_predictor, selected_terms


def simulate(fit, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
    """Draw ``nsim`` responses at the estimates.

    Random-effects terms not kept by ``re_form`` (all of them for lme4's
    default ``"~0"``) get new draws ``sigma Lambda u``, ``u ~ N(0, I)``;
    the response is then drawn from the family with mean ``g^-1(eta)``
    (binomial: the proportion of the trials, as the fitted ``y``).
    """
    if not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ValueError(f"nsim must be a positive integer; got {nsim!r}.")
    rng = np.random.default_rng(seed)
    kept = selected_terms(fit, re_form)
    base = linear_predictor(fit, kept)
    resp = fit.problem.response
    out = np.empty((fit.nobs, nsim))
    for s in range(nsim):
        eta = base.copy()
        for i, block in enumerate(fit.problem.blocks):
            if i not in kept:
                u = rng.standard_normal((block.nlevels, block.k))
                eta += block.apply(fit.sigma * u @ fit._state.lambdas[i].T)
        out[:, s] = fit.family.simulate(resp.mu(eta), resp.weights, fit.sigma, rng)
    columns = [f"sim_{s + 1}" for s in range(nsim)]
    return pd.DataFrame(out, index=fit.frame.row_labels, columns=columns)
