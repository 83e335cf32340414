"""Simulating responses from a fitted linear mixed model (lme4's ``simulate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._predict import linear_predictor, selected_terms


def simulate(fit, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
    """Draw ``nsim`` response vectors at the estimated parameters.

    Parameters
    ----------
    nsim : int
        Number of simulated responses.
    seed : int or numpy.random.Generator, optional
        Seed for reproducible draws.
    re_form : str or None
        Which random effects are held at their conditional modes: ``"~0"``
        (lme4's default ``re.form = NA``) draws every term anew; ``None``
        conditions on all of them; ``"~(1 | g)"`` on the named terms only.

    Returns
    -------
    pandas.DataFrame
        One column ``sim_1 .. sim_nsim`` per simulation, one row per
        observation used in the fit.
    """
    check_nsim(nsim)
    rng = np.random.default_rng(seed)
    kept = selected_terms(fit, re_form)
    base = linear_predictor(fit, kept)
    out = np.empty((fit.nobs, nsim))
    for s in range(nsim):
        out[:, s] = base + draw_random_part(fit, kept, rng) + fit.draw_residuals(rng)
    return simulations_frame(fit, out)


def independent_residuals(fit, rng: np.random.Generator) -> np.ndarray:
    """Independent normal residuals with variance ``sigma^2 / w`` (``w``: the prior weights)."""
    scale = fit.sigma if fit.frame.weights is None else fit.sigma / np.sqrt(fit.frame.weights)
    return scale * rng.standard_normal(fit.nobs)


def check_nsim(nsim) -> None:
    """``nsim`` must be a positive integer."""
    if not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ValueError(f"nsim must be a positive integer; got {nsim!r}.")


def draw_random_part(fit, kept, rng: np.random.Generator) -> np.ndarray:
    """``sum_i Z_i sigma Lambda_i u_i`` with new ``u_i ~ N(0, I)`` for every
    random-effects term not in ``kept`` (per-row, on the linear-predictor scale)."""
    out = np.zeros(fit.nobs)
    for i, block in enumerate(fit.problem.blocks):
        if i not in kept:
            u = rng.standard_normal((block.nlevels, block.k))
            out += block.apply(fit.sigma * u @ fit._state.lambdas[i].T)
    return out


def simulations_frame(fit, out: np.ndarray) -> pd.DataFrame:
    """Columns ``sim_1 .. sim_nsim``, one row per observation used."""
    columns = [f"sim_{s + 1}" for s in range(out.shape[1])]
    return pd.DataFrame(out, index=fit.frame.row_labels, columns=columns)
