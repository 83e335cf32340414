"""A small synthetic data set shared by the formula tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_data(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "y": rng.normal(size=n),
        "x": rng.normal(size=n),
        "z": rng.uniform(1, 2, size=n),
        "f": pd.Categorical(rng.choice(list("abc"), n), categories=list("abc")),
        "o": pd.Categorical(rng.choice(["lo", "mid", "hi", "top"], n),
                            categories=["lo", "mid", "hi", "top"], ordered=True),
        "b": rng.random(n) > 0.5,
        "s": rng.choice(["p", "q"], n),
        "g": rng.integers(0, 6, n),
        "h": rng.choice(["u", "v", "w"], n),
        "cnt": rng.integers(0, 10, n),
    })


@pytest.fixture
def data() -> pd.DataFrame:
    return make_data()
