"""lme4's two optimizer stages for a GLMM.

Stage 1 optimizes theta alone, with the fixed effects found by PIRLS
together with the modes (this is the whole fit for ``nagq=0``).  Stage 2
optimizes theta and beta jointly on the Laplace or AGQ deviance, starting
from stage 1.  For the optimizer beta is expressed in whitened coordinates
``beta = beta_1 + R_X^-T delta`` (``R_X`` from the stage-1 factor), so every
coordinate starts on the scale of its standard error; the optimum is the
same point, reported in the natural parameters.
"""

from __future__ import annotations

import numpy as np

from mixedmodels.core._fit_theta import optimize_theta
from mixedmodels.core._glmm import GeneralizedMixedProblem
from mixedmodels.core._logscale import log_scale_applies
from mixedmodels.core._optimize import OptSummary
from mixedmodels.core._pirls import PIRLS_FAILURES
from mixedmodels.glmm._control import GlmerControl


def stage1(problem: GeneralizedMixedProblem, theta0: np.ndarray, control: GlmerControl,
           final: bool = True) -> OptSummary:
    """Optimize theta with beta inside PIRLS (lme4's ``nAGQ = 0`` stage).

    When stage 2 follows (``final=False``) the optimum only seeds it: looser
    tolerances (``control.stage1_ftol_abs`` for the optimizer,
    ``control.stage1_pirls_tol`` for PIRLS) save work; the modes at the
    optimum are then found to the full PIRLS tolerance.  When it is the
    whole fit (``nagq=0``) the search stops on the absolute tolerances
    only, as lme4's does (``xtol_rel = 0`` unless set).
    """
    lower = problem.theta_map.lower_bounds()
    options = dict(control.optimizer_options)
    tol = problem.tol
    if not final:
        options.setdefault("ftol_abs", control.stage1_ftol_abs)
        tol = max(tol, control.stage1_pirls_tol)
    else:
        # lme4's nAGQ = 0 fit is minqa's bobyqa, which stops at a trust radius of 2e-7
        # (rhoend), far below nlopt's default x tolerance (1e-4 relative): a Poisson (x | g)
        # fit of tools/lme4_diff ended 1.3e-3 standard errors off lme4's fixed effects; 1e-4 after
        options.setdefault("xtol_rel", 0.0)
    search = control.theta_search(options=options, scales=search_scales(problem, control),
                                  faces=problem.theta_map.faces,
                                  columns=problem.theta_map.columns())
    with problem.pirls_tolerance(tol):
        opt = optimize_theta(problem.deviance, theta0, lower, search)
    problem.stage1_eta = modes_at(problem, opt.final).eta.copy()
    return opt


def search_scales(problem: GeneralizedMixedProblem, control: GlmerControl) -> np.ndarray | None:
    """What theta is searched multiplied by (:mod:`mixedmodels.core._thetascale`), or None."""
    return problem.theta_scales if control.rescale_theta else None


def modes_at(problem: GeneralizedMixedProblem, theta: np.ndarray):
    """The modes (beta free) at ``theta``, the stage-1 optimum or where a
    restarted stage 2 starts (stage 2 whitens beta with their factor, and lme4's
    Hessian starts from them): warm from the last evaluation, else afresh
    from R's ``mustart`` (a PIRLS failure there too is raised)."""
    try:
        return problem.modes(theta)
    except PIRLS_FAILURES:
        problem.restart()
        return problem.modes(theta)


STAGE2_STEP = 0.25
"""Scale of stage 2's first steps (1.0: a quarter of theta, one standard error of
beta; the default: a quarter of those). The stage-1 estimates are close to the
Laplace optimum (beta typically within a fraction of a standard error), so
BOBYQA starts with a small trust region, which it widens if it must (the glmer
references' stage-2 evaluations 660 -> 531, 40 simulated GLMMs' 1,585 ->
1,366, every log-likelihood within 1e-6 of the wider start's. Not everywhere:
the 20,000-row Poisson model with an observation-level effect takes 65 -> 101
(presumably its stage-1 theta is further off); steps of 0.5 fall in between on
both counts, and smaller steps for beta alone cost more.)"""


def stage2(problem: GeneralizedMixedProblem, theta1: np.ndarray, beta1: np.ndarray,
           nagq: int, control: GlmerControl, step: float = STAGE2_STEP) -> OptSummary:
    """Optimize (theta, beta) jointly from the stage-1 estimates.

    The optimizer's first steps are ``step`` times a quarter of each theta
    (at least 0.05; in the search's units when theta is rescaled,
    :mod:`mixedmodels.core._thetascale`) and ``step`` standard errors of
    beta; an all-diagonal theta is searched on the log scale
    (:mod:`mixedmodels.core._logscale`, the steps converted there), the
    whitened beta linearly.
    """
    ntheta = theta1.size
    unwhiten = problem.last.state.r_x_inverse(problem.p).T  # R_X^-T of the last (joint) PIRLS factor
    options = dict(control.optimizer_options)
    theta_lower = problem.theta_map.lower_bounds()
    log_scale = control.theta_scale == "log" and log_scale_applies(theta_lower, options)

    def objective(x: np.ndarray) -> float:
        return problem.deviance(x[:ntheta], beta1 + unwhiten @ x[ntheta:], nagq)

    lower = np.concatenate([theta_lower, np.full(problem.p, -np.inf)])
    initial = np.concatenate([theta1, np.zeros(problem.p)])
    scales = search_scales(problem, control)
    unit = 1.0 if scales is None else scales
    theta_steps = np.maximum(0.25 * np.abs(theta1 * unit), 0.05) / unit
    options.setdefault("initial_step", step * np.concatenate([theta_steps, np.full(problem.p, 1.0)]))
    mask = np.arange(initial.size) < ntheta if log_scale else False

    def faces(x: np.ndarray) -> list[tuple[np.ndarray, int]]:  # theta's, with beta as it is
        return [(np.concatenate([t, x[ntheta:]]), z) for t, z in problem.theta_map.faces(x[:ntheta])]

    search = control.theta_search(method=control.stage2_optimizer or control.optimizer, options=options,
                                  log_scale=mask, scales=scales, faces=faces,
                                  columns=problem.theta_map.columns())  # theta leads: the same indices
    opt = optimize_theta(objective, initial, lower, search)
    if log_scale:
        opt.scale += ", whitened beta"
    opt.initial = np.concatenate([theta1, beta1])
    opt.final = np.concatenate([opt.final[:ntheta], beta1 + unwhiten @ opt.final[ntheta:]])
    return opt


def restage(problem: GeneralizedMixedProblem, params: np.ndarray, nagq: int,
            control: GlmerControl) -> OptSummary:
    """lme4's ``refit``: only the last stage, from the parameters of an earlier fit.

    Used when the response's family changes a little (``glmer_nb``'s search
    over the NB size): the earlier optimum is close, so the search starts
    there with ``step = 0.1`` (a tenth of a quarter of theta and of a
    standard error; a fit's own stage 2 takes :data:`STAGE2_STEP`).
    """
    ntheta = problem.theta_map.size
    theta, beta = params[:ntheta], params[ntheta:]
    if nagq == 0:
        return stage1(problem, theta, control)
    problem.reset(beta=beta)
    problem.stage1_eta = problem.modes(theta).eta.copy()
    return stage2(problem, theta, beta, nagq, control, step=0.1)
