"""The fitted linear mixed model and its lme4-named accessors."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mixedmodels._control import Control
from mixedmodels._likelihood import LikelihoodModel
from mixedmodels.core import FactorState, LinearMixedProblem, LmmSolution, OptSummary
from mixedmodels.formula import ModelFrame

if TYPE_CHECKING:
    from mixedmodels.core import CovarianceStructure
    from mixedmodels.lmm._summary import Summary


class LmerFit(LikelihoodModel):
    """A fitted linear mixed-effects model (lme4's ``lmerMod``).

    ``formula``, ``aic`` and ``bic`` come from :class:`~mixedmodels._likelihood.LikelihoodModel`.

    Attributes
    ----------
    frame : ModelFrame
        Response, fixed-effects matrix and random-effects terms used.
    data : object
        The data given to ``lmer`` (a reference, used by ``update``).
    problem : LinearMixedProblem
        The cross-products and deviance function (stage 2 of the pipeline).
    reml : bool
        Whether the REML criterion was optimized.
    optsummary : OptSummary
        Optimizer settings, path length, outcome and check messages.
    """

    _weights_estimated = False
    """Whether the cross-products hold estimated residual-covariance parameters
    (:class:`~mixedmodels.lmm._resfit.ResidualStructureFit`): ``update`` then fits afresh."""

    def __init__(
        self,
        frame: ModelFrame,
        problem: LinearMixedProblem,
        reml: bool,
        optsummary: OptSummary,
        state: FactorState,
        solution: LmmSolution,
        control: Control,
        data_name: str = "data",
        data=None,
    ) -> None:
        self.frame, self.problem, self.reml = frame, problem, reml
        self.optsummary, self._state, self._solution = optsummary, state, solution
        self.control, self.data_name, self.data = control, data_name, data

    # --- parameters -------------------------------------------------------
    @property
    def fixef(self) -> pd.Series:
        """Fixed-effects estimates, lme4's coefficient names."""
        return pd.Series(self._solution.beta, index=self.frame.fixef_names, name="fixef")

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the fixed-effects estimates."""
        names = self.frame.fixef_names
        return pd.DataFrame(self.sigma**2 * self._solution.vcov_unscaled, index=names, columns=names)

    @property
    def sigma(self) -> float:
        """Residual standard deviation."""
        return self._solution.sigma

    @property
    def theta(self) -> pd.Series:
        """Relative covariance parameters, lme4's order and names."""
        labels = []
        for term in self.frame.re_terms:
            cov = term_covariance(self, term)
            labels += [f"{term.group}.{lab}" for lab in cov.param_labels(term.effect_names)]
        return pd.Series(self.optsummary.final, index=labels, name="theta")

    @property
    def is_singular(self) -> bool:
        """lme4's ``isSingular``: a variance or diagonal of lambda near zero."""
        return self.problem.theta_map.is_singular(self.optsummary.final, self.control.singular_tol)

    # --- likelihood -------------------------------------------------------
    @property
    def nobs(self) -> int:
        """Number of observations used."""
        return self.problem.n

    @property
    def ngroups(self) -> dict[str, int]:
        """Number of levels of each grouping factor."""
        return dict(self.frame.ngroups)

    @property
    def npar(self) -> int:
        """Parameters counted by logLik's df: fixed effects, theta, sigma."""
        return self.problem.p + self.problem.theta_map.size + 1

    @property
    def reml_criterion(self) -> float | None:
        """The REML criterion at the optimum (None for ML fits)."""
        return self.optsummary.fmin if self.reml else None

    @property
    def deviance(self) -> float:
        """-2 log-likelihood; for REML fits the ML deviance at the REML estimates
        (lme4's ``deviance(fit, REML = FALSE)``)."""
        if self.reml:
            return float(self.problem.deviance(self.optsummary.final, reml=False))
        return float(self.optsummary.fmin)

    @property
    def loglik(self) -> float:
        """Log-likelihood (the REML log-likelihood for REML fits, as lme4)."""
        return -0.5 * self.optsummary.fmin

    @property
    def df_residual(self) -> int:
        """Residual degrees of freedom, ``nobs - npar``."""
        return self.nobs - self.npar

    # --- random effects, fitted values: see the modules named -------------
    @cached_property
    def varcorr(self) -> pd.DataFrame:
        """Variance components, the rows of R's ``as.data.frame(VarCorr(fit))``."""
        from mixedmodels.lmm._varcorr import varcorr_frame

        return varcorr_frame(self)

    @cached_property
    def ranef(self) -> dict[str, pd.DataFrame]:
        """Conditional modes per grouping factor (levels x effects)."""
        from mixedmodels.lmm._ranef import ranef_frames

        return ranef_frames(self)

    def _condvar_inputs(self):
        """The system (blocks and factor) and factor state condVar reads."""
        return self.problem, self._state

    @cached_property
    def ranef_condvar(self) -> dict[str, list[tuple[list[str], np.ndarray]]]:
        """Conditional covariances of the modes (lme4's ``condVar``).

        Per grouping factor, one ``(effect names, array (nlevels, k, k))``
        per random-effects term on that factor.
        """
        from mixedmodels.lmm._ranef import condvar_blocks

        return condvar_blocks(self)

    @property
    def coef(self) -> dict[str, pd.DataFrame]:
        """Fixed plus random effects per level (lme4's ``coef``)."""
        from mixedmodels.lmm._ranef import coef_frames

        return coef_frames(self)

    def hatvalues(self) -> pd.Series:
        """Leverages, the diagonal of the hat matrix (lme4's ``hatvalues``;
        :mod:`mixedmodels.lmm._influence`)."""
        from mixedmodels.lmm._influence import hatvalues

        return hatvalues(self)

    def cooks_distance(self) -> pd.Series:
        """Cook's distances (lme4's ``cooks.distance``; :mod:`mixedmodels.lmm._influence`)."""
        from mixedmodels.lmm._influence import cooks_distance

        return cooks_distance(self)

    def model_matrix(self, type: str = "fixed"):
        """The model matrices: ``"fixed"``, lme4's ``model.matrix(fit)`` (a
        DataFrame over the rows used); ``"random"``, ``getME(fit, "Z")`` (a
        ``scipy.sparse`` CSC matrix in lme4's column order, term by term, levels
        within a term, effects within a level) with its column names, as a pair."""
        from mixedmodels.lmm._matrices import fixed_matrix, random_matrix

        if type == "fixed":
            return fixed_matrix(self)
        if type == "random":
            return random_matrix(self)
        raise ValueError(f"type must be 'fixed' or 'random'; got {type!r}")

    def fitted(self) -> pd.Series:
        """Fitted values including the random effects (conditional)."""
        from mixedmodels.lmm._predict import linear_predictor

        return pd.Series(linear_predictor(self), index=self.frame.row_labels, name="fitted")

    def residuals(self, type: str = "response", scaled: bool = False) -> pd.Series:
        """Residuals: ``"response"``/``"working"`` (y - fitted) or ``"pearson"``/``"deviance"``
        (times sqrt(weights)), as lme4; ``scaled=True`` divides by sigma."""
        from mixedmodels.lmm._predict import residuals

        return residuals(self, type, scaled)

    def predict(self, newdata=None, re_form: str | None = None, allow_new_levels: bool = False) -> pd.Series:
        """Predictions; see :func:`mixedmodels.lmm._predict.predict`."""
        from mixedmodels.lmm._predict import predict

        return predict(self, newdata, re_form, allow_new_levels)

    def simulate(self, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
        """Simulated responses, new random effects by default (lme4's ``re.form = NA``);
        see :func:`mixedmodels.lmm._simulate.simulate`."""
        from mixedmodels.lmm._simulate import simulate

        return simulate(self, nsim, seed, re_form)

    def draw_residuals(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of the residuals at the estimates (for :meth:`simulate`)."""
        from mixedmodels.lmm._simulate import independent_residuals

        return independent_residuals(self, rng)

    def summary(self, ddf: str | None = None) -> Summary:
        """lme4's ``summary()``; print it for lme4's layout.  With ``ddf``
        (``"satterthwaite"`` or ``"kenward-roger"``) lmerTest's layout: t tests
        with denominator df and p-values."""
        from mixedmodels.lmm._summary import Summary

        return Summary(self, ddf)

    def tidy(self, effects: str = "fixed", conf_level: float = 0.95) -> pd.DataFrame:
        """broom.mixed-style table of ``"fixed"`` effects or variance ``"ran_pars"``."""
        from mixedmodels.lmm._tidy import tidy

        return tidy(self, effects, conf_level)

    def update(self, formula: str | None = None, data=None, reml: bool | None = None, **kwargs) -> LmerFit:
        """Refit with a new formula, data or REML setting (lme4's ``update``); the
        formula may use R's dots, ``". ~ . - Days"`` (:mod:`mixedmodels.formula._update`).

        Without a new formula or data only the criterion changes, and the
        cross-products already formed are reused (unless they hold
        estimated weights, :attr:`_weights_estimated`).
        """
        from mixedmodels.formula._update import update_formula
        from mixedmodels.lmm._fit import fit_problem, lmer

        reml = self.reml if reml is None else reml
        if formula is None and data is None and not kwargs and not self._weights_estimated:
            return fit_problem(self.frame, self.problem, reml, self.control, None, self.data_name, self.data)
        data = self.data if data is None else data
        formula = update_formula(self.formula, formula) if formula else self.formula
        kwargs = {**self.frame.arguments, "control": self.control, **kwargs}  # the fit's weights, offset, na_action, contrasts
        return lmer(formula, data, reml, **kwargs)

    def refit(self, newresp) -> LmerFit:
        """Refit the same model to a new response vector (lme4's ``refit``)."""
        from mixedmodels.lmm._fit import fit_problem, problem_with_response

        problem = problem_with_response(self.frame, self.problem, newresp)
        frame = replace(self.frame, response=np.asarray(newresp, dtype=float).ravel())
        return fit_problem(frame, problem, self.reml, self.control, None, self.data_name, self.data)

    # --- comparison and inference: see mixedmodels.comparison -------------
    def r2(self) -> pd.Series:
        """Nakagawa's marginal and conditional R-squared (performance::r2_nakagawa)."""
        from mixedmodels.comparison._r2 import r2_nakagawa

        return r2_nakagawa(self)

    def all_fit(self, optimizers: list[str] | None = None) -> pd.DataFrame:
        """The model refitted with every optimizer, side by side (lme4's ``allFit``;
        see :func:`mixedmodels.comparison._allfit.all_fit`)."""
        from mixedmodels.comparison._allfit import all_fit

        return all_fit(self, optimizers)

    def icc(self) -> pd.Series:
        """Adjusted and unadjusted intra-class correlation (performance::icc)."""
        from mixedmodels.comparison._r2 import icc

        return icc(self)

    def ranova(self) -> pd.DataFrame:
        """Likelihood-ratio tests for removing each random-effects term (lmerTest's ``ranova``)."""
        from mixedmodels.comparison._ranova import ranova

        return ranova(self)

    def drop1(self, test: str = "Chisq", **kwargs) -> pd.DataFrame:
        """Single-term deletions of the fixed part: ``"Chisq"`` likelihood-ratio tests
        (lme4's ``drop1``) or ``"F"`` (lmerTest's, via :meth:`anova` when available)."""
        from mixedmodels.comparison._ranova import drop1

        return drop1(self, test, **kwargs)

    def bootstrap(self, nsim: int = 1000, statistic=None, seed=None, n_jobs: int = 1, progress: bool = True):
        """Parametric bootstrap (lme4's ``bootMer``); see :func:`mixedmodels.comparison.bootstrap`."""
        from mixedmodels.comparison._bootstrap import bootstrap

        return bootstrap(self, nsim, statistic, seed, n_jobs, progress)

    def confint(self, method: str = "profile", level: float = 0.95, parm=None, old_names: bool = False, **kwargs) -> pd.DataFrame:
        """Confidence intervals: ``"wald"``, ``"profile"`` or ``"boot"`` (lme4's ``confint.merMod``)."""
        from mixedmodels.comparison._confint import confint

        return confint(self, method, level, parm, old_names, **kwargs)

    def profile(self, **kwargs) -> pd.DataFrame:
        """Profile zeta table for every parameter (lme4's ``profile.merMod``)."""
        from mixedmodels.comparison._profile import profile

        return profile(self, **kwargs)

    def predict_interval(self, newdata=None, level: float = 0.95, nsim: int = 1000,
                         include_residual: bool = True, seed=None) -> pd.DataFrame:
        """Simulation prediction intervals (merTools' ``predictInterval``)."""
        from mixedmodels.comparison._predict_interval import predict_interval

        return predict_interval(self, newdata, level, nsim, include_residual, seed)

    # --- denominator df and F tests: see mixedmodels.inference ---------------
    def coef_table(self, ddf: str = "satterthwaite") -> pd.DataFrame:
        """Fixed effects with t tests: ``ddf`` is ``"satterthwaite"`` (lmerTest),
        ``"kenward-roger"`` (pbkrtest; adjusted standard errors, REML fits only)
        or ``"asymptotic"`` (normal, df = inf)."""
        from mixedmodels.inference import coef_table

        return coef_table(self, ddf)

    def anova(self, type: int | str = 3, ddf: str = "satterthwaite") -> pd.DataFrame:
        """F test per fixed-effects term, lmerTest's ``anova`` (type 3, 2 or 1)."""
        from mixedmodels.inference import anova_table

        return anova_table(self, type, ddf)

    def contest(self, L, ddf: str = "satterthwaite") -> pd.DataFrame:
        """Test of a custom contrast: one row of ``L`` gives a t test, several an F test."""
        from mixedmodels.inference import contest

        return contest(self, L, ddf)

    @cached_property
    def _varpar_covariance(self):
        from mixedmodels.inference import varpar_covariance

        return varpar_covariance(self)

    @cached_property
    def _kenward_roger(self):
        from mixedmodels.inference import kenward_roger

        return kenward_roger(self)

    def __repr__(self) -> str:
        return f"<LmerFit {self.formula!r} {'REML' if self.reml else 'ML'} nobs={self.nobs}>"

    def __str__(self) -> str:
        return str(self.summary())


def term_covariance(fit: LmerFit, term) -> CovarianceStructure:
    """Covariance structure of a formula term (same position in the problem)."""
    index = fit.frame.re_terms.index(term)
    return fit.problem.blocks[index].covariance
