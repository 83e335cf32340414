"""Covariance parameters of small trailing terms profiled out of the LMM deviance.

lme4 orders the random-effects terms by decreasing number of levels, so a
term with few levels (InstEval's 14 departments) comes last in the rest
block, just before ``X`` and ``y``.  Factor the rest in two parts: the
leading part (the large terms) costs a dense Cholesky factorization, while
the trailing part -- the small terms, ``X`` and ``y`` -- is a Schur
complement ``K`` of a few dozen rows, and the small terms' parameters only
scale ``K``'s rows and columns.  So, for given parameters of the large
terms, the deviance as a function of the small terms' parameters costs one
tiny factorization per evaluation, and its minimum over them is found to
high accuracy inside one evaluation of the large factor.  The optimizer
then searches only the large terms' parameters: InstEval's three become
two, and BOBYQA needs about 40 instead of about 105 large factorizations.
The optimum is that of the full deviance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import lapack

from mixedmodels.core._fit_theta import (
    ThetaSearch,
    optimize_theta,
    probe_zeros,
    snap_to_boundary,
)
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.core._scale import scale_columns, scale_rows

MAX_TRAILING_EFFECTS = 64  # random effects of the small terms together
MIN_LEADING = 700  # dense order of the large part from which its factorization (~2 ms) outweighs the inner search
_FAILED = float(np.finfo(float).max / 1e10)
MAX_KEPT_LEADING = 16  # large-term factors kept by SmallTermProfile.full_deviance


@dataclass
class _Leading:
    """The large terms' part factored at one value of their parameters."""

    logdet: float  # log det D + log |L_11|^2
    schur: np.ndarray  # K: the trailing block's Schur complement, small terms unscaled, no identity


class SmallTermProfile:
    """The deviance of a :class:`~mixedmodels.core.LinearMixedProblem`
    minimized over the parameters of its small trailing terms.

    Build with :meth:`for_problem`, which returns None when the model has
    no such terms or the large part is too small for the split to pay.

    Parameters
    ----------
    problem : LinearMixedProblem
        The model.
    first_small : int
        Index (among the problem's blocks) of the first small term; it and
        all later terms are profiled out.
    """

    def __init__(self, problem, first_small: int) -> None:
        self.problem = problem
        theta_map, factor = problem.theta_map, problem.factor
        self.first_small = first_small
        self.n_outer = int(theta_map.bounds[first_small])
        self.small_layout = factor.rest_layout[first_small - 1 :]
        self.split = self.small_layout[0][0]  # rows of the rest before the small terms
        self.n_small_re = factor.n_re_rest - self.split
        # (offset in the trailing block, levels, covariance structure, its slice of the inner theta)
        bounds = theta_map.bounds[first_small:] - self.n_outer
        self._inner_segments = [(offset - self.split, q, structure, a, b) for (offset, q, _), structure, a, b
                                in zip(self.small_layout, theta_map.structures[first_small:], bounds, bounds[1:])]
        self.inner_lower = theta_map.lower_bounds()[self.n_outer :]
        self.inner_theta = theta_map.initial()[self.n_outer :]
        self.inner_evals = 0
        self.inner_failures = 0  # inner searches that stopped early (not at their optimum)
        self.best = (np.inf, None, None)  # deviance, outer and inner theta of the best evaluation
        self._leading_at: dict[bytes, _Leading | None] = {}  # recent large-term factors, for full_deviance

    @classmethod
    def for_problem(cls, problem) -> SmallTermProfile | None:
        """The profile over the longest run of trailing terms with at most
        ``MAX_TRAILING_EFFECTS`` random effects together, if the terms before
        them leave a dense part of order ``MIN_LEADING`` or more."""
        factor, blocks = problem.factor, problem.blocks
        first_small, effects = len(blocks), 0
        for index in range(len(blocks) - 1, 1, -1):
            effects += blocks[index].size
            if effects > MAX_TRAILING_EFFECTS:
                break
            first_small = index
        if first_small == len(blocks):
            return None
        split = factor.rest_layout[first_small - 1][0]
        if split - (factor.cuts[-1] if factor.cuts else 0) < MIN_LEADING:
            return None
        return cls(problem, first_small)

    def full_theta(self, outer: np.ndarray, inner: np.ndarray | None = None) -> np.ndarray:
        """Theta of all terms from the large terms' part and the small terms' part
        (default: the small terms' optimum found at the last evaluation)."""
        return np.concatenate([outer, self.inner_theta if inner is None else inner])

    def leading(self, outer: np.ndarray) -> _Leading | None:
        """Factor the rest with the small terms unscaled (``Lambda = I``) at the
        large terms' ``outer``; None if that fails.  Its trailing block
        ``L_22 L_22'`` is ``K + I``."""
        lambdas = self.problem.theta_map.lambdas(self.full_theta(outer))[: self.first_small]
        lambdas += [np.eye(k) for _, _, k in self.small_layout]
        try:
            state = self.problem.factor.update(lambdas)
        except np.linalg.LinAlgError:
            return None
        tail = np.tril(state.rest.tail(self.split))
        schur = tail @ tail.T
        idx = np.arange(self.n_small_re)
        schur[idx, idx] -= 1.0
        logdet = state.logdet_d + 2.0 * float(np.sum(np.log(state.rest.diagonal()[: self.split])))
        return _Leading(logdet, schur)

    def inner_deviance(self, lead: _Leading, inner: np.ndarray, reml: bool) -> float:
        """The deviance at the large terms' factor ``lead`` and the small terms' ``inner``."""
        s = lead.schur.copy()
        segments = [(offset, q, structure.factor(inner[a:b]))
                    for offset, q, structure, a, b in self._inner_segments]
        scale_columns(s, segments)
        scale_rows(s, segments)
        idx = np.arange(self.n_small_re)
        s[idx, idx] += 1.0
        chol, info = lapack.dpotrf(s, lower=1, clean=0)
        if info != 0:
            return _FAILED
        diag = np.diagonal(chol)
        p = self.problem.p
        logdet_re = lead.logdet + 2.0 * float(np.sum(np.log(diag[: self.n_small_re])))
        logdet_rx = 2.0 * float(np.sum(np.log(diag[self.n_small_re : self.n_small_re + p])))
        return self.problem.deviance_from(logdet_re, logdet_rx, float(diag[-1] ** 2), reml)

    def full_deviance(self, theta: np.ndarray, reml: bool) -> float:
        """The deviance at all of ``theta`` (as the problem's own), through the
        large terms' factor at its first ``n_outer`` entries.  The last
        ``MAX_KEPT_LEADING`` such factors are kept, so that points differing
        only in the small terms' parameters (most of lme4's finite-difference
        points) cost no large factorization."""
        theta = np.asarray(theta, dtype=float)
        key = theta[: self.n_outer].tobytes()
        if key not in self._leading_at:
            if len(self._leading_at) >= MAX_KEPT_LEADING:
                del self._leading_at[next(iter(self._leading_at))]
            self._leading_at[key] = self.leading(theta[: self.n_outer])
        lead = self._leading_at[key]
        return _FAILED if lead is None else self.inner_deviance(lead, theta[self.n_outer :], reml)

    def deviance(self, outer: np.ndarray, reml: bool) -> float:
        """The deviance minimized over the small terms' parameters (their
        optimum is kept, and starts the next evaluation's search)."""
        lead = self.leading(np.asarray(outer, dtype=float))
        if lead is None:
            return _FAILED
        summary = OptSummary(
            "bobyqa", self.inner_theta.copy(), self.inner_lower, xtol_abs=1e-10, ftol_abs=0.0,
            xtol_rel=1e-10, ftol_rel=0.0, maxeval=2000,
            initial_step=np.maximum(0.1 * np.abs(self.inner_theta), 0.02),
        )
        summary = minimize(lambda inner: self.inner_deviance(lead, inner, reml), summary)
        self.inner_evals += summary.feval
        # rounding stops an exact small problem's search only at its optimum; other failures count
        self.inner_failures += summary.failed and summary.return_code != "ROUNDOFF_LIMITED"
        self.inner_theta = summary.final
        if summary.fmin < self.best[0]:
            self.best = (summary.fmin, np.array(outer, dtype=float), summary.final.copy())
        return summary.fmin


def takes_options(options: dict | None) -> bool:
    """Whether optimizer settings leave the split possible: per-parameter
    values (an ``initial_step`` array, ``upper`` bounds, ...) are meant for
    the joint search over all of theta."""
    return not any(key == "upper" or np.size(value) > 1 for key, value in (options or {}).items())


def optimize_profiled(profile: SmallTermProfile, devfun, initial: np.ndarray, lower: np.ndarray, reml: bool,
                      search: ThetaSearch) -> OptSummary:
    """lme4's ``optimizeLmer`` on the deviance profiled over the small terms
    (:func:`~mixedmodels.core._fit_theta.optimize_theta` on the large terms'
    parameters), reported for all of theta: ``initial``, ``lower`` and
    ``final`` are full theta (``final`` joins the best evaluation's two
    parts), ``fmin`` is the full deviance there (as the profile found it), and the boundary
    check and zero probe run on the full theta; ``feval`` and the settings are the outer
    search's, ``inner_feval`` counts the inner evaluations.  (``search.faces``
    and ``search.columns``, for vector terms, and ``search.scales`` are not used.)"""
    n = profile.n_outer
    profile.inner_theta = np.array(initial[n:], dtype=float)
    outer_search = replace(search, boundary_tol=0.0, zero_probe=0.0, faces=None, columns=None,
                           scales=None)
    summary = optimize_theta(lambda outer: profile.deviance(outer, reml), initial[:n], lower[:n], outer_search)
    _, outer, inner = profile.best
    if outer is None:
        raise FloatingPointError(
            f"the deviance could not be evaluated at any of the {summary.feval} points tried (e.g. "
            f"{initial.tolist()}): the factorization failed; check the data for degenerate weights or "
            "a response the fixed effects reproduce exactly."
        )
    summary.initial, summary.lower = np.asarray(initial, dtype=float), lower
    summary.final = profile.full_theta(outer, inner)
    summary.fmin = profile.best[0]  # the full deviance there, found through the large terms' factor
    summary.inner_feval = profile.inner_evals
    if profile.inner_failures:
        summary.messages.append(f"the search over the small terms' parameters stopped early (an evaluation "
                                f"or time limit, or a failure) in {profile.inner_failures} of {summary.feval} evaluations")
    if search.boundary_tol > 0:
        snap_to_boundary(devfun, summary, lower, search.boundary_tol)
    if search.zero_probe > 0:
        summary = probe_zeros(devfun, summary, lower, search)
    return summary
