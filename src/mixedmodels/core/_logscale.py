"""Searching theta on a log scale.

The diagonal elements of theta are relative standard deviations. Far from
its optimum the profiled deviance is steeply and unevenly curved in them
(at lme4's start, InstEval's deviance is 4,300 above its minimum along a
bent valley), and BOBYQA spends half its evaluations creeping along that
valley. On a log scale the deviance is much closer to quadratic: the same
start and the same optimizer reach the same optimum in fewer evaluations
(InstEval 42 -> 28, each a dense factorization of 1,145 rows).

A plain logarithm would put a singular optimum (a diagonal element at its
bound 0) at minus infinity, where the deviance flattens out and the search
crawls. So each element is searched as ``phi = asinh(theta / c)``
(``theta = c sinh(phi)``): logarithmic above ``c`` (:data:`KNEE`), linear
below it, with the bound 0 at ``phi = 0``, which the optimizer reaches or
comes within lme4's boundary tolerance of (then lme4's boundary check puts
the parameter on it), as with lme4's search. On 480 simulated small fits
with two scalar or uncorrelated terms (248 of them singular), ``c = 0.3``
took 18 % fewer evaluations than lme4's search on the regular fits and 6 %
fewer on the singular ones; no optimum was worse than the one lme4's path
finds by more than 6e-7, and 16 were better by more than 1e-7 (one by
7.6e-5). ``c = 0.1`` took 26 % more evaluations on the singular fits; with
``c = 1``, 18 optima were worse by more than 1e-7.
``tools/logscale_check.py`` repeats these measurements.

Only an all-diagonal theta is searched this way (in a profiled fit,
:mod:`._smallterms`, the large terms' parameters, which the outer search
varies; small terms' parameters, vector-valued or not, are found by their
own inner search, as before; in a GLMM's stage 2, theta but not the
whitened fixed effects searched with it: :func:`minimize_log_scale`'s
mask).  With a vector term (off-diagonal elements, either sign) the deviance has several optima on the boundary when the data
say little about the correlation, and a changed path lands on another one
about as often as not (measured with an earlier version that searched the
off-diagonal elements on the same odd scale: on 240 simulated ``(x | g)``
fits, 12 optima worse than lme4's path's by up to 0.86 in the deviance, 11
better by up to 4.1); such models keep lme4's search, which finds lme4's
answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mixedmodels.core._optimize import OptSummary, minimize

KNEE = 0.3
"""Where the scale turns from linear (below) to logarithmic (above)."""
STEP = 1.0
"""First step of the search in the transformed elements."""
XTOL_REL = 2.5e-5
"""Relative x tolerance of the search (unless set): lme4's 1e-4 is relative
to theta, and a relative change of ``asinh(theta / 0.3)`` is 0.67 (theta =
0.5) to 0.28 (theta = 5) times the relative change of theta, so 1e-4 here
allowed 1.5 to 3.5 times lme4's tolerance in theta and stopped the search
that much earlier: the 1,000,000-row benchmark ended
1.7e-4 above the deviance lme4's path reaches (39 evaluations; 52 with
this, and lme4's optimum; the lmer references 638 -> 655 evaluations)."""


def log_scale_applies(lower: np.ndarray, options: dict) -> bool:
    """Whether theta (bounds ``lower``) is searched on the log scale: all of
    it is diagonal (bounded below by 0: scalar terms and ``(x || g)``), and
    the settings do not fix per-parameter steps or upper bounds (meant for theta)."""
    return bool(lower.size and np.all(lower == 0) and "initial_step" not in options and "upper" not in options)


def to_search(theta: np.ndarray) -> np.ndarray:
    """The search coordinates ``asinh(theta / KNEE)`` of diagonal elements."""
    return np.arcsinh(np.asarray(theta, dtype=float) / KNEE)


def to_theta(phi: np.ndarray) -> np.ndarray:
    """Theta from the search coordinates (``KNEE sinh(phi)``)."""
    return KNEE * np.sinh(np.asarray(phi, dtype=float))


def search_steps(theta: np.ndarray, theta_steps: np.ndarray) -> np.ndarray:
    """Steps in the search coordinates that move theta by ``theta_steps`` to first order."""
    return np.asarray(theta_steps, dtype=float) / (KNEE * np.cosh(to_search(theta)))


def minimize_log_scale(devfun: Callable[[np.ndarray], float], initial: np.ndarray, lower: np.ndarray,
                       method: str, options: dict, mask: np.ndarray | None = None) -> OptSummary:
    """Minimize ``devfun`` with the elements ``mask`` (default: all) searched
    as ``asinh(x / KNEE)`` (bound 0 at 0); the summary's ``initial``, ``lower``
    and ``final`` are in ``x``.

    An ``initial_step`` in ``options`` is meant in ``x``'s units and is
    converted for the masked elements at the start (a GLMM's stage 2 gives
    steps for theta and for its whitened fixed effects, which stay linear).
    Without one every element starts with :data:`STEP`, which needs all of
    them masked (a step of 1 means nothing in the units of the others).
    """
    initial = np.asarray(initial, dtype=float)
    mask = np.ones(initial.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    start = initial.copy()
    start[mask] = to_search(initial[mask])
    given = options.get("initial_step")
    if given is None:
        if not mask.all():
            raise ValueError("a search with some elements on the log scale needs an initial_step for the others")
        step = STEP
    else:
        step = np.array(np.broadcast_to(np.asarray(given, dtype=float), initial.shape))
        step[mask] = search_steps(initial[mask], step[mask])

    def natural(phi: np.ndarray) -> np.ndarray:
        x = np.array(phi, dtype=float)
        x[mask] = to_theta(x[mask])
        return x

    settings = OptSummary(method, start, lower, **{"xtol_rel": XTOL_REL, **options, "initial_step": step})
    summary = minimize(lambda phi: devfun(natural(phi)), settings)
    summary.final = natural(summary.final)
    summary.initial = initial  # initial_step and tolerances stay in the searched coordinates
    summary.scale = f"asinh(theta / {KNEE:g})"
    return summary
