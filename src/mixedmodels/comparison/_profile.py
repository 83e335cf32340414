"""Profile likelihood of a mixed model (lme4's ``profile.merMod``).

A profiler holds a deviance over the first ``npar1`` parameters (lme4's
``devfun2``); each of them is fixed in turn on a grid and the deviance
minimized over the others.  For a linear mixed model (refitted by maximum
likelihood, as lme4) these are the standard deviations, correlations and
sigma, with beta profiled out, and each fixed effect is fixed through an
offset with theta re-optimized.  For a GLMM (:mod:`._profile_glmm`) they
are all parameters, sd/cor and fixed effects, on the Laplace or AGQ
deviance.  The signed square root of the deviance increase is ``zeta``;
the grid steps outward (lme4's ``nextpar``) until ``|zeta|`` passes the
simultaneous cutoff ``sqrt(qchisq(1 - alphamax, npar))``.  Points where the
optimizer gave up are reported in one ConvergenceWarning per parameter
(their zeta is that of the best point seen).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mixedmodels._likelihood import LOG_2PI
from mixedmodels._warnings import ConvergenceWarning, signal
from mixedmodels.comparison._parameters import (
    fit_sdcor,
    parameter_indices,
    parameter_names,
    sdcor_to_theta,
)
from mixedmodels.core import LinearMixedProblem, OptSummary, minimize


def _bobyqa(fn, start, lower, upper=None) -> OptSummary:
    """BOBYQA with profiling's tight tolerances.

    If nlopt gives up (typically ROUNDOFF_LIMITED, which these tolerances
    provoke near the optimum) it is restarted once from the best point seen;
    the summary returned is the restart's, and its ``failed`` says whether
    the point is still unconverged.
    """
    opt = minimize(fn, _settings(start, lower, upper))
    return minimize(fn, _settings(opt.final, lower, upper)) if opt.failed else opt


def _settings(start, lower, upper) -> OptSummary:
    return OptSummary("bobyqa", np.asarray(start, float), np.asarray(lower, float), upper=upper,
                      xtol_abs=0.0, ftol_abs=1e-12, xtol_rel=1e-10, ftol_rel=0.0, maxeval=20_000)


@dataclass
class ProfilerBase:
    """A fit's deviance in lme4's profiling parameterization; subclasses set it up.

    Attributes
    ----------
    fit : LmerFit or GlmerFit
        The maximum-likelihood fit.
    base : float
        Deviance at the optimum.
    optimum : numpy.ndarray
        sd/cor parameters (then sigma for an LMM), then the fixed effects.
    names : list of str
        Their names (lme4's ``oldNames = FALSE`` style).
    nvp : int
        Number of variance parameters (sd/cor, and sigma for an LMM).
    npar1 : int
        Number of leading parameters :meth:`deviance` takes: the others are
        profiled out inside it (an LMM's fixed effects) or by offsets.
    lower, upper : numpy.ndarray
        Bounds of those ``npar1`` parameters.
    failures : list of tuple
        ``(parameter index, value, return code)`` of every profile point
        where the optimizer gave up.
    """

    fit: object
    base: float = field(init=False)
    optimum: np.ndarray = field(init=False)
    names: list[str] = field(init=False)
    nvp: int = field(init=False)
    npar1: int = field(init=False)
    lower: np.ndarray = field(init=False)
    upper: np.ndarray = field(init=False)
    failures: list[tuple[int, float, str]] = field(init=False, default_factory=list)

    def deviance(self, pars: np.ndarray) -> float:
        """Deviance at the first ``npar1`` parameters."""
        raise NotImplementedError

    def zeta_joint(self, w: int, x: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """zeta with parameter ``w`` (< ``npar1``) fixed at ``x``; also the others at the optimum."""
        keep = np.arange(self.npar1) != w

        def fn(others):
            pars = np.empty(self.npar1)
            pars[w], pars[keep] = x, others
            return self.deviance(pars)

        opt = self._record(w, x, _bobyqa(fn, start, self.lower[keep], self.upper[keep]))
        return self._zeta(x, self.optimum[w], opt.fmin), opt.final

    def zeta_fixed(self, j: int, b: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """zeta with fixed effect ``j`` held at ``b``, for profilers whose ``npar1`` excludes it."""
        raise NotImplementedError

    def _record(self, index: int, x: float, opt: OptSummary) -> OptSummary:
        if opt.failed:
            self.failures.append((index, float(x), opt.return_code))
        return opt

    def warn_failures(self, index: int, since: int = 0) -> None:
        """One ConvergenceWarning (at the fit's ``check_conv_grad`` level) listing the
        points of parameter ``index`` recorded after ``failures[since]`` that did not converge."""
        points = [(x, code) for i, x, code in self.failures[since:] if i == index]
        if not points:
            return
        listed = ", ".join(f"{x:.6g} ({code})" for x, code in points)
        signal(
            f"profile of {self.names[index]!r}: the optimizer did not converge at {len(points)} point(s): "
            f"{listed}; zeta there is from the best point seen, so the profile and intervals from it "
            "may be inaccurate",
            self.fit.control.check_conv_grad, ConvergenceWarning,
        )

    def _zeta(self, x: float, estimate: float, value: float) -> float:
        return float(np.sign(x - estimate) * np.sqrt(max(0.0, value - self.base)))


def make_profiler(fit) -> ProfilerBase:
    """The profiler for a fit: :class:`Profiler` (lmer) or :class:`GlmmProfiler` (glmer)."""
    if getattr(fit, "family", None) is not None:
        from mixedmodels.comparison._profile_glmm import GlmmProfiler

        return GlmmProfiler(fit)
    return Profiler(fit)


@dataclass
class Profiler(ProfilerBase):
    """The ML deviance of a linear mixed model over sd/cor and sigma (beta profiled out);
    the REML fit is refitted by ML.  Fixed effects are profiled through offsets."""

    def __post_init__(self) -> None:
        fit = self.fit
        if getattr(fit, "family", None) is not None:
            raise NotImplementedError("Profiler is for linear mixed models (lmer fits); use make_profiler(fit).")
        if fit.reml:
            self.fit = fit = fit.update(reml=False)
        self.base = float(fit.optsummary.fmin)
        varpar = fit_sdcor(fit)
        self.optimum = np.concatenate([varpar, fit.fixef.to_numpy()])
        self.names = parameter_names(fit) + list(fit.fixef.index)
        self.nvp = self.npar1 = varpar.size
        theta_lower = fit.problem.theta_map.lower_bounds()
        self.lower = np.concatenate([np.maximum(theta_lower, -1.0), [0.0]])
        self.upper = np.concatenate([np.where(theta_lower == 0, np.inf, 1.0), [np.inf]])
        self._y = fit.frame.response if fit.frame.offset is None else fit.frame.response - fit.frame.offset

    def deviance(self, pars: np.ndarray) -> float:
        """ML deviance at sd/cor parameters and sigma (``pars[-1]``), beta profiled out."""
        sigma = pars[-1]
        problem = self.fit.problem
        state = problem.update(sdcor_to_theta(self.fit, pars[:-1], sigma))
        n = problem.n
        return state.logdet_re - problem.log_weights + state.pwrss / sigma**2 + n * (LOG_2PI + np.log(sigma**2))

    def zeta_fixed(self, j: int, b: float, start: np.ndarray) -> tuple[float, np.ndarray]:
        """zeta with fixed effect ``j`` held at ``b`` (an offset); theta re-optimized."""
        fit = self.fit
        X = fit.frame.X
        problem = LinearMixedProblem(fit.problem.blocks, np.delete(X, j, axis=1), self._y - b * X[:, j], fit.frame.weights)
        opt = _bobyqa(lambda t: problem.deviance(t, reml=False), start, problem.theta_map.lower_bounds())
        self._record(self.nvp + j, b, opt)
        return self._zeta(b, self.optimum[self.nvp + j], opt.fmin), opt.final


def _next_value(xs, zs, delta, lower, upper, maxmult: float = 10.0, minstep: float = 1e-6) -> float:
    """lme4's ``nextpar``: a step aiming at a zeta change of ``delta``."""
    num, denom = xs[-1] - xs[-2], zs[-1] - zs[-2]
    if denom == 0 or not np.isfinite(denom):
        step = minstep
    else:
        step = delta * num / denom
        step = minstep if step < 0 else min(step, abs(maxmult * num))
    return float(min(upper, max(lower, xs[-1] + np.sign(num) * step)))


def _walk(zeta_at, xs, zs, starts, lower, upper, delta, cutoff, maxpts) -> tuple[list, list]:
    """Extend the two first points ``xs``/``zs`` outward until ``|zeta|`` passes the cutoff."""
    xs, zs, starts = list(xs), list(zs), list(starts)
    while len(xs) < maxpts and lower < xs[-1] < upper and abs(zs[-1]) <= cutoff:
        x = _next_value(xs, zs, delta, lower, upper)
        z, nxt = zeta_at(x, starts[-1])
        xs.append(x), zs.append(z), starts.append(nxt)
    return xs[2:], zs[2:]


def profile_parameter(profiler: ProfilerBase, index: int, alphamax: float = 0.01, maxpts: int = 100,
                      delta_cutoff: float = 1 / 8) -> pd.DataFrame:
    """Profile one parameter (position in ``profiler.names``): rows ``value, zeta``."""
    nptot = profiler.optimum.size
    since = len(profiler.failures)
    from scipy import stats  # here, not at the top: slow to import
    cutoff = float(np.sqrt(stats.chi2.ppf(1 - alphamax, nptot)))
    delta = cutoff * delta_cutoff
    estimate = profiler.optimum[index]
    if index < profiler.npar1:
        lower, upper = profiler.lower[index], profiler.upper[index]
        start = np.delete(profiler.optimum[: profiler.npar1], index)
        shift = 1e-3 if estimate == 0 else estimate * 1.01

        def zeta_at(x, s):
            return profiler.zeta_joint(index, x, s)
    else:
        j = index - profiler.nvp
        lower, upper = -np.inf, np.inf
        start = profiler.fit.optsummary.final
        se = float(np.sqrt(profiler.fit.vcov.iloc[j, j]))
        shift = estimate + delta * se

        def zeta_at(x, s):
            return profiler.zeta_fixed(j, x, s)

    z_shift, after_shift = zeta_at(shift, start)
    bounds = (lower, upper, delta, cutoff, maxpts)
    up = _walk(zeta_at, [estimate, shift], [0.0, z_shift], [start, after_shift], *bounds)
    down = _walk(zeta_at, [shift, estimate], [z_shift, 0.0], [after_shift, start], *bounds) if estimate > lower else ([], [])
    values = np.array([estimate, shift] + up[0] + down[0])
    zetas = np.array([0.0, z_shift] + up[1] + down[1])
    table = pd.DataFrame({"value": values, "zeta": zetas}).drop_duplicates("value").sort_values("value")
    profiler.warn_failures(index, since)
    return table.reset_index(drop=True)


def profile(fit, which=None, alphamax: float = 0.01, maxpts: int = 100, old_names: bool = False) -> pd.DataFrame:
    """Profile zeta table of a mixed model (lmer or glmer fit), as lme4's ``profile(fit)``.

    Parameters
    ----------
    which : list of str or int, optional
        Parameters to profile (names as :func:`parameter_names` or fixed-effect
        names, or positions); default all.
    alphamax : float
        Profiles extend to ``|zeta| = sqrt(qchisq(1 - alphamax, npar))``.
    maxpts : int
        Maximum points per direction.

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``parameter``, ``value``, ``zeta``.
    """
    profiler = make_profiler(fit)
    old = parameter_names(profiler.fit, True) + list(profiler.fit.fixef.index)
    names = old if old_names else profiler.names
    parts = []
    for index in parameter_indices(which, profiler.names, old):
        table = profile_parameter(profiler, index, alphamax, maxpts)
        table.insert(0, "parameter", names[index])
        parts.append(table)
    return pd.concat(parts, ignore_index=True)
