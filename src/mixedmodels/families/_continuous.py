"""Families of positive or real responses with a dispersion parameter:
Gamma, inverse Gaussian and Gaussian."""

from __future__ import annotations

import numpy as np

from mixedmodels._likelihood import LOG_2PI
from mixedmodels.families._family import Family


class Gamma(Family):
    """R's ``Gamma()``: ``V(mu) = mu^2``; links inverse (default), identity, log.

    Attributes
    ----------
    name : str
        ``"Gamma"``.
    link : Link
        The link function.
    has_scale : bool
        True: the shape is ``1 / sigma^2``.
    """

    name = "Gamma"
    default_link = "inverse"
    links = ("inverse", "identity", "log")
    has_scale = True
    canonical_link = "inverse"
    mean_range = (0.0, np.inf)

    def variance(self, mu):
        return mu**2

    def variance_slope(self, mu):
        return 2.0 * mu

    def dev_resids(self, y, mu, wt):
        with np.errstate(divide="ignore"):
            ratio = np.where(y == 0, 1.0, y / mu)
        return -2.0 * wt * (np.log(ratio) - (y - mu) / mu)

    def aic(self, y, n, mu, wt, dev, constant=None):
        disp = dev / np.sum(wt)
        from scipy import stats  # here, not at the top: slow to import
        return float(-2.0 * np.sum(stats.gamma.logpdf(y, 1.0 / disp, scale=mu * disp) * wt) + 2.0)

    def check_response(self, y):
        if np.any(y <= 0):
            raise ValueError(f"non-positive values not allowed for the Gamma family; got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        shape = wt / sigma**2
        return rng.gamma(shape, mu / shape)


class InverseGaussian(Family):
    """R's ``inverse.gaussian()``: ``V(mu) = mu^3``; links 1/mu^2 (default),
    inverse, identity, log.

    Attributes
    ----------
    name : str
        ``"inverse.gaussian"``.
    link : Link
        The link function.
    has_scale : bool
        True: the shape is ``1 / sigma^2``.
    """

    name = "inverse.gaussian"
    default_link = "1/mu^2"
    links = ("1/mu^2", "inverse", "identity", "log")
    has_scale = True
    canonical_link = "1/mu^2"
    mean_range = (0.0, np.inf)

    def variance(self, mu):
        return mu**3

    def variance_slope(self, mu):
        return 3.0 * mu**2

    def dev_resids(self, y, mu, wt):
        return wt * (y - mu) ** 2 / (y * mu**2)

    def aic(self, y, n, mu, wt, dev, constant=None):
        total = np.sum(wt)
        return float(total * (np.log(dev / total) + LOG_2PI + 1.0) + 3.0 * np.sum(np.log(y) * wt) + 2.0)

    def check_response(self, y):
        if np.any(y <= 0):
            raise ValueError("positive values only are allowed for the inverse.gaussian family; "
                             f"got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        lam = wt / sigma**2
        return rng.wald(mu, lam)


class Gaussian(Family):
    """R's ``gaussian()``: ``V(mu) = 1``; links identity (default), log, inverse.

    Attributes
    ----------
    name : str
        ``"gaussian"``.
    link : Link
        The link function.
    has_scale : bool
        True: ``sigma`` is the residual standard deviation.
    """

    name = "gaussian"
    default_link = "identity"
    links = ("identity", "log", "inverse")
    has_scale = True
    natural_link = "identity"

    def variance(self, mu):
        return np.ones_like(mu, dtype=float)

    def variance_slope(self, mu):
        return np.zeros_like(mu, dtype=float)

    def dev_resids(self, y, mu, wt):
        return wt * (y - mu) ** 2

    def aic(self, y, n, mu, wt, dev, constant=None):
        nobs = y.size
        return float(nobs * (LOG_2PI + np.log(dev / nobs) + 1.0) + 2.0 - np.sum(np.log(wt)))

    def simulate(self, mu, wt, sigma, rng):
        return mu + sigma / np.sqrt(wt) * rng.standard_normal(mu.size)
