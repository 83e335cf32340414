"""Parametric-bootstrap likelihood-ratio test (DHARMa's ``simulateLRT``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixedmodels.comparison._bootstrap import bootstrap


@dataclass
class _NullPair:
    """Simulates from the null model; a refit refits both models to the draw."""

    m0: object
    m1: object

    def simulate(self, nsim: int = 1, seed=None):
        return self.m0.simulate(nsim, seed=seed)

    @property
    def frame(self):
        return self.m0.frame

    def refit(self, newresp) -> tuple:
        return self.m0.refit(newresp), self.m1.refit(newresp)


def _lr_statistic(pair) -> np.ndarray:
    m0, m1 = pair if isinstance(pair, tuple) else (pair.m0, pair.m1)
    return np.array([2.0 * (m1.loglik - m0.loglik)])


@dataclass
class BootstrapLRT:
    """Result of :func:`bootstrap_lrt`.

    Attributes
    ----------
    statistic : float
        Observed ``2 (logLik(m1) - logLik(m0))``.
    simulated : numpy.ndarray
        The statistic on ``nsim`` responses simulated from ``m0`` (NaN where a refit failed).
    p_value : float
        ``(k + 1) / (nsim + 1)`` with ``k`` simulated values at or above the observed one.
    """

    statistic: float
    simulated: np.ndarray
    p_value: float

    def __repr__(self) -> str:
        return f"<BootstrapLRT LR={self.statistic:.4g} p={self.p_value:.4g} nsim={self.simulated.size}>"


def bootstrap_lrt(m0, m1, nsim: int = 250, seed=None, n_jobs: int = 1, progress: bool = True) -> BootstrapLRT:
    """Likelihood-ratio test with a simulated null distribution (DHARMa's ``simulateLRT``).

    Responses are simulated from the null model ``m0`` (new random effects),
    both models are refitted to each, and the observed statistic is compared
    with the simulated ones. Each model's likelihood is used as fitted (REML
    for REML fits, as DHARMa): fit both by ML when their fixed effects differ.

    Parameters
    ----------
    m0, m1 : fitted models
        Null and alternative; anything with ``loglik``, ``simulate`` and ``refit``
        (lmer, glmer and lm fits).
    nsim : int
        Number of simulations.
    seed, n_jobs, progress
        As :func:`mixedmodels.comparison.bootstrap` (identical results for any ``n_jobs``).

    Returns
    -------
    BootstrapLRT
    """
    if m0.nobs != m1.nobs:
        raise ValueError(f"m0 and m1 must be fitted to the same observations; got {m0.nobs} and {m1.nobs} rows.")
    if m0.npar > m1.npar:
        raise ValueError(f"m0 is the null model and must have fewer parameters than m1; got {m0.npar} and "
                         f"{m1.npar}: swap them (bootstrap_lrt(m0=smaller, m1=larger)).")
    observed = float(_lr_statistic((m0, m1))[0])
    boot = bootstrap(_NullPair(m0, m1), nsim, _lr_statistic, seed, n_jobs, progress)
    simulated = boot.replicates.iloc[:, 0].to_numpy()
    k = int(np.sum(simulated[~np.isnan(simulated)] >= observed))
    return BootstrapLRT(observed, simulated, (k + 1) / (nsim + 1))
