import json
from pathlib import Path

import pandas as pd
import pytest

from mixedmodels import datasets

MANIFEST = json.loads(
    (Path(__file__).parents[2] / "src/mixedmodels/datasets/data/manifest.json").read_text()
)["datasets"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["name"] for e in MANIFEST])
def test_every_dataset_loads_with_manifest_levels(entry):
    frame = datasets.load(entry["name"])
    assert frame.shape == (entry["rows"], entry["n_columns"])
    for col in entry["columns"]:
        assert int(frame[col["name"]].isna().sum()) == col["n_missing"], col["name"]
        if "levels" in col:
            assert list(frame[col["name"]].cat.categories) == col["levels"]
            assert frame[col["name"]].cat.ordered == (col["type"] == "ordered factor")


def test_list_names_every_dataset():
    listing = datasets.list()
    assert isinstance(listing, pd.Series)
    assert set(listing.index) == {e["name"] for e in MANIFEST}


def test_unknown_name_suggests_close_match():
    with pytest.raises(KeyError, match="sleepstudy"):
        datasets.load("sleepstudi")


def test_numeric_looking_labels_stay_text():
    exam = datasets.load("Exam")
    assert all(isinstance(label, str) for label in exam["school"].cat.categories)
