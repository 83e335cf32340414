"""BLAS threads during a fit: one, when the dense part of the factor is small.

A fit interleaves many small BLAS calls with single-threaded numpy work.
With OpenBLAS's default of one thread per core, its worker threads go to
sleep between calls and are woken for each one; on small matrices that
costs more than it saves, and now and then a wake-up takes tens of
milliseconds (a 503 x 503 Cholesky factorization measured 1.6 ms with one
thread and up to 130 ms with two, inside a 200,000-row GLMM fit: 13 s
against 20 s in all).  Large dense factors (order >= ``SMALL_DENSE``) keep
the BLAS default, where the second core pays (InstEval: 1.7 s against 2.1 s).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

SMALL_DENSE = 1000


@lru_cache(maxsize=None)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def blas_threads_for(dense_order: int) -> Iterator[None]:
    """One BLAS thread inside the block when ``dense_order < SMALL_DENSE``
    (the order of the densely factored part of the rest); otherwise the
    BLAS library's own setting."""
    if dense_order >= SMALL_DENSE:
        yield
        return
    with _controller().limit(limits=1, user_api="blas"):
        yield
