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

import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

SMALL_DENSE = 1000
_lock = threading.Lock()
_depth = 0  # limited blocks open in this process (the limit is process-wide)
_restore = None


@lru_cache(maxsize=None)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def blas_threads_for(dense_order: int) -> Iterator[None]:
    """One BLAS thread inside the block when ``dense_order < SMALL_DENSE``
    (the order of the densely factored part of the rest); otherwise the
    BLAS library's own setting.

    The limit is process-wide: with blocks open in several threads at once
    (fits run in threads), the first one sets it and the last one to close
    restores the original setting.
    """
    global _depth, _restore
    if dense_order >= SMALL_DENSE:
        yield
        return
    with _lock:
        if _depth == 0:
            _restore = _controller().limit(limits=1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _restore.restore_original_limits()
                _restore = None
