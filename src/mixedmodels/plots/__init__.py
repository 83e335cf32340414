"""Diagnostic plots of a fit with matplotlib (``pip install mixedmodels[plot]``).

- :func:`residuals_vs_fitted`: lme4's ``plot(fit)``, Pearson residuals against fitted values;
- :func:`qq`: ``qqnorm(resid(fit)); qqline(resid(fit))``, or of the conditional modes;
- :func:`caterpillar`: lattice's ``dotplot(ranef(fit, condVar = TRUE))``, the
  conditional modes of one grouping factor, sorted, with intervals from their
  conditional variances.

Each draws into ``ax`` (or new axes) and returns what it drew into.
"""

from mixedmodels.plots._caterpillar import caterpillar
from mixedmodels.plots._qq import qq
from mixedmodels.plots._residuals import residuals_vs_fitted

__all__ = ["caterpillar", "qq", "residuals_vs_fitted"]
