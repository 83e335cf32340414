"""Conditional modes with intervals: lattice's ``dotplot(ranef(fit, condVar = TRUE))``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from mixedmodels.plots._backend import pyplot
from mixedmodels.plots._modes import group_modes


def mode_intervals(fit, group: str, level: float = 0.95) -> dict[str, pd.DataFrame]:
    """Per effect of ``group``: the modes and ``mode -+ z sqrt(conditional variance)``
    (columns ``mode``, ``lower``, ``upper``; levels sorted by the first effect's
    mode, as lme4's ``dotplot`` orders every panel)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level!r}")
    modes = group_modes(fit, group)
    sd = pd.DataFrame(np.nan, index=modes.index, columns=modes.columns)
    for names, blocks in fit.ranef_condvar[group]:
        for j, name in enumerate(names):
            sd[name] = np.sqrt(np.asarray(blocks, dtype=float)[:, j, j])
    z = ndtri(0.5 + level / 2)
    order = np.argsort(modes.iloc[:, 0].to_numpy(dtype=float), kind="stable")
    return {str(effect): pd.DataFrame({"mode": modes[effect], "lower": modes[effect] - z * sd[effect],
                                       "upper": modes[effect] + z * sd[effect]}).iloc[order]
            for effect in modes.columns}


def caterpillar(fit, group: str | None = None, level: float = 0.95, axes: Any | None = None) -> Any:
    """One panel per random effect of ``group`` (default: the first grouping
    factor): its levels' modes with ``level`` intervals, the levels sorted by
    the first effect's mode in every panel.

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        A fitted model.
    group : str, optional
        Grouping factor; default: the first of ``fit.ranef``.
    level : float
        Coverage of the normal intervals from the conditional variances.
    axes : sequence of matplotlib.axes.Axes, optional
        One per effect; default: a new figure with a row of panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    group = group if group is not None else next(iter(fit.ranef))
    tables = mode_intervals(fit, group, level)
    if axes is None:
        _, axes = pyplot().subplots(1, len(tables), sharey=True, squeeze=False,
                                      figsize=(3.2 * len(tables), 0.5 + 0.18 * len(fit.ranef[group])))
        axes = axes[0]
    elif len(axes) != len(tables):
        raise ValueError(f"{group!r} has {len(tables)} random effects; got {len(axes)} axes")
    for ax, (effect, table) in zip(axes, tables.items()):
        y = np.arange(len(table))
        mode, lower, upper = (table[c].to_numpy(dtype=float) for c in ("mode", "lower", "upper"))
        ax.errorbar(mode, y, xerr=[mode - lower, upper - mode], fmt="o", markersize=3, linewidth=0.8, capsize=0)
        ax.axvline(0.0, color="0.5", linewidth=0.8)
        ax.set_yticks(y, [str(level_) for level_ in table.index], fontsize="small")
        ax.set_title(f"{group}: {effect}")
    return axes[0].figure
