"""``glmer``: frame -> problem -> stage 1 (theta) -> stage 2 (theta, beta) -> checks -> result."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from mixedmodels._checks import (
    check_few_levels,
    check_optimizer_code,
    check_scale_x,
    convergence_messages,
)
from mixedmodels._control import control_of
from mixedmodels._restart import may_restart, restart_while_unconverged
from mixedmodels._threads import blas_threads_for
from mixedmodels.core import LmmSolution, RandomEffectsBlock, solve
from mixedmodels.core._agq import check_agq
from mixedmodels.core._glmm import GeneralizedMixedProblem
from mixedmodels.core._pirls import PIRLS_FAILURES
from mixedmodels.core._thetascale import column_rms
from mixedmodels.families import Binomial, Family, get_family
from mixedmodels.formula import FormulaError, ModelFrame, build_model_frame
from mixedmodels.formula._response import check_not_constant, response_column
from mixedmodels.glmm._checks import (
    check_pirls,
    fixed_effects_vcov,
    glmm_derivatives,
    restarted_hessian,
)
from mixedmodels.glmm._control import GlmerControl
from mixedmodels.glmm._diagnostics import check_fitted_extremes, check_separation
from mixedmodels.glmm._response import glm_response
from mixedmodels.glmm._result import GlmerFit
from mixedmodels.glmm._stages import modes_at, restage, search_scales, stage1, stage2
from mixedmodels.lmm._fit import _data_name


def glmer(
    formula: str,
    data,
    family: str | Family = "binomial",
    nagq: int = 1,
    *,
    weights=None,
    offset=None,
    na_action: str = "omit",
    contrasts: dict | None = None,
    control: GlmerControl | None = None,
    start: dict | np.ndarray | None = None,
) -> GlmerFit:
    """Fit a generalized linear mixed-effects model, as lme4's ``glmer``.

    Parameters
    ----------
    formula : str
        lme4 formula, e.g. ``"cbind(incidence, size - incidence) ~ period + (1 | herd)"``.
    data : pandas.DataFrame, dict of arrays or polars.DataFrame
        The data.
    family : str or Family, default "binomial"
        ``"binomial"``, ``"poisson"``, ``"Gamma"``, ``"inverse_gaussian"``,
        ``"gaussian"`` or an instance from :mod:`mixedmodels.families`
        (e.g. ``families.Binomial("probit")``).
    nagq : int, default 1
        1: Laplace approximation; 0: fixed effects inside PIRLS (one stage);
        > 1: adaptive Gauss-Hermite quadrature with that many nodes (one
        scalar random-effects term only).
    weights, offset : str or array-like, optional
        Prior weights (binomial: number of trials of a proportion) and offset.
    na_action : {"omit", "raise"}
        Drop rows with missing values in used variables, or raise.
    contrasts : dict, optional
        Contrasts of fixed-effects factors, R's ``contrasts`` argument, e.g.
        ``{"f": "contr.sum"}`` (a name: ``contr.treatment``, ``contr.sum``,
        ``contr.helmert``, ``contr.poly``, ``contr.SAS``; or a matrix with one
        row per level). Default: treatment contrasts (ordered factors: polynomial).
    control : GlmerControl, optional
        Optimizer settings, PIRLS tolerance and check levels.
    start : dict or array-like, optional
        Starting theta, or ``{"theta": ..., "fixef": ...}`` (default theta:
        lme4's, in its columns' units when ``GlmerControl.rescale_theta`` applies).

    Returns
    -------
    GlmerFit
    """
    control = control_of(control, GlmerControl)
    fam = get_family(family)
    frame = glmer_frame(formula, data, weights=weights, offset=offset, na_action=na_action, contrasts=contrasts)
    problem = glmer_problem(frame, fam, control)
    return fit_glmer(frame, problem, nagq, control, start, _data_name(data), data)


def glmer_frame(formula: str, data, **kwargs) -> ModelFrame:
    """Stage 1: the model frame (glmer allows a grouping factor with n levels)."""
    frame = build_model_frame(formula, data, allow_n_levels=True, **kwargs)
    if not frame.re_terms:
        raise FormulaError(
            f"Formula {formula!r} contains no random-effects terms such as (1 | group); "
            "this isn't a mixed model. Use mixedmodels.glm for a generalized linear model."
        )
    return frame


def glmer_problem(frame: ModelFrame, family: Family, control: GlmerControl | None = None) -> GeneralizedMixedProblem:
    """Stage 2: response, reweightable cross-products and the deviance function."""
    control = control or GlmerControl()
    blocks = [RandomEffectsBlock(t.codes, t.nlevels, t.Z) for t in frame.re_terms]
    response = glm_response(frame, family, control.check_counts)
    # lme4's "Response is constant" (any family), on the rows with positive weights (lme4 tests all
    # rows: a zero-weight row or zero trials let a constant response through to a failed factorization)
    as_what = " as a proportion of the trials" if isinstance(family, Binomial) else ""
    check_not_constant(response.y[response.weights > 0], frame.response_name, as_what,
                       " (lme4: 'Response is constant')")
    return GeneralizedMixedProblem(blocks, frame.X, response, control.pirls_tol, control.pirls_maxit)


def fit_glmer(frame: ModelFrame, problem: GeneralizedMixedProblem, nagq: int, control: GlmerControl,
              start=None, data_name: str = "data", data=None) -> GlmerFit:
    """Stages 3-5: optimize, run lme4's checks, build the result."""
    nagq = _check_nagq(nagq, problem)
    messages = _data_checks(frame, problem, control)
    theta0, beta0 = _start(start, problem, search_scales(problem, control))
    if beta0 is not None:
        problem.reset(beta=beta0)
    with blas_threads_for(problem.full.factor.dense_order()):
        opt = stage1(problem, theta0, control, final=nagq == 0)
        if nagq > 0:
            opt = stage2(problem, opt.final, problem.beta.copy(), nagq, control)
        return finish(frame, problem, nagq, opt, control, messages, data_name, data)


def refit_last_stage(frame: ModelFrame, problem: GeneralizedMixedProblem, nagq: int, control: GlmerControl,
                     params: np.ndarray, data_name: str = "data", data=None) -> GlmerFit:
    """lme4's ``refit``: the last optimizer stage only, from ``params`` (theta, then beta)
    of an earlier fit of the same model, then the checks and the result."""
    nagq = _check_nagq(nagq, problem)
    messages = _data_checks(frame, problem, control)
    with blas_threads_for(problem.full.factor.dense_order()):
        opt = restage(problem, np.asarray(params, dtype=float), nagq, control)
        return finish(frame, problem, nagq, opt, control, messages, data_name, data)


def _data_checks(frame: ModelFrame, problem: GeneralizedMixedProblem, control: GlmerControl) -> list[str]:
    """Scale of X, levels per grouping factor, separation."""
    messages = check_scale_x(frame.X, frame.fixef_names, control.check_scale_x)
    messages += check_few_levels(frame.ngroups, control.check_nlev_gtreq_5)
    return messages + check_separation(problem, frame.fixef_names, control.check_separation)


def finish(frame, problem, nagq, opt, control, messages, data_name, data) -> GlmerFit:
    """Checks at the optimum (restarting stage 2 while they fail, see
    :func:`_checked_stage2`; the optimizer's return code is read after that),
    fixed-effects covariance, the final state and the result."""
    ntheta = problem.theta_map.size
    # in a rescaled fit (:mod:`mixedmodels.core._thetascale`) the derivatives are taken with theta
    # in the searched units and beta in units of X's columns (a slope on x in the thousands: a
    # step of 1e-4 in beta is most of it), and the Hessian converted back for beta's covariance
    unit = _derivative_units(problem, control, opt.final.size)
    if nagq > 0:
        opt, singular, derivs = _checked_stage2(problem, nagq, opt, control, unit)
        theta, beta = opt.final[:ntheta], opt.final[ntheta:]
        hess = None if derivs is None else unit[:, None] * derivs[1] * unit[None, :]  # H_natural = D H_phi D
        result = problem.modes(theta, beta)
    else:
        # lme4 computes no derivatives for nAGQ = 0: only the singular-fit message
        theta = opt.final
        singular = problem.theta_map.is_singular(theta, control.singular_tol)
        derivs = glmm_derivatives(lambda phi: problem.deviance(phi / unit), theta * unit,
                                  opt.lower, singular, np.inf, control)
        hess, result = None, problem.modes(theta)
        beta = result.beta
    messages += check_optimizer_code(opt, control)
    messages += convergence_messages(derivs, singular, control) + check_pirls(result, control)
    if not any("separation:" in m for m in messages):  # else the separation message says it
        messages += check_fitted_extremes(problem, result.eta, control.check_separation)
    state, vcov_rx = _full_factor(problem, result)
    sigma = _sigma(problem, result)
    vcov, found = fixed_effects_vcov(hess, ntheta, sigma**2 * vcov_rx, control)
    messages += found
    b = [ui @ lam.T for ui, lam in zip(result.u, state.lambdas)]
    solution = LmmSolution(beta, result.u, b, sigma, result.pdev, vcov / sigma**2)
    opt.messages.extend(messages)
    return GlmerFit(frame, problem, nagq, opt, state, solution, control, data_name, data, result)


def _checked_stage2(problem: GeneralizedMixedProblem, nagq: int, opt, control: GlmerControl, unit: np.ndarray):
    """lme4's derivatives at the stage-2 optimum and, while they fail its
    checks, stage 2 restarted from there (``control.restart_unconverged``,
    as in lmer, with first steps in the searched units; not from a singular
    optimum, which lme4 does not check: its derivatives, taken for the
    covariance of beta, need not vanish on the bound): the optimum, whether
    it is singular, and the derivatives there.  A restart that is not kept
    leaves the problem's stored modes where it ended; the final modes are
    found afresh at the optimum."""
    ntheta = problem.theta_map.size

    def derivatives_at(summary):
        singular = problem.theta_map.is_singular(summary.final[:ntheta], control.singular_tol)

        def devfun(phi):  # a failed PIRLS: NaN, as in lme4's Hessian (a huge value would pass for a number)
            params = phi / unit
            return problem.deviance(params[:ntheta], params[ntheta:], nagq, failed=np.nan)

        # lme4's Hessian for the checks and vcov; None: the checks difference devfun for it too
        lme4_hessian = (lambda: restarted_hessian(problem, summary.final * unit, nagq, unit)) \
            if _lme4_hessian(control, problem) else None
        # the converged Hessian differences devfun twice: PIRLS to below its noise there
        tol = problem.tol if lme4_hessian else min(problem.tol, control.derivative_pirls_tol)
        with problem.pirls_tolerance(tol):
            return singular, glmm_derivatives(devfun, summary.final * unit, summary.lower, singular,
                                              problem.n, control, lme4_hessian)

    def run(start, search):
        problem.reset(beta=start[ntheta:])
        modes_at(problem, start[:ntheta])  # a joint PIRLS there: stage 2 whitens beta with its R_X
        restart_control = replace(control, optimizer_options=search.options, zero_probe=search.zero_probe)
        return stage2(problem, start[:ntheta], start[ntheta:], nagq, restart_control)

    singular, derivs = derivatives_at(opt)
    search = control.theta_search(method=control.stage2_optimizer or control.optimizer,
                                  scales=search_scales(problem, control))
    if may_restart(opt, search, control):
        try:
            opt, singular, derivs = restart_while_unconverged(opt, singular, derivs, derivatives_at, run, search,
                                                              control, singular_restarts=False)
        except PIRLS_FAILURES:  # at a restart's start, from the last modes and from R's mustart
            opt.messages.append("convergence checks failed; restarting stage 2 failed in PIRLS: not restarted")
    return opt, singular, derivs


def _derivative_units(problem: GeneralizedMixedProblem, control: GlmerControl, size: int) -> np.ndarray:
    """What (theta, beta) are multiplied by for the derivative checks: 1, or
    in a rescaled fit theta's search scales and the root mean squares of X's columns."""
    unit = np.ones(size)
    scales = search_scales(problem, control)
    if scales is not None:
        ntheta = scales.size
        unit[:ntheta] = scales
        if size > ntheta:
            unit[ntheta:] = column_rms(problem.X)
    return unit


def _lme4_hessian(control: GlmerControl, problem: GeneralizedMixedProblem) -> bool:
    """Whether the covariance of beta comes from lme4's stage-2 deviance
    function (:class:`GlmerControl`'s ``vcov_hessian``; ``"auto"``: with
    the family's natural link)."""
    if control.vcov_hessian == "auto":
        return problem.response.family.has_natural_link
    return control.vcov_hessian == "lme4"


def _full_factor(problem: GeneralizedMixedProblem, result):
    """Factor with X at the final weights: condVar and the R_X-based covariance of beta."""
    w, z = problem.response.working(result.eta)
    problem.full.factor.reweight(problem.full.cross.compute(w, z))
    state = problem.full.factor.update(result.state.lambdas)
    return state, solve(problem.full, state, reml=False).vcov_unscaled


def _sigma(problem: GeneralizedMixedProblem, result) -> float:
    """1 without a dispersion parameter; else lme4's ``sqrt(pwrss / n)``."""
    resp = problem.response
    if not resp.family.has_scale:
        return 1.0
    mu = resp.mu(result.eta)
    wrss = float(np.sum(resp.weights * (resp.y - mu) ** 2 / resp.family.variance(mu)))
    return float(np.sqrt((wrss + result.ussq) / problem.n))


def _check_nagq(nagq, problem) -> int:
    if not isinstance(nagq, (int, np.integer)) or nagq < 0:
        raise ValueError(f"nagq must be a non-negative integer; got nagq={nagq!r}.")
    if nagq > 1:
        check_agq(problem)
    return int(nagq)


def _start(start, problem, scales: np.ndarray | None):
    """Starting theta and beta (None: R's mustart): the user's, else lme4's
    theta, in the search's units when theta is rescaled."""
    initial = problem.theta_map.initial() / (1.0 if scales is None else scales)
    if start is None:
        return initial, None
    if isinstance(start, dict):
        theta = start.get("theta")
        theta = initial if theta is None else np.asarray(theta, dtype=float)
        beta = start.get("fixef")
        return theta, None if beta is None else np.asarray(beta, dtype=float)
    return np.asarray(start, dtype=float), None


def refit(fit: GlmerFit, newresp) -> GlmerFit:
    """The same model fitted to a new response (lme4's ``refit``), from the start.

    ``newresp`` is given as the response was, or, for a
    ``cbind(successes, failures)`` response, as proportions of the same
    trials (what :meth:`GlmerFit.simulate` draws), as lme4 takes it.
    """
    frame = replace(fit.frame, response=new_response(fit.frame, newresp))
    problem = glmer_problem(frame, fit.family, replace(fit.control, check_counts="ignore"))  # said at the fit
    return fit_glmer(frame, problem, fit.nagq, fit.control, None, fit.data_name, fit.data)


def new_response(frame: ModelFrame, newresp) -> np.ndarray:
    """``newresp`` in the layout of the frame's response (proportions become cbind counts)."""
    old = frame.response
    values = np.asarray(newresp)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim == 1:
        y = response_column(values, "newresp")
        if old.ndim == 2 and y.shape == old.shape[:1]:
            trials = old.sum(axis=1)
            y = np.column_stack([y * trials, (1.0 - y) * trials])
    else:
        y = values.astype(float)
    if y.shape != old.shape:
        wanted = f"{old.shape} or proportions of the trials, shape {old.shape[:1]}" if old.ndim == 2 else f"{old.shape}"
        raise ValueError(f"newresp must have shape {wanted} (the response used); got {values.shape}.")
    return y
