"""BLAS threads during a fit: one, when the dense part of the factor is small.

A fit interleaves many small BLAS calls with single-threaded numpy work.
With OpenBLAS's default of one thread per core, its worker threads go to
sleep between calls and are woken for each one; on small matrices that
costs more than it saves, and now and then a wake-up takes tens of
milliseconds (a 503 x 503 Cholesky factorization measured 1.6 ms with one
thread and up to 130 ms with two, inside a 200,000-row GLMM fit: 13 s
against 20 s in all).  Large dense factors (order >= ``SMALL_DENSE``) keep
the BLAS default, where the second core pays (InstEval: 1.7 s against 2.1 s).

numpy and scipy wheels each bring their own OpenBLAS.  After a numpy matrix
product on two threads, numpy's workers keep spinning for a while, and a
scipy Cholesky factorization started then runs at half speed (a 1,157 x
1,157 ``dpotrf`` took 17 ms instead of 8.5 ms after one 29 x 2,972 times
2,972 x 29 product).  So inside a fit numpy's own OpenBLAS, when it is a
separate library, always gets one thread; the factorizations run in
scipy's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

SMALL_DENSE = 1000
_lock = threading.Lock()
_open = {"small": 0, "large": 0}  # blocks open in this process (the limits are process-wide)
_restore = None
_original_threads: dict[str, int] = {}  # BLAS library path -> its thread count before the limits


@cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@cache
def _numpy_own_blas() -> tuple[str, ...]:
    """File paths of the BLAS libraries that only numpy uses (those in its
    wheel, when another BLAS library -- scipy's -- is loaded too)."""
    import numpy
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS, if it has its own)

    root = Path(numpy.__file__).resolve().parent
    places = (root, root.with_name(root.name + ".libs"))
    blas = [lib.filepath for lib in _controller().lib_controllers if lib.user_api == "blas"]
    own = tuple(p for p in blas if any(Path(p).resolve().is_relative_to(place) for place in places))
    return own if len(own) < len(blas) else ()


def _apply() -> None:
    """Set the limits the open blocks need (called under the lock): one
    thread everywhere while a small block is open, else one for numpy's own
    copy while a large one is, else the original settings."""
    global _restore
    if _restore is not None:
        _restore.restore_original_limits()
        _restore = None
    if _open["small"]:
        _original_threads.update({lib.filepath: lib.num_threads for lib in _controller().lib_controllers
                                  if lib.user_api == "blas"})
        _restore = _controller().limit(limits=1, user_api="blas")
    elif _open["large"] and _numpy_own_blas():
        _restore = _controller().select(filepath=list(_numpy_own_blas())).limit(limits=1)


@contextmanager
def blas_threads_for(dense_order: int) -> Iterator[None]:
    """One BLAS thread inside the block when ``dense_order < SMALL_DENSE``
    (the order of the densely factored part of the rest); otherwise the
    BLAS library's own setting, except for numpy's own copy of OpenBLAS,
    which gets one thread (see the module notes).

    The limits are process-wide: with blocks open in several threads at
    once (fits run in threads), one thread everywhere while any small block
    is open, and the original settings once the last block closes.
    """
    kind = "small" if dense_order < SMALL_DENSE else "large"
    with _lock:
        _open[kind] += 1
        if _open[kind] == 1:
            _apply()
    try:
        yield
    finally:
        with _lock:
            _open[kind] -= 1
            if _open[kind] == 0:
                _apply()


BIG_PRODUCT_FLOPS = 5e7
"""A single BLAS product of at least this many flops gets the library's own
threads even inside a small block (a dense downdate of a 200,000-row GLMM:
6.2 -> 4.4 ms on two cores)."""


@contextmanager
def blas_threads_for_product(flops: float) -> Iterator[None]:
    """Around one large BLAS call made inside a small block: scipy's BLAS
    back to its original thread count for that call only (process-wide, as
    the blocks' limits: other threads' BLAS calls meanwhile get them too)."""
    if flops < BIG_PRODUCT_FLOPS:
        yield
        return
    with _lock:
        libs = [lib for lib in _controller().lib_controllers if lib.user_api == "blas"
                and lib.filepath not in _numpy_own_blas()] if _open["small"] else []
        for lib in libs:  # scipy's BLAS, each to its own count from before the limits
            lib.set_num_threads(_original_threads.get(lib.filepath, 1))
    try:
        yield
    finally:
        with _lock:  # back to one thread, unless the last small block closed meanwhile
            if _open["small"]:
                for lib in libs:
                    lib.set_num_threads(1)
