"""Adapter for the ``glmm`` package (Rust engine, ``glmm.fit(data, formula)``)."""

from __future__ import annotations

from benchmarks.adapters import Result
from benchmarks.adapters._common import (
    binary_response,
    cbind_failures,
    python_package,
    result,
    timed,
)

available, version = python_package("glmm")


def fit(problem, data) -> Result:
    """Fit ``problem`` with ``glmm.fit``; ML or REML as the problem says."""
    import glmm

    if problem.is_glmm:
        formula, data = cbind_failures(problem.formula, data)
        data = binary_response(data, formula.split("~")[0].strip())
        call = lambda: glmm.fit(data, formula, problem.family)
    else:
        call = lambda: glmm.fit(data, problem.formula, reml=problem.reml)
    seconds, m = timed(call)
    return result(seconds, m.loglik, m.names, m.beta, m.converged)
