"""Likelihood quantities shared by every fitted model (lm, glm, lmer, glmer).

``LOG_2PI`` is the constant of the Gaussian log-density; ``LikelihoodModel``
gives a fit its formula and R's ``AIC``/``BIC`` from ``loglik``, ``npar``
and ``nobs``.
"""

from __future__ import annotations

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))


class LikelihoodModel:
    """Mixin: ``formula``, ``aic`` and ``bic`` of a fit.

    The class mixing it in provides ``frame`` (with ``formula``), ``loglik``,
    ``npar`` (logLik's df) and ``nobs``.
    """

    @property
    def formula(self) -> str:
        """The model formula as given."""
        return self.frame.formula

    @property
    def aic(self) -> float:
        """Akaike information criterion, ``-2 logLik + 2 npar``."""
        return float(-2.0 * self.loglik + 2.0 * self.npar)

    @property
    def bic(self) -> float:
        """Bayesian information criterion, ``-2 logLik + log(nobs) npar``."""
        return float(-2.0 * self.loglik + np.log(self.nobs) * self.npar)
