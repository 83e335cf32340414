"""The response of a GLMM: data, family and the quantities PIRLS reads off eta."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixedmodels.families import Family


@dataclass
class GlmResponse:
    """Response, prior weights, offset and family of a generalized model.

    Attributes
    ----------
    y : numpy.ndarray
        ``(n,)`` response on the mean scale (binomial: proportion of successes).
    family : Family
        Family and link.
    weights : numpy.ndarray
        ``(n,)`` prior weights (binomial: number of trials times any weights).
    n_trials : numpy.ndarray
        ``(n,)`` binomial trials as R's ``n`` (1 for 0/1 data); used by the AIC.
    offset : numpy.ndarray
        ``(n,)`` offset of the linear predictor (zeros if none).
    """

    y: np.ndarray
    family: Family
    weights: np.ndarray
    n_trials: np.ndarray
    offset: np.ndarray

    def __post_init__(self) -> None:
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # eta, mu, mu_eta
        self.refresh()

    def refresh(self) -> None:
        """Recompute what depends only on the data and the family (after changing either)."""
        self._aic_constant = self.family.aic_constant(self.y, self.n_trials, self.weights)
        self._saturated_aic = self.family.saturated_aic(self.y, self.n_trials, self.weights)
        self._natural = self.family.has_natural_link
        self._check_mu = self.family.mean_can_leave_range
        self._deviance_by_cumulant = self.family.deviance_by_cumulant(self.y, self.weights)
        self.has_observed_information = self.family.has_observed_information
        self._last = None

    @property
    def n(self) -> int:
        """Number of observations."""
        return self.y.size

    def mu(self, eta: np.ndarray) -> np.ndarray:
        """Mean at the linear predictor (the last one is remembered: PIRLS asks twice)."""
        return self._mean_and_slope(eta)[0]

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta`` at the linear predictor (remembered with the mean)."""
        return self._mean_and_slope(eta)[1]

    def _mean_and_slope(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._last is None or self._last[0] is not eta:
            self._last = (eta, *self.family.link.linkinv_and_mu_eta(eta))
        return self._last[1], self._last[2]

    def working(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """PIRLS weights ``w = wt mu_eta^2 / V(mu)`` (``wt mu_eta`` for the
        family's natural link) and working response ``eta - offset + (y - mu) / mu_eta``."""
        mu, d = self._mean_and_slope(eta)
        w = self.weights * d
        if not self._natural:
            w *= d
            w /= self.family.variance(mu)
        z = self.y - mu
        z /= d
        z += eta
        z -= self.offset
        return w, z

    def newton_working(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights and working response of a Newton step: the observed
        information and ``eta - offset + score / information`` where the
        family gives one (:meth:`Family.observed_information`, known after
        :meth:`refresh` as ``has_observed_information``), else Fisher
        scoring's :meth:`working`.  Both steps lead to the same modes."""
        if not self.has_observed_information:
            return self.working(eta)
        info = self.family.observed_information(self.y, self.mu(eta), self.weights, eta)
        z = self.score_residual(eta)
        z /= np.where(info > 0, info, 1.0)
        z += eta
        z -= self.offset
        return info, z

    def score_residual(self, eta: np.ndarray) -> np.ndarray:
        """``w (z - eta + offset) = wt mu_eta (y - mu) / V(mu)`` (``wt (y - mu)``
        for the natural link): the rows' part of the score of the penalized
        deviance (a half of its negative gradient)."""
        mu, d = self._mean_and_slope(eta)
        r = self.y - mu
        r *= self.weights
        if not self._natural:
            r *= d
            r /= self.family.variance(mu)
        return r

    def dev_resids(self, mu: np.ndarray) -> np.ndarray:
        """Per-observation deviance contributions."""
        return self.family.dev_resids(self.y, mu, self.weights)

    def deviance(self, eta: np.ndarray) -> float:
        """Sum of the deviance contributions at ``eta`` (through the cumulant
        function for the natural link, see :meth:`Family.deviance_by_cumulant`);
        infinite where a mean is outside the family's range
        (:meth:`Family.valid_mu`, checked only where the link can leave it)."""
        mu = self.mu(eta)
        if self._deviance_by_cumulant is not None:
            return self._deviance_by_cumulant(eta, mu)
        if self._check_mu and not self.family.valid_mu(mu):
            return np.inf
        return float(np.sum(self.dev_resids(mu)))

    def aic(self, mu: np.ndarray) -> float:
        """R's ``family$aic`` at ``mu`` (-2 log-likelihood of the conditional model)."""
        dev = float(np.sum(self.dev_resids(mu)))
        return self.family.aic(self.y, self.n_trials, mu, self.weights, dev, self._aic_constant)

    def aic_at(self, eta: np.ndarray, deviance: float) -> float:
        """:meth:`aic` at the linear predictor ``eta``, where the deviance is
        known: binomial and Poisson add it to the saturated model's AIC, with
        no pass over the rows.  (A PIRLS run of no iterations from R's starting
        values knows no deviance: ``inf`` then takes the direct AIC.)"""
        if self._saturated_aic is not None and np.isfinite(deviance):
            return deviance + self._saturated_aic
        return self.aic(self.mu(eta))

    def initial_eta(self) -> np.ndarray:
        """Linear predictor at R's ``mustart``."""
        return self.family.link.link(self.family.mustart(self.y, self.weights))
