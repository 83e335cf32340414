"""Residuals against fitted values: lme4's ``plot(fit)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from mixedmodels.plots._backend import axes_or_new


def residuals_vs_fitted(fit, type: str = "pearson", ax: Any | None = None) -> Any:
    """Scatter of ``fit.residuals(type)`` against ``fit.fitted()``, with a line at 0.

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        A fitted model.
    type : str
        Residual type, as :meth:`residuals` takes it (lme4's plot uses Pearson's).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default: new axes.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes_or_new(ax)
    fitted = np.asarray(fit.fitted(), dtype=float)
    resid = np.asarray(fit.residuals(type), dtype=float)
    ax.scatter(fitted, resid, s=12, facecolors="none", edgecolors="C0")
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set_xlabel("fitted values")
    ax.set_ylabel(f"{type} residuals")
    return ax
