"""Reference files of ``tests/fixtures/reference_extra`` and the fits their R calls name."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np

EXTRA = Path(__file__).parents[1] / "fixtures" / "reference_extra"
_CALL = re.compile(r"^(?:lme4::|lmerTest::)?(lmer|lm)\((.+), data = dat(?:, REML = (TRUE|FALSE))?\)$")
_GLMER_CALL = re.compile(r"^lme4::glmer\((.+), data = dat, family = (\w+)(?:, nAGQ = (\d+))?\)$")


@cache
def extra(name: str) -> dict:
    """One reference file of ``reference_extra``."""
    return json.loads((EXTRA / f"{name}.json").read_text())


@cache
def fit_call(dataset: str, call: str):
    """Our fit of an R call such as ``lme4::lmer(y ~ x + (1 | g), data = dat, REML = TRUE)``
    or ``lme4::glmer(y ~ x + (1 | g), data = dat, family = poisson, nAGQ = 5)``."""
    import mixedmodels as mm

    data = mm.datasets.load(dataset)
    glmer = _GLMER_CALL.match(call)
    if glmer:
        formula, family, nagq = glmer.groups()
        return mm.glmer(formula, data, family=family, nagq=int(nagq or 1))
    engine, formula, reml = _CALL.match(call).groups()
    if engine == "lm":
        return mm.lm(formula, data)
    return mm.lmer(formula, data, reml=reml != "FALSE")


def fits_of(name: str) -> dict:
    """The fits of a reference file, keyed by R's object names."""
    ref = extra(name)
    return {key: fit_call(ref["dataset"], f["call"]) for key, f in ref["fits"].items()}


def table_values(table: dict, column: str) -> np.ndarray:
    """One column of a stored R table in R's row order (NA -> nan)."""
    return np.array([np.nan if table["rows"][r][column] is None else table["rows"][r][column] for r in table["row_names"]])
