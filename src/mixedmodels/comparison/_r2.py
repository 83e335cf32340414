"""Nakagawa's R-squared and the intra-class correlation (performance::r2_nakagawa, icc).

The variance decomposition follows insight::get_variance: the variance of
the fixed-effects predictions, the random-effect variance (Johnson's mean of
``z' Sigma z`` over rows when there are random slopes), and a distribution
variance that depends on family and link.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._varcorr import term_covariances

_LATENT_VARIANCE = {"logit": np.pi**2 / 3, "probit": 1.0, "cloglog": np.pi**2 / 6}


def _family(fit) -> tuple[str, str]:
    family = getattr(fit, "family", None)
    if family is None:
        return "gaussian", "identity"
    name = getattr(family, "name", None) or str(family)
    link = getattr(getattr(family, "link", None), "name", None) or getattr(family, "link", None)
    return str(name).lower(), str(link).lower()


def _is_observation_level(term, nobs: int) -> bool:
    return term.nlevels == nobs and term.k == 1


def random_variance(fit) -> tuple[float, float]:
    """``(var.random, var.dispersion)``: between-group variance, and the
    variance of observation-level effects (non-Gaussian models only)."""
    terms = fit.frame.re_terms
    gaussian = _family(fit)[0] == "gaussian"
    total, dispersion = 0.0, 0.0
    for term, cov in zip(terms, term_covariances(fit)):
        value = float(np.mean(np.einsum("ia,ab,ib->i", term.Z, cov, term.Z)))
        if not gaussian and _is_observation_level(term, fit.nobs):
            dispersion += value
        else:
            total += value
    return total, dispersion


def fixed_variance(fit) -> float:
    """``var(X beta)`` with denominator ``n - 1``."""
    return float(np.var(fit.frame.X @ np.asarray(fit.fixef, float), ddof=1))


def distribution_variance(fit, null_mu: float | None = None) -> float:
    """Residual (distribution) variance on the latent or link scale."""
    family, link = _family(fit)
    if family == "gaussian":
        return float(fit.sigma**2)
    if family.startswith("binomial") and link in _LATENT_VARIANCE:
        return float(_LATENT_VARIANCE[link])
    if family.startswith("poisson") and link == "log":
        mu = null_model_mu(fit) if null_mu is None else null_mu
        return float(np.log1p(1.0 / mu))
    raise NotImplementedError(
        f"R-squared/ICC for family {family!r} with link {link!r} is not implemented; "
        "supported: gaussian, binomial (logit, probit, cloglog), poisson (log)."
    )


def null_model_mu(fit) -> float:
    """``exp(intercept)`` of the model refitted with fixed part ``1`` (insight's null model)."""
    from mixedmodels.formula import split_formula

    split = split_formula(fit.formula)
    bars = " + ".join(f"({b.lhs} {'||' if b.double else '|'} {b.group})" for b in split.bars)
    null = fit.update(formula=f"{split.response} ~ 1 + {bars}")
    return float(np.exp(np.asarray(null.fixef, float)[0]))


def variance_components(fit, null_mu: float | None = None) -> dict[str, float]:
    """insight::get_variance's ``var.fixed``, ``var.random``, ``var.residual``,
    ``var.distribution`` and ``var.dispersion``."""
    random, dispersion = random_variance(fit)
    distribution = distribution_variance(fit, null_mu)
    return {
        "var_fixed": fixed_variance(fit),
        "var_random": random,
        "var_residual": distribution + dispersion,
        "var_distribution": distribution,
        "var_dispersion": dispersion,
    }


def r2_nakagawa(fit, null_mu: float | None = None) -> pd.Series:
    """Marginal and conditional R-squared of Nakagawa, Johnson and Schielzeth (2017).

    Returns
    -------
    pandas.Series
        ``R2_marginal = var_fixed / total`` and ``R2_conditional =
        (var_fixed + var_random) / total`` with ``total = var_fixed +
        var_random + var_residual``.
    """
    v = variance_components(fit, null_mu)
    total = v["var_fixed"] + v["var_random"] + v["var_residual"]
    return pd.Series(
        {"R2_marginal": v["var_fixed"] / total, "R2_conditional": (v["var_fixed"] + v["var_random"]) / total},
        name="r2",
    )


def icc(fit, null_mu: float | None = None) -> pd.Series:
    """Adjusted and unadjusted ICC (performance::icc).

    Returns
    -------
    pandas.Series
        ``ICC_adjusted = var_random / (var_random + var_residual)`` and
        ``ICC_unadjusted = var_random / (var_fixed + var_random + var_residual)``
        (performance calls the latter also ``ICC_conditional``).
    """
    v = variance_components(fit, null_mu)
    unadjusted = v["var_random"] / (v["var_fixed"] + v["var_random"] + v["var_residual"])
    return pd.Series(
        {
            "ICC_adjusted": v["var_random"] / (v["var_random"] + v["var_residual"]),
            "ICC_unadjusted": unadjusted,
            "ICC_conditional": unadjusted,
        },
        name="icc",
    )
