"""The conditional modes of one grouping factor, for the plots."""

from __future__ import annotations

import pandas as pd


def group_modes(fit, group: str) -> pd.DataFrame:
    """``fit.ranef[group]``, or a ValueError naming the grouping factors there are."""
    ranef = fit.ranef
    if group not in ranef:
        raise ValueError(f"no grouping factor {group!r} in the fit; it has {list(ranef)}")
    return ranef[group]
