"""Shared fixtures: reference JSON files and a session cache of fitted models."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "fixtures" / "reference"


@lru_cache(maxsize=None)
def reference(name: str) -> dict:
    """A reference fit from ``tests/fixtures/reference`` (made by make_refs.R)."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


def reference_names(engine: str) -> list[str]:
    """Names of the reference fits made with ``engine`` (e.g. ``lme4::lmer``)."""
    return sorted(p.stem for p in REFERENCE.glob("*.json") if json.loads(p.read_text())["engine"] == engine)


@pytest.fixture(scope="session")
def fitted():
    """``fitted(name)``: the lmer fit of a reference model, fitted once per session."""
    import mixedmodels as mm
    from mixedmodels import datasets

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            ref = reference(name)
            data = datasets.load(ref["dataset"])
            cache[name] = mm.lmer(ref["formula"], data, reml=bool(ref["REML"]))
        return cache[name]

    return get
