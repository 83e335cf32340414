"""nlme's ``varIdent``: a residual standard deviation per stratum.

``lmer(..., weights=mm.VarIdent("occasion"))`` is nlme's ``lme(...,
weights = varIdent(form = ~ 1 | occasion))``: the residual variance of
stratum ``k`` is ``(sigma * delta_k)^2``, ``delta`` 1 for the first stratum
in nlme's order (of first appearance once the rows are sorted by the
grouping factors).  For known ``delta`` the model is a
weighted linear mixed model (prior weights ``1 / delta_k^2``), whose
log-likelihood is nlme's; ``log delta`` is searched (BOBYQA) with that fit's
(RE)ML criterion profiled inside every evaluation, warm-started from the
previous covariance parameters.  gpa's ``gpa ~ occasion + (1 | student)``
reaches nlme 3.1-162's REML log-likelihood and ratios (``tests/lmm/test_varident.py``).

The cross-products of ``[Z X y]`` are formed once per stratum; an
evaluation adds them weighted by ``1 / delta_k^2`` and searches theta on
the sum, so its cost does not grow with the rows.  A stratum whose SD runs
below ``singular_tol`` times the largest is reported as a singular fit (the
likelihood has no maximum there).  Inference that varies the variance parameters
(profiles, bootstrap, Satterthwaite and Kenward-Roger df, ``ranova``,
``drop1``) treats ``delta`` as known in lmerTest's and pbkrtest's methods,
which have no ``varIdent``: those raise ``NotImplementedError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixedmodels._control import Control
from mixedmodels._warnings import SingularFitWarning, signal
from mixedmodels.core._crossprod import stratum_cross_products
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.formula import FormulaError
from mixedmodels.formula._values import as_factor
from mixedmodels.lmm._resfit import ProfiledTheta, ResidualStructureFit

__all__ = ["VarIdent", "VarIdentFit", "fit_var_ident", "nlme_order", "strata_codes", "var_ident_lines"]

LOG_RATIO_BOUND = 20.0
"""``|log delta|`` at most this (a ratio between 2e-9 and 5e8)."""


@dataclass(frozen=True)
class VarIdent:
    """nlme's ``varIdent(form = ~ 1 | by)``: pass as ``weights`` to ``lmer``.

    Parameters
    ----------
    by : str
        The column whose levels are the strata; the first stratum's residual
        standard deviation (nlme's first: see the module) is ``sigma``, each
        other's ``sigma`` times its ratio.
    """

    by: str


class VarIdentFit(ResidualStructureFit):
    """An ``lmer`` fit with a residual standard deviation per stratum.

    Attributes
    ----------
    var_ident : pandas.Series
        The ratios ``delta`` of the strata's residual standard deviations to
        ``sigma`` (nlme's ``coef(varStruct, unconstrained = FALSE,
        allCoef = TRUE)``), indexed by level; the first is 1.
    var_ident_by : str
        The column of the strata.
    var_ident_optsummary : OptSummary
        The search over ``log delta``.
    """

    _structure = "VarIdent residual variances"

    @property
    def npar(self) -> int:
        """Parameters counted by logLik's df, the ratios other than the first included (nlme's)."""
        return super().npar + len(self.var_ident) - 1

    def residual_structure_lines(self) -> list[str]:
        """nlme's block in the summary: the structure, its formula and the ratios."""
        return var_ident_lines(self.var_ident, self.var_ident_by)


def var_ident_lines(ratios: pd.Series, by: str) -> list[str]:
    """nlme's ``varIdent`` block of a summary: the structure, its formula and the ratios."""
    shown = [f"{v:.7f}" for v in ratios]
    width = max(len(r) for r in shown + [str(x) for x in ratios.index])
    return ["Variance function:", " Structure: Different standard deviations per stratum",
            f" Formula: ~1 | {by}", " Parameter estimates:",
            " ".join(str(x).rjust(width) for x in ratios.index), " ".join(r.rjust(width) for r in shown)]


def strata_codes(data, by: str) -> tuple[np.ndarray, list[str]]:
    """The stratum of every row of ``data`` (-1 where ``by`` is missing) and the labels."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if by not in frame.columns:
        raise FormulaError(f"VarIdent: {by!r} is not a column of the data")
    factor = as_factor(frame[by].reset_index(drop=True))
    return factor.codes, factor.levels


def nlme_order(frame, codes: np.ndarray, levels: list[str]) -> tuple[np.ndarray, list[str]]:
    """The strata of the rows used, numbered as nlme numbers them: in the
    order they first appear once the rows are sorted by the grouping factors
    (the one with fewest levels first), the first the reference (ratio 1)."""
    used = codes[frame.rows_used]
    terms = frame.re_terms  # lme4's order: most levels first, so lexsort's last key, fewest levels, leads
    order = np.lexsort([np.arange(used.size)] + [t.codes for t in terms])
    appearance = list(dict.fromkeys(used[order].tolist()))
    if len(appearance) < 2:
        raise FormulaError(f"VarIdent: the rows used have one stratum, {levels[appearance[0]]!r}; nothing to vary")
    renumber = np.full(len(levels) + 1, -1, dtype=np.int64)
    renumber[appearance] = np.arange(len(appearance))
    return renumber[codes], [levels[c] for c in appearance]


def _criterion(frame, strata: np.ndarray, nstrata: int, profiled: ProfiledTheta):
    """The (RE)ML criterion as a function of the log-ratios, theta profiled
    out by ``profiled``.  The rows' cross-products are formed once per
    stratum; an evaluation weights and adds them, so its cost does not grow
    with the rows."""
    from mixedmodels.lmm._fit import lmer_problem, offset_response

    template = lmer_problem(frame)
    parts = stratum_cross_products(template.blocks, frame.X, offset_response(frame), strata, nstrata)
    counts = np.bincount(strata, minlength=nstrata)

    def criterion(log_ratios: np.ndarray) -> float:
        log_w = -2.0 * np.concatenate([[0.0], log_ratios])  # prior weight 1 / delta^2 per stratum
        xp = sum((p.scaled(np.exp(lw)) for p, lw in zip(parts[1:], log_w[1:])), parts[0].scaled(np.exp(log_w[0])))
        return profiled(template.with_cross_products(xp, float(counts @ log_w)))

    return criterion


def _degenerate(log_ratios: np.ndarray, levels: list[str], by: str) -> ValueError:
    """The error of a search that ran to a stratum of (numerically) zero variance."""
    ratios = np.exp(np.concatenate([[0.0], log_ratios]))
    k = int(np.argmin(ratios / ratios.max()))
    return ValueError(
        f"VarIdent({by!r}): the search ran to a residual SD of stratum {levels[k]!r} "
        f"{ratios[k] / ratios.max():.2g} times the largest, where the model cannot be factored. "
        "The likelihood grows without bound as one stratum's residual variance goes to zero when the "
        "random effects can fit that stratum's rows exactly (for example one row per group in it, or "
        "repeated rows); such a model has no maximum-likelihood fit. Merge that stratum with another, "
        "or drop VarIdent.")


def fit_var_ident(formula: str, data, reml: bool, spec: VarIdent, control: Control, start: np.ndarray | None = None,
                  **frame_args) -> VarIdentFit:
    """Fit ``formula`` with residual standard deviations by ``spec.by`` (see
    the module), theta's search from ``start``."""
    from mixedmodels.lmm._fit import lmer, lmer_frame

    codes, labels = strata_codes(data, spec.by)
    # a missing stratum makes its row missing, as for any variable of the model (na_action)
    frame = lmer_frame(formula, data, missing={spec.by: codes < 0}, **frame_args)
    codes, levels = nlme_order(frame, codes, labels)

    def weights(log_ratios: np.ndarray) -> np.ndarray:
        ratios = np.exp(np.concatenate([[0.0], log_ratios]))
        return np.where(codes >= 0, 1.0 / ratios[np.maximum(codes, 0)] ** 2, np.nan)

    profiled = ProfiledTheta(reml, control, start)
    objective = _criterion(frame, codes[frame.rows_used], len(levels), profiled)

    k = len(levels) - 1
    bound = np.full(k, LOG_RATIO_BOUND)
    search = minimize(objective, OptSummary("bobyqa", np.zeros(k), -bound, upper=bound, initial_step=0.5))
    try:
        fit = lmer(formula, data, reml, weights=weights(search.final), control=control, start=profiled.best_theta,
                   **frame_args)
    except np.linalg.LinAlgError:
        raise _degenerate(search.final, levels, spec.by) from None
    ratios = np.exp(np.concatenate([[0.0], search.final]))
    if ratios.min() < control.singular_tol * ratios.max():  # a stratum's variance at its bound: singular
        signal(str(_degenerate(search.final, levels, spec.by)).replace(
            "where the model cannot be factored", "on the boundary (singular): the estimates are unreliable"),
            control.check_singular, SingularFitWarning)
    out = VarIdentFit.__new__(VarIdentFit)
    out.__dict__.update(fit.__dict__)
    out.var_ident = pd.Series(np.exp(np.concatenate([[0.0], search.final])), index=pd.Index(levels, name=spec.by),
                              name="sd_ratio")
    out.var_ident_by, out.var_ident_optsummary = spec.by, search
    out.frame.arguments["weights"] = spec  # update and refits estimate the ratios again
    return out
