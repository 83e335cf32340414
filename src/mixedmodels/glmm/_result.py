"""The fitted generalized linear mixed model (lme4's ``glmerMod``).

:class:`GlmerFit` is an :class:`~mixedmodels.LmerFit` whose response has a
family: likelihood, residuals, fitted values, predictions, simulation and
the summary differ; fixed effects, variance components, modes, ``coef``
and ``tidy`` are the LMM's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._result import LmerFit


class GlmerFit(LmerFit):
    """A fitted GLMM.

    Attributes
    ----------
    family : Family
        Family and link.
    nagq : int
        0 (fixed effects in PIRLS), 1 (Laplace) or the number of AGQ nodes.
    optsummary : OptSummary
        The last optimizer stage: parameters are theta, then beta for
        ``nagq >= 1`` (lme4's ``optinfo``).
    pirls : PirlsResult
        Conditional modes, linear predictor and factor at the optimum.
    """

    reml = False

    def __init__(self, frame, problem, nagq, optsummary, state, solution, control,
                 data_name="data", data=None, pirls=None) -> None:
        super().__init__(frame, problem, False, optsummary, state, solution, control, data_name, data)
        self.nagq, self.pirls = nagq, pirls
        self.family = problem.response.family

    # --- parameters -------------------------------------------------------
    @property
    def _theta_values(self) -> np.ndarray:
        return self.optsummary.final[: self.problem.theta_map.size]

    @property
    def theta(self) -> pd.Series:
        """Relative covariance parameters, lme4's order and names."""
        from mixedmodels.lmm._result import term_covariance

        labels = [f"{term.group}.{lab}" for term in self.frame.re_terms
                  for lab in term_covariance(self, term).param_labels(term.effect_names)]
        return pd.Series(self._theta_values, index=labels, name="theta")

    @property
    def is_singular(self) -> bool:
        """lme4's ``isSingular``."""
        return self.problem.theta_map.is_singular(self._theta_values, self.control.singular_tol)

    @property
    def has_residual(self) -> bool:
        """Whether VarCorr has a Residual row (families with a dispersion)."""
        return self.family.has_scale

    # --- likelihood -------------------------------------------------------
    @property
    def npar(self) -> int:
        """Fixed effects, theta, a dispersion parameter if the family has one,
        and an estimated NB size (``glmer_nb``)."""
        extra = getattr(self, "extra_params", 0)
        return self.problem.p + self.problem.theta_map.size + int(self.family.has_scale) + extra

    @property
    def deviance(self) -> float:
        """lme4's ``deviance()`` of a GLMM: the sum of squared deviance residuals."""
        return float(np.sum(self.residuals("deviance").to_numpy() ** 2))

    @property
    def loglik(self) -> float:
        """Log-likelihood (Laplace or AGQ approximation, lme4's value)."""
        return -0.5 * self.optsummary.fmin

    @property
    def reml_criterion(self) -> None:
        return None

    def overdispersion(self) -> pd.Series:
        """Pearson chi-square / residual df and its p-value (binomial, Poisson)."""
        from mixedmodels.glmm._diagnostics import overdispersion

        return overdispersion(self)

    # --- fitted values ----------------------------------------------------
    def linear_predictor(self) -> pd.Series:
        """``eta``, the linear predictor including random effects and offset."""
        from mixedmodels.lmm._predict import linear_predictor

        return pd.Series(linear_predictor(self), index=self.frame.row_labels, name="eta")

    def fitted(self) -> pd.Series:
        """Conditional means on the response scale (lme4's ``fitted``)."""
        mu = self.family.link.linkinv(self.linear_predictor().to_numpy())
        return pd.Series(mu, index=self.frame.row_labels, name="fitted")

    def residuals(self, type: str = "deviance", scaled: bool = False) -> pd.Series:  # noqa: A002
        """``"deviance"`` (default), ``"pearson"``, ``"response"`` or ``"working"`` residuals."""
        from mixedmodels.glmm._predict import residuals

        return residuals(self, type, scaled)

    def predict(self, newdata=None, re_form: str | None = None, allow_new_levels: bool = False,
                type: str = "link") -> pd.Series:  # noqa: A002
        """Predictions on the ``"link"`` (default, as lme4) or ``"response"`` scale."""
        from mixedmodels.glmm._predict import predict

        return predict(self, newdata, re_form, allow_new_levels, type)

    def simulate(self, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
        """Simulated responses (binomial: proportions of the trials) from the fitted model."""
        from mixedmodels.glmm._simulate import simulate

        return simulate(self, nsim, seed, re_form)

    def summary(self):
        """lme4's ``summary()`` of a glmerMod; print it for lme4's layout."""
        from mixedmodels.glmm._summary import GlmerSummary

        return GlmerSummary(self)

    # --- refitting --------------------------------------------------------
    def update(self, formula: str | None = None, data=None, **kwargs) -> "GlmerFit":
        """Refit with a new formula, data, family or nagq (lme4's ``update``)."""
        from mixedmodels.glmm._fit import glmer

        kwargs.setdefault("family", self.family)
        kwargs.setdefault("nagq", self.nagq)
        kwargs.setdefault("control", self.control)
        return glmer(formula or self.formula, self.data if data is None else data, **kwargs)

    def refit(self, newresp) -> "GlmerFit":
        """Refit the same model to a new response (lme4's ``refit``)."""
        from mixedmodels.glmm._fit import refit

        return refit(self, newresp)

    def __repr__(self) -> str:
        return f"<GlmerFit {self.formula!r} {self.family.label}({self.family.link.name}) nobs={self.nobs}>"
