"""nlme's variance functions in ``lmer``: ``varIdent``, ``varPower``, ``varExp``.

``lmer(..., weights=mm.VarPower("age"))`` is nlme's ``lme(..., weights =
varPower(form = ~ age))``: the residual SD of row ``i`` is ``sigma |v_i|^delta``;
``mm.VarExp("age")`` is ``varExp``: ``sigma exp(delta v_i)``; ``mm.VarIdent(g)``
(:mod:`._varident`) a ratio per stratum.  The parameters are searched by
BOBYQA from nlme's start (varPower/varExp: in the covariate's own units,
:class:`RowSD`), theta profiled in every evaluation on the cross-products of
the rows weighted by ``1 / s_i^2``, and the weights' ``sum log w`` enters the
deviance as prior weights' does.  varIdent's weighted cross-products are sums
of per-stratum ones formed once (an evaluation does not read the rows);
varPower's and varExp's take a pass over the rows, as nlme.

:class:`RowSD` is also what a correlation structure combines with
(:mod:`._corar1`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from mixedmodels._control import Control
from mixedmodels.core._crossprod import row_cross_products, stratum_cross_products
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.formula import FormulaError
from mixedmodels.lmm._resfit import ProfiledTheta, ResidualStructureFit
from mixedmodels.lmm._varident import (
    LOG_RATIO_BOUND,
    VarIdent,
    nlme_order,
    strata_codes,
    var_ident_lines,
)

__all__ = ["RowSD", "VarExp", "VarFunctionFit", "VarPower", "attach_variance", "fit_variance_function", "row_sd",
           "singular_in_units", "weighted_problems"]

DELTA_BOUND = 20.0
"""``|delta|`` of varPower and varExp at most this."""


@dataclass(frozen=True)
class _CovariateFunction:
    """A variance function of one covariate (the column ``covariate``)."""

    covariate: str
    parameter = ""
    """nlme's name of its parameter."""
    structure = ""
    """nlme's name of the structure, as its summary prints it."""

    def __post_init__(self) -> None:
        if not isinstance(self.covariate, str):
            raise TypeError(f"{type(self).__name__}: the covariate must be a column name; got {self.covariate!r}")


@dataclass(frozen=True)
class VarPower(_CovariateFunction):
    """nlme's ``varPower(form = ~ covariate)``: residual SD ``sigma |v|^power``;
    pass as ``weights`` to ``lmer``."""

    parameter = "power"
    structure = "Power of variance covariate"

    @staticmethod
    def multiplier(values: np.ndarray, delta: float) -> np.ndarray:
        """The residual SD multiplier of rows with covariate ``values``."""
        return np.abs(values) ** delta


@dataclass(frozen=True)
class VarExp(_CovariateFunction):
    """nlme's ``varExp(form = ~ covariate)``: residual SD ``sigma exp(expon v)``;
    pass as ``weights`` to ``lmer``."""

    parameter = "expon"
    structure = "Exponential of variance covariate"

    @staticmethod
    def multiplier(values: np.ndarray, delta: float) -> np.ndarray:
        """The residual SD multiplier of rows with covariate ``values``."""
        return np.exp(delta * values)


VARIANCE_FUNCTIONS = (VarIdent, VarPower, VarExp)


@dataclass
class RowSD:
    """A variance function on the rows used: their residual SD multipliers
    as a function of its searched parameters (from ``start`` within
    ``[lower, upper]``), nlme's summary block and estimates at them.

    ``searched`` is the multiplier the search uses: the covariate in its own
    units (centred and scaled for varExp, scaled for varPower) and the
    multipliers' geometric mean 1, so the search does not depend on the
    covariate's units (the profiled likelihood does not change when every
    multiplier is scaled alike: sigma takes it).  ``multiplier`` is nlme's
    (sigma is the SD at ``v = 1`` for varPower, ``v = 0`` for varExp)."""

    multiplier: Callable[[np.ndarray], np.ndarray]
    searched: Callable[[np.ndarray], np.ndarray]
    start: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lines: Callable[[np.ndarray], list[str]]
    estimates: Callable[[np.ndarray], pd.Series]
    per_unit: float = 1.0
    """nlme's parameter times this is the searched one (varExp: the covariate's SD)."""
    strata: np.ndarray | None = None
    """varIdent's stratum of every row used; its multipliers are then
    ``stratum_sd(params)[strata]``."""
    stratum_sd: Callable[[np.ndarray], np.ndarray] | None = None

    def searched_params(self, nlme_params: np.ndarray) -> np.ndarray:
        """The searched parameters at nlme's (log-ratios for varIdent, power, expon)."""
        return np.asarray(nlme_params, dtype=float) * self.per_unit

    def theta_factor(self, params: np.ndarray) -> float:
        """Theta at nlme's multiplier over theta at the searched one (the
        geometric mean of nlme's multipliers)."""
        return float(np.exp(np.mean(np.log(self.multiplier(params)))))


def missing_rows(spec, data) -> dict[str, np.ndarray]:
    """The variance function's column and where it is missing (for ``na_action``)."""
    if isinstance(spec, VarIdent):
        return {spec.by: strata_codes(data, spec.by)[0] < 0}
    return {spec.covariate: np.isnan(_covariate(data, spec.covariate))}


def row_sd(spec, data, frame) -> RowSD:
    """The variance function ``spec`` on the rows ``frame`` uses."""
    if isinstance(spec, VarIdent):
        codes, levels = nlme_order(frame, *strata_codes(data, spec.by))
        strata = codes[frame.rows_used]

        def ratios(params):
            return pd.Series(stratum_sd(params), index=pd.Index(levels, name=spec.by), name="sd_ratio")

        def stratum_sd(params):
            return np.exp(np.r_[0.0, params])

        def multiplier(params):
            return stratum_sd(params)[strata]

        bound = np.full(len(levels) - 1, LOG_RATIO_BOUND)
        return RowSD(multiplier, multiplier, np.zeros(bound.size), -bound, bound,
                     lambda p: var_ident_lines(ratios(p), spec.by), ratios, strata=strata, stratum_sd=stratum_sd)
    return _covariate_sd(spec, _covariate(data, spec.covariate)[frame.rows_used])


def _covariate_sd(spec, values: np.ndarray) -> RowSD:
    """varPower's or varExp's :class:`RowSD` on the covariate ``values`` of the rows used."""
    if np.isinf(values).any():
        raise FormulaError(f"the variance covariate {spec.covariate!r} must hold finite numbers")
    if isinstance(spec, VarPower):
        if np.any(values == 0):
            raise FormulaError(f"VarPower: the covariate {spec.covariate!r} is 0 in some rows, where the residual "
                               "SD would be 0; shift it or use VarExp")
        units, per_unit = np.abs(values) / np.exp(np.mean(np.log(np.abs(values)))), 1.0
    else:
        per_unit = float(np.std(values)) or 1.0
        units = (values - np.mean(values)) / per_unit

    def delta(params) -> float:
        return float(params[0]) / per_unit  # nlme's power / expon

    def estimate(params):
        return pd.Series([delta(params)], index=[spec.parameter], name=spec.structure)

    def lines(params):
        value = f"{delta(params):.7g}"
        width = max(len(value), len(spec.parameter))
        return ["Variance function:", f" Structure: {spec.structure}", f" Formula: ~{spec.covariate}",
                " Parameter estimates:", spec.parameter.rjust(width), value.rjust(width)]

    return RowSD(lambda p: spec.multiplier(values, delta(p)), lambda p: spec.multiplier(units, float(p[0])),
                 np.zeros(1), np.array([-DELTA_BOUND]), np.array([DELTA_BOUND]), lines, estimate, per_unit)


def singular_in_units(control: Control, unit: float) -> Control:
    """``control`` with lme4's singular tolerance for theta ``unit`` times
    the searched one's (the check in the final fit reads that theta)."""
    return replace(control, singular_tol=control.singular_tol * unit)


def _covariate(data, name: str) -> np.ndarray:
    """The covariate's values (NaN where missing); numbers only."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if name not in frame.columns:
        raise FormulaError(f"{name!r} is not a column of the data (the variance function's covariate)")
    column = frame[name]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
        raise FormulaError(f"the variance covariate {name!r} must be numeric; it holds {column.dtype} values")
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)


class VarFunctionFit(ResidualStructureFit):
    """An ``lmer`` fit with a residual SD that is a function of a covariate.

    Attributes
    ----------
    var_function : VarPower or VarExp
        The structure.
    var_delta : pandas.Series
        Its parameter (nlme's ``power`` or ``expon``).
    var_optsummary : OptSummary
        The search over it.
    """

    _structure = "a variance function"


def attach_variance(out: ResidualStructureFit, spec, sd: RowSD, params: np.ndarray) -> None:
    """Give the fit ``out`` the variance function's estimates at ``params``,
    its summary block and its parameters' count."""
    out.var_function = spec
    out._structure_lines = (*out._structure_lines, *sd.lines(params))
    out._structure_nparams += np.size(params)
    if isinstance(spec, VarIdent):
        out.var_ident, out.var_ident_by = sd.estimates(params), spec.by
    else:
        out.var_delta = sd.estimates(params)


def weighted_problems(frame, sd: RowSD):
    """The problem of the rows used as a function of the variance function's
    parameters (and whether its searched or nlme's multipliers are meant):
    the cross-products weighted by ``1 / s^2``.  varIdent's search adds
    per-stratum ones formed once; otherwise, and for the final fit (whose
    weights may span many orders of magnitude, which a weighted sum of
    cross-products would not resolve), they are formed from the rows."""
    from mixedmodels.lmm._fit import lmer_problem, offset_response

    template = lmer_problem(frame)
    blocks, X, y, rows = template.blocks, frame.X, offset_response(frame), np.arange(frame.X.shape[0])

    def from_rows(params, searched: bool = True):
        s = (sd.searched if searched else sd.multiplier)(np.asarray(params, dtype=float))
        xp = row_cross_products(blocks, X, y, rows, 1.0 / s**2)
        return template.with_cross_products(xp, -2.0 * float(np.sum(np.log(s))))

    if sd.strata is None:
        return from_rows
    nstrata = int(sd.strata.max()) + 1
    parts = stratum_cross_products(blocks, X, y, sd.strata, nstrata)
    counts = np.bincount(sd.strata, minlength=nstrata)

    def problem_at(params, searched: bool = True):
        if not searched:
            return from_rows(params, searched)
        log_w = -2.0 * np.log(sd.stratum_sd(np.asarray(params, dtype=float)))
        xp = sum((p.scaled(np.exp(lw)) for p, lw in zip(parts[1:], log_w[1:])), parts[0].scaled(np.exp(log_w[0])))
        return template.with_cross_products(xp, float(counts @ log_w))

    return problem_at


def fit_variance_function(formula: str, data, reml: bool, spec, control: Control, start: np.ndarray | None = None,
                          **frame_args) -> ResidualStructureFit:
    """Fit ``formula`` with the variance function ``spec`` (see the module),
    theta's search from ``start``."""
    from mixedmodels.lmm._fit import _data_name, fit_problem, lmer_frame
    from mixedmodels.lmm._varident import VarIdentFit, check_strata, degenerate_strata

    frame = lmer_frame(formula, data, missing=missing_rows(spec, data), **frame_args)
    sd = row_sd(spec, data, frame)
    problem_at = weighted_problems(frame, sd)
    profiled = ProfiledTheta(reml, control, start)
    search = minimize(lambda p: profiled(problem_at(p)),
                      OptSummary("bobyqa", sd.start, sd.lower, upper=sd.upper, initial_step=0.5))
    frame = replace(frame, weights=1.0 / sd.multiplier(search.final) ** 2)  # as prior weights: Pearson residuals
    frame.arguments["weights"] = spec  # update and refits estimate it again
    unit = sd.theta_factor(search.final)  # theta relative to nlme's sigma over theta at the searched one
    try:
        fit = fit_problem(frame, problem_at(search.final, searched=False), reml, singular_in_units(control, unit),
                          profiled.best_theta_in(unit), _data_name(data), data)
    except np.linalg.LinAlgError:
        if isinstance(spec, VarIdent):
            raise degenerate_strata(sd.estimates(search.final), spec.by) from None
        raise
    cls = VarIdentFit if isinstance(spec, VarIdent) else VarFunctionFit
    out = cls.__new__(cls)
    out.__dict__.update(fit.__dict__)
    out.control, out._theta_unit, out.var_optsummary = control, unit, search
    attach_variance(out, spec, sd, search.final)
    if isinstance(spec, VarIdent):
        out.var_ident_optsummary = search
        check_strata(out.var_ident, spec.by, control)
    return out
