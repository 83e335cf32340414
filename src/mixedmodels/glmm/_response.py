"""The GLMM response from a model frame: lme4's (and R's ``glm``'s) conventions.

Binomial responses may be 0/1, logical, a two-level factor (first level =
failure), a two-level column of strings (a factor with sorted levels, as
R's ``model.frame`` makes it: the first in sorted order is the failure), a
proportion with prior weights (number of trials), or
``cbind(successes, failures)``, which becomes ``y = s / (s + f)`` with
weights ``s + f`` as R's ``binomial()$initialize`` does.  The 0/1 coding
happens in :mod:`mixedmodels.formula._response`.
"""

from __future__ import annotations

import numpy as np

from mixedmodels._warnings import ResponseWarning, signal
from mixedmodels.core._glmresp import GlmResponse
from mixedmodels.families import Binomial, Family
from mixedmodels.formula import FormulaError, ModelFrame

NONINTEGER_TOL = 1e-3  # R's binomial()$initialize


def glm_response(frame: ModelFrame, family: Family, check_counts: str = "warn") -> GlmResponse:
    """Response, weights, binomial trials and offset as lme4's ``glmResp``;
    binomial counts that are not whole numbers get R's warnings (at
    ``check_counts``)."""
    y = np.asarray(frame.response, dtype=float)
    n = y.shape[0]
    prior = np.ones(n) if frame.weights is None else np.asarray(frame.weights, dtype=float)
    if np.any(prior < 0):
        raise ValueError(f"negative weights are not allowed; got min {prior.min():g}.")
    offset = np.zeros(n) if frame.offset is None else np.asarray(frame.offset, dtype=float)
    if y.ndim == 2:
        if not isinstance(family, Binomial):
            raise FormulaError(
                f"The response {frame.response_name!r} has two columns; cbind(successes, failures) "
                f"is only for the binomial family, not {family.name}."
            )
        trials = y[:, 0] + y[:, 1]
        if np.any(y < 0):
            raise ValueError("cbind(successes, failures) counts must be non-negative.")
        _check_whole(y, "non-integer counts in a binomial glm!", check_counts)
        y = np.where(trials > 0, y[:, 0] / np.where(trials > 0, trials, 1.0), 0.0)
        family.check_response(y)
        return GlmResponse(y, family, prior * trials, trials, offset)
    family.check_response(y)
    if isinstance(family, Binomial):
        _check_whole(prior * y, "non-integer #successes in a binomial glm!", check_counts)
    return GlmResponse(y, family, prior, np.ones(n), offset)


def _check_whole(counts: np.ndarray, message: str, level: str) -> None:
    """R's warning when binomial counts are more than 1e-3 from whole numbers."""
    off = np.abs(counts - np.round(counts)) > NONINTEGER_TOL
    rows = np.any(off, axis=1) if off.ndim == 2 else off
    if np.any(rows):
        hint = "" if off.ndim == 2 else "; a proportion response needs its numbers of trials as weights"
        signal(f"{message} ({int(rows.sum())} of {rows.size} rows{hint})", level, ResponseWarning)
