"""Richardson-extrapolated finite differences, as R's numDeriv (``genD``, ``jacobian``).

lmerTest takes the Hessian of the deviance and the Jacobian of cov(beta) in
the variance parameters with numDeriv's defaults; using the same steps and
extrapolation reproduces its degrees of freedom to many digits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_ZERO_TOL = float(np.sqrt(np.finfo(float).eps / 7e-7))
_R = 4  # extrapolation levels; numDeriv's step ratio v = 2 is built in below


def _steps(x: np.ndarray, d: float, eps: float = 1e-4) -> np.ndarray:
    """numDeriv's initial steps: ``|d x|``, plus ``eps`` where x is (near) zero."""
    return np.abs(d * x) + eps * (np.abs(x) < _ZERO_TOL)


def _extrapolate(a: np.ndarray) -> np.ndarray:
    """Richardson extrapolation along axis 0 of estimates at steps h, h/2, h/4, ..."""
    for m in range(1, a.shape[0]):
        a = (a[1:] * 4.0**m - a[:-1]) / (4.0**m - 1.0)
    return a[0]


def jacobian(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, d: float = 1e-4) -> np.ndarray:
    """``(m, n)`` Jacobian of a vector function (numDeriv's ``jacobian``)."""
    x = np.asarray(x, dtype=float)
    h0 = _steps(x, d)
    columns = []
    for i in range(x.size):
        est = []
        for k in range(_R):
            step = np.zeros_like(x)
            step[i] = h0[i] / 2.0**k
            est.append((np.ravel(fn(x + step)) - np.ravel(fn(x - step))) / (2.0 * step[i]))
        columns.append(_extrapolate(np.array(est)))
    return np.column_stack(columns)


def hessian(fn: Callable[[np.ndarray], float], x: np.ndarray, d: float = 0.1) -> np.ndarray:
    """``(n, n)`` Hessian of a scalar function (numDeriv's ``hessian`` via ``genD``)."""
    x = np.asarray(x, dtype=float)
    n, f0, h0 = x.size, float(fn(x)), _steps(x, d)
    unit = np.eye(n)
    diag = np.empty(n)
    for i in range(n):
        est = [(fn(x + unit[i] * h) - 2.0 * f0 + fn(x - unit[i] * h)) / h**2
               for h in (h0[i] / 2.0**k for k in range(_R))]
        diag[i] = _extrapolate(np.array(est))
    hess = np.diag(diag)
    for i in range(n):
        for j in range(i):
            est = []
            for k in range(_R):
                hi, hj = h0[i] / 2.0**k, h0[j] / 2.0**k
                step = unit[i] * hi + unit[j] * hj
                second = fn(x + step) - 2.0 * f0 + fn(x - step)
                est.append((second - diag[i] * hi**2 - diag[j] * hj**2) / (2.0 * hi * hj))
            hess[i, j] = hess[j, i] = _extrapolate(np.array(est))
    return hess
