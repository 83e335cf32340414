"""``glm``: generalized linear models by iteratively reweighted least squares (R's ``glm``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.linalg as la

from mixedmodels._likelihood import LikelihoodModel
from mixedmodels._warnings import ConvergenceWarning, user_stacklevel
from mixedmodels.fixed._lm import fixed_effects_frame


class GlmFit(LikelihoodModel):
    """A fitted generalized linear model (R's ``glm``).

    Attributes
    ----------
    frame : ModelFrame
        Response and fixed-effects matrix used.
    response : GlmResponse
        Response on the mean scale, prior weights, trials, offset, family.
    family : Family
        Family and link.
    iterations : int
        IRLS iterations used.
    converged : bool
        Whether the relative change in deviance fell below ``tol`` within
        ``maxit`` iterations (R's ``glm.fit``; a ConvergenceWarning otherwise).
    """

    reml = False

    def __init__(self, frame, response, data=None, tol: float = 1e-8, maxit: int = 25) -> None:
        self.frame, self.response, self.data = frame, response, data
        self.family = response.family
        self._irls(tol, maxit)

    def _irls(self, tol: float, maxit: int) -> None:
        if not isinstance(maxit, (int, np.integer)) or maxit < 1:
            raise ValueError(f"maxit must be a positive integer; got maxit={maxit!r}.")
        r, X = self.response, self.frame.X
        eta = self.family.link.link(self.family.mustart(r.y, r.weights))
        dev_old, self.converged = np.inf, False
        for self.iterations in range(1, maxit + 1):
            w, z = r.working(eta)
            sw = np.sqrt(w)
            q, self._r = np.linalg.qr(X * sw[:, None])
            self._beta = la.solve_triangular(self._r, q.T @ (z * sw))
            eta = X @ self._beta + r.offset
            dev = r.deviance(eta)
            if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
                self.converged = True
                break
            dev_old = dev
        if not self.converged:
            warnings.warn(f"glm.fit: algorithm did not converge (the deviance still changed by more than "
                          f"tol={tol:g} after maxit={maxit} iterations; raise maxit)", ConvergenceWarning, stacklevel=user_stacklevel())
        self._mu, self._w, self.deviance = r.mu(eta), w, dev

    @property
    def nobs(self) -> int:
        """Observations with non-zero weight."""
        return int(np.sum(self.response.weights > 0))

    @property
    def fixef(self) -> pd.Series:
        """Coefficients, R's names."""
        return pd.Series(self._beta, index=self.frame.fixef_names, name="fixef")

    @property
    def df_residual(self) -> int:
        """``nobs - p``."""
        return self.nobs - self.frame.X.shape[1]

    @property
    def dispersion(self) -> float:
        """1 for binomial and Poisson; else the Pearson estimate (R's ``summary.glm``)."""
        if not self.family.has_scale:
            return 1.0
        r = self.response
        pearson = r.weights * (r.y - self._mu) ** 2 / self.family.variance(self._mu)
        return float(np.sum(pearson) / self.df_residual)

    @property
    def sigma(self) -> float:
        """``sqrt(dispersion)``."""
        return float(np.sqrt(self.dispersion))

    @property
    def vcov(self) -> pd.DataFrame:
        """``dispersion (X' W X)^{-1}`` at convergence."""
        r_inv = la.solve_triangular(self._r, np.eye(self._r.shape[0]))
        names = self.frame.fixef_names
        return pd.DataFrame(self.dispersion * r_inv @ r_inv.T, index=names, columns=names)

    @property
    def npar(self) -> int:
        """logLik's df: coefficients, plus the dispersion where the family has one."""
        return self.frame.X.shape[1] + int(self.family.has_scale)

    @property
    def loglik(self) -> float:
        """R's ``logLik.glm``: ``-aic/2`` plus one for a dispersion parameter."""
        r = self.response
        aic = self.family.aic(r.y, r.n_trials, self._mu, r.weights, self.deviance)
        return float(int(self.family.has_scale) - aic / 2)

    def fitted(self) -> pd.Series:
        """Fitted means."""
        return pd.Series(self._mu, index=self.frame.row_labels, name="fitted")

    def __repr__(self) -> str:
        return f"<GlmFit {self.formula!r} {self.family.name}({self.family.link.name}) nobs={self.nobs}>"


def glm(formula: str, data, family="gaussian", weights=None, *, offset=None, na_action: str = "omit",
        contrasts: dict | None = None, tol: float = 1e-8, maxit: int = 25) -> GlmFit:
    """Fit a generalized linear model, as R's ``glm``.

    Parameters
    ----------
    formula : str
        Formula without random-effects terms; ``cbind(s, f) ~ x`` for binomial counts.
    data : pandas.DataFrame or dict of arrays
    family : str or Family
        e.g. ``"binomial"``, ``"poisson"``, ``families.Gamma(link="log")``.
    weights, offset : str or array-like, optional
    na_action : {"omit", "raise"}
    contrasts : dict, optional
        As for :func:`~mixedmodels.glmer`.
    tol, maxit : float, int
        IRLS stops when the relative change in deviance is below ``tol``
        (R's ``glm.control(epsilon, maxit)``); a ConvergenceWarning if it
        takes more than ``maxit`` iterations.

    Returns
    -------
    GlmFit
    """
    from mixedmodels.families import get_family
    from mixedmodels.glmm._response import glm_response

    frame = fixed_effects_frame(formula, data, "glm", "glmer for a generalized linear mixed model",
                                weights=weights, offset=offset, na_action=na_action, contrasts=contrasts)
    return GlmFit(frame, glm_response(frame, get_family(family)), data, tol, maxit)
