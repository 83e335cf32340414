"""nlme's ``corAR1``: residuals correlated as an AR(1) process within groups.

``lmer(..., correlation=mm.CorAR1("Days", "Subject"))`` is nlme's ``lme(...,
correlation = corAR1(form = ~ Days | Subject))``: the residuals of a group,
at integer times ``t``, have correlation ``phi^|t - s|`` (nlme's corAR1 for
consecutive times, and the corARMA(p = 1) it switches to for times with
gaps or out of order).  Without a time, the positions are the rows' order
within the group (``corAR1(form = ~ 1 | g)``).

How.  An AR(1) process within a group is a Markov chain, so its precision
is tridiagonal and ``[Z X y]' R^-1 [Z X y]`` is the rows' cross-products plus
weighted cross-products of neighbours' rows and of their differences or sums
(:mod:`mixedmodels.core._ar1`), formed once; an evaluation of ``phi``
weights and adds them and profiles theta on the sum (the rows are not read
again, unless the times have so many distinct gaps that a pass over the
rows is cheaper), and ``log |R|`` enters the deviance as prior weights'
``-sum log w`` does.  ``atanh(phi)`` is searched by BOBYQA.  The neighbours'
rows must share their random effects: every random-effects term must be
constant within a correlation group (nlme's random effects nest the
correlation's groups), otherwise ``NotImplementedError``.

Checked against nlme 3.1-162 (``tools/refs/make_refs_corar1.R``): gpa's
shared reference ``gpa_ar1`` and sleepstudy / Orthodont fits by REML and ML,
with gaps, with times out of order and in row order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from mixedmodels._control import Control
from mixedmodels.core._ar1 import AR1CrossProducts
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.formula import FormulaError
from mixedmodels.formula._values import as_factor
from mixedmodels.lmm._resfit import ProfiledTheta, ResidualStructureFit

__all__ = ["CorAR1", "CorAR1Fit", "fit_cor_ar1"]

ATANH_BOUND = 8.0
"""``|atanh(phi)|`` at most this (``|phi| <= 1 - 2e-7``)."""


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

    def formula(self) -> str:
        """nlme's ``form``, as its summary prints it."""
        return f"~{self.time or 1} | {self.by}"


class CorAR1Fit(ResidualStructureFit):
    """An ``lmer`` fit with AR(1) residual correlation within groups.

    Attributes
    ----------
    phi : float
        The correlation of neighbouring residuals (nlme's ``Phi``).
    cor_ar1 : CorAR1
        The structure, its ``by`` filled in.
    cor_ar1_optsummary : OptSummary
        The search over ``atanh(phi)``.
    """

    _structure = "a CorAR1 residual correlation"

    @property
    def npar(self) -> int:
        """Parameters counted by logLik's df, phi included (nlme's)."""
        return super().npar + 1

    def residual_structure_lines(self) -> list[str]:
        """nlme's block in the summary."""
        return ["Correlation Structure: AR(1)", f" Formula: {self.cor_ar1.formula()}",
                " Parameter estimate(s):", "      Phi", f"{self.phi:9.7f}"]

    def draw_residuals(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of AR(1) residuals within the groups (for :meth:`simulate`):
        along each group's times, ``e_b = r e_a + sqrt(1 - r^2) sigma z`` with
        ``r = phi^gap`` from its earlier neighbour ``a``; every group's k-th
        step at once (the pairs are held ordered by step)."""
        first, second, gaps, bounds = self._ar1_chain
        e = self.sigma * rng.standard_normal(self.nobs)
        r = self.phi ** gaps.astype(float)
        keep = np.sqrt(1.0 - r * r)
        for lo, hi in pairwise(bounds):
            a, b = first[lo:hi], second[lo:hi]
            e[b] = r[lo:hi] * e[a] + keep[lo:hi] * e[b]
        return e


def fit_cor_ar1(formula: str, data, reml: bool, spec: CorAR1, control: Control, start: np.ndarray | None = None,
                **frame_args) -> CorAR1Fit:
    """Fit ``formula`` with AR(1) residuals (see the module), theta's search from ``start``."""
    from mixedmodels.lmm._fit import _data_name, fit_problem

    frame, spec, groups, times = ar1_frame(formula, data, spec, **frame_args)
    profiled = ProfiledTheta(reml, control, start)
    criterion, problem_at = profiled_criterion(frame, groups, times, spec.by, profiled)
    search = minimize(criterion, OptSummary("bobyqa", np.zeros(1), np.array([-ATANH_BOUND]),
                                            upper=np.array([ATANH_BOUND]), initial_step=0.5))
    frame.arguments["correlation"] = spec  # update and refits estimate phi again
    fit = fit_problem(frame, problem_at(search.final[0]), reml, control, profiled.best_theta, _data_name(data),
                      data)
    out = CorAR1Fit.__new__(CorAR1Fit)
    out.__dict__.update(fit.__dict__)
    out.phi, out.cor_ar1, out.cor_ar1_optsummary = float(np.tanh(search.final[0])), spec, search
    out._ar1_chain = _chain(groups, *_pairs(groups, times, spec.by))
    return out


def _chain(groups: np.ndarray, first: np.ndarray, second: np.ndarray, gaps: np.ndarray):
    """The neighbours ordered by their step along their group's chain (1 for
    the pair that starts it), and where each step's pairs begin and end, so
    that draws follow all chains a step at a time."""
    pair_groups = groups[first]
    starts = np.r_[True, pair_groups[1:] != pair_groups[:-1]]
    start_of = np.maximum.accumulate(np.where(starts, np.arange(first.size), 0))
    steps = np.arange(first.size) - start_of + 1
    order = np.argsort(steps, kind="stable")
    bounds = np.searchsorted(steps[order], np.arange(1, steps.max(initial=0) + 2))  # step k: bounds[k-1:k+1]
    return first[order], second[order], gaps[order], bounds


def ar1_frame(formula: str, data, spec: CorAR1, **frame_args):
    """The model frame (rows with a missing group or time dropped), the
    structure with its ``by`` filled in, and the group code and time of
    every row used."""
    from mixedmodels.lmm._fit import lmer_frame

    if frame_args.pop("weights", None) is not None:
        raise NotImplementedError("CorAR1 with prior weights (or VarIdent) is not available; nlme's "
                                  "corAR1 takes no prior weights either.")
    if spec.by is None:
        spec = replace(spec, by=_default_by(lmer_frame(formula, data, **frame_args)))
    groups, times = _groups_and_times(data, spec)
    missing = {spec.by: groups < 0, **({spec.time: np.isnan(times)} if spec.time else {})}
    frame = lmer_frame(formula, data, missing=missing, **frame_args)  # a missing group or time drops the row
    groups, times = groups[frame.rows_used], times[frame.rows_used]
    if spec.time is None:
        times = _positions(groups)
    _check_nested(frame, groups, spec.by)
    return frame, spec, groups, times


def _default_by(frame) -> str:
    """The model's one grouping factor, when it is a column (nlme's default group)."""
    names = sorted({t.group for t in frame.re_terms})
    if len(names) != 1:
        raise FormulaError(f"CorAR1: the model has grouping factors {names}; name the one the residuals are "
                           "correlated within: CorAR1(time, by=...)")
    return names[0]


def _groups_and_times(data, spec: CorAR1) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group code (-1 where missing) and time (NaN where missing;
    0 without a time: the positions are then :func:`_positions` of the rows used)."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    for name in filter(None, (spec.by, spec.time)):
        if name not in frame.columns:
            raise FormulaError(f"CorAR1: {name!r} is not a column of the data; name it with CorAR1(time, by=...)")
    groups = as_factor(frame[spec.by].reset_index(drop=True)).codes
    if spec.time is None:
        return groups, np.zeros(len(frame))
    column = frame[spec.time].reset_index(drop=True)
    times = _numeric_times(column, spec.time)
    bad = ~np.isnan(times) & (times != np.round(times))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise FormulaError(f"CorAR1: the times in {spec.time!r} must be whole numbers (nlme's corAR1); the row "
                           f"labelled {frame.index[k]!r} has {column.iloc[k]!r}. Give them in a unit in which "
                           "they are whole (days, visits), or use the positions: CorAR1(by=...)")
    return groups, times


def _numeric_times(column: pd.Series, name: str) -> np.ndarray:
    """The times as numbers; missing values NaN.  Dates and times count days
    from the first (only differences matter): by the calendar (the local
    clock, as R's ``Date``), or in elapsed time when only that makes them
    whole days (a time zone's clock change between them); durations in days.
    Text that is not a number is an error."""
    present = column.dropna()
    if column.dtype == object and len(present) and isinstance(present.iloc[0], date):
        column = pd.to_datetime(column)  # datetime.date / datetime.datetime objects
    if pd.api.types.is_datetime64_any_dtype(column):
        elapsed = _days_from_first(column)
        if getattr(column.dt, "tz", None) is None:
            return elapsed
        calendar = _days_from_first(column.dt.tz_localize(None))
        whole = np.all(np.isnan(calendar) | (calendar == np.round(calendar)))
        return calendar if whole else elapsed
    if pd.api.types.is_timedelta64_dtype(column):
        return (column / pd.Timedelta(days=1)).to_numpy(dtype=float)
    numbers = pd.to_numeric(column, errors="coerce")
    wrong = numbers.isna() & column.notna()
    if wrong.any():
        raise FormulaError(f"CorAR1: the times in {name!r} must be numbers; {column[wrong].iloc[0]!r} is not")
    return numbers.to_numpy(dtype=float)


def _days_from_first(stamps: pd.Series) -> np.ndarray:
    """Days since the earliest of ``stamps`` (NaN where missing)."""
    return ((stamps - stamps.min()) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def _check_nested(frame, groups: np.ndarray, by: str) -> None:
    """Every random-effects term constant within each group of ``by``."""
    order = np.argsort(groups, kind="stable")
    same = groups[order][1:] == groups[order][:-1]
    for term in frame.re_terms:
        codes = term.codes[order]
        if np.any(same & (codes[1:] != codes[:-1])):
            raise NotImplementedError(
                f"CorAR1 within {by!r}: the random-effects term's group {term.group!r} varies within a group of "
                f"{by!r}; the correlation's groups must be nested in every grouping factor (as in nlme).")


def _positions(groups: np.ndarray) -> np.ndarray:
    """Each row's position among its group's rows, in the rows' order (0, 1, ...)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    counts = np.diff(np.r_[starts, groups.size])
    out = np.empty(groups.size)
    out[order] = np.arange(groups.size) - np.repeat(starts, counts)
    return out


def _pairs(groups: np.ndarray, times: np.ndarray, by: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Neighbours in time within each group: the earlier row, the later
    row and the gap between their times."""
    order = np.lexsort([times, groups])
    first, second = order[:-1], order[1:]
    same = groups[first] == groups[second]
    first, second = first[same], second[same]
    if first.size == 0:
        raise FormulaError(f"CorAR1: no group of {by!r} has two rows used: there is nothing to correlate")
    gaps = times[second] - times[first]
    if np.any(gaps == 0):
        row = int(first[gaps == 0][0])
        raise FormulaError(f"CorAR1: the times must be unique within a group of {by!r} (nlme's corAR1); "
                           f"two rows of that group share time {times[row]:g}")
    return first, second, gaps.astype(np.int64)


def profiled_criterion(frame, groups: np.ndarray, times: np.ndarray, by: str, profiled: ProfiledTheta):
    """The (RE)ML criterion as a function of ``atanh(phi)``, theta profiled
    out by ``profiled``, and the problem at a given ``atanh(phi)``."""
    from mixedmodels.lmm._fit import lmer_problem, offset_response

    template = lmer_problem(frame)
    first, second, gaps = _pairs(groups, times, by)
    precision = AR1CrossProducts(template.blocks, frame.X, offset_response(frame), first, second, gaps,
                                 template.factor.xp)

    def problem_at(z: float):
        xp, log_det_r = precision.at(float(np.tanh(z)))
        return template.with_cross_products(xp, -log_det_r)

    return (lambda z: profiled(problem_at(float(z[0])))), problem_at
