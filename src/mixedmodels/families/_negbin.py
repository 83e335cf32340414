"""The negative binomial family with a known size (MASS's ``negative.binomial``)."""

from __future__ import annotations

import numpy as np
from scipy import special

from mixedmodels.families._counts import Poisson
from mixedmodels.families._family import Family
from mixedmodels.families._links import Link


class NegativeBinomial(Family):
    """NB2 with size ``theta``: ``Var(y) = mu + mu^2 / theta``.

    ``glmer_nb`` estimates ``theta``; with it fixed this is a GLM family
    like the others.  Links log (default), identity, sqrt.

    Parameters
    ----------
    theta : float
        The size (positive, finite).
    link : str or Link, optional
        The link.

    Attributes
    ----------
    name : str
        ``"negative.binomial"``.
    theta : float
        The size.
    link : Link
        The link function.
    """

    name = "negative.binomial"
    default_link = "log"
    links = ("log", "identity", "sqrt")
    mean_range = (0.0, np.inf)

    def __init__(self, theta: float, link: str | Link | None = None) -> None:
        if not np.isfinite(theta) or theta <= 0:
            raise ValueError(f"NegativeBinomial theta must be positive and finite; got theta={theta!r}.")
        super().__init__(link)
        self.theta = float(theta)

    def variance(self, mu):
        return mu + mu**2 / self.theta

    def variance_slope(self, mu):
        return 1.0 + 2.0 * mu / self.theta

    def dev_resids(self, y, mu, wt):
        th = self.theta
        return 2.0 * wt * (y * np.log(np.maximum(1.0, y) / mu) - (y + th) * np.log((y + th) / (mu + th)))

    def aic(self, y, n, mu, wt, dev, constant=None):
        th = self.theta
        term = ((y + th) * np.log(mu + th) - y * np.log(mu) + special.gammaln(y + 1)
                - th * np.log(th) + special.gammaln(th) - special.gammaln(th + y))
        return float(2.0 * np.sum(term * wt))

    def mustart(self, y, wt):
        return y + (y == 0) / 6.0

    def check_response(self, y):
        Poisson.check_response(self, y)

    def simulate(self, mu, wt, sigma, rng):
        return rng.negative_binomial(self.theta, self.theta / (self.theta + mu)).astype(float)

    @property
    def label(self) -> str:
        return f"Negative Binomial({self.theta:.4f})"

    def __repr__(self) -> str:
        return f"NegativeBinomial(theta={self.theta!r}, link={self.link.name!r})"
