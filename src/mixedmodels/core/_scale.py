"""Multiplying the dense rest block by the block-diagonal ``Lambda_rest``."""

from __future__ import annotations

import numpy as np


def scale_columns(M: np.ndarray, segments: list[tuple[int, int, np.ndarray]]) -> None:
    """In place ``M <- M Lambda`` over column segments.

    ``segments`` holds ``(offset, nlevels, lam)``: the columns
    ``offset .. offset + nlevels * k`` are level-major with ``k x k`` factor
    ``lam``; columns outside every segment are left alone (identity).
    """
    for offset, q, lam in segments:
        k = lam.shape[0]
        view = M[:, offset : offset + q * k]
        if k == 1:
            view *= lam[0, 0]
        else:
            shaped = view.reshape(M.shape[0], q, k)
            shaped[...] = shaped @ lam


def scale_rows(M: np.ndarray, segments: list[tuple[int, int, np.ndarray]]) -> None:
    """In place ``M <- Lambda' M`` over row segments (see :func:`scale_columns`)."""
    for offset, q, lam in segments:
        k = lam.shape[0]
        view = M[offset : offset + q * k, :]
        if k == 1:
            view *= lam[0, 0]
        else:
            shaped = view.reshape(q, k, M.shape[1])
            shaped[...] = np.einsum("ba,lbc->lac", lam, shaped)


def scale_vector(v: np.ndarray, segments: list[tuple[int, int, np.ndarray]], transpose: bool) -> np.ndarray:
    """``Lambda v`` (or ``Lambda' v`` with ``transpose``) for a vector over the rest."""
    out = np.array(v, dtype=float, copy=True)
    for offset, q, lam in segments:
        k = lam.shape[0]
        seg = out[offset : offset + q * k].reshape(q, k)
        seg[...] = seg @ (lam if transpose else lam.T)
    return out
