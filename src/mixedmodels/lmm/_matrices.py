"""The model matrices of a fit: lme4's ``model.matrix(fit)`` and ``getME(fit, "Z")``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def fixed_matrix(fit) -> pd.DataFrame:
    """``X`` (rows used x fixed effects), with lme4's column names."""
    return pd.DataFrame(fit.frame.X, index=fit.frame.row_labels, columns=list(fit.fixef.index))


def random_matrix(fit) -> tuple[sp.csc_matrix, list[str]]:
    """``Z`` (rows used x random effects) in lme4's column order -- term by term,
    levels within a term, effects within a level -- and the column names
    ``"<level>.<effect>"`` prefixed by the term's VarCorr name."""
    blocks, names = [], []
    for term in fit.frame.re_terms:
        n, k = term.Z.shape
        rows = np.repeat(np.arange(n), k)
        cols = (term.codes[:, None] * k + np.arange(k)[None, :]).ravel()
        blocks.append(sp.csc_matrix((term.Z.ravel(), (rows, cols)), shape=(n, term.nlevels * k)))
        names += [f"{term.name}:{level}.{effect}" for level in term.levels for effect in term.effect_names]
    return sp.hstack(blocks, format="csc"), names
