"""Shared fixtures: reference JSON files and a session cache of fitted models."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "fixtures" / "reference"
REFERENCE_EXTRA = Path(__file__).parent / "fixtures" / "reference_extra"


@cache
def reference(name: str) -> dict:
    """A reference fit from ``tests/fixtures/reference`` (made by make_refs.R),
    else from ``tests/fixtures/reference_extra`` (made by ``tools/refs``)."""
    path = REFERENCE / f"{name}.json"
    return json.loads((path if path.exists() else REFERENCE_EXTRA / f"{name}.json").read_text())


def reference_names(engine: str, folder: Path = REFERENCE) -> list[str]:
    """Names of the reference fits made with ``engine`` (e.g. ``lme4::lmer``)."""
    return sorted(p.stem for p in folder.glob("*.json") if json.loads(p.read_text()).get("engine") == engine)


def reference_data(ref: dict):
    """The data of a reference fit: a bundled dataset, or a file beside the
    extra references (string columns as factors with sorted levels, as R's
    ``factor``)."""
    from mixedmodels import datasets

    if ref.get("dataset"):
        return datasets.load(ref["dataset"])
    import pandas as pd

    data = pd.read_csv(REFERENCE_EXTRA / ref["data_file"])
    for column in data.select_dtypes(include=["object", "string"]).columns:
        data[column] = pd.Categorical(data[column], categories=sorted(data[column].unique()))
    return data


@pytest.fixture(scope="session")
def fitted():
    """``fitted(name)``: the lmer fit of a reference model, fitted once per session."""
    import mixedmodels as mm

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            ref = reference(name)
            data = reference_data(ref)
            cache[name] = mm.lmer(ref["formula"], data, reml=bool(ref["REML"]))
        return cache[name]

    return get
