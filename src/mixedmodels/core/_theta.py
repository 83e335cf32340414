"""Packing of theta across random-effects terms (lme4's order)."""

from __future__ import annotations

import numpy as np

from mixedmodels.core._covariance import CovarianceStructure


class ThetaMap:
    """Splits theta into per-term slices and builds each term's factor."""

    def __init__(self, structures: list[CovarianceStructure]) -> None:
        self.structures = structures
        sizes = [s.n_params for s in structures]
        self.bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)

    @property
    def size(self) -> int:
        """Length of theta."""
        return int(self.bounds[-1])

    def split(self, theta: np.ndarray) -> list[np.ndarray]:
        """Per-term slices of theta."""
        return [theta[a:b] for a, b in zip(self.bounds[:-1], self.bounds[1:])]

    def lambdas(self, theta: np.ndarray) -> list[np.ndarray]:
        """Relative covariance factor of every term."""
        return [s.factor(t) for s, t in zip(self.structures, self.split(theta))]

    def lower_bounds(self) -> np.ndarray:
        """Lower bounds of theta."""
        return np.concatenate([s.lower_bounds() for s in self.structures])

    def initial(self) -> np.ndarray:
        """Starting theta (lme4's)."""
        return np.concatenate([s.initial() for s in self.structures])

    def faces(self, theta: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Points of theta with its covariances where a zero diagonal element
        may fall into the interior, with that element's index in theta
        (:meth:`CovarianceStructure.faces`)."""
        out = []
        for structure, start, part in zip(self.structures, self.bounds[:-1], self.split(theta)):
            for turned, zero in structure.faces(part):
                point = np.array(theta, dtype=float)
                point[start : start + part.size] = turned
                out.append((point, int(start + zero)))
        return out

    def columns(self) -> list[np.ndarray]:
        """Indices into theta of each column of a term's factor with at least
        two free entries, its diagonal element first
        (:meth:`CovarianceStructure.columns`)."""
        return [start + part for structure, start in zip(self.structures, self.bounds[:-1])
                for part in structure.columns()]

    def is_singular(self, theta: np.ndarray, tol: float = 1e-4) -> bool:
        """lme4's ``isSingular``: a bounded entry within ``tol`` of its bound."""
        lower = self.lower_bounds()
        bounded = np.isfinite(lower)
        return bool(np.any(theta[bounded] - lower[bounded] < tol))
