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
    names = [f"{term.name}:{level}.{effect}" for term in fit.frame.re_terms
             for level in term.levels for effect in term.effect_names]
    return sp.hstack([term_columns(term, term.Z) for term in fit.frame.re_terms], format="csc"), names


def term_columns(term, values: np.ndarray) -> sp.csc_matrix:
    """One term's columns of ``Z`` (levels major, effects minor) with ``values``
    (rows x effects) in place of its per-row effects: ``term.Z`` gives ``Z``,
    ``term.Z @ lambda`` gives ``Z Lambda``."""
    n, k = values.shape
    rows = np.repeat(np.arange(n), k)
    cols = (term.codes[:, None] * k + np.arange(k)[None, :]).ravel()
    return sp.csc_matrix((values.ravel(), (rows, cols)), shape=(n, term.nlevels * k))
