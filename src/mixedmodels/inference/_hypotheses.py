"""Contrast matrices of the model terms for type I, II and III tests (lmerTest's).

Type I: rows of the (unit upper) Doolittle factor of ``X'X`` per term,
sequential in term order.  Type II: a term not contained in any other term
is tested marginally; a contained term by type I contrasts after the terms
unrelated to it.  Type III: marginal (identity rows) for terms not contained
in others; contained terms orthogonalised against the terms containing them
in the full-indicator parametrisation (lmerTest's ``extract_contrasts_type3``,
treatment coding); with other contrasts (sum, Helmert, polynomial for ordered
factors, a matrix) they are found for the model remade with treatment
contrasts and mapped to the fitted coding, as lmerTest's
``get_contrasts_type3`` does.
"""

from __future__ import annotations

import numpy as np

from mixedmodels.formula._contrasts import CONTRAST, term_codings
from mixedmodels.formula._rank import aliased_columns


class TermStructure:
    """Model terms, their columns of X and which terms contain which.

    Attributes
    ----------
    labels : list of str
        R's term labels (intercept excluded).
    columns : dict
        ``label -> column indices of X``.
    contained_in : dict
        ``label -> labels of the terms containing it`` (lmerTest's ``containment``).
    names : list of str
        Column names of X.
    treatment : bool
        Whether every factor has treatment contrasts.

    ``X``, ``names`` and ``assign`` default to the fitted model's; given,
    they are another coding of the same terms (:func:`treatment_remade`).
    """

    def __init__(self, frame, data=None, X=None, names=None, assign=None) -> None:
        spec = frame.spec
        self.frame, self.data = frame, data
        self.X = frame.X if X is None else X
        self.names = frame.fixef_names if names is None else names
        self.labels = spec.term_labels
        assign = np.asarray(frame.fixef_assign if assign is None else assign)
        self.columns = {lab: np.flatnonzero(assign == t + 1) for t, lab in enumerate(self.labels)}
        factors = set(spec.fixed.levels)
        # lmerTest's containment reads a term's variables off R's terms "factors" attribute,
        # those coded 1 there (a variable is 2 where the term without it is not in the
        # model: in x + f:x, f:x holds f only, so x is not contained in it)
        every = {v for t in spec.fixed.terms for v in t}
        codings = term_codings(spec.fixed.terms, True, every)
        variables = {lab: {v for v, c in zip(t, code) if c == CONTRAST}
                     for lab, t, code in zip(self.labels, spec.fixed.terms, codings)}
        numerics = {lab: v - factors for lab, v in variables.items()}
        self.contained_in = {
            a: [b for b in self.labels
                if variables[a] < variables[b] and numerics[a] == numerics[b]]
            for a in self.labels
        }
        self.treatment = spec.treatment_coded


def treatment_remade(ts: TermStructure) -> TermStructure:
    """The same terms with every factor by treatment contrasts, aliased
    columns dropped (lmerTest's remade model matrix, ``ensure_full_rank``)."""
    X, names, assign = ts.frame.spec.treatment_matrix(ts.data, ts.frame.rows_used)
    dropped = set(aliased_columns(X))
    keep = [j for j in range(X.shape[1]) if j not in dropped]
    return TermStructure(ts.frame, ts.data, X[:, keep], [names[j] for j in keep], [assign[j] for j in keep])


def doolittle_upper(x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """``t(L)`` of lmerTest's ``doolittle(x)$L`` (unit lower factor, no pivoting)."""
    n = x.shape[0]
    L, U = np.eye(n), np.zeros((n, n))
    for i in range(n):
        U[i] = x[i] - L[i, :i] @ U[:i]
        for j in range(i + 1, n):
            value = x[j, i] - L[j, :i] @ U[:i, i]
            L[j, i] = 0.0 if abs(U[i, i]) < eps else value / U[i, i]
    L[np.abs(L) < eps] = 0.0
    return L.T


def type1(ts: TermStructure) -> dict[str, np.ndarray]:
    """Sequential (type I) hypotheses."""
    p = ts.X.shape[1]
    upper = np.eye(1) if p == 1 else doolittle_upper(ts.X.T @ ts.X)
    return {lab: upper[ts.columns[lab]] for lab in ts.labels}


def marginal(ts: TermStructure, label: str) -> np.ndarray:
    """Identity rows of a term's columns."""
    return np.eye(ts.X.shape[1])[ts.columns[label]]


def type2(ts: TermStructure) -> dict[str, np.ndarray]:
    """lmerTest's "unfolded" type II hypotheses."""
    if ts.X.shape[1] <= 1 or len(ts.labels) <= 1:
        return type1(ts)
    return {lab: _type2_term(ts, lab) if ts.contained_in[lab] else marginal(ts, lab) for lab in ts.labels}


def _type2_term(ts: TermStructure, label: str) -> np.ndarray:
    """Type I contrast of ``label`` with X reordered as [unrelated, term, containing terms]."""
    p = ts.X.shape[1]
    own = ts.columns[label]
    related = np.concatenate([own] + [ts.columns[c] for c in ts.contained_in[label]])
    order = np.concatenate([np.setdiff1d(np.arange(p), related), related])
    Xn = ts.X[:, order]
    upper = doolittle_upper(Xn.T @ Xn)
    rows = np.isin(order, own)
    out = np.empty((rows.sum(), p))
    out[:, order] = upper[rows]
    return out


def type3(ts: TermStructure) -> dict[str, np.ndarray]:
    """Type III hypotheses, in any coding of the factors (lmerTest's): those of
    the model with treatment contrasts, mapped to the fitted coding."""
    if ts.X.shape[1] <= 1 or len(ts.labels) <= 1:
        return type1(ts)
    if ts.treatment:
        return _type3_treatment(ts)
    _need_data(ts, "type III tests with contrasts other than treatment")
    remade = treatment_remade(ts)
    to_fitted = zapsmall(np.linalg.pinv(remade.X) @ ts.X)  # lmerTest's map between the codings
    return {lab: L @ to_fitted for lab, L in _type3_treatment(remade).items()}


def _type3_treatment(ts: TermStructure) -> dict[str, np.ndarray]:
    """Type III hypotheses of a treatment-coded model: marginal for terms
    contained in no other, orthogonalised against the containing terms otherwise."""
    nested = [lab for lab in ts.labels if ts.contained_in[lab]]
    if not nested:
        return {lab: marginal(ts, lab) for lab in ts.labels}
    _need_data(ts, f"type III tests of terms contained in others ({nested})")
    return _type3_nested(ts)


def _need_data(ts: TermStructure, what: str) -> None:
    if ts.data is None:
        raise NotImplementedError(f"{what} need the fitted data, which this fit does not hold; "
                                  "use type=1 or type=2.")


def _type3_nested(ts: TermStructure) -> dict[str, np.ndarray]:
    rdx, rd_names, _ = ts.frame.spec.indicator_matrix(ts.data, ts.frame.rows_used)
    L = zapsmall((np.linalg.pinv(ts.X) @ rdx).T)  # rows: indicator columns, columns: X
    order = sorted(ts.labels, key=lambda lab: -len(lab.split(":")))
    for lab in order:
        if ts.contained_in[lab]:
            cols = ts.columns[lab]
            basis = L[:, np.concatenate([ts.columns[c] for c in ts.contained_in[lab]])]
            coef = np.linalg.lstsq(basis, L[:, cols], rcond=None)[0]
            L[:, cols] = zapsmall(L[:, cols] - basis @ coef)
    L = L[[rd_names.index(nm) for nm in ts.names]]
    out = {}
    for lab in ts.labels:
        block = L[:, ts.columns[lab]].T
        out[lab] = block[np.abs(block).sum(axis=1) > 1e-8]
    return out


def zapsmall(x: np.ndarray, digits: int = 7) -> np.ndarray:
    """R's ``zapsmall``: round to ``digits`` significant digits of the largest entry."""
    mx = np.max(np.abs(x)) if x.size else 0.0
    if mx <= 0:
        return x
    return np.round(x, max(0, digits - int(np.ceil(np.log10(mx)))))


HYPOTHESES = {1: type1, 2: type2, 3: type3}
