"""How evaluated columns are classified: numbers, or factors as R's ``factor()``."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from mixedmodels.formula._values import Factor, Numeric, as_value


@pytest.mark.parametrize("values", [[1, 2.5, np.int64(3)], [np.float32(1.5), 2], [None, 1.0, 2]])
def test_object_columns_of_numbers_are_numeric(values):
    assert isinstance(as_value(pd.Series(values, dtype=object), len(values)), Numeric)


@pytest.mark.parametrize("values", [[1, "a"], [1, True], ["1", "2"], [Decimal(1), Decimal(2)]])
def test_object_columns_with_anything_else_are_factors(values):
    assert isinstance(as_value(pd.Series(values, dtype=object), len(values)), Factor)


def test_booleans_are_a_factor_false_first_even_when_only_true_occurs():
    for values in ([True, np.True_, None], [True, False]):
        factor = as_value(pd.Series(values, dtype=object), len(values))
        assert isinstance(factor, Factor) and factor.levels[:2] == ["FALSE", "TRUE"]


def test_a_million_strings_make_a_factor_of_sorted_levels():
    """pandas' string dtype: sorted levels, codes in row order (what this
    checks is the result; the speed, 1 s -> 0.1 s per column, was measured)."""
    rng = np.random.default_rng(0)
    labels = np.array([f"L{i:05d}" for i in range(50_000)])
    column = pd.Series(labels[rng.integers(0, 50_000, 1_000_000)], dtype="str")
    factor = as_value(column, column.size)
    assert isinstance(factor, Factor) and factor.levels == sorted(set(column))
    assert np.array_equal(np.asarray(factor.levels)[factor.codes], column.to_numpy())


@pytest.mark.parametrize(("values", "dtype", "expected"), [
    ([True, False, None], object, [1.0, 0.0, np.nan]),
    ([True, None, False], "boolean", [1.0, np.nan, 0.0]),
    ([np.True_, False], object, [1.0, 0.0]),
    (["b", "a", None], object, [1.0, 0.0, np.nan]),  # two strings: sorted, the first is 0
    (["yes", "no"], "str", [1.0, 0.0]),
])
def test_logical_and_two_string_responses_are_0_1(values, dtype, expected):
    from mixedmodels.formula._response import response_column

    np.testing.assert_array_equal(response_column(pd.Series(values, dtype=dtype), "y"), expected)


@pytest.mark.parametrize("values", [[1 + 2j, 3j], [np.timedelta64(1, "D"), np.timedelta64(2, "D")]])
def test_complex_numbers_and_time_deltas_make_factors(values):
    assert isinstance(as_value(pd.Series(values, dtype=object), len(values)), Factor)
