"""Conditional modes, their conditional variances, and lme4's ``coef``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.core import conditional_variances


def _terms_by_group(fit) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, term in enumerate(fit.frame.re_terms):
        groups.setdefault(term.group, []).append(i)
    return groups


def ranef_frames(fit) -> dict[str, pd.DataFrame]:
    """Per grouping factor, a levels x effects frame of conditional modes."""
    out = {}
    for group, idx in _terms_by_group(fit).items():
        terms = [fit.frame.re_terms[i] for i in idx]
        values = np.hstack([fit._solution.b[i] for i in idx])
        columns = [name for t in terms for name in t.effect_names]
        out[group] = pd.DataFrame(values, index=pd.Index(terms[0].levels, name=group), columns=columns)
    return out


def condvar_blocks(fit) -> dict[str, list[tuple[list[str], np.ndarray]]]:
    """Per grouping factor, ``(effect names, (nlevels, k, k) covariances)`` per term."""
    design, state = fit._condvar_inputs()
    blocks = conditional_variances(design, state, fit.sigma)
    return {
        group: [(fit.frame.re_terms[i].effect_names, blocks[i]) for i in idx]
        for group, idx in _terms_by_group(fit).items()
    }


def coef_frames(fit) -> dict[str, pd.DataFrame]:
    """Fixed effects plus the group's modes, one row per level (lme4's
    ``coef``): a random effect that is no fixed effect gets a fixed part of
    0, in columns before the fixed effects, in every group's table."""
    ranef = fit.ranef
    names = dict.fromkeys(name for modes in ranef.values() for name in modes.columns)
    missing = [name for name in names if name not in fit.fixef.index]
    base = pd.concat([pd.Series(0.0, index=missing), fit.fixef]) if missing else fit.fixef
    out = {}
    for group, modes in ranef.items():
        table = pd.DataFrame(np.tile(base.to_numpy(), (len(modes), 1)), index=modes.index, columns=base.index)
        for name in modes.columns:
            table[name] = table[name] + modes[name]
        out[group] = table
    return out
