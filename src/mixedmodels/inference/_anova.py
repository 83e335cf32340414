"""lmerTest's ``anova``: an F test per fixed-effects term."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.inference._contest import F_COLUMNS, ddf_method, f_test
from mixedmodels.inference._hypotheses import HYPOTHESES, TermStructure

_TYPES = {"1": 1, "i": 1, "2": 2, "ii": 2, "3": 3, "iii": 3}
_TITLES = {"satterthwaite": "Satterthwaite's", "kenward-roger": "Kenward-Roger's", "asymptotic": "asymptotic"}


def anova_table(fit, type: int | str = 3, ddf: str = "satterthwaite") -> pd.DataFrame:
    """F tests of the model terms; ``attrs["heading"]`` holds lmerTest's heading.

    Columns ``sum_sq, mean_sq, num_df, den_df, f_value, p_value`` (lmerTest's
    ``Sum Sq``, ``Mean Sq``, ``NumDF``, ``DenDF``, ``F value``, ``Pr(>F)``);
    ``attrs["hypotheses"]`` maps each term to its contrast matrix.
    ``ddf="lme4"`` gives lme4's own table, as lmerTest does: sequential
    (type I whatever ``type`` says), columns ``npar, sum_sq, mean_sq,
    f_value``, no degrees of freedom and no p-values.
    """
    if str(ddf).lower() == "lme4":
        return lme4_anova(fit)
    kind = _TYPES.get(str(type).lower())
    if kind is None:
        raise ValueError(f"type must be 1, 2 or 3 (or 'I', 'II', 'III'); got type={type!r}.")
    method = ddf_method(ddf)
    hypotheses = HYPOTHESES[kind](TermStructure(fit.frame, fit.data))
    rows = [f_test(fit, L, method) for L in hypotheses.values()]
    table = pd.DataFrame(rows, index=pd.Index(list(hypotheses), name="term"), columns=F_COLUMNS, dtype=float)
    table["num_df"] = table["num_df"].astype(int)
    numeral = "I" * kind
    table.attrs["heading"] = f"Type {numeral} Analysis of Variance Table with {_TITLES[method]} method"
    table.attrs["hypotheses"] = hypotheses
    return table


def lme4_anova(fit) -> pd.DataFrame:
    """lme4's ``anova`` of one fit: sequential sums of squares, the squares of
    ``R_X beta`` (``R_X' R_X`` beta's unscaled precision) summed over each
    term's columns in X's order, and ``F = Mean Sq / sigma^2``.  Not
    lmerTest's type I, whose hypotheses come from ``X'X``: the two agree
    for balanced data only."""
    beta = fit.fixef.to_numpy()
    squares = (fit._state.r_x(beta.size).T @ beta) ** 2
    assign = np.asarray(fit.frame.fixef_assign)
    labels = fit.frame.spec.term_labels
    npar = np.array([np.sum(assign == t + 1) for t in range(len(labels))])
    sum_sq = np.array([squares[assign == t + 1].sum() for t in range(len(labels))])
    keep = npar > 0  # a term whose columns were all dropped as aliased has no row
    mean_sq = sum_sq[keep] / npar[keep]
    out = pd.DataFrame({"npar": npar[keep], "sum_sq": sum_sq[keep], "mean_sq": mean_sq,
                        "f_value": mean_sq / fit.sigma**2}, index=pd.Index(np.array(labels)[keep], name="term"))
    out.attrs["heading"] = "Analysis of Variance Table"
    return out
