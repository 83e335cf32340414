"""Anderson acceleration of PIRLS's chord steps.

A chord step ``x <- x + f(x)`` (``f = H_0^{-1} g``, the score solved with a
factor formed earlier) converges linearly, at the rate at which ``H_0``
misses the current Hessian.  Anderson's method (type II, memory ``m``)
mixes the last few steps instead: with ``dX``, ``dF`` the differences of
the last iterates and of their steps, it takes ``gamma`` minimizing
``|f - dF gamma|`` and moves to ``x + f - (dX + dF) gamma`` -- for a linear
problem the iterates of GMRES preconditioned by ``H_0``.  The iterate is
``(u, beta)``, flattened.
"""

from __future__ import annotations

import numpy as np


class AndersonMixer:
    """Accelerated chord iterates from the plain steps, memory ``m``."""

    def __init__(self, m: int = 3) -> None:
        self.m = m
        self._last: tuple[np.ndarray, np.ndarray] | None = None
        self._dx: list[np.ndarray] = []
        self._df: list[np.ndarray] = []

    def next(self, u: list[np.ndarray], beta: np.ndarray, du: list[np.ndarray],
             dbeta: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The next iterate ``(u, beta)`` from the current one and its chord step."""
        x = np.concatenate([a.ravel() for a in u] + [beta])
        f = np.concatenate([a.ravel() for a in du] + [dbeta])
        if self._last is not None:
            self._dx.append(x - self._last[0])
            self._df.append(f - self._last[1])
            if len(self._dx) > self.m:
                del self._dx[0], self._df[0]
        self._last = (x, f)
        step = f
        if self._df:
            dF = np.column_stack(self._df)
            gamma = np.linalg.lstsq(dF, f, rcond=None)[0]
            step = f - (np.column_stack(self._dx) + dF) @ gamma
        new = x + step
        out, at = [], 0
        for a in u:
            out.append(new[at : at + a.size].reshape(a.shape))
            at += a.size
        return out, new[at:]
