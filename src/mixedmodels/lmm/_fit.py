"""``lmer``: the staged pipeline frame -> deviance function -> optimize -> check -> result."""

from __future__ import annotations

from functools import partial

import numpy as np

from mixedmodels._checks import (
    check_few_levels,
    check_optimizer_code,
    check_scale_x,
    convergence_derivatives,
    convergence_messages,
)
from mixedmodels._control import Control, control_of
from mixedmodels._restart import may_restart, restart_while_unconverged
from mixedmodels._threads import blas_threads_for
from mixedmodels.core import LinearMixedProblem, RandomEffectsBlock, solve
from mixedmodels.core._factor import FactorState
from mixedmodels.core._fit_theta import optimize_theta
from mixedmodels.core._optimize import OptSummary
from mixedmodels.core._smallterms import (
    SmallTermProfile,
    optimize_profiled,
    takes_options,
)
from mixedmodels.formula import FormulaError, ModelFrame, build_model_frame
from mixedmodels.formula._response import check_not_constant
from mixedmodels.lmm._corar1 import CorAR1, fit_cor_ar1
from mixedmodels.lmm._result import LmerFit
from mixedmodels.lmm._varfunc import VARIANCE_FUNCTIONS, fit_variance_function


def lmer(
    formula: str,
    data,
    reml: bool = True,
    *,
    weights=None,
    offset=None,
    na_action: str = "omit",
    contrasts: dict | None = None,
    control: Control | None = None,
    start: np.ndarray | None = None,
    correlation: CorAR1 | None = None,
) -> LmerFit:
    """Fit a linear mixed-effects model, as lme4's ``lmer``.

    Parameters
    ----------
    formula : str
        lme4 formula, e.g. ``"Reaction ~ Days + (Days | Subject)"``.
    data : pandas.DataFrame, dict of arrays or polars.DataFrame
        The data; factor level order of categorical columns sets the baselines.
    reml : bool, default True
        REML (default) or maximum likelihood.
    weights, offset : str or array-like, optional
        Prior weights and an offset (column name or values); or
        ``weights=mm.VarIdent("g")``, nlme's ``varIdent(form = ~ 1 | g)``: a
        residual standard deviation per level of ``g``, estimated
        (:mod:`mixedmodels.lmm._varident`; the fit is a :class:`VarIdentFit`);
        or ``mm.VarPower("v")`` / ``mm.VarExp("v")``, nlme's ``varPower`` /
        ``varExp`` of a covariate (:mod:`mixedmodels.lmm._varfunc`; a
        :class:`VarFunctionFit`). Any of the three combines with ``correlation``.
    na_action : {"omit", "raise"}
        Drop rows with missing values in used variables, or raise.
    contrasts : dict, optional
        Contrasts of fixed-effects factors, R's ``contrasts`` argument, e.g.
        ``{"f": "contr.sum"}`` (a name: ``contr.treatment``, ``contr.sum``,
        ``contr.helmert``, ``contr.poly``, ``contr.SAS``; or a matrix with one
        row per level). Default: treatment contrasts (ordered factors: polynomial).
    control : Control, optional
        Optimizer settings and check levels.
    start : array-like, optional
        Starting theta (default: lme4's, 1 on diagonals and 0 elsewhere;
        when theta is searched in its columns' units, ``Control.rescale_theta``,
        that in those units: 1 over the column's root mean square).
    correlation : CorAR1 or CorCAR1, optional
        Residuals correlated within groups, nlme's ``correlation`` argument:
        ``mm.CorAR1("time", "group")`` is ``corAR1(form = ~ time | group)``,
        ``mm.CorCAR1(...)`` ``corCAR1`` (continuous times)
        (:mod:`mixedmodels.lmm._corar1`; the fit is a :class:`CorAR1Fit`).

    Returns
    -------
    LmerFit
    """
    control = control_of(control)
    if correlation is not None:
        if not isinstance(correlation, CorAR1):
            raise TypeError(f"correlation must be mm.CorAR1(time, by) or mm.CorCAR1(time, by) (nlme's corAR1, "
                            f"corCAR1); got {correlation!r}")
        return fit_cor_ar1(formula, data, reml, correlation, control, start, weights=weights, offset=offset,
                           na_action=na_action, contrasts=contrasts)
    if isinstance(weights, VARIANCE_FUNCTIONS):
        return fit_variance_function(formula, data, reml, weights, control, start, offset=offset,
                                     na_action=na_action, contrasts=contrasts)
    frame = lmer_frame(formula, data, weights=weights, offset=offset, na_action=na_action, contrasts=contrasts)
    problem = lmer_problem(frame)
    return fit_problem(frame, problem, reml, control, start, _data_name(data), data)


def _check_reml(reml) -> None:
    """``reml`` must be a bool (a string such as ``"ML"`` would pass as true)."""
    if not isinstance(reml, (bool, np.bool_)):
        raise TypeError(f"reml must be True (REML) or False (maximum likelihood); got {reml!r}")


def lmer_frame(formula: str, data, **kwargs) -> ModelFrame:
    """Stage 1: the model frame (response, X, random-effects terms) of an lmer fit."""
    frame = build_model_frame(formula, data, **kwargs)
    if not frame.re_terms:
        raise FormulaError(
            f"Formula {formula!r} contains no random-effects terms such as (1 | group); "
            "this isn't a mixed model. Use mixedmodels.lm for a linear model."
        )
    if frame.response.ndim != 1:
        raise FormulaError(
            f"The response {frame.response_name!r} has two columns; cbind(successes, failures) "
            "is for binomial models: use mixedmodels.glmer(..., family='binomial')."
        )
    check_not_constant(frame.response, frame.response_name)
    if frame.weights is not None and np.any(frame.weights == 0):
        zero = int(np.sum(frame.weights == 0))
        raise FormulaError(
            f"weights are 0 in {zero} row{'s' if zero > 1 else ''}; lmer needs positive weights. "
            "Drop those rows from the data (they carry no information)."
        )
    return frame


def lmer_problem(frame: ModelFrame, response: np.ndarray | None = None) -> LinearMixedProblem:
    """Stage 2: cross-products and the deviance function of theta."""
    blocks = [RandomEffectsBlock(t.codes, t.nlevels, t.Z) for t in frame.re_terms]
    return LinearMixedProblem(blocks, frame.X, offset_response(frame, response), frame.weights)


def offset_response(frame: ModelFrame, response: np.ndarray | None = None) -> np.ndarray:
    """The response (the frame's, or ``response``) less any offset."""
    y = frame.response if response is None else response
    return y if frame.offset is None else y - frame.offset


def problem_with_response(frame: ModelFrame, problem: LinearMixedProblem, newresp) -> LinearMixedProblem:
    """The same model with a new response vector (for ``refit`` and simulation)."""
    y = np.asarray(newresp, dtype=float).ravel()
    if y.shape != (problem.n,):
        raise ValueError(f"newresp must have {problem.n} values (one per observation used); got {y.size}.")
    return problem.with_response(y if frame.offset is None else y - frame.offset)


def fit_problem(
    frame: ModelFrame,
    problem: LinearMixedProblem,
    reml: bool,
    control: Control,
    start: np.ndarray | None = None,
    data_name: str = "data",
    data=None,
) -> LmerFit:
    """Stages 3-5: optimize theta, run lme4's checks, build the result."""
    _check_reml(reml)
    messages = check_scale_x(frame.X, frame.fixef_names, control.check_scale_x)
    messages += check_few_levels(frame.ngroups, control.check_nlev_gtreq_5)
    theta_map = problem.theta_map
    lower = theta_map.lower_bounds()
    best = _BestFactor()

    def devfun(theta: np.ndarray) -> float:
        return best.keep(theta, *problem.deviance_and_state(theta, reml))

    with blas_threads_for(problem.factor.dense_order()):
        opt, profile, search = search_theta(problem, devfun, reml, control, start)
        # the derivative checks difference the same deviance (in the searched units: a step of
        # 1e-4 in theta's would be a tenth of a slope's theta of 1e-3); through the profile,
        # steps in the small terms' parameters reuse the large terms' factor
        check_fun = devfun if profile is None else partial(profile.full_deviance, reml=reml)
        unit = 1.0 if search.scales is None else search.scales
        restarts = profile is None and may_restart(opt, search, control)
        # a vector term's correlations can leave a ridge the search stops on: its restart reads
        # the derivatives above lme4's limit on observations too (an evaluation's cost does not
        # grow with them), though lme4 (>= 1.1-38) takes no checks and gives no warnings there
        nobs_for_checks = 0 if restarts and np.any(np.isneginf(lower)) else problem.n

        def derivatives_at(summary: OptSummary):
            """Whether the optimum of ``summary`` is singular; lme4's derivatives
            there (or None).  A singular fit gets no derivative checks (as in
            lme4), but when it may restart, the derivatives over the parameters
            off their bounds, which must vanish at a boundary optimum too
            (:func:`_free_derivatives`; read by the restart only)."""
            fmin = summary.fmin if profile is None else None  # None: differenced at the centre too, if at all
            singular = theta_map.is_singular(summary.final, control.singular_tol)
            fun, phi = (lambda p: check_fun(p / unit)), summary.final * unit
            if singular and profile is None and may_restart(summary, search, control):
                return singular, _free_derivatives(fun, phi, fmin, lower, summary.final > lower, nobs_for_checks,
                                                   control)
            return singular, convergence_derivatives(fun, phi, fmin, lower, singular, nobs_for_checks, control)

        singular, derivs = derivatives_at(opt)
        if restarts:
            run = partial(optimize_theta, devfun, lower=lower)
            opt, singular, derivs = restart_while_unconverged(opt, singular, derivs, derivatives_at, run, search,
                                                              control)
        messages += check_optimizer_code(opt, control)
        lme4_checks = problem.n < control.check_conv_nobsmax
        messages += convergence_messages(derivs if lme4_checks else None, singular, control)
    opt.messages.extend(messages)
    state = best.at(opt.final) or problem.update(opt.final)
    solution = solve(problem, state, reml)
    return LmerFit(frame, problem, reml, opt, state, solution, control, data_name, data)


def search_theta(problem: LinearMixedProblem, devfun, reml: bool, control: Control, start: np.ndarray | None = None):
    """Stage 3's search of theta alone (no checks, no restarts): its summary,
    the small terms' profile it went through (or None) and the search's settings."""
    profile, search, initial = _search_setup(problem, control, start)
    lower = problem.theta_map.lower_bounds()
    if profile is None:
        return optimize_theta(devfun, initial, lower, search), profile, search
    return optimize_profiled(profile, devfun, initial, lower, reml, search), profile, search


def _free_derivatives(fun, x: np.ndarray, fmin: float | None, lower: np.ndarray, free: np.ndarray,
                      nobs: float, control: Control):
    """lme4's derivatives of ``fun`` at ``x`` over the parameters ``free`` (the
    others held on their bounds), or None where lme4 would take none."""
    idx = np.flatnonzero(free)
    if idx.size == 0:
        return None

    def reduced(z: np.ndarray) -> float:
        full = x.copy()
        full[idx] = z
        return fun(full)

    return convergence_derivatives(reduced, x[idx], fmin, lower[idx], False, nobs, control)


def _search_setup(problem: LinearMixedProblem, control: Control, start):
    """The small terms' profile (or None), how theta is searched
    (:class:`~mixedmodels.core._fit_theta.ThetaSearch`; rescaled only
    without a profile, whose terms are large) and the starting theta:
    lme4's, in the scaled units when theta is rescaled, or the user's ``start``."""
    theta_map = problem.theta_map
    split = control.profile_small_terms and takes_options(control.optimizer_options)
    profile = SmallTermProfile.for_problem(problem) if split else None
    scales = problem.theta_scales if control.rescale_theta and profile is None else None
    search = control.theta_search(scales=scales, faces=theta_map.faces,
                                  columns=theta_map.columns())
    if start is not None:
        return profile, search, _checked_start(start, theta_map)
    return profile, search, theta_map.initial() / (1.0 if scales is None else scales)


class _BestFactor:
    """The factor at the lowest deviance seen, so that the one at the optimum
    (usually the best point the optimizer saw) is not formed a second time
    (one of InstEval's ~30 dense factorizations).  Factors are never
    modified after they are made, so keeping one is safe."""

    def __init__(self) -> None:
        self.theta: np.ndarray | None = None
        self.value, self.state = np.inf, None

    def keep(self, theta: np.ndarray, value: float, state: FactorState | None) -> float:
        """Remember ``state`` if ``value`` is the lowest so far; return ``value``."""
        if state is not None and value < self.value:
            self.theta, self.value, self.state = np.array(theta, dtype=float), value, state
        return value

    def at(self, theta: np.ndarray) -> FactorState | None:
        """The kept factor if it was formed at exactly ``theta``, else None."""
        return self.state if self.theta is not None and np.array_equal(self.theta, theta) else None


def _checked_start(start, theta_map) -> np.ndarray:
    """A user-supplied starting theta of the right length within the bounds."""
    start = np.asarray(start, dtype=float).ravel()
    if start.size != theta_map.size:
        raise ValueError(
            f"start has {start.size} values but the model has {theta_map.size} covariance "
            "parameters (theta, in lme4's order; see fit.theta of a fitted model)."
        )
    low = theta_map.lower_bounds()
    if np.any(start < low):
        raise ValueError(f"start {start.tolist()} is below the lower bounds {low.tolist()} (diagonal entries must be >= 0).")
    return start


def _data_name(data) -> str:
    name = getattr(data, "attrs", {}).get("name") if hasattr(data, "attrs") else None
    return name or "data"
