"""A finite-difference gradient and Hessian with fewer evaluations than ``deriv12``.

lme4's ``deriv12`` spends ``2 n^2 + 1`` evaluations (four per off-diagonal
pair).  With a smooth objective (PIRLS converged tightly) one evaluation per
pair is enough: ``H_ij ~ (f(x + h e_i + h e_j) - f(x + h e_i) - f(x + h e_j) + f(x)) / h^2``,
accurate to O(h), reusing the points of the central diagonal differences:
``1 + 2 n + n (n - 1) / 2`` evaluations in all (36 instead of 99 for n = 7).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels.core._derivs import backward_steps, shifted


def gradient_hessian_compact(
    fn: Callable[[np.ndarray], float],
    x: np.ndarray,
    delta: float = 1e-4,
    fx: float | None = None,
    lower: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Central gradient and diagonal, forward cross differences off the diagonal.

    A backward step that would cross a lower bound is shortened to end on it
    (a parameter on its bound gets a one-sided second difference).
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    fx = fn(x) if fx is None else fx
    f_up, grad, diagonal = axis_differences(fn, x, delta, fx, lower)
    hess = np.diag(diagonal)
    for j in range(n):
        for i in range(j):
            f_ij = fn(shifted(x, [i, j], [delta, delta]))
            hess[i, j] = hess[j, i] = (f_ij - f_up[i] - f_up[j] + fx) / delta**2
    return grad, hess



def axis_differences(fn: Callable[[np.ndarray], float], x: np.ndarray, delta: float, fx: float,
                     lower: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps along each axis: ``f(x + delta e_j)``, the central gradient and the
    second derivatives on the diagonal (``2 n`` evaluations).  A backward step
    that would cross a lower bound is shortened to end on it; one of length
    zero is replaced by a second forward step (one-sided differences)."""
    n = x.size
    down = backward_steps(x, delta, lower)
    f_up, grad, diagonal = np.empty(n), np.empty(n), np.empty(n)
    for j in range(n):
        f_up[j] = fn(shifted(x, [j], [delta]))
        if down[j] > 0:
            f_down = fn(shifted(x, [j], [-down[j]]))
            grad[j] = (f_up[j] - f_down) / (delta + down[j])
            diagonal[j] = 2 * (down[j] * f_up[j] - (delta + down[j]) * fx + delta * f_down) / (
                delta * down[j] * (delta + down[j]))
        else:
            f_2up = fn(shifted(x, [j], [2 * delta]))
            grad[j] = (f_up[j] - fx) / delta
            diagonal[j] = (f_2up - 2 * f_up[j] + fx) / delta**2
    return f_up, grad, diagonal


def gradient_with_hessian_of(hessian: Callable[[], np.ndarray]):
    """``derivatives`` for :func:`~mixedmodels._checks.convergence_derivatives`: the
    central gradient of the objective, with the Hessian taken from ``hessian()``
    (e.g. that of a related function) instead of ``n (n - 1) / 2`` more evaluations."""

    def derivatives(fn, x, delta: float = 1e-4, fx: float | None = None, lower=None):
        x = np.asarray(x, dtype=float)
        fx = fn(x) if fx is None else fx
        return axis_differences(fn, x, delta, fx, lower)[1], hessian()

    return derivatives
