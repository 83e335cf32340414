"""nlme's ``corAR1``: residuals correlated as an AR(1) process within groups.

``lmer(..., correlation=mm.CorAR1("Days", "Subject"))`` is nlme's ``lme(...,
correlation = corAR1(form = ~ Days | Subject))``: the residuals of a group,
at integer times ``t``, have correlation ``phi^|t - s|`` (nlme's corAR1 for
consecutive times, and the corARMA(p = 1) it switches to for times with
gaps or out of order).  Without a time, the positions are the rows' order
within the group (``corAR1(form = ~ 1 | g)``).  ``mm.CorCAR1(time, by)`` is
``corCAR1``, the continuous-time AR(1): the same ``phi^|t - s|`` for real
times, ``0 < phi < 1`` (searched as its decay rate, ``log(-log phi)``, on the
scale of the gaps: :class:`PhiScale`).  With a
variance function as ``weights`` too (``mm.VarIdent``, ``mm.VarPower``,
``mm.VarExp``), the residual covariance is nlme's ``sigma^2 D R D`` (``D`` the
rows' SD multipliers), its parameters searched with ``phi``; the rows are
then scaled in every evaluation (a pass over them).

How.  An AR(1) process within a group is a Markov chain, so its precision
is tridiagonal and ``[Z X y]' R^-1 [Z X y]`` is the rows' cross-products plus
weighted cross-products of neighbours' rows and of their differences or sums
(:mod:`mixedmodels.core._ar1`), formed once; an evaluation of ``phi``
weights and adds them and profiles theta on the sum (the rows are not read
again, unless the times have so many distinct gaps that a pass over the
rows is cheaper), and ``log |R|`` enters the deviance as prior weights'
``-sum log w`` does.  ``atanh(phi)`` (corCAR1: ``log(-log phi)``) is
searched by BOBYQA.  The neighbours'
rows must share their random effects: every random-effects term must be
constant within a correlation group (nlme's random effects nest the
correlation's groups), otherwise ``NotImplementedError``.

Checked against nlme 3.1-162 (``tools/refs/make_refs_residuals.R``): gpa's
shared reference ``gpa_ar1`` and sleepstudy / Orthodont fits by REML and ML,
with gaps, with times out of order and in row order, negative phi; corCAR1
on irregular real times and on Orthodont's ages; varIdent with corAR1 on gpa
and sleepstudy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from mixedmodels._control import Control
from mixedmodels.core._ar1 import AR1CrossProducts
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.lmm._ar1rows import (
    chain,
    check_nested,
    default_by,
    groups_and_times,
    pairs,
    positions,
)
from mixedmodels.lmm._resfit import ProfiledTheta, ResidualStructureFit
from mixedmodels.lmm._varfunc import (
    VARIANCE_FUNCTIONS,
    RowSD,
    attach_variance,
    missing_rows,
    row_sd,
    singular_in_units,
)

__all__ = ["CorAR1", "CorAR1Fit", "CorCAR1", "PhiScale", "fit_cor_ar1"]

ATANH_BOUND = 8.0
"""``|atanh(phi)|`` at most this (``|phi| <= 1 - 2e-7``)."""


@dataclass(frozen=True)
class PhiScale:
    """How phi is searched: ``phi = tanh(z)`` (``decay=False``, corAR1), or
    ``phi = exp(-exp(z))`` (``decay``: ``exp(z)`` is the decay rate per unit
    of time, corCAR1, searched free of the times' unit), from ``start``
    within ``[lower, upper]``."""

    start: float
    lower: float
    upper: float
    decay: bool = False

    @classmethod
    def for_gaps(cls, gaps: np.ndarray) -> PhiScale:
        """corCAR1's: from a correlation of 0.2 (nlme's start) over the median
        gap, between ``1 - 2e-7`` over the longest gap and ``e^-40`` over the
        shortest (no correlation left at any gap)."""
        return cls(float(np.log(-np.log(0.2) / np.median(gaps))), float(np.log(2e-7 / gaps.max())),
                   float(np.log(40.0 / gaps.min())), decay=True)

    def phi_of(self, z: float) -> float:
        """phi at the searched ``z``."""
        return float(np.exp(-np.exp(z)) if self.decay else np.tanh(z))

    def correlation(self, z: float):
        """The neighbours' correlation at the searched ``z`` as a function of
        their gap: ``phi ** gap``, for a decay as ``exp(-rate * gap)`` (phi
        itself may underflow where ``phi ** gap`` does not)."""
        if self.decay:
            rate = float(np.exp(z))
            return lambda gaps: np.exp(-rate * gaps)
        phi = float(np.tanh(z))
        return lambda gaps: phi**gaps

    def z_of(self, phi: float) -> float:
        """The searched ``z`` at ``phi``."""
        return float(np.log(-np.log(phi)) if self.decay else np.arctanh(phi))


@dataclass(frozen=True)
class CorAR1:
    """nlme's ``corAR1(form = ~ time | by)``: pass as ``correlation`` to ``lmer``.

    Parameters
    ----------
    time : str, optional
        Integer-valued column of the times, unique within a group; default:
        the rows' order within the group (nlme's ``~ 1 | by``).
    by : str, optional
        The column of the groups within which residuals are correlated;
        default: the model's grouping factor, when it has one.
    """

    time: str | None = None
    by: str | None = None

    title = "AR(1)"
    """nlme's name of the structure, as its summary prints it."""
    whole_times = True
    """Whether the times must be whole numbers."""

    def __post_init__(self) -> None:
        for name in ("time", "by"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{type(self).__name__}: {name} must be a column name; got {value!r}")

    def formula(self) -> str:
        """nlme's ``form``, as its summary prints it."""
        return f"~{self.time or 1} | {self.by}"

    def scale(self, gaps: np.ndarray) -> PhiScale:
        """How phi is searched (``atanh(phi)`` from nlme's 0)."""
        return PhiScale(0.0, -ATANH_BOUND, ATANH_BOUND)


@dataclass(frozen=True)
class CorCAR1(CorAR1):
    """nlme's ``corCAR1(form = ~ time | by)``, the continuous-time AR(1):
    correlation ``phi^|t - s|`` for real times, ``0 < phi < 1``; pass as
    ``correlation`` to ``lmer``.

    Parameters
    ----------
    time : str
        Column of the times (numbers, dates or durations, in days), unique
        within a group.
    by : str, optional
        As :class:`CorAR1`'s.
    """

    title = "Continuous AR(1)"
    whole_times = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.time is None:
            raise TypeError("CorCAR1 needs the column of the times: CorCAR1(time, by)")

    def scale(self, gaps: np.ndarray) -> PhiScale:
        """How phi is searched: its decay rate, on the scale of the gaps (:meth:`PhiScale.for_gaps`)."""
        return PhiScale.for_gaps(gaps)


class CorAR1Fit(ResidualStructureFit):
    """An ``lmer`` fit with AR(1) residual correlation within groups.

    Attributes
    ----------
    phi : float
        The correlation of neighbouring residuals (nlme's ``Phi``).
    cor_ar1 : CorAR1
        The structure, its ``by`` filled in.
    cor_ar1_optsummary : OptSummary
        The search over the log-ratios of any ``VarIdent`` and ``atanh(phi)``
        (``log(-log phi)`` for ``CorCAR1``).
    var_function : VarIdent, VarPower, VarExp or None
        Any variance function given as ``weights``.
    var_ident, var_ident_by : pandas.Series or None, str or None
        With ``weights=mm.VarIdent(by)``: the residual SD ratios, as
        :class:`VarIdentFit`'s.
    var_delta : pandas.Series or None
        With ``mm.VarPower`` or ``mm.VarExp``: its parameter.
    """

    _structure = "a CorAR1 residual correlation"

    def draw_residuals(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of AR(1) residuals within the groups (for :meth:`simulate`):
        along each group's times, ``e_b = r e_a + sqrt(1 - r^2) sigma z`` with
        ``r = phi^gap`` from its earlier neighbour ``a``; every group's k-th
        step at once (the pairs are held ordered by step); times a variance
        function's SD multipliers (the fit's weights are ``1 / s^2``)."""
        first, second, gaps, bounds = self._ar1_chain
        e = self.sigma * rng.standard_normal(self.nobs)
        scale, z = self._phi_search
        r = scale.correlation(z)(gaps.astype(float))
        keep = np.sqrt(1.0 - r * r)
        for lo, hi in pairwise(bounds):
            a, b = first[lo:hi], second[lo:hi]
            e[b] = r[lo:hi] * e[a] + keep[lo:hi] * e[b]
        return e if self.frame.weights is None else e / np.sqrt(self.frame.weights)


def fit_cor_ar1(formula: str, data, reml: bool, spec: CorAR1, control: Control, start: np.ndarray | None = None,
                weights=None, **frame_args) -> CorAR1Fit:
    """Fit ``formula`` with AR(1) residuals (see the module), theta's search
    from ``start``; a variance function as ``weights`` (``mm.VarIdent``,
    ``mm.VarPower``, ``mm.VarExp``) with them."""
    from mixedmodels.lmm._fit import _data_name, fit_problem

    if weights is not None and not isinstance(weights, VARIANCE_FUNCTIONS):
        raise NotImplementedError("CorAR1 with prior weights is not available (nlme's corAR1 takes none); "
                                  "weights=mm.VarIdent(...), mm.VarPower(...) or mm.VarExp(...) are.")
    missing = {} if weights is None else missing_rows(weights, data)
    frame, spec, groups, times = ar1_frame(formula, data, spec, missing, **frame_args)
    sd = None if weights is None else row_sd(weights, data, frame)
    profiled = ProfiledTheta(reml, control, start)
    criterion, problem_at, scale = profiled_criterion(frame, groups, times, spec, profiled, sd)
    first = (np.empty(0),) * 3 if sd is None else (sd.start, sd.lower, sd.upper)
    search = minimize(criterion, OptSummary("bobyqa", np.r_[first[0], scale.start], np.r_[first[1], scale.lower],
                                            upper=np.r_[first[2], scale.upper], initial_step=0.5))
    frame.arguments.update(correlation=spec, weights=weights)  # update and refits estimate them again
    var_params, unit = search.final[:-1], 1.0
    if sd is not None:  # the fit's weights 1 / s^2, as a variance function's fit's (Pearson residuals)
        frame = replace(frame, weights=1.0 / sd.multiplier(var_params) ** 2)
        unit = sd.theta_factor(var_params)  # theta relative to nlme's sigma over theta at the searched one
    fit = fit_problem(frame, problem_at(search.final, searched=False), reml, singular_in_units(control, unit),
                      profiled.best_theta_in(unit), _data_name(data), data)
    out = CorAR1Fit.__new__(CorAR1Fit)
    out.__dict__.update(fit.__dict__)
    out.control, out._theta_unit = control, unit
    out.phi, out.cor_ar1, out.cor_ar1_optsummary = scale.phi_of(search.final[-1]), spec, search
    out._phi_search = (scale, float(search.final[-1]))
    out._ar1_chain = chain(groups, *pairs(groups, times, spec.by, type(spec).__name__))
    out._structure_nparams = 1
    out._structure_lines = (f"Correlation Structure: {spec.title}", f" Formula: {spec.formula()}",
                            " Parameter estimate(s):", "      Phi", f"{out.phi:.7g}")
    if sd is not None:
        attach_variance(out, weights, sd, var_params)
    return out


def ar1_frame(formula: str, data, spec: CorAR1, missing: dict | None = None, **frame_args):
    """The model frame (rows with a missing group or time dropped, or any in
    ``missing``), the structure with its ``by`` filled in, and the group code
    and time of every row used."""
    from mixedmodels.lmm._fit import lmer_frame

    if spec.by is None:
        spec = replace(spec, by=default_by(lmer_frame(formula, data, **frame_args)))
    groups, times = groups_and_times(data, spec.by, spec.time, spec.whole_times, type(spec).__name__)
    missing = {**(missing or {}), spec.by: groups < 0, **({spec.time: np.isnan(times)} if spec.time else {})}
    frame = lmer_frame(formula, data, missing=missing, **frame_args)  # a missing group or time drops the row
    groups, times = groups[frame.rows_used], times[frame.rows_used]
    if spec.time is None:
        times = positions(groups)
    check_nested(frame, groups, spec.by)
    return frame, spec, groups, times


def profiled_criterion(frame, groups: np.ndarray, times: np.ndarray, spec: CorAR1, profiled: ProfiledTheta,
                       sd: RowSD | None = None):
    """The (RE)ML criterion as a function of the parameters -- with a
    variance function ``sd``, its parameters first -- and last the structure's ``z`` (``phi =
    scale.phi_of(z)``), theta profiled out by ``profiled``; the problem at
    given parameters; and ``scale``, how phi is searched (``spec.scale``)."""
    from mixedmodels.lmm._fit import lmer_problem, offset_response

    template = lmer_problem(frame)
    first, second, gaps = pairs(groups, times, spec.by, type(spec).__name__)
    scale = spec.scale(gaps)
    precision = AR1CrossProducts(template.blocks, frame.X, offset_response(frame), first, second, gaps,
                                 template.factor.xp, pieces=sd is None)

    def problem_at(params, searched: bool = True) -> object:
        """The problem at ``params``, with the variance function's searched
        multipliers (``searched``) or nlme's (:class:`RowSD`)."""
        params = np.atleast_1d(np.asarray(params, dtype=float))
        correlation = scale.correlation(params[-1])
        if sd is None:
            xp, log_det_r = precision.at(correlation)
            return template.with_cross_products(xp, -log_det_r)
        s = (sd.searched if searched else sd.multiplier)(params[:-1])
        xp, log_det_r = precision.at(correlation, 1.0 / s)
        return template.with_cross_products(xp, -2.0 * np.sum(np.log(s)) - log_det_r)

    return (lambda params: profiled(problem_at(params))), problem_at, scale
