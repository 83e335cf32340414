"""Normal quantile-quantile plots: R's ``qqnorm`` and ``qqline``."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

from mixedmodels.plots._backend import axes_or_new
from mixedmodels.plots._modes import group_modes


def normal_scores(n: int) -> np.ndarray:
    """R's ``qnorm(ppoints(n))``: ``(i - a) / (n + 1 - 2a)``, ``a = 3/8`` for ``n <= 10``, else ``1/2``."""
    a = 0.375 if n <= 10 else 0.5
    return ndtri((np.arange(1, n + 1) - a) / (n + 1 - 2 * a))


def qq(fit, type: str | None = None, group: str | None = None, effect: str | None = None,
       ax: Any | None = None) -> Any:
    """Sorted values against normal scores, with R's ``qqline`` (through the quartiles).

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        A fitted model.
    type : str, optional
        Residual type (when ``group`` is not given); default: the fit's
        ``residuals()`` default, as R's ``resid`` (response for lmer,
        deviance for glmer).
    group, effect : str, optional
        Plot the conditional modes of ``effect`` (default: the first) of
        grouping factor ``group`` instead of the residuals.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default: new axes.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if group is None:
        resid = fit.residuals() if type is None else fit.residuals(type)
        values, label = np.asarray(resid, dtype=float), str(getattr(resid, "name", None) or "residuals")
    else:
        modes = group_modes(fit, group)
        effect = effect or str(modes.columns[0])
        if effect not in modes.columns:
            raise ValueError(f"{group!r} has no random effect {effect!r}; it has {list(modes.columns)}")
        values, label = modes[effect].to_numpy(dtype=float), f"{group}: {effect}"
    values = np.sort(values[np.isfinite(values)])
    scores = normal_scores(values.size)
    ax = axes_or_new(ax)
    ax.scatter(scores, values, s=12, facecolors="none", edgecolors="C0")
    q_values, q_norm = np.quantile(values, [0.25, 0.75]), ndtri([0.25, 0.75])
    slope = (q_values[1] - q_values[0]) / (q_norm[1] - q_norm[0])
    ax.axline((q_norm[0], q_values[0]), slope=slope, color="0.5", linewidth=0.8)
    ax.set_xlabel("normal quantiles")
    ax.set_ylabel(label)
    return ax

