"""Theta searched in the units of the random effects' columns.

The relative covariance factor scales the random effects of each column of
``Z``: with a slope on a predictor in the thousands its theta is in the
thousandths, next to an intercept's of order one.  BOBYQA's one trust
region then resolves the small elements only after it has shrunk a
thousandfold, and the search stops far from the optimum -- lme4's too (on
the ``y ~ x + (x | g)`` fits of ``tools/lme4_diff`` with ``x`` in the
thousands, lme4 stops up to 40 units of deviance above the optimum with a
convergence warning).  So when a term's column has a root mean square
outside ``[1 / SCALE_RANGE, SCALE_RANGE]``, every element of theta is
searched multiplied by the root mean square of its row's column (its
effect's, :meth:`~mixedmodels.core._covariance.CovarianceStructure.param_scales`),
from lme4's start in those units (the identity), as if every predictor had
been rescaled.  Models whose columns are within the range keep lme4's search.

Why 10: on 40 simulated ``y ~ x + (x | g)`` fits (ML), with ``x`` multiplied
by 10 the rescaled search reached a better optimum than lme4's search in
20 and a worse one in none; by 3, better in 6, worse in none; with ``x`` as
drawn (root mean square 1 to 3), forcing the rescaled search made 2 better
and 2 worse (by up to 2.1: such fits have several optima on the boundary,
and any change of path lands on another now and then).  Orthodont's age
(8 to 14 years, root mean square 11) is rescaled, and its ``(age | Subject)``
fits end within 1e-8 of lme4's log-likelihoods.
"""

from __future__ import annotations

import numpy as np

from mixedmodels.core._reblock import RandomEffectsBlock
from mixedmodels.core._theta import ThetaMap

SCALE_RANGE = 10.0


def column_rms(values: np.ndarray) -> np.ndarray:
    """Root mean square of each column of ``values`` (``n x k``; 1 for an
    all-zero column or without rows): a term's ``Z``, or ``X``."""
    rms = np.sqrt(np.mean(values**2, axis=0)) if values.shape[0] else np.ones(values.shape[1])
    return np.where(rms > 0, rms, 1.0)


def theta_scales(theta_map: ThetaMap, blocks: list[RandomEffectsBlock]) -> np.ndarray | None:
    """The factors theta's elements are searched multiplied by, or None when
    every column's root mean square is within range (lme4's search)."""
    columns = [column_rms(b.Z) for b in blocks]
    if all(np.all((c >= 1 / SCALE_RANGE) & (c <= SCALE_RANGE)) for c in columns):
        return None
    return np.concatenate([s.param_scales(c) for s, c in zip(theta_map.structures, columns)])
