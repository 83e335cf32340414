"""The part of an ``lmer`` fit's API shared by fits whose residual
covariance has estimated parameters (nlme's variance and correlation
functions): inference that would hold those parameters fixed is not offered."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from mixedmodels._control import Control
from mixedmodels.lmm._result import LmerFit

__all__ = ["ProfiledTheta", "ResidualStructureFit", "quiet"]


class ProfiledTheta:
    """The (RE)ML criterion of a problem with theta profiled out: each call
    searches theta (no checks) on the problem it is handed -- the model at a
    residual structure's parameters -- from ``start``, then from the last
    call's optimum, and keeps theta at the lowest criterion seen
    (:attr:`best_theta`) for the final fit."""

    def __init__(self, reml: bool, control: Control, start: np.ndarray | None = None):
        self.reml, self.control = reml, quiet(control)
        self.last = self.best_theta = start
        self.best = np.inf

    def best_theta_in(self, unit: float) -> np.ndarray | None:
        """Theta at the lowest criterion seen, times ``unit`` (None before any)."""
        return None if self.best_theta is None else np.asarray(self.best_theta, dtype=float) * unit

    def __call__(self, problem) -> float:
        from mixedmodels.lmm._fit import search_theta

        opt = search_theta(problem, partial(problem.deviance, reml=self.reml), self.reml, self.control, self.last)[0]
        self.last = opt.final
        if opt.fmin < self.best:
            self.best, self.best_theta = opt.fmin, opt.final
        return opt.fmin


def quiet(control: Control) -> Control:
    """The control of the fits inside a search of the structure's parameters:
    no messages (the final fit gives them)."""
    return replace(control, check_singular="ignore", check_conv_grad="ignore", check_conv_hess="ignore",
                   check_scale_x="ignore", check_nlev_gtreq_5="ignore")


class ResidualStructureFit(LmerFit):
    """An ``lmer`` fit with estimated residual-covariance parameters.

    Profiles, the bootstrap, Satterthwaite and Kenward-Roger df (``coef_table``,
    ``anova``, ``contest``), ``ranova`` of one term, ``all_fit``, R-squared, the ICC and
    the influence measures would treat those parameters as known (or the
    residuals as independent) in methods that have no such structures: they
    raise ``NotImplementedError``.  The fixed-effects table, Wald intervals,
    asymptotic (Wald) tests, ``anova(ddf="lme4")``, likelihood-ratio tests
    between fits, ``drop1(test="Chisq")`` and ``ranova`` with several terms
    (whose refits estimate the structure again) are offered.
    """

    _weights_estimated = True  # update estimates the structure again (it is in the cross-products)
    _structure = "an estimated residual structure"
    """What the structure is called in the messages."""
    var_function = var_ident = var_ident_by = var_delta = None
    """Any variance function, and its estimates: varIdent's ratios or varPower's / varExp's parameter."""
    _structure_lines: tuple[str, ...] = ()
    """nlme's blocks of the structure in the summary."""
    _structure_nparams = 0
    """The structure's parameters, counted by logLik's df as nlme counts them."""
    _theta_unit = 1.0
    """Theta at nlme's variance multipliers over theta at multipliers of
    geometric mean 1 (:meth:`~mixedmodels.lmm._varfunc.RowSD.theta_factor`):
    lme4's singular check reads theta in the latter units, which do not
    depend on the variance covariate's units."""

    @property
    def npar(self) -> int:
        """Parameters counted by logLik's df, the structure's included (nlme's)."""
        return super().npar + self._structure_nparams

    def residual_structure_lines(self) -> list[str]:
        """nlme's blocks of the structure in the summary."""
        return list(self._structure_lines)

    @property
    def is_singular(self) -> bool:
        """lme4's ``isSingular``, theta read relative to the residuals' typical SD."""
        return self.problem.theta_map.is_singular(self.optsummary.final / self._theta_unit, self.control.singular_tol)

    def _known(self, what: str):
        raise NotImplementedError(
            f"{what} of a fit with {self._structure} is not available: it would treat the structure's "
            "parameters as known (nlme's lme has no such method either). The fixed-effects table, "
            "ddf='asymptotic' tests, anova(ddf='lme4'), likelihood-ratio tests between fits "
            "(mm.anova, drop1) and Wald intervals are.")

    def refit(self, newresp):
        self._known("refit with a new response")

    def profile(self, *args, **kwargs):
        self._known("profile")

    def bootstrap(self, *args, **kwargs):
        self._known("bootstrap")

    def ranova(self):
        """lmerTest's ``ranova``: every reduced model refitted with the
        structure estimated again.  With one random-effects term its reduced
        model has none (nlme's ``gls``, not available)."""
        if len(self.frame.re_terms) < 2:
            self._known("ranova of a model with one random-effects term (its reduced model has none)")
        return super().ranova()

    def coef_table(self, ddf: str = "satterthwaite"):
        return super().coef_table(self._asymptotic_only(ddf, "coef_table"))

    def anova(self, type: int | str = 3, ddf: str = "satterthwaite"):
        if str(ddf).lower() == "lme4":
            return super().anova(type, ddf)
        return super().anova(type, self._asymptotic_only(ddf, "anova"))

    def contest(self, L, ddf: str = "satterthwaite"):
        return super().contest(L, self._asymptotic_only(ddf, "contest"))

    def _asymptotic_only(self, ddf: str, what: str) -> str:
        """``ddf`` when it names the asymptotic (Wald, no df) tests; the others need df
        that would hold the structure fixed."""
        from mixedmodels.inference._contest import ddf_method

        if ddf_method(ddf) != "asymptotic":
            self._known(f"{what} with {ddf} df")
        return ddf

    def confint(self, method: str = "profile", level: float = 0.95, parm=None, old_names: bool = False, **kwargs):
        if method != "wald":
            self._known(f"confint(method={method!r})")
        return super().confint(method, level, parm, old_names, **kwargs)

    def all_fit(self, optimizers=None):
        self._known("all_fit")

    def hatvalues(self):
        self._known("hatvalues")

    def cooks_distance(self):
        self._known("cooks_distance")

    def predict_interval(self, *args, **kwargs):
        self._known("predict_interval")

    def r2(self):
        self._known("r2 (one residual variance)")

    def icc(self):
        self._known("icc (one residual variance)")
