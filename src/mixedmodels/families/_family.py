"""Exponential families as small classes, mirroring R's ``family`` objects.

Each family gives its variance function, the per-observation deviance
(R's ``dev.resids``), R's ``aic`` (-2 log-likelihood, which lme4 adds to the
Laplace approximation), the valid range of ``mu`` and R's starting values
``mustart``.  ``y`` is on the mean scale: for the binomial the proportion of
successes, with the number of trials carried in ``wt``.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from mixedmodels.families._links import Link, get_link


def _xlogy_ratio(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``y log(y / mu)``, 0 where ``y == 0``."""
    return special.xlogy(y, y / mu)


class Family:
    """Interface of an exponential family with a link.

    Attributes
    ----------
    name : str
        R's family name (``"binomial"``, ``"Gamma"``, ...).
    link : Link
        The link function.
    has_scale : bool
        Whether the family has a free dispersion parameter (Gaussian,
        Gamma, inverse Gaussian); if not, ``sigma`` is 1.
    """

    name = ""
    default_link = "identity"
    links: tuple[str, ...] = ()
    has_scale = False

    def __init__(self, link: str | Link | None = None) -> None:
        self.link = get_link(link or self.default_link)
        if self.links and self.link.name not in self.links:
            raise ValueError(
                f"link {self.link.name!r} is not available for the {self.name} family; "
                f"choose one of {', '.join(self.links)}."
            )

    def variance(self, mu: np.ndarray) -> np.ndarray:
        """Variance function ``V(mu)``."""
        raise NotImplementedError

    def dev_resids(self, y: np.ndarray, mu: np.ndarray, wt: np.ndarray) -> np.ndarray:
        """Per-observation deviance contributions (squared deviance residuals)."""
        raise NotImplementedError

    def aic(self, y, n, mu, wt, dev: float, constant: float | None = None) -> float:
        """R's ``family$aic``: -2 log-likelihood (plus 2 per dispersion parameter).

        ``constant`` may pass :meth:`aic_constant` of the same data, computed once.
        """
        raise NotImplementedError

    def aic_constant(self, y, n, wt) -> float | None:
        """The part of :meth:`aic` that does not depend on ``mu`` (None if not split)."""
        return None

    def mustart(self, y: np.ndarray, wt: np.ndarray) -> np.ndarray:
        """R's starting values of ``mu`` (its ``initialize`` expression)."""
        return np.asarray(y, dtype=float).copy()

    def check_response(self, y: np.ndarray) -> None:
        """Raise if ``y`` is outside the family's support."""

    def simulate(self, mu: np.ndarray, wt: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
        """Draw responses with means ``mu`` (R's ``simulate`` for the family)."""
        raise NotImplementedError(f"simulation is not implemented for the {self.name} family")

    @property
    def label(self) -> str:
        """R's printed name (``Negative Binomial(3.3075)`` for NB)."""
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link.name!r})"


class Binomial(Family):
    name = "binomial"
    default_link = "logit"
    links = ("logit", "probit", "cloglog", "log", "identity")

    def variance(self, mu):
        return mu * (1.0 - mu)

    def dev_resids(self, y, mu, wt):
        return 2.0 * wt * (_xlogy_ratio(y, mu) + _xlogy_ratio(1.0 - y, 1.0 - mu))

    @staticmethod
    def _trials(y, n, wt):
        m = n if np.any(n > 1) else wt
        ratio = np.where(m > 0, wt / np.where(m > 0, m, 1.0), 0.0)
        return np.round(m), np.round(m * y), ratio

    def aic_constant(self, y, n, wt):
        m, k, ratio = self._trials(y, n, wt)
        lchoose = special.gammaln(m + 1) - special.gammaln(k + 1) - special.gammaln(m - k + 1)
        return float(-2.0 * np.sum(ratio * lchoose))

    def aic(self, y, n, mu, wt, dev, constant=None):
        # -2 sum (wt/m) dbinom(round(m y), round(m), mu, log = TRUE), m = n or wt as R
        m, k, ratio = self._trials(y, n, wt)
        constant = self.aic_constant(y, n, wt) if constant is None else constant
        return float(constant - 2.0 * np.sum(ratio * (special.xlogy(k, mu) + special.xlog1py(m - k, -mu))))

    def mustart(self, y, wt):
        return (wt * y + 0.5) / (wt + 1.0)

    def check_response(self, y):
        if np.any((y < 0) | (y > 1)):
            raise ValueError("binomial response values must be proportions in [0, 1] "
                             f"(or 0/1, a logical, a two-level factor, cbind(successes, failures)); "
                             f"got values from {np.min(y):g} to {np.max(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        trials = np.round(wt).astype(np.int64)
        return rng.binomial(trials, mu) / np.where(trials > 0, trials, 1)


class Poisson(Family):
    name = "poisson"
    default_link = "log"
    links = ("log", "identity", "sqrt")

    def variance(self, mu):
        return mu

    def dev_resids(self, y, mu, wt):
        return 2.0 * wt * (_xlogy_ratio(y, mu) - (y - mu))

    def aic_constant(self, y, n, wt):
        return float(2.0 * np.sum(special.gammaln(y + 1) * wt))

    def aic(self, y, n, mu, wt, dev, constant=None):
        # -2 sum dpois(y, mu, log = TRUE) wt
        constant = self.aic_constant(y, n, wt) if constant is None else constant
        return float(constant - 2.0 * np.sum((special.xlogy(y, mu) - mu) * wt))

    def mustart(self, y, wt):
        return y + 0.1

    def check_response(self, y):
        if np.any(y < 0):
            raise ValueError(f"negative values not allowed for the poisson family; got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        return rng.poisson(mu).astype(float)


class Gamma(Family):
    name = "Gamma"
    default_link = "inverse"
    links = ("inverse", "identity", "log")
    has_scale = True

    def variance(self, mu):
        return mu**2

    def dev_resids(self, y, mu, wt):
        with np.errstate(divide="ignore"):
            ratio = np.where(y == 0, 1.0, y / mu)
        return -2.0 * wt * (np.log(ratio) - (y - mu) / mu)

    def aic(self, y, n, mu, wt, dev, constant=None):
        disp = dev / np.sum(wt)
        return float(-2.0 * np.sum(stats.gamma.logpdf(y, 1.0 / disp, scale=mu * disp) * wt) + 2.0)

    def check_response(self, y):
        if np.any(y <= 0):
            raise ValueError(f"non-positive values not allowed for the Gamma family; got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        shape = wt / sigma**2
        return rng.gamma(shape, mu / shape)


class InverseGaussian(Family):
    name = "inverse.gaussian"
    default_link = "1/mu^2"
    links = ("1/mu^2", "inverse", "identity", "log")
    has_scale = True

    def variance(self, mu):
        return mu**3

    def dev_resids(self, y, mu, wt):
        return wt * (y - mu) ** 2 / (y * mu**2)

    def aic(self, y, n, mu, wt, dev, constant=None):
        total = np.sum(wt)
        return float(total * (np.log(dev / total * 2 * np.pi) + 1.0) + 3.0 * np.sum(np.log(y) * wt) + 2.0)

    def check_response(self, y):
        if np.any(y <= 0):
            raise ValueError("positive values only are allowed for the inverse.gaussian family; "
                             f"got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        lam = wt / sigma**2
        return rng.wald(mu, lam)


class Gaussian(Family):
    name = "gaussian"
    default_link = "identity"
    links = ("identity", "log", "inverse")
    has_scale = True

    def variance(self, mu):
        return np.ones_like(mu, dtype=float)

    def dev_resids(self, y, mu, wt):
        return wt * (y - mu) ** 2

    def aic(self, y, n, mu, wt, dev, constant=None):
        nobs = y.size
        return float(nobs * (np.log(2 * np.pi * dev / nobs) + 1.0) + 2.0 - np.sum(np.log(wt)))

    def simulate(self, mu, wt, sigma, rng):
        return mu + sigma / np.sqrt(wt) * rng.standard_normal(mu.size)


class NegativeBinomial(Family):
    """NB2 with size ``theta``: ``Var(y) = mu + mu^2 / theta`` (MASS's ``negative.binomial``)."""

    name = "negative.binomial"
    default_link = "log"
    links = ("log", "identity", "sqrt")

    def __init__(self, theta: float, link: str | Link | None = None) -> None:
        if not np.isfinite(theta) or theta <= 0:
            raise ValueError(f"NegativeBinomial theta must be positive and finite; got theta={theta!r}.")
        super().__init__(link)
        self.theta = float(theta)

    def variance(self, mu):
        return mu + mu**2 / self.theta

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


_NAMES = {
    "binomial": Binomial,
    "poisson": Poisson,
    "gamma": Gamma,
    "inverse_gaussian": InverseGaussian,
    "inverse.gaussian": InverseGaussian,
    "gaussian": Gaussian,
}


def get_family(family: str | Family, link: str | Link | None = None) -> Family:
    """A family instance from a name (``"binomial"``, ``"poisson"``, ``"Gamma"``,
    ``"inverse_gaussian"``, ``"gaussian"``) or an instance."""
    if isinstance(family, Family):
        return family
    if isinstance(family, type) and issubclass(family, Family):
        return family(link)
    key = str(family).lower()
    if key not in _NAMES:
        raise ValueError(
            f"Unknown family {family!r}; choose one of 'binomial', 'poisson', 'Gamma', "
            "'inverse_gaussian', 'gaussian', or pass a family instance such as "
            "mixedmodels.families.NegativeBinomial(theta=2)."
        )
    return _NAMES[key](link)
