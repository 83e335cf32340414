"""lmerTest's ``anova``: an F test per fixed-effects term."""

from __future__ import annotations

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
    """
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
