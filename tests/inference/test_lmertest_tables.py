"""lmerTest's anova (type I/II/III) and coefficient tables, Satterthwaite and
Kenward-Roger, from tests/fixtures/reference_extra/lmertest_*.json.
(ranova and drop1 are tested with mixedmodels.comparison.)"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

import mixedmodels as mm
from mixedmodels import datasets
from tests.inference._agreement import assert_f_table, assert_t_table

EXTRA = Path(__file__).parents[1] / "fixtures" / "reference_extra"
NAMES = sorted(p.stem for p in EXTRA.glob("lmertest_*.json"))
METHODS = {"satterthwaite": "satterthwaite", "kenward_roger": "kenward-roger"}


@cache
def extra(name: str) -> dict:
    return json.loads((EXTRA / f"{name}.json").read_text())


@cache
def fit_of(name: str):
    ref = extra(name)
    call = ref["fits"]["fit"]["call"]
    formula = call.split("lmer(", 1)[1].split(", data")[0]
    return mm.lmer(formula, datasets.load(ref["dataset"]), reml="REML = TRUE" in call)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NAMES)
def test_coef_table(name, method):
    want = extra(name)["tables"][f"coef_{method}"]["coef_table"]
    assert_t_table(fit_of(name).coef_table(METHODS[method]), want)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", [1, 2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_anova(name, kind, method):
    block = extra(name)["tables"][f"anova_type{kind}_{method}"]["table"]
    got = fit_of(name).anova(type=kind, ddf=METHODS[method])
    assert got.attrs["heading"] == block["heading"][0]
    assert_f_table(got, block["rows"])
