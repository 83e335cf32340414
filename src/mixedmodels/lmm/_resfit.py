"""The part of an ``lmer`` fit's API shared by fits whose residual
covariance has estimated parameters (nlme's variance and correlation
functions): inference that would hold those parameters fixed is not offered."""

from __future__ import annotations

from dataclasses import replace

from mixedmodels._control import Control
from mixedmodels.lmm._result import LmerFit

__all__ = ["ResidualStructureFit", "quiet"]


def quiet(control: Control) -> Control:
    """The control of the fits inside a search of the structure's parameters:
    no messages (the final fit gives them)."""
    return replace(control, check_singular="ignore", check_conv_grad="ignore", check_conv_hess="ignore",
                   check_scale_x="ignore", check_nlev_gtreq_5="ignore")


class ResidualStructureFit(LmerFit):
    """An ``lmer`` fit with estimated residual-covariance parameters.

    Profiles, the bootstrap, Satterthwaite and Kenward-Roger df (``coef_table``,
    ``anova``, ``contest``), ``ranova``, ``drop1``, ``all_fit``, R-squared,
    the ICC and the influence measures would treat those parameters as known
    (or the residuals as independent) in methods that have no such
    structures: they raise ``NotImplementedError``.  The fixed-effects table, Wald intervals,
    ``anova(ddf="lme4")`` and likelihood-ratio tests between fits are offered.
    """

    _weights_estimated = True  # update estimates the structure again (it is in the cross-products)
    _structure = "an estimated residual structure"
    """What the structure is called in the messages."""

    def _known(self, what: str):
        raise NotImplementedError(
            f"{what} of a fit with {self._structure} is not available: it would treat the structure's "
            "parameters as known (nlme's lme has no such method either). The fixed-effects table, "
            "anova(ddf='lme4'), likelihood-ratio tests between fits and Wald intervals are.")

    def refit(self, newresp):
        self._known("refit with a new response")

    def profile(self, *args, **kwargs):
        self._known("profile")

    def bootstrap(self, *args, **kwargs):
        self._known("bootstrap")

    def ranova(self, *args, **kwargs):
        self._known("ranova")

    def drop1(self, *args, **kwargs):
        self._known("drop1")

    def coef_table(self, ddf: str = "satterthwaite"):
        self._known(f"coef_table with {ddf} df")

    def anova(self, type: int | str = 3, ddf: str = "satterthwaite"):
        if str(ddf).lower() == "lme4":
            return super().anova(type, ddf)
        self._known(f"anova with {ddf} df")

    def confint(self, method: str = "profile", level: float = 0.95, parm=None, old_names: bool = False, **kwargs):
        if method != "wald":
            self._known(f"confint(method={method!r})")
        return super().confint(method, level, parm, old_names, **kwargs)

    def contest(self, L, ddf: str = "satterthwaite"):
        self._known(f"contest with {ddf} df")

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
