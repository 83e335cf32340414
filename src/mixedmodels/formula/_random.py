"""Random-effects terms: build, order by levels as ``mkReTrms``, name, check."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from mixedmodels.formula._bars import ReSpec
from mixedmodels.formula._design import plan_design
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._frame import ReTerm
from mixedmodels.formula._grouping import group_factor
from mixedmodels.formula._spec import RePlan
from mixedmodels.formula._values import Factor, Numeric

__all__ = ["build_re_terms", "lme4_order", "make_unique"]


def lme4_order(nlevels: list[int]) -> list[int]:
    """Term order of lme4's ``mkReTrms``: by decreasing levels, only if not already."""
    if not any(b > a for a, b in pairwise(nlevels)):
        return list(range(len(nlevels)))
    ascending = sorted(range(len(nlevels)), key=lambda i: nlevels[i])
    return ascending[::-1]


def make_unique(names: list[str]) -> list[str]:
    """R's ``make.unique``: repeated names get ``.1``, ``.2``, ..."""
    seen: dict[str, int] = {}
    taken = set(names)
    out = []
    for name in names:
        if name not in seen:
            seen[name] = 0
            out.append(name)
            continue
        k = seen[name] + 1
        while f"{name}.{k}" in taken:
            k += 1
        seen[name] = k
        taken.add(f"{name}.{k}")
        out.append(f"{name}.{k}")
    return out


def check_levels(terms: list[ReTerm], n: int, allow_n_levels: bool) -> None:
    """lme4's ``checkNlevels`` (and ``check.nobs.vs.nRE`` for lmer)."""
    if any(t.nlevels < 2 for t in terms):
        bad = sorted({t.group for t in terms if t.nlevels < 2})
        raise FormulaError(f"grouping factors must have > 1 sampled level (problems: {', '.join(bad)})")
    too_many = [t.group for t in terms if (t.nlevels > n if allow_n_levels else t.nlevels >= n)]
    if too_many:
        rel = "<=" if allow_n_levels else "<"
        raise FormulaError(f"number of levels of each grouping factor must be {rel} number of "
                           f"observations (problems: {', '.join(dict.fromkeys(too_many))})")
    if not allow_n_levels:
        for t in terms:
            if n <= t.nlevels * t.k:
                raise FormulaError(
                    f"number of observations (={n}) <= number of random effects "
                    f"(={t.nlevels * t.k}) for term ({' + '.join(t.effect_names)} | {t.group}); "
                    "the random-effects parameters and the residual variance (or scale "
                    "parameter) are probably unidentifiable")


def build_re_terms(specs: list[ReSpec], values: dict[str, Numeric | Factor],
                   atoms: dict[str, Factor], n: int) -> tuple[list[ReTerm], list[RePlan]]:
    """ReTerms and their plans, in lme4's final order with VarCorr names."""
    built = []
    for spec in specs:
        plan, Z = plan_design(spec.terms, values, n)
        group = group_factor([atoms[a] for a in spec.atoms])
        built.append((spec, plan, Z, group))
    order = lme4_order([len(b[3].levels) for b in built])
    built = [built[i] for i in order]
    names = make_unique([b[0].group for b in built])
    terms, plans = [], []
    for name, (spec, plan, Z, group) in zip(names, built):
        terms.append(ReTerm(spec.group, name, group.codes.astype(np.int64), group.levels, Z,
                            list(plan.names)))
        plans.append(RePlan(spec.text, name, spec.group, spec.atoms, plan, group.levels))
    return terms, plans
