"""The records the formula layer returns: :class:`ReTerm` and :class:`ModelFrame`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mixedmodels.formula._spec import ModelSpec

__all__ = ["ModelFrame", "ReTerm"]


@dataclass
class ReTerm:
    """One random-effects term, e.g. ``(Days | Subject)``.

    Attributes
    ----------
    group : str
        Grouping factor name as in lme4's ``flist`` (``"student:school"``).
    name : str
        VarCorr name (``"Subject"``, ``"Subject.1"`` for a second term).
    codes : ndarray of int64, shape (n,)
        Level index (0-based) of each row used.
    levels : list of str
        Level labels in lme4's order.
    Z : ndarray of float64, shape (n, k)
        Per-row values of the term's effects.
    effect_names : list of str
        lme4's names of the effects (``"(Intercept)"``, ``"Days"``).
    """

    group: str
    name: str
    codes: np.ndarray
    levels: list[str]
    Z: np.ndarray
    effect_names: list[str]

    @property
    def nlevels(self) -> int:
        """Number of levels of the grouping factor."""
        return len(self.levels)

    @property
    def k(self) -> int:
        """Number of effects per level."""
        return self.Z.shape[1]


@dataclass
class ModelFrame:
    """Everything a fitter needs from a formula and data, as plain arrays.

    Attributes
    ----------
    formula : str
        The formula as given.
    response : ndarray
        (n,) float64, or (n, 2) ``[successes, failures]`` for ``cbind``.
    response_name : str
        The response as R names it, e.g. ``"log(Spobee + 1)"``.
    X : ndarray
        (n, p) fixed-effects matrix, aliased columns dropped.
    fixef_names : list of str
        lme4's names of the columns of ``X``.
    dropped_fixef : list of str
        Names of aliased columns removed.
    re_terms : list of ReTerm
        Random-effects terms in lme4's order (empty without bars).
    offset, weights : ndarray or None
        (n,) offset (sum of ``offset()`` terms and argument) and prior weights.
    n_dropped : int
        Rows removed because of missing values.
    rows_used : ndarray of int64
        0-based positions in the input data of the rows used.
    spec : ModelSpec
        Rebuilds the matrices for new data.
    row_labels : pandas.Index
        Index labels of the rows used (the input DataFrame's index; positions
        for other inputs): the index of fitted values, residuals, simulations.
    arguments : dict
        The ``weights``, ``offset``, ``na_action`` and (when given)
        ``contrasts`` the frame was built with, as given (a column name or
        values; copies): ``update`` builds a new
        formula's frame with them, as lme4's ``update`` re-evaluates its call.
    """

    formula: str
    response: np.ndarray
    response_name: str
    X: np.ndarray
    fixef_names: list[str]
    dropped_fixef: list[str]
    re_terms: list[ReTerm]
    offset: np.ndarray | None
    weights: np.ndarray | None
    n_dropped: int
    rows_used: np.ndarray
    spec: ModelSpec = field(repr=False)
    row_labels: pd.Index = field(default=None, repr=False)  # type: ignore[assignment]
    arguments: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.row_labels is None:
            self.row_labels = pd.Index(self.rows_used)

    @property
    def n(self) -> int:
        """Number of observations used."""
        return int(self.response.shape[0])

    @property
    def fixef_assign(self) -> list[int]:
        """Term of every column of ``X``: 0 for the intercept, ``t + 1`` for
        ``spec.term_labels[t]`` (R's ``attr(X, "assign")``)."""
        return self.spec.fixef_assign

    @property
    def ngroups(self) -> dict[str, int]:
        """Grouping factor -> number of levels, as lme4's ``ngrps``."""
        out: dict[str, int] = {}
        for term in self.re_terms:
            out.setdefault(term.group, term.nlevels)
        return out
