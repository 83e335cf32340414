"""polars and dict-of-arrays input give the same model frame as pandas."""

import numpy as np
import pytest

from mixedmodels import datasets
from mixedmodels.formula import build_model_frame

FORMULA = "Reaction ~ Days + (Days | Subject)"


def test_dict_of_arrays():
    df = datasets.load("sleepstudy")
    mf = build_model_frame(FORMULA, {c: df[c].to_numpy() for c in df.columns})
    ref = build_model_frame(FORMULA, df)
    np.testing.assert_array_equal(mf.X, ref.X)
    assert mf.re_terms[0].levels == ref.re_terms[0].levels


def test_polars_frame_with_enum_levels():
    pl = pytest.importorskip("polars")
    df = datasets.load("sleepstudy")
    levels = list(df["Subject"].cat.categories)[::-1]  # a non-sorted order must survive
    frame = pl.DataFrame({
        "Reaction": df["Reaction"].to_numpy(),
        "Days": df["Days"].to_numpy(),
        "Subject": pl.Series(df["Subject"].astype(str).tolist(), dtype=pl.Enum(levels)),
    })
    mf = build_model_frame(FORMULA, frame)
    assert mf.re_terms[0].levels == levels
    np.testing.assert_array_equal(mf.response, df["Reaction"].to_numpy())
    plain = frame.with_columns(pl.col("Subject").cast(pl.String))
    assert build_model_frame(FORMULA, plain).re_terms[0].levels == sorted(levels)
