"""GLMM diagnostics lme4 lacks: separation of a binomial response (by the fixed
effects; fitted values numerically 0 or 1, by the fixed and random effects
together), overdispersion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels._warnings import ConvergenceWarning, signal
from mixedmodels.families import Binomial, Poisson

_FIRST_ROWS = 400  # distinct rows the linear program starts from
_FEASIBLE = 1e-9  # slack (relative to the row's size) for x'b >= 0 on rows outside the program


def separating_direction(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """A direction ``b`` with ``x'b >= 0`` where ``y = 1``, ``<= 0`` where
    ``y = 0`` and ``= 0`` where ``0 < y < 1``, strict on some rows (Konis's
    linear program); None if there is none (no separation).

    The program runs on a few hundred distinct rows first and takes in the
    rows its answer violates until the answer holds for all (constraint
    generation): a direction that holds on every row separates the data;
    no direction on rows of full column rank means none on all of them,
    since a separating direction of all rows would be one of theirs, and
    only ``b = 0`` is orthogonal to rows of full rank.  A 20,000-row
    Bernoulli design with a continuous predictor: 1.7 s -> a few ms.
    """
    sign = np.where(y >= 1, 1.0, np.where(y <= 0, -1.0, 0.0))
    rows, group = distinct_rows(np.column_stack([X, sign]))
    Xs, s = rows[:, :-1], rows[:, -1]
    if _every_row_pinned(group, s):
        return None
    signed = Xs * np.where(s == 0, 1.0, s)[:, None]
    # columns scaled to max |x| = 1 (the program's absolute cut-offs then mean the same for
    # every column; x'b keeps its sign with b rescaled back)
    scale = np.max(np.abs(signed), axis=0, initial=0.0)
    scale[scale == 0] = 1.0
    signed = signed / scale
    slack = _FEASIBLE * (1.0 + np.abs(signed).sum(axis=1))
    taken = np.zeros(signed.shape[0], dtype=bool)
    taken[np.linspace(0, signed.shape[0] - 1, min(_FIRST_ROWS, signed.shape[0])).astype(np.int64)] = True
    while True:
        b = _konis_program(signed[taken & (s != 0)], signed[taken & (s == 0)], X.shape[1])
        if b is None:
            if taken.all() or np.linalg.matrix_rank(signed[taken]) == X.shape[1]:
                return None
            more = ~taken  # rank-deficient rows so far: take in twice as many others
            more[np.flatnonzero(more)[2 * int(taken.sum()):]] = False
            taken |= more
            continue
        value = signed @ b
        violated = ~taken & np.where(s != 0, value < -slack, np.abs(value) > slack)
        if not violated.any():
            return b / scale
        taken |= violated


def _konis_program(strict: np.ndarray, mixed: np.ndarray, p: int) -> np.ndarray | None:
    """The direction in ``[-1, 1]^p`` maximizing the sum of ``strict @ b``
    subject to ``strict @ b >= 0`` and ``mixed @ b = 0``; None when that
    maximum is 0 (every feasible direction is orthogonal to the rows)."""
    from scipy import optimize  # here, not at the top: slow to import

    res = optimize.linprog(
        -strict.sum(axis=0) if strict.size else np.zeros(p), A_ub=-strict if strict.size else None,
        b_ub=np.zeros(strict.shape[0]) if strict.size else None,
        A_eq=mixed if mixed.size else None, b_eq=np.zeros(mixed.shape[0]) if mixed.size else None,
        bounds=[(-1, 1)] * p, method="highs",
    )
    if res.status != 0 or -res.fun < 1e-7:
        return None
    return res.x


def distinct_rows(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``M`` in sorted order, and for each the index of
    its group of rows equal in all but the last column (one ``lexsort``:
    several times faster than ``np.unique(axis=0)``, and the groups come
    with it)."""
    if M.shape[0] == 0:
        return M, np.zeros(0, dtype=np.int64)
    S = M[np.lexsort(M.T[::-1])]
    new_group = np.ones(S.shape[0], dtype=bool)
    new_group[1:] = np.any(S[1:, :-1] != S[:-1, :-1], axis=1)
    new_row = new_group.copy()
    new_row[1:] |= S[1:, -1] != S[:-1, -1]
    return S[new_row], (np.cumsum(new_group) - 1)[new_row]


def _every_row_pinned(group: np.ndarray, s: np.ndarray) -> bool:
    """Whether every distinct row of X (``group``) has a response strictly
    between 0 and 1 (``s = 0``), or both a 0 and a 1: each then forces
    ``x'b = 0``, so no direction separates (no linear program needed; e.g.
    factors with both outcomes in every cell)."""
    n = int(group.max()) + 1 if group.size else 0
    seen = [np.bincount(group[s == v], minlength=n) > 0 for v in (-1.0, 0.0, 1.0)]
    return bool(np.all(seen[1] | (seen[0] & seen[2])))


def check_separation(problem, names: list[str], level: str) -> list[str]:
    """Complete or quasi-complete separation of a binomial response by the fixed effects."""
    resp = problem.response
    if level == "ignore" or not isinstance(resp.family, Binomial) or problem.p == 0:
        return []
    keep = resp.weights > 0
    direction = separating_direction(problem.X[keep], resp.y[keep])
    if direction is None:
        return []
    X = problem.X[keep]
    size = np.abs(direction) * np.max(np.abs(X), axis=0, initial=0.0)  # in the units of the scaled program
    terms = [n for n, b in zip(names, size) if b > 1e-6]
    complete = np.all(np.abs(X @ direction) > 1e-7)
    kind = "complete" if complete else "quasi-complete"
    msg = (f"{kind} separation: the fixed effects {', '.join(terms)} separate the responses "
           "(some estimates will diverge to +-infinity and their standard errors are meaningless); "
           "consider removing or merging those terms, or a penalized/Bayesian fit")
    signal(msg, level, ConvergenceWarning)
    return [msg]


EXTREME_ETA = {"logit": 30.0, "probit": 17.0, "cloglog": 30.0, "log": -30.0}
"""Linear predictors beyond which a fitted probability counts as numerically
0 or 1 (binomial: ``|eta|`` above the value) or a rate as numerically 0
(Poisson with the log link: ``eta`` below it).  R's ``glm.fit`` tests ``mu``
against ``10 eps``, which ``|eta| > 33.7`` reaches on the logit scale, 8.1 on
the probit scale and 3.6 on the cloglog scale (upper tail); ordinary fits
reach the last two (``tools/lme4_diff`` seed 17: a probit fit with a slope
of 2.2 had one row at 8.5), while a fit whose estimates run off passes far
beyond.  So the linear predictor is tested, at 30 on the logit scale and
its equivalent on the probit scale (logit ~ 1.7 probit)."""


def check_fitted_extremes(problem, eta: np.ndarray, level: str) -> list[str]:
    """R's ``glm.fit`` warning, which lme4 lacks: fitted probabilities
    numerically 0 or 1 (binomial) or rates numerically 0 (Poisson) at the
    optimum (:data:`EXTREME_ETA`, rows with positive weights).  In a GLMM
    it flags responses separated by the fixed and random effects together
    (which :func:`check_separation`, on the fixed effects alone, cannot
    see): the estimates then run off towards infinity and the standard
    errors mean nothing (``tools/lme4_diff`` seed 6: 2 successes in 179
    Bernoulli trials, probit slope 19.8, random-effect SD 71; lme4 stops
    with "PIRLS loop resulted in NaN value")."""
    resp = problem.response
    binomial, link = isinstance(resp.family, Binomial), resp.family.link.name
    poisson = type(resp.family) is Poisson and link == "log"
    if level == "ignore" or not (poisson or binomial and link in EXTREME_ETA):
        return []
    used = eta[resp.weights > 0]
    extreme = np.abs(used) > EXTREME_ETA[link] if binomial else used < EXTREME_ETA[link]
    if not extreme.any():
        return []
    what = "probabilities numerically 0 or 1" if binomial else "rates numerically 0"
    msg = (f"fitted {what} occurred in {int(extreme.sum())} of {used.size} rows: the responses may be "
           "separated by the fixed and random effects together; estimates this far out and their "
           "standard errors are unreliable")
    signal(msg, level, ConvergenceWarning)
    return [msg]


def overdispersion(fit) -> pd.Series:
    """Pearson chi-square over residual degrees of freedom, with its p-value
    (``chi2.sf``): ratio well above 1 means overdispersion."""
    if fit.family.has_scale:
        raise ValueError(f"overdispersion is defined for families without a dispersion parameter "
                         f"(binomial, poisson); this fit is {fit.family.name}.")
    chisq = float(np.sum(fit.residuals("pearson").to_numpy() ** 2))
    rdf = fit.df_residual
    from scipy import stats  # here, not at the top: slow to import
    return pd.Series({"chisq": chisq, "ratio": chisq / rdf, "rdf": rdf, "p": float(stats.chi2.sf(chisq, rdf))})
