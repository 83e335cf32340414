"""Families of counts: binomial (proportions of trials) and Poisson."""

from __future__ import annotations

import numpy as np
from scipy import special

from mixedmodels.families._family import Family, xlogy_ratio
from mixedmodels.families._links import LOG_EPS, LOGIT_LIMIT, PROBIT_THRESH

_ROUNDING = 64 * np.finfo(float).eps


class Binomial(Family):
    """R's ``binomial()``: ``y`` the proportion of successes, ``wt`` the trials.

    ``V(mu) = mu (1 - mu)``; links logit (default), probit, cloglog, log,
    identity.

    Attributes
    ----------
    name : str
        ``"binomial"``.
    link : Link
        The link function.
    """

    name = "binomial"
    default_link = "logit"
    links = ("logit", "probit", "cloglog", "log", "identity")
    natural_link = "logit"
    mean_range = (0.0, 1.0)

    def variance(self, mu):
        return mu * (1.0 - mu)

    def variance_slope(self, mu):
        return 1.0 - 2.0 * mu

    def dev_resids(self, y, mu, wt):
        if self._binary(y):  # one term is 0: -2 wt log(mu) for successes, log(1 - mu) for failures
            return self._minus_2_wt(wt) * np.log(np.where(self._binary_of[2], mu, 1.0 - mu))
        return 2.0 * wt * (xlogy_ratio(y, mu) + xlogy_ratio(1.0 - y, 1.0 - mu))

    # PIRLS asks for the deviance of the same data many times: what depends
    # only on the data is kept for the last arrays seen (the response's
    # arrays are never changed in place)
    _binary_of: tuple = (None, False, None)
    _weights_of: tuple = (None, None)
    _trials_of: tuple = (None, None, None, None)

    def _binary(self, y) -> bool:
        if self._binary_of[0] is not y:
            binary = _is_binary(y)
            self._binary_of = (y, binary, np.asarray(y) > 0 if binary else None)
        return self._binary_of[1]

    def _minus_2_wt(self, wt):
        if self._weights_of[0] is not wt:
            self._weights_of = (wt, -2.0 * wt)
        return self._weights_of[1]

    def _trials(self, y, n, wt):
        """Trials ``m`` (``n``, or ``wt`` as R when every ``n`` is 1), successes, ``wt / m``."""
        last = self._trials_of
        if last[0] is y and last[1] is n and last[2] is wt:
            return last[3]
        out = _trials(y, n, wt)
        self._trials_of = (y, n, wt, out)
        return out

    def aic_constant(self, y, n, wt):
        m, k, ratio = self._trials(y, n, wt)
        lchoose = special.gammaln(m + 1) - special.gammaln(k + 1) - special.gammaln(m - k + 1)
        return float(-2.0 * np.sum(ratio * lchoose))

    def aic(self, y, n, mu, wt, dev, constant=None):
        # -2 sum (wt/m) dbinom(round(m y), round(m), mu, log = TRUE), m = n or wt as R
        m, k, ratio = self._trials(y, n, wt)
        constant = self.aic_constant(y, n, wt) if constant is None else constant
        return float(constant - 2.0 * np.sum(ratio * (special.xlogy(k, mu) + special.xlog1py(m - k, -mu))))

    def saturated_aic(self, y, n, wt):
        # R's aic rounds the trials m and the successes m y, the deviance does not: the identity
        # needs (wt / m) round(m) = wt and (wt / m) round(m y) = wt y on every row
        m, k, ratio = self._trials(y, n, wt)
        tol = _ROUNDING * np.maximum(np.abs(wt), 1.0)
        if np.any(np.abs(ratio * m - wt) > tol) or np.any(np.abs(ratio * k - wt * y) > tol):
            return None
        return self.aic(y, n, np.asarray(y, dtype=float), wt, 0.0)

    def deviance_by_cumulant(self, y, wt):
        # per row, b(eta) - y eta + saturated = (1 - y) eta - log(mu) + y log y + (1 - y) log(1 - y):
        # log(1 - mu) = log(mu) - eta exactly, with no cancellation in 1 - mu; each row's value is
        # >= 0, so the sum loses nothing; rows beyond R's clamp |eta| > 30 take R's formula
        if not self.has_natural_link:
            return None
        y, wt = np.asarray(y, dtype=float), np.asarray(wt, dtype=float)
        fail = 1.0 - y
        saturated = special.xlogy(y, y) + special.xlogy(fail, fail)
        saturated = saturated if np.any(saturated) else None

        def deviance(eta, mu):
            row = eta * fail
            row -= np.log(mu)
            if saturated is not None:
                row += saturated
            return _with_clamped_rows(self, y, wt, eta, mu, row, -LOGIT_LIMIT, LOGIT_LIMIT)

        return deviance

    def observed_information(self, y, mu, wt, eta):
        # probit: log Phi and log(1 - Phi) are concave, -d^2/d eta^2 of them lambda(eta) (eta + lambda(eta))
        # and lambda(-eta) (lambda(-eta) - eta), lambda = phi / Phi (inverse Mills ratio); eta clipped as R.
        # In the tails, where R's 1 - mu leaves the general formula no digits, still positive and finite
        if self.link.name != "probit":
            return super().observed_information(y, mu, wt, eta)
        eta = np.clip(eta, -PROBIT_THRESH, PROBIT_THRESH)
        log_phi = -0.5 * eta * eta - 0.5 * np.log(2.0 * np.pi)
        up, down = np.exp(log_phi - special.log_ndtr(eta)), np.exp(log_phi - special.log_ndtr(-eta))
        return wt * (y * up * (eta + up) + (1.0 - y) * down * (down - eta))

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


def _trials(y, n, wt):
    """Trials ``m`` (``n``, or ``wt`` as R when every ``n`` is 1), successes, ``wt / m``."""
    m = n if np.any(n > 1) else wt
    ratio = np.where(m > 0, wt / np.where(m > 0, m, 1.0), 0.0)
    return np.round(m), np.round(m * y), ratio


def _is_binary(y) -> bool:
    """Whether every response is 0 or 1 (Bernoulli data)."""
    y = np.asarray(y)
    return y.ndim > 0 and bool(np.all((y == 0.0) | (y == 1.0)))


class Poisson(Family):
    """R's ``poisson()``: ``V(mu) = mu``; links log (default), identity, sqrt.

    Attributes
    ----------
    name : str
        ``"poisson"``.
    link : Link
        The link function.
    """

    name = "poisson"
    default_link = "log"
    links = ("log", "identity", "sqrt")
    natural_link = "log"
    mean_range = (0.0, np.inf)

    def variance(self, mu):
        return mu

    def variance_slope(self, mu):
        return np.ones_like(mu, dtype=float)

    def dev_resids(self, y, mu, wt):
        return 2.0 * wt * (xlogy_ratio(y, mu) - (y - mu))

    def aic_constant(self, y, n, wt):
        return float(2.0 * np.sum(special.gammaln(y + 1) * wt))

    def aic(self, y, n, mu, wt, dev, constant=None):
        # -2 sum dpois(y, mu, log = TRUE) wt
        constant = self.aic_constant(y, n, wt) if constant is None else constant
        return float(constant - 2.0 * np.sum((special.xlogy(y, mu) - mu) * wt))

    def saturated_aic(self, y, n, wt):
        return self.aic(y, n, np.asarray(y, dtype=float), wt, 0.0)

    def deviance_by_cumulant(self, y, wt):
        # per row, b(eta) - y eta + saturated = mu - y - y (eta - log y), cancelling row by row
        # (large counts); rows below R's floor eta < log(eps) take R's formula
        if not self.has_natural_link:
            return None
        y, wt = np.asarray(y, dtype=float), np.asarray(wt, dtype=float)
        log_y = np.log(np.where(y > 0, y, 1.0))

        def deviance(eta, mu):
            row = eta - log_y
            row *= y
            np.subtract(mu - y, row, out=row)
            return _with_clamped_rows(self, y, wt, eta, mu, row, LOG_EPS, np.inf)

        return deviance

    def mustart(self, y, wt):
        return y + 0.1

    def check_response(self, y):
        if np.any(y < 0):
            raise ValueError(f"negative values not allowed for the poisson family; got min {np.min(y):g}.")

    def simulate(self, mu, wt, sigma, rng):
        return rng.poisson(mu).astype(float)


def _with_clamped_rows(family, y, wt, eta, mu, row, low: float, high: float) -> float:
    """``2 sum wt row``, where ``row`` is half a row's deviance through the
    cumulant, except on rows where R clamps the mean (``eta`` outside
    ``[low, high]``, rarely: two reductions tell): those take R's per-row formula."""
    if not (eta.size and (eta.min() < low or eta.max() > high)):
        return 2.0 * float(np.vdot(wt, row))
    clamped = (eta < low) | (eta > high)
    keep = ~clamped
    return (2.0 * float(np.vdot(wt[keep], row[keep]))
            + float(np.sum(family.dev_resids(y[clamped], mu[clamped], wt[clamped]))))
