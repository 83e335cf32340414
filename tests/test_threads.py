"""BLAS threads during fits: one for small dense factors, the default
otherwise, and always one for numpy's own copy of OpenBLAS."""

import pytest
from threadpoolctl import threadpool_info

from mixedmodels._threads import (
    BIG_PRODUCT_FLOPS,
    SMALL_DENSE,
    _numpy_own_blas,
    blas_threads_for,
    blas_threads_for_product,
)


def blas_threads(numpy_own: bool | None = None) -> set[int]:
    """Thread counts of the BLAS libraries (only numpy's own, or only the others)."""
    own = set(_numpy_own_blas())
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
            and (numpy_own is None or (lib["filepath"] in own) == numpy_own)}


def test_small_dense_factors_run_on_one_blas_thread_and_restore():
    before = blas_threads()
    with blas_threads_for(SMALL_DENSE - 1):
        assert blas_threads() == {1}
    assert blas_threads() == before
    others = blas_threads(numpy_own=False)
    with blas_threads_for(SMALL_DENSE):
        assert blas_threads(numpy_own=False) == others
        if _numpy_own_blas():
            assert blas_threads(numpy_own=True) == {1}
    assert blas_threads() == before


def test_nested_and_overlapping_blocks_restore_once_the_last_closes():
    before = blas_threads()
    with blas_threads_for(10):
        with blas_threads_for(20):
            assert blas_threads() == {1}
        assert blas_threads() == {1}  # the outer block is still open
    assert blas_threads() == before


def test_a_small_block_inside_a_large_one_gets_one_thread():
    before, others = blas_threads(), blas_threads(numpy_own=False)
    with blas_threads_for(SMALL_DENSE + 1):
        with blas_threads_for(10):
            assert blas_threads() == {1}
        assert blas_threads(numpy_own=False) == others  # back to the large block's limits
    assert blas_threads() == before


def test_one_large_product_in_a_small_block_gets_the_original_threads():
    others = blas_threads(numpy_own=False)
    if others == {1}:
        pytest.skip("scipy's BLAS runs on one thread here: the product would not differ from the block")
    with blas_threads_for(10):
        with blas_threads_for_product(BIG_PRODUCT_FLOPS / 2):
            assert blas_threads() == {1}
        with blas_threads_for_product(BIG_PRODUCT_FLOPS):
            assert blas_threads(numpy_own=False) == others
            if _numpy_own_blas():
                assert blas_threads(numpy_own=True) == {1}
        assert blas_threads() == {1}  # back to one after the product
    with blas_threads_for_product(BIG_PRODUCT_FLOPS):  # outside any block: nothing changes
        assert blas_threads(numpy_own=False) == others
