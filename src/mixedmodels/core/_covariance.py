"""Maps from covariance parameters theta to a term's relative covariance factor.

Each random-effects term with ``k`` effects has a ``k x k`` lower-triangular
factor ``lambda`` (lme4's ``Lambda`` block for one level); the covariance of
the term's effects is ``sigma^2 lambda lambda'``.  A structure turns its slice
of theta into that factor.  Structured covariances (diagonal, compound
symmetry, AR(1), ...) plug in here by implementing the same four members
(``n_params``, ``lower_bounds``, ``initial``, ``factor``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class CovarianceStructure(ABC):
    """Interface: the parameters of one term's relative covariance factor."""

    def __init__(self, k: int) -> None:
        self.k = int(k)
        rows, cols = np.tril_indices(self.k)
        order = np.lexsort((rows, cols))  # column-major lower triangle, as lme4
        self._rows, self._cols = rows[order], cols[order]

    @property
    @abstractmethod
    def n_params(self) -> int:
        """Number of entries of theta this term uses."""

    @abstractmethod
    def lower_bounds(self) -> np.ndarray:
        """Lower bounds of this term's theta (``-inf`` where unbounded)."""

    @abstractmethod
    def initial(self) -> np.ndarray:
        """lme4's starting values."""

    @abstractmethod
    def factor(self, theta: np.ndarray) -> np.ndarray:
        """The ``k x k`` lower-triangular relative covariance factor."""

    def faces(self, theta: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Parameters with the same covariance as ``theta`` where a zero
        diagonal element may have a downhill slope into the interior that
        it lacks at ``theta``, each with that element's index (none by default)."""
        return []

    def columns(self) -> list[np.ndarray]:
        """Indices into this term's theta of each column of the factor with
        at least two free entries, its diagonal element first (none by default)."""
        return []

    def param_scales(self, column_scales: np.ndarray) -> np.ndarray:
        """The scale of each entry of theta given the scales of the term's
        columns: that of the column (effect) of its row of ``lambda``."""
        rows, _ = self._positions()
        return np.asarray(column_scales, dtype=float)[rows]

    def param_labels(self, effect_names: list[str]) -> list[str]:
        """Names of theta entries, lme4 style (``effect`` or ``e1.e2``)."""
        rows, cols = self._positions()
        return [
            effect_names[r] if r == c else f"{effect_names[r]}.{effect_names[c]}"
            for r, c in zip(rows, cols)
        ]

    def _positions(self) -> tuple[np.ndarray, np.ndarray]:
        return self._rows, self._cols


class Unstructured(CovarianceStructure):
    """General positive semi-definite covariance (lme4's default).

    theta is the column-major lower triangle of ``lambda``; diagonal entries
    are bounded below by 0 and start at 1, off-diagonals start at 0.
    """

    @property
    def n_params(self) -> int:
        return self.k * (self.k + 1) // 2

    def lower_bounds(self) -> np.ndarray:
        rows, cols = self._positions()
        return np.where(rows == cols, 0.0, -np.inf)

    def initial(self) -> np.ndarray:
        rows, cols = self._positions()
        return np.where(rows == cols, 1.0, 0.0)

    def factor(self, theta: np.ndarray) -> np.ndarray:
        lam = np.zeros((self.k, self.k))
        rows, cols = self._positions()
        lam[rows, cols] = theta
        return lam

    def columns(self) -> list[np.ndarray]:
        """Columns ``j < k - 1`` of ``lambda``: ``lambda[j:, j]``'s entries of theta
        (column-major, so the diagonal element comes first)."""
        _, cols = self._positions()
        return [np.flatnonzero(cols == j) for j in range(self.k - 1)]

    def faces(self, theta: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """With ``lambda[j, j] = 0`` the columns ``j`` and ``j + 1`` of
        ``lambda`` may be rotated into each other (below row ``j``) without
        changing ``lambda lambda'``: a circle of equal deviance, along which
        the slope into ``lambda[j, j] > 0`` varies.  Returned: the two points
        where ``lambda[j + 1, j + 1] = 0`` (row ``j + 1`` all in column ``j``,
        either sign), whose slopes are opposite; at an optimum one of them
        is downhill whenever any point of the circle is."""
        lam, rows, cols = self.factor(theta), *self._positions()
        out = []
        for j in range(self.k - 1):
            a, b = lam[j + 1, j], lam[j + 1, j + 1]
            radius = np.hypot(a, b)
            if lam[j, j] != 0 or radius == 0:
                continue
            for sign in (1.0, -1.0):
                c, s = sign * a / radius, sign * b / radius
                turned = lam.copy()
                turned[:, j] = c * lam[:, j] + s * lam[:, j + 1]
                turned[:, j + 1] = -s * lam[:, j] + c * lam[:, j + 1]
                turned[j + 1, j + 1] = 0.0  # exactly, as the bound
                turned[j, j] = 0.0  # not -0.0
                out.append((turned[rows, cols], int(np.flatnonzero((rows == j) & (cols == j))[0])))
        return out
