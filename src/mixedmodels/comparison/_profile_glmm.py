"""The deviance a GLMM is profiled on (lme4's ``devfun2`` for a glmerMod).

lme4 profiles a GLMM on its final-stage objective, the Laplace (or AGQ)
deviance over theta and beta, reparameterized to the random effects'
standard deviations and correlations followed by the fixed effects.  Every
parameter, fixed effects included, is fixed in turn and all the others are
re-optimized (no offsets: beta is not profiled out of a GLMM deviance).
There is no sigma; like lme4, families with a dispersion parameter and
``nagq=0`` fits (whose objective has no beta) are not profiled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mixedmodels.comparison._parameters import (
    fit_sdcor,
    parameter_names,
    sdcor_to_theta,
)
from mixedmodels.comparison._profile import ProfilerBase


@dataclass
class GlmmProfiler(ProfilerBase):
    """Laplace / AGQ deviance of a glmer fit over (sd/cor, fixed effects).

    The deviance is evaluated on a copy of the fit's problem (PIRLS keeps
    its modes between evaluations), so the fit itself is left as it was.
    """

    def __post_init__(self) -> None:
        fit = self.fit
        _check_profilable(fit)
        from mixedmodels.glmm._fit import glmer_problem

        self.problem = glmer_problem(fit.frame, fit.family, replace(fit.control, check_counts="ignore"))
        self.problem.reset(u=fit.pirls.u, beta=fit.fixef.to_numpy(), lambdas=fit.pirls.state.lambdas)
        self.base = float(fit.optsummary.fmin)
        sdcor = fit_sdcor(fit)
        self.optimum = np.concatenate([sdcor, fit.fixef.to_numpy()])
        self.names = parameter_names(fit) + list(fit.fixef.index)
        self.nvp, self.npar1 = sdcor.size, self.optimum.size
        theta_lower = fit.problem.theta_map.lower_bounds()
        p = fit.fixef.size
        self.lower = np.concatenate([np.maximum(theta_lower, -1.0), np.full(p, -np.inf)])
        self.upper = np.concatenate([np.where(theta_lower == 0, np.inf, 1.0), np.full(p, np.inf)])

    def deviance(self, pars: np.ndarray) -> float:
        """Laplace (AGQ for ``nagq > 1``) deviance at sd/cor parameters then fixed effects."""
        theta = sdcor_to_theta(self.fit, pars[: self.nvp], 1.0)
        return self.problem.deviance(theta, pars[self.nvp :], self.fit.nagq)


def _check_profilable(fit) -> None:
    if fit.family.has_scale:
        raise NotImplementedError(
            f"Profiling a {fit.family.label} GLMM is not implemented: its dispersion parameter would have to be "
            "profiled too (lme4: \"can't (yet) profile GLMMs with non-fixed scale parameters\"). "
            "Use confint(method='wald') or method='boot'."
        )
    if fit.nagq == 0:
        raise NotImplementedError(
            "Profiling a nagq=0 fit is not implemented: its objective has theta only (beta comes from PIRLS), "
            "and lme4 cannot profile it either. Refit with nagq=1 (fit.update(nagq=1)) to profile the "
            "Laplace deviance, or use confint(method='wald')."
        )
