"""``lm``: the linear model by least squares, with R's ``logLik.lm``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg as la

from mixedmodels._likelihood import LOG_2PI, LikelihoodModel
from mixedmodels.formula import FormulaError, ModelFrame, build_model_frame


class LmFit(LikelihoodModel):
    """A fitted linear model (R's ``lm``).

    Attributes
    ----------
    frame : ModelFrame
        Response and fixed-effects matrix used (no random-effects terms).
    data : object
        The data given to :func:`lm` (kept for ``update``).
    reml : bool
        Always False: the likelihood of an ``lm`` is the ML one, as R's ``logLik.lm``.
    """

    reml = False

    def __init__(self, frame: ModelFrame, y: np.ndarray, data=None) -> None:
        self.frame, self.data = frame, data
        w = np.ones(frame.n) if frame.weights is None else np.asarray(frame.weights, float)
        sw = np.sqrt(w)
        q, r = np.linalg.qr(frame.X * sw[:, None])
        self._y, self._w, self._r = y, w, r
        self._beta = la.solve_triangular(r, q.T @ (y * sw))
        self._resid = y - frame.X @ self._beta

    @property
    def nobs(self) -> int:
        """Number of observations used (zero weights excluded, as R)."""
        return int(np.sum(self._w > 0))

    @property
    def fixef(self) -> pd.Series:
        """Coefficients, R's names."""
        return pd.Series(self._beta, index=self.frame.fixef_names, name="fixef")

    @property
    def deviance(self) -> float:
        """Weighted residual sum of squares (R's ``deviance.lm``)."""
        return float(np.sum(self._w * self._resid**2))

    @property
    def df_residual(self) -> int:
        """``nobs - p``."""
        return self.nobs - self.frame.X.shape[1]

    @property
    def sigma(self) -> float:
        """Residual standard error, ``sqrt(RSS / df_residual)``."""
        return float(np.sqrt(self.deviance / self.df_residual))

    @property
    def vcov(self) -> pd.DataFrame:
        """``sigma^2 (X' W X)^{-1}``."""
        r_inv = la.solve_triangular(self._r, np.eye(self._r.shape[0]))
        names = self.frame.fixef_names
        return pd.DataFrame(self.sigma**2 * r_inv @ r_inv.T, index=names, columns=names)

    @property
    def npar(self) -> int:
        """logLik's df: coefficients plus sigma."""
        return self.frame.X.shape[1] + 1

    def loglik_of(self, reml: bool = False) -> float:
        """R's ``logLik(fit, REML = reml)``."""
        w = self._w[self._w > 0]
        n = w.size - (self.frame.X.shape[1] if reml else 0)
        val = 0.5 * (np.sum(np.log(w)) - n * (LOG_2PI + 1.0 - np.log(n) + np.log(self.deviance)))
        if reml:
            val -= float(np.sum(np.log(np.abs(np.diag(self._r)))))
        return float(val)

    @property
    def loglik(self) -> float:
        """Maximum-likelihood log-likelihood (R's ``logLik.lm``)."""
        return self.loglik_of(reml=False)

    def fitted(self) -> pd.Series:
        """``X beta`` (plus any offset)."""
        return pd.Series(self._y - self._resid + self._offset(), index=self.frame.row_labels, name="fitted")

    def _offset(self) -> np.ndarray | float:
        return 0.0 if self.frame.offset is None else self.frame.offset

    def refit(self, newresp) -> LmFit:
        """The same model fitted to a new response vector."""
        y = np.asarray(newresp, dtype=float).ravel()
        if y.shape != (self.frame.n,):
            raise ValueError(f"newresp must have {self.frame.n} values (one per observation used); got {y.size}.")
        return LmFit(self.frame, y - self._offset(), self.data)

    def simulate(self, nsim: int = 1, seed=None) -> pd.DataFrame:
        """``nsim`` responses drawn from ``N(X beta, sigma^2 / w)`` (R's ``simulate.lm``)."""
        rng = np.random.default_rng(seed)
        mean = (self._y - self._resid + self._offset())[:, None]
        noise = rng.standard_normal((self.frame.n, nsim)) * (self.sigma / np.sqrt(self._w))[:, None]
        columns = [f"sim_{s + 1}" for s in range(nsim)]
        return pd.DataFrame(mean + noise, index=self.frame.row_labels, columns=columns)

    def __repr__(self) -> str:
        return f"<LmFit {self.formula!r} nobs={self.nobs}>"


def lm(formula: str, data, weights=None, *, offset=None, na_action: str = "omit",
       contrasts: dict | None = None) -> LmFit:
    """Fit a linear model by (weighted) least squares, as R's ``lm``.

    Parameters
    ----------
    formula : str
        Formula without random-effects terms, e.g. ``"Reaction ~ Days"``.
    data : pandas.DataFrame or dict of arrays
        The variables.
    weights, offset : str or array-like, optional
        Prior weights and an offset (column name or values).
    na_action : {"omit", "raise"}
        Drop rows with missing values in used variables, or raise.
    contrasts : dict, optional
        As for :func:`~mixedmodels.lmer`.

    Returns
    -------
    LmFit
    """
    frame = fixed_effects_frame(formula, data, "lm", "lmer for a mixed model",
                                weights=weights, offset=offset, na_action=na_action, contrasts=contrasts)
    if frame.response.ndim != 1:
        raise FormulaError(f"The response {frame.response_name!r} has two columns; lm needs one.")
    y = frame.response if frame.offset is None else frame.response - frame.offset
    return LmFit(frame, y, data)


def fixed_effects_frame(formula: str, data, model: str, instead: str, **kwargs) -> ModelFrame:
    """The model frame of a fixed-effects-only model (``lm``/``glm``); bars are an error."""
    frame = build_model_frame(formula, data, **kwargs)
    if frame.re_terms:
        raise FormulaError(
            f"Formula {formula!r} has random-effects terms; {model} fits fixed effects only. "
            f"Use mixedmodels.{instead}."
        )
    return frame
