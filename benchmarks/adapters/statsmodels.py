"""Adapter for statsmodels ``MixedLM``.

One grouping factor (random intercept, or correlated intercept and slopes)
maps to ``groups=`` and ``re_formula=``.  Several intercept-only factors map
to variance components inside one all-covering group (statsmodels' documented
way to state crossed effects), with sparse design matrices.  Anything else,
and every GLMM (statsmodels has only a Bayesian GLMM), cannot be expressed.
"""

from __future__ import annotations

from benchmarks.adapters import CannotExpress, Result, split_formula
from benchmarks.adapters._common import python_package, result, timed

available, version = python_package("statsmodels.api", "statsmodels")


def model_arguments(formula: str) -> dict:
    """Keyword arguments of ``MixedLM.from_formula`` for an lme4 formula.

    Raises
    ------
    CannotExpress
        For slopes on crossed factors, or for no random effects at all.
    """
    response, fixed, bars = split_formula(formula)
    args = {"formula": f"{response} ~ {fixed}"}
    if len(bars) == 1:
        effects, group = bars[0]
        args.update(groups=group, re_formula="1" if effects == "1" else f"~{effects}")
    elif len(bars) > 1 and all(effects == "1" for effects, _ in bars):
        args.update(groups="_all", use_sparse=True,
                    vc_formula={group: f"0 + C({group})" for _, group in bars})
    else:
        raise CannotExpress(f"MixedLM cannot state {[f'({e} | {g})' for e, g in bars]}")
    return args


def fit(problem, data) -> Result:
    """Fit ``problem`` with ``MixedLM.from_formula(...).fit(reml=...)``."""
    if problem.is_glmm:
        raise CannotExpress("statsmodels has no ML GLMM (only BinomialBayesMixedGLM)")
    from statsmodels.regression.mixed_linear_model import MixedLM

    args = model_arguments(problem.formula)
    if args["groups"] == "_all":
        data = data.assign(_all=1)

    def call():
        return MixedLM.from_formula(data=data, **args).fit(reml=problem.reml)

    seconds, m = timed(call)
    return result(seconds, m.llf, m.fe_params.index, m.fe_params.to_numpy(), m.converged)
