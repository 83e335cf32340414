"""Central finite-difference gradient and Hessian (lme4's ``deriv12``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def gradient_hessian(
    fn: Callable[[np.ndarray], float],
    x: np.ndarray,
    delta: float = 1e-4,
    fx: float | None = None,
    lower: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of ``fn`` at ``x`` by central differences.

    Steps that would cross a lower bound are shortened to end on it, as
    lme4's ``deriv12`` does.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    fx = fn(x) if fx is None else fx
    up = np.full(n, delta)
    down = backward_steps(x, delta, lower)
    grad, hess = np.empty(n), np.empty((n, n))
    for j in range(n):
        f_add = fn(shifted(x, [j], [up[j]]))
        f_sub = fn(shifted(x, [j], [-down[j]]))
        hess[j, j] = f_add / up[j] ** 2 - 2 * fx / (up[j] * down[j]) + f_sub / down[j] ** 2
        grad[j] = (f_add - f_sub) / (up[j] + down[j])
        for i in range(j):
            f_aa = fn(shifted(x, [i, j], [up[i], up[j]]))
            f_as = fn(shifted(x, [i, j], [up[i], -down[j]]))
            f_sa = fn(shifted(x, [i, j], [-down[i], up[j]]))
            f_ss = fn(shifted(x, [i, j], [-down[i], -down[j]]))
            hess[i, j] = hess[j, i] = (f_aa - f_as - f_sa + f_ss) / ((up[i] + down[i]) * (up[j] + down[j]))
    return grad, hess


def backward_steps(x: np.ndarray, delta: float, lower: np.ndarray | None) -> np.ndarray:
    """``delta`` per coordinate, shortened to end on a lower bound it would cross."""
    down = np.full(x.size, delta)
    if lower is None:
        return down
    return np.minimum(down, np.where(np.isfinite(lower), x - lower, delta))


def shifted(x: np.ndarray, idx: list[int], steps: list[float]) -> np.ndarray:
    """A copy of ``x`` with ``steps`` added at ``idx``."""
    out = x.copy()
    out[idx] += steps
    return out
