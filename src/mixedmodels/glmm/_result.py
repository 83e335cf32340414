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

LMM_ONLY_DDF = ("Satterthwaite/Kenward-Roger df are for linear mixed models; use coef_table(ddf='asymptotic') "
                "(Wald z tests) or mm.anova(m0, m1) for a likelihood-ratio test")


def check_asymptotic(ddf: str | None) -> str:
    """``"asymptotic"`` if ``ddf`` names it (or is None); else the error saying what to use."""
    from mixedmodels.inference._contest import ddf_method

    if ddf is not None and ddf_method(ddf) != "asymptotic":
        raise ValueError(f"{LMM_ONLY_DDF}; got ddf={ddf!r}.")
    return "asymptotic"


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

    def _condvar_inputs(self):
        """The joint PIRLS system refactored at the weights of the final modes
        (later PIRLS runs, e.g. for a profile, reuse its cross-products).

        The system is shared with the problem: the state returned is valid
        only until the next PIRLS run on it, so it is read at once.
        """
        from mixedmodels.glmm._fit import _full_factor

        state, _ = _full_factor(self.problem, self.pirls)
        return self.problem.full, state

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

    def residuals(self, type: str = "deviance", scaled: bool = False) -> pd.Series:
        """``"deviance"`` (default), ``"pearson"``, ``"response"`` or ``"working"`` residuals."""
        from mixedmodels.glmm._predict import residuals

        return residuals(self, type, scaled)

    def predict(self, newdata=None, re_form: str | None = None, allow_new_levels: bool = False,
                type: str = "link") -> pd.Series:
        """Predictions on the ``"link"`` (default, as lme4) or ``"response"`` scale."""
        from mixedmodels.glmm._predict import predict

        return predict(self, newdata, re_form, allow_new_levels, type)

    def simulate(self, nsim: int = 1, seed=None, re_form: str | None = "~0") -> pd.DataFrame:
        """Simulated responses (binomial: proportions of the trials) from the fitted model."""
        from mixedmodels.glmm._simulate import simulate

        return simulate(self, nsim, seed, re_form)

    def summary(self, ddf: str | None = None):
        """lme4's ``summary()`` of a glmerMod (Wald z tests); print it for lme4's layout.

        ``ddf`` may only be ``None`` or ``"asymptotic"``: denominator df are
        for linear mixed models.
        """
        from mixedmodels.glmm._summary import GlmerSummary

        check_asymptotic(ddf)
        return GlmerSummary(self)

    # --- tests of the fixed effects: Wald z, or likelihood ratios ---------
    def coef_table(self, ddf: str = "asymptotic") -> pd.DataFrame:
        """Wald z test of every fixed effect (the summary's table): columns
        ``estimate``, ``std_error``, ``df`` (inf), ``statistic``, ``p_value``."""
        from mixedmodels.inference import coef_table

        return coef_table(self, check_asymptotic(ddf))

    def contest(self, L, ddf: str = "asymptotic") -> pd.DataFrame:
        """Wald test of ``L beta = 0``: z test for one row of ``L``, chi-square
        (F with infinite denominator df) for several."""
        from mixedmodels.inference import contest

        return contest(self, L, check_asymptotic(ddf))

    def anova(self, type: int | str = 3, ddf: str = "satterthwaite") -> pd.DataFrame:
        """Not for GLMMs: lmerTest's F tests per term need a linear mixed model."""
        raise NotImplementedError(
            "anova(type=...) gives lmerTest's F tests, which are for linear mixed models; for a glmer fit "
            "compare nested fits with mm.anova(m0, m1) (likelihood ratio), fit.drop1() for every term, "
            "or fit.contest(L) for a Wald test."
        )

    def ranova(self) -> pd.DataFrame:
        """Not for GLMMs: lmerTest's ``ranova`` refits linear mixed models."""
        raise NotImplementedError(
            "ranova() is lmerTest's test for linear mixed models; for a glmer fit refit without the "
            "random-effects term (fit.update(formula=...)) and compare with mm.anova(m0, m1)."
        )

    def drop1(self, test: str = "Chisq", **kwargs) -> pd.DataFrame:
        """Likelihood-ratio tests of dropping each fixed term (lme4's ``drop1(fit, test = "Chisq")``)."""
        if test != "Chisq":
            raise ValueError(f"drop1 of a glmer fit has likelihood-ratio tests only (test='Chisq'); got test={test!r}. "
                             f"{LMM_ONLY_DDF}.")
        return super().drop1(test)

    @property
    def _varpar_covariance(self):
        raise NotImplementedError(f"{LMM_ONLY_DDF}.")

    @property
    def _kenward_roger(self):
        raise NotImplementedError(f"{LMM_ONLY_DDF}.")

    def hatvalues(self) -> pd.Series:
        """Not implemented for GLMMs (lme4 itself warns that "the hat matrix may
        not make sense for GLMMs")."""
        raise NotImplementedError("hatvalues and cooks_distance are implemented for lmer fits; for a GLMM "
                                  "lme4 warns that the hat matrix may not make sense")

    def cooks_distance(self) -> pd.Series:
        """Not implemented for GLMMs (see :meth:`hatvalues`)."""
        return self.hatvalues()

    # --- refitting --------------------------------------------------------
    def update(self, formula: str | None = None, data=None, reml: bool | None = None, **kwargs) -> GlmerFit:
        """Refit with a new formula, data, family, nagq or control (lme4's ``update``);
        the formula may use R's dots, ``". ~ . + x"`` (:mod:`mixedmodels.formula._update`).

        ``reml`` exists for the :class:`LmerFit` signature: a GLMM is fitted by
        maximum likelihood only, so ``reml=True`` is an error.
        """
        from mixedmodels.formula._update import update_formula
        from mixedmodels.glmm._fit import glmer

        if reml:
            raise ValueError("glmer fits are maximum likelihood only: REML is defined for linear mixed "
                             "models (lmer); drop reml=True.")
        formula = update_formula(self.formula, formula) if formula else self.formula
        data = self.data if data is None else data
        nb_arguments = getattr(self, "nb_arguments", None)  # set by glmer_nb, whose theta is estimated again
        if nb_arguments is not None and "family" not in kwargs:
            from mixedmodels.glmm._nb import glmer_nb

            return glmer_nb(formula, data, **{**self.frame.arguments, **nb_arguments, "nagq": self.nagq,
                                               "control": self.control, **kwargs})
        kwargs = {**self.frame.arguments, "family": self.family, "nagq": self.nagq, "control": self.control,
                  **kwargs}  # the fit's weights, offset, na_action, contrasts too
        return glmer(formula, data, **kwargs)

    def refit(self, newresp) -> GlmerFit:
        """Refit the same model to a new response (lme4's ``refit``); a
        constant new response raises :class:`~mixedmodels.FormulaError`, as
        ``glmer`` does (lme4's ``refit`` does not test it)."""
        from mixedmodels.glmm._fit import refit

        return refit(self, newresp)

    def __repr__(self) -> str:
        return f"<GlmerFit {self.formula!r} {self.family.label}({self.family.link.name}) nobs={self.nobs}>"
