"""Adapter for this project: ``mixedmodels.lmer`` / ``mixedmodels.glmer``."""

from __future__ import annotations

from benchmarks.adapters import Result
from benchmarks.adapters._common import python_package, result, timed


def _entry_point(problem) -> str:
    return "glmer" if problem.is_glmm else "lmer"


available, version = python_package("mixedmodels")


def fit(problem, data) -> Result:
    """Fit ``problem`` on the frame ``data`` with mixedmodels."""
    import mixedmodels as mm

    name = _entry_point(problem)
    if not hasattr(mm, name):
        return Result(status="not available", error=f"mixedmodels.{name} does not exist yet")
    if problem.is_glmm:
        call = lambda: mm.glmer(problem.formula, data=data, family=problem.family)
    else:
        call = lambda: mm.lmer(problem.formula, data=data, reml=problem.reml)
    seconds, m = timed(call)
    loglik = m.loglik() if callable(m.loglik) else m.loglik
    fixef = m.fixef() if callable(m.fixef) else m.fixef
    return result(seconds, loglik, fixef.index, fixef.to_numpy(), getattr(m, "converged", None))
