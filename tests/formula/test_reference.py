"""Every lme4/nlme reference fit: fixed-effect names, ngrps and nobs match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mixedmodels import datasets
from mixedmodels.formula import build_model_frame

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "reference"
CASES = sorted(REFERENCE.glob("*.json"))


def lme4_formula(ref: dict) -> str:
    """The lme4 formula of a reference fit (nlme: fixed part + random part)."""
    if ref.get("random"):
        lhs, group = ref["random"].lstrip("~ ").split("|")
        return f"{ref['formula']} + ({lhs.strip()} | {group.strip()})"
    return ref["formula"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_structure(path: Path) -> None:
    ref = json.loads(path.read_text())
    data = datasets.load(ref["dataset"])
    glmer = ref["engine"].endswith("glmer")
    mf = build_model_frame(lme4_formula(ref), data, allow_n_levels=glmer)
    assert mf.fixef_names == list(ref["fixef"])
    assert mf.ngroups == ref["ngrps"]
    assert list(mf.ngroups) == list(ref["ngrps"])
    assert mf.n == ref["nobs"]
    assert mf.X.shape == (ref["nobs"], len(ref["fixef"]))
    first = [r + 1 for r in mf.rows_used[:10]]
    assert first == ref["rows_used_first10"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_levels(path: Path) -> None:
    ref = json.loads(path.read_text())
    if not ref.get("ranef_first10"):
        pytest.skip("no random-effect levels stored")
    mf = build_model_frame(lme4_formula(ref), datasets.load(ref["dataset"]),
                           allow_n_levels=ref["engine"].endswith("glmer"))
    for group, stored in ref["ranef_first10"].items():
        terms = [t for t in mf.re_terms if t.group == group]
        assert terms[0].levels[:10] == stored["levels"]
        assert terms[0].nlevels == stored["n_levels"]
        assert [e for t in terms for e in t.effect_names] == stored["terms"]
