"""nlme's ``varIdent``: a residual standard deviation per stratum.

``lmer(..., weights=mm.VarIdent("occasion"))`` is nlme's ``lme(...,
weights = varIdent(form = ~ 1 | occasion))``: the residual variance of
stratum ``k`` is ``(sigma * delta_k)^2``, ``delta`` 1 for the first stratum
in nlme's order (of first appearance once the rows are sorted by the
grouping factors).  For known ``delta`` the model is a
weighted linear mixed model (prior weights ``1 / delta_k^2``), whose
log-likelihood is nlme's; ``log delta`` is searched (BOBYQA) with that fit's
(RE)ML criterion profiled inside every evaluation, warm-started from the
previous covariance parameters (the fit: :mod:`._varfunc`, as every variance
function's).  gpa's ``gpa ~ occasion + (1 | student)`` reaches nlme
3.1-162's REML log-likelihood and ratios (``tests/lmm/test_varident.py``).

The cross-products of ``[Z X y]`` are formed once per stratum; an
evaluation adds them weighted by ``1 / delta_k^2`` and searches theta on
the sum, so its cost does not grow with the rows.  A stratum whose SD runs
below ``singular_tol`` times the largest is reported as a singular fit (the
likelihood has no maximum there).  Inference that would treat ``delta`` as
known (profiles, bootstrap, Satterthwaite and Kenward-Roger df: lmerTest's
and pbkrtest's methods have no ``varIdent``) raises ``NotImplementedError``
(:class:`~mixedmodels.lmm._resfit.ResidualStructureFit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mixedmodels._control import Control
from mixedmodels._warnings import SingularFitWarning, signal
from mixedmodels.formula import FormulaError
from mixedmodels.formula._values import as_factor
from mixedmodels.lmm._resfit import ResidualStructureFit

__all__ = ["VarIdent", "VarIdentFit", "check_strata", "degenerate_strata", "nlme_order", "strata_codes",
           "var_ident_lines"]

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


def degenerate_strata(ratios: pd.Series, by: str, boundary: bool = False) -> ValueError:
    """The error of a search that ran to a stratum of (numerically) zero
    variance (``boundary``: its message as a singular-fit warning)."""
    relative = ratios / ratios.max()
    where = ("on the boundary (singular): the estimates are unreliable" if boundary
             else "where the model cannot be factored")
    return ValueError(
        f"VarIdent({by!r}): the search ran to a residual SD of stratum {relative.idxmin()!r} "
        f"{relative.min():.2g} times the largest, {where}. "
        "The likelihood grows without bound as one stratum's residual variance goes to zero when the "
        "random effects can fit that stratum's rows exactly (for example one row per group in it, or "
        "repeated rows); such a model has no maximum-likelihood fit. Merge that stratum with another, "
        "or drop VarIdent.")


def check_strata(ratios: pd.Series, by: str, control: Control) -> None:
    """A stratum's SD below ``singular_tol`` times the largest is a singular
    fit (a warning at ``check_singular``'s level)."""
    if ratios.min() < control.singular_tol * ratios.max():
        signal(str(degenerate_strata(ratios, by, boundary=True)), control.check_singular, SingularFitWarning)
