"""Link functions as small classes, with R's numerical guards.

Each link maps the mean ``mu`` to the linear predictor ``eta`` and back and
gives ``d mu / d eta``; the clamps (``DBL_EPSILON`` floors, the logit's
+-30 cut-off) are R's, so that fits and deviances agree with ``glm`` and
lme4 at the extremes.
"""

from __future__ import annotations

import contextlib

import numpy as np
from scipy import special

EPS = float(np.finfo(float).eps)
LOG_EPS = float(np.log(EPS))  # R's log link floors mu at EPS below this eta
LOGIT_LIMIT = 30.0  # R's logit clamps mu to [EPS, 1 - EPS] beyond |eta| > 30
PROBIT_THRESH = float(-special.ndtri(EPS))


class Link:
    """Interface of a link function.

    Attributes
    ----------
    name : str
        R's name (``"logit"``, ``"log"``, ``"1/mu^2"``, ...).
    mean_range : tuple of float or None
        A closed interval every mean the link gives lies in, floors
        included (logit, probit, cloglog ``[EPS, 1 - EPS]``; log ``[EPS,
        inf]``); None where it can give any value (or NaN).
    """

    name = ""
    mean_range: tuple[float, float] | None = None

    def link(self, mu: np.ndarray) -> np.ndarray:
        """``eta = g(mu)``."""
        raise NotImplementedError

    def linkinv(self, eta: np.ndarray) -> np.ndarray:
        """``mu = g^-1(eta)``."""
        raise NotImplementedError

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta`` at ``eta``."""
        raise NotImplementedError

    def linkinv_and_mu_eta(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``mu`` and ``d mu / d eta`` together (links where the second follows
        from the first save a pass of ``exp`` over the rows)."""
        return self.linkinv(eta), self.mu_eta(eta)

    def mu_eta_slope(self, eta: np.ndarray) -> np.ndarray:
        """``d^2 mu / d eta^2`` at ``eta`` (for the observed information): the
        slope of :meth:`mu_eta` as computed, 0 where that is clamped (R's
        floor of ``EPS``).  A link without it (a user's subclass) leaves
        PIRLS to Fisher scoring."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _unclamped(mu_eta: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """``slope`` where ``mu_eta`` is above R's floor ``EPS``, 0 where it is held there."""
    return np.where(mu_eta > EPS, slope, 0.0)


class Logit(Link):
    name = "logit"
    mean_range = (EPS, 1.0 - EPS)

    def link(self, mu):
        return special.logit(mu)

    def linkinv(self, eta):
        eta = np.asarray(eta, dtype=float)
        if not eta.ndim:
            return np.float64((EPS if eta < 0 else 1.0 - EPS) if abs(eta) > LOGIT_LIMIT else special.expit(eta))
        # 1 / (1 + exp(-eta)) in place: numpy's vectorized exp is several times faster
        # than scipy's expit on the long arrays of PIRLS
        clamped = eta.size and (eta.min() < -LOGIT_LIMIT or eta.max() > LOGIT_LIMIT)
        mu = np.negative(eta)
        # rarely clamped: exp may then overflow (to the right limit), and R's clamps apply
        with np.errstate(over="ignore") if clamped else contextlib.nullcontext():
            np.exp(mu, out=mu)
        mu += 1.0
        np.reciprocal(mu, out=mu)
        if clamped:
            mu[eta < -LOGIT_LIMIT] = EPS
            mu[eta > LOGIT_LIMIT] = 1.0 - EPS
        return mu

    def mu_eta(self, eta):
        return self.linkinv_and_mu_eta(eta)[1]

    def linkinv_and_mu_eta(self, eta):
        """``mu (1 - mu)`` from the clamped ``mu``: R's ``DBL_EPSILON`` beyond
        ``|eta| > 30`` (where ``mu`` is clamped), and no cancellation for
        negative ``eta``."""
        mu = self.linkinv(eta)
        slope = 1.0 - mu
        slope *= mu
        return mu, np.maximum(slope, EPS, out=slope)

    def mu_eta_slope(self, eta):
        mu, slope = self.linkinv_and_mu_eta(eta)
        return _unclamped(slope, slope * (1.0 - 2.0 * mu))


class Probit(Link):
    name = "probit"
    mean_range = (EPS, 1.0 - EPS)

    def link(self, mu):
        return special.ndtri(mu)

    def linkinv(self, eta):
        return special.ndtr(np.clip(eta, -PROBIT_THRESH, PROBIT_THRESH))

    def mu_eta(self, eta):
        return np.maximum(np.exp(-0.5 * eta**2) / np.sqrt(2 * np.pi), EPS)

    def mu_eta_slope(self, eta):
        slope = self.mu_eta(eta)
        return _unclamped(slope, -eta * slope)


class Cloglog(Link):
    name = "cloglog"
    mean_range = (EPS, 1.0 - EPS)

    def link(self, mu):
        return np.log(-np.log1p(-mu))

    def linkinv(self, eta):
        return np.clip(-np.expm1(-np.exp(eta)), EPS, 1.0 - EPS)

    def mu_eta(self, eta):
        eta = np.minimum(eta, 700.0)
        return np.maximum(np.exp(eta) * np.exp(-np.exp(eta)), EPS)

    def mu_eta_slope(self, eta):
        slope = self.mu_eta(eta)
        return _unclamped(slope, slope * -np.expm1(np.minimum(eta, 700.0)))


class Log(Link):
    name = "log"
    mean_range = (EPS, np.inf)

    def link(self, mu):
        return np.log(mu)

    def linkinv(self, eta):
        return np.maximum(np.exp(eta), EPS)

    def mu_eta(self, eta):
        return np.maximum(np.exp(eta), EPS)

    def linkinv_and_mu_eta(self, eta):
        """The same array twice (``d exp(eta) / d eta = exp(eta)``)."""
        mu = self.linkinv(eta)
        return mu, mu

    def mu_eta_slope(self, eta):
        slope = self.mu_eta(eta)
        return _unclamped(slope, slope)


class Identity(Link):
    name = "identity"

    def link(self, mu):
        return np.asarray(mu, dtype=float)

    def linkinv(self, eta):
        return np.asarray(eta, dtype=float)

    def mu_eta(self, eta):
        return np.ones_like(eta, dtype=float)

    def mu_eta_slope(self, eta):
        return np.zeros_like(eta, dtype=float)


class Inverse(Link):
    name = "inverse"

    def link(self, mu):
        return 1.0 / mu

    def linkinv(self, eta):
        return 1.0 / eta

    def mu_eta(self, eta):
        return -1.0 / eta**2

    def mu_eta_slope(self, eta):
        return 2.0 / eta**3


class Sqrt(Link):
    name = "sqrt"

    def link(self, mu):
        return np.sqrt(mu)

    def linkinv(self, eta):
        return eta**2

    def mu_eta(self, eta):
        return 2.0 * eta

    def mu_eta_slope(self, eta):
        return np.full_like(eta, 2.0, dtype=float)


class InverseSquare(Link):
    name = "1/mu^2"

    def link(self, mu):
        return 1.0 / mu**2

    def linkinv(self, eta):
        return 1.0 / np.sqrt(eta)

    def mu_eta(self, eta):
        return -1.0 / (2.0 * eta**1.5)

    def mu_eta_slope(self, eta):
        return 0.75 / eta**2.5


LINKS: dict[str, type[Link]] = {
    cls.name: cls for cls in (Logit, Probit, Cloglog, Log, Identity, Inverse, Sqrt, InverseSquare)
}


def get_link(link: str | Link) -> Link:
    """A link instance from R's name or an instance."""
    if isinstance(link, Link):
        return link
    try:
        return LINKS[link]()
    except KeyError:
        raise ValueError(f"Unknown link {link!r}; choose one of {', '.join(LINKS)}.") from None
