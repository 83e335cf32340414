"""Adapter for the ``mixedlm`` package (``mixedlm.lmer`` / ``mixedlm.glmer``)."""

from __future__ import annotations

import re

import pandas as pd

from benchmarks.adapters import CannotExpress, Result
from benchmarks.adapters._common import binary_response, python_package, result, timed

available, version = python_package("mixedlm")


def _formula(formula: str) -> str:
    """mixedlm spells ``cbind(s, n - s)`` as ``s / n``."""
    cbind = re.match(r"\s*cbind\(\s*(\w+)\s*,\s*(\w+)\s*-\s*(\w+)\s*\)(.*)", formula)
    if not cbind:
        return formula
    success, total, again, rest = cbind.groups()
    if again != success:
        raise CannotExpress(f"mixedlm takes s / n responses only; got {formula!r}")
    return f"{success} / {total}{rest}"


def lme4_names(names, data) -> list[str]:
    """mixedlm calls level k of factor ``f`` ``f.k``; lme4 writes ``f<level>``."""
    levels = {f"{col}.{k}": f"{col}{level}"
              for col in data.columns if isinstance(data[col].dtype, pd.CategoricalDtype)
              for k, level in enumerate(data[col].cat.categories) if k > 0}
    return [":".join(levels.get(part, part) for part in str(n).split(":")) for n in names]


def fit(problem, data) -> Result:
    """Fit ``problem`` with mixedlm's lmer or glmer."""
    import mixedlm as mlm

    formula = _formula(problem.formula)
    if problem.is_glmm:
        family = {"binomial": mlm.families.Binomial, "poisson": mlm.families.Poisson}
        data = binary_response(data, problem.formula.split("~")[0].strip())
        call = lambda: mlm.glmer(formula, data, family=family[problem.family]())
    else:
        call = lambda: mlm.lmer(formula, data, REML=problem.reml)
    seconds, m = timed(call)
    fixef = m.fixef()
    return result(seconds, float(m.logLik()), lme4_names(fixef, data), fixef.values(),
                  getattr(m, "converged", None))
