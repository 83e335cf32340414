"""The interface every family implements, mirroring R's ``family`` objects.

Each family gives its variance function, the per-observation deviance
(R's ``dev.resids``), R's ``aic`` (-2 log-likelihood, which lme4 adds to the
Laplace approximation) and R's starting values ``mustart``.  ``y`` is on the
mean scale: for the binomial the proportion of successes, with the number
of trials carried in ``wt``.  The families themselves: ``_counts``
(binomial, Poisson), ``_continuous`` (Gamma, inverse Gaussian, Gaussian),
``_negbin`` (negative binomial); names to instances: ``_registry``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from mixedmodels.families._links import Link, get_link

OBSERVED_FLOOR = 1e-3
"""The least weight of a row in PIRLS's Newton steps, as a fraction of the
expected information (see :meth:`Family.observed_information`)."""


def xlogy_ratio(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``y log(y / mu)``, 0 where ``y == 0``."""
    return special.xlogy(y, y / mu)


class Family:
    """Interface of an exponential family with a link.

    Parameters
    ----------
    link : str or Link, optional
        The link (default: the family's canonical or R's default link).

    Attributes
    ----------
    name : str
        R's family name (``"binomial"``, ``"Gamma"``, ...).
    link : Link
        The link function.
    default_link : str
        R's default link of the family.
    links : tuple of str
        The links R allows for the family (empty: any).
    has_scale : bool
        Whether the family has a free dispersion parameter (Gaussian,
        Gamma, inverse Gaussian); if not, ``sigma`` is 1.
    natural_link : str
        The canonical link under which ``d mu / d eta = V(mu)`` (binomial
        logit, Poisson log, Gaussian identity; empty if none): then the
        PIRLS weights are ``wt mu_eta`` and the score residual ``wt (y - mu)``.
    canonical_link : str
        A canonical link that is not :attr:`natural_link` (Gamma's inverse,
        with ``d mu / d eta = -V(mu)``; inverse Gaussian's ``1/mu^2``): the
        observed information is the expected one there too.
    mean_range : tuple of float or None
        The open interval the mean must lie in (binomial ``(0, 1)``; Poisson,
        Gamma, inverse Gaussian, negative binomial ``(0, inf)``); None: any.
    """

    name = ""
    default_link = "identity"
    links: tuple[str, ...] = ()
    has_scale = False
    natural_link = ""
    canonical_link = ""
    mean_range: tuple[float, float] | None = None

    @property
    def has_natural_link(self) -> bool:
        """Whether the link is :attr:`natural_link`."""
        return bool(self.natural_link) and self.link.name == self.natural_link

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

    def deviance_by_cumulant(self, y: np.ndarray, wt: np.ndarray) -> Callable | None:
        """The summed deviance as ``f(eta, mu)`` through the cumulant function
        ``b`` of the natural link, ``2 sum wt (b(eta) - y eta + saturated)``
        row by row: a log or nothing, a few products and one dot product
        instead of R's per-row formula; rows where R clamps the mean take
        R's formula (None for other links)."""
        return None

    def variance_slope(self, mu: np.ndarray) -> np.ndarray:
        """``d V / d mu`` (for the observed information; a family without it,
        a user's subclass, leaves PIRLS to Fisher scoring)."""
        raise NotImplementedError

    @property
    def has_canonical_link(self) -> bool:
        """Whether the link is the canonical one (:attr:`natural_link` or
        :attr:`canonical_link`), whose observed information is the expected one."""
        return self.has_natural_link or (bool(self.canonical_link) and self.link.name == self.canonical_link)

    @property
    def has_observed_information(self) -> bool:
        """Whether :meth:`observed_information` gives one: with every link but
        the canonical one, where the family and link give the slopes it needs."""
        slopes = (type(self).variance_slope is not Family.variance_slope
                  and type(self.link).mu_eta_slope is not Link.mu_eta_slope)
        return not self.has_canonical_link and slopes

    def observed_information(self, y: np.ndarray, mu: np.ndarray, wt: np.ndarray,
                             eta: np.ndarray) -> np.ndarray | None:
        """The weights of PIRLS's Newton steps: per row ``-d^2 loglik / d eta^2``,

        ``wt (mu_eta^2 / V - (y - mu) (mu_eta' / V - mu_eta^2 V' / V^2))``,

        but no less than :data:`OBSERVED_FLOOR` times the expected
        information ``wt mu_eta^2 / V``; None where
        :attr:`has_observed_information` is False.

        Each row's weight is at least its curvature, so near the modes the
        steps do not overshoot, and no weight falls below a thousandth of
        Fisher scoring's (the curvature of a success of a log-link binomial
        is 0; that of an inverse-Gaussian row with ``y < mu / 2``
        negative).  Where every row's observed information is above the
        floor (Gamma and negative binomial with the log link, binomial
        probit) they are Newton's steps, quadratically convergent.  Fisher
        scoring's (the expected information throughout) overshoot where the
        observed information is more than twice the expected: near the
        modes of inverse-Gaussian (log, identity), Gamma (identity) and
        Poisson (sqrt) fits (``tools/lme4_diff`` seeds 30-35) its steps grew
        instead of shrinking, PIRLS stopped up to 2e-3 from the modes, and
        the Laplace deviance depended on where PIRLS started (5e-4 apart,
        seed 34 ``invgauss_log_007``).
        """
        if not self.has_observed_information:
            return None
        slope, curve = self.link.mu_eta(eta), self.link.mu_eta_slope(eta)
        var = self.variance(mu)
        expected = slope * slope / var
        observed = expected - (y - mu) * (curve - expected * self.variance_slope(mu)) / var
        return wt * np.maximum(observed, OBSERVED_FLOOR * expected)

    def aic(self, y, n, mu, wt, dev: float, constant: float | None = None) -> float:
        """R's ``family$aic``: -2 log-likelihood (plus 2 per dispersion parameter).

        ``constant`` may pass :meth:`aic_constant` of the same data, computed once.
        """
        raise NotImplementedError

    def aic_constant(self, y, n, wt) -> float | None:
        """The part of :meth:`aic` that does not depend on ``mu`` (None if not split)."""
        return None

    def saturated_aic(self, y, n, wt) -> float | None:
        """:meth:`aic` at ``mu = y`` when :meth:`aic` at any ``mu`` is that plus
        the deviance (families without a dispersion parameter whose
        deviance is twice the log-likelihood ratio to the saturated model);
        None where this does not hold."""
        return None

    @property
    def mean_can_leave_range(self) -> bool:
        """Whether the link can give means outside :attr:`mean_range` (binomial
        with the log or identity link, Poisson with the identity link, ...);
        False where the link keeps them inside (logit, log for counts)."""
        if self.mean_range is None:
            return False
        inside, (low, high) = self.link.mean_range, self.mean_range
        return inside is None or not (low < inside[0] and (inside[1] < high or high == np.inf))

    def valid_mu(self, mu: np.ndarray) -> bool:
        """Whether every mean lies strictly inside :attr:`mean_range` (R's
        ``validmu``, whose inverse Gaussian accepts any).  Where the link can
        leave it (:attr:`mean_can_leave_range`) PIRLS takes a mean outside as
        an infinite deviance, and halves the step."""
        if self.mean_range is None:
            return True
        low, high = self.mean_range
        return bool(np.all((mu > low) & (mu < high)))

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
