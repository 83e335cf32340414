"""glmer reference fits (shared and extra references), fitted once per session."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"
DIRS = [FIXTURES / "reference", FIXTURES / "reference_extra"]
ENGINES = ("lme4::glmer", "lme4::glmer.nb")


@cache
def glmm_reference(name: str) -> dict:
    """A glmer / glmer.nb reference from either fixture directory."""
    for d in DIRS:
        path = d / f"{name}.json"
        if path.exists():
            return json.loads(path.read_text())
    raise FileNotFoundError(name)


def glmm_reference_names() -> list[str]:
    """Every GLMM reference (engine lme4::glmer or lme4::glmer.nb)."""
    names = []
    for d in DIRS:
        for p in d.glob("*.json"):
            ref = json.loads(p.read_text())
            if ref.get("engine") in ENGINES and "kind" not in ref:
                names.append(p.stem)
    return sorted(names)


def fit_reference(name: str):
    """Our fit of the reference model (family, link, nAGQ, weights, offset as in R)."""
    import mixedmodels as mm
    from tests.conftest import reference_data

    ref = glmm_reference(name)
    data = reference_data(ref)
    formula = ref["formula"].split(";")[0].strip()
    if ref["engine"] == "lme4::glmer.nb":
        return mm.glmer_nb(formula, data, nagq=ref.get("nAGQ", 1))
    family = mm.families.get_family(ref["family"], ref.get("link"))
    kwargs = {}
    if ref.get("weights"):
        kwargs["weights"] = ref["weights"]
    if "argument" in (ref.get("offset") or ""):
        kwargs["offset"] = np.log(data["size"].to_numpy(float))
    return mm.glmer(formula, data, family=family, nagq=ref.get("nAGQ", 1), **kwargs)


@pytest.fixture(scope="session")
def glmm_fitted():
    """``glmm_fitted(name)``: our fit of a GLMM reference, once per session."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = fit_reference(name)
        return cache[name]

    return get
