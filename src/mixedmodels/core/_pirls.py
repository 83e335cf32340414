"""Penalized iteratively reweighted least squares (PIRLS), lme4's ``pwrssUpdate``.

At fixed theta (and, for the second optimizer stage, fixed beta) PIRLS finds
the conditional modes ``u`` (and beta) that minimize the penalized deviance
``sum of deviance residuals + ||u||^2``.  Each iteration forms the weighted
cross-products anew (their structure is fixed), updates the blocked factor,
solves the penalized weighted least-squares problem for the working
response, and halves the step while the penalized deviance goes up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mixedmodels.core._anderson import AndersonMixer
from mixedmodels.core._chord import ChordFactor
from mixedmodels.core._factor import FactorState
from mixedmodels.core._solution import spherical_modes

_ROUNDING = 64 * np.finfo(float).eps
_CHORD_RATE = 0.25  # chord steps shrinking slower than this form a new factor
_CHORD_MARGIN = 1e-2  # chord steps stop this much closer to the modes than Newton steps
_FLOOR_STEPS = 3  # steps in a row no smaller than the smallest before them ...
_FLOOR_PDEV = 1e-10  # ... each changing the penalized deviance by at most this, relative: rounding


class PirlsError(RuntimeError):
    """PIRLS could not reduce the penalized deviance (lme4's step-halving failure)."""


PIRLS_FAILURES = (PirlsError, np.linalg.LinAlgError, FloatingPointError)
"""What a failed PIRLS raises: its own error, a factor that is not positive
definite, or non-finite values."""


@dataclass
class PirlsResult:
    """Conditional modes at one theta.

    Attributes
    ----------
    u : list of numpy.ndarray
        Spherical modes per term, ``(nlevels, k)``.
    beta : numpy.ndarray
        Fixed effects (solved for, or as given).
    eta : numpy.ndarray
        Linear predictor including the offset.
    state : FactorState
        Factor at the expected (Fisher) weights of the returned modes.
    pdev : float
        Penalized deviance ``sum dev_resids + ||u||^2``.
    iterations : int
        Number of PIRLS iterations.
    converged : bool
        Whether the relative change fell below the tolerance.
    """

    u: list[np.ndarray]
    beta: np.ndarray
    eta: np.ndarray
    state: FactorState
    pdev: float
    iterations: int
    converged: bool

    @property
    def ussq(self) -> float:
        """``||u||^2``."""
        return _ussq(self.u)


# a step far off can overflow (exp of a large linear predictor): its penalized deviance is
# then not finite, which the step halvings and the Fisher fallback handle.  numpy's
# floating-point warnings are off for the whole call: whatever stays non-finite ends in
# PirlsError (or LinAlgError from the factor), never in a returned result
@np.errstate(over="ignore", invalid="ignore", divide="ignore")
def pirls(problem, lambdas, u, beta, eta=None, fixed_beta: bool = False,
          tol: float = 1e-10, maxit: int = 100, max_halvings: int = 10) -> PirlsResult:
    """Iterate weighted PLS steps from ``(u, beta)`` to the conditional modes.

    Converged when the distance still to go, extrapolated from the last two
    steps (``s_k r / (1 - r)`` with ``r = s_k / s_{k-1}``: exact for the
    linear convergence of Fisher scoring, an overestimate for Newton's
    quadratic one), is below ``tol`` in the linear predictor, or the step is
    at the level of rounding.  (The penalized deviance is no criterion: it
    is flat at the modes, so it stops changing while the linear predictor,
    and with it the log-determinant, is still off by ``sqrt(eps)``.)  The returned
    factor is formed at the weights of the returned modes, so the Laplace
    deviance read off it is a smooth function of theta and beta (needed by
    the finite-difference Hessian behind the standard errors).

    With a factor from an earlier PIRLS at hand (``problem.chord``, large
    problems) the steps solve through it (chord steps, :mod:`._chord`),
    Anderson-mixed (:mod:`._anderson`: 200,000-row Bernoulli fit 8.9 ->
    7.8 s), while they shrink fast enough.  They stop ``_CHORD_MARGIN``
    closer to the modes, the distance projected from the plain chord steps
    (bounded in the linear predictor by :func:`_eta_bound`), not from the
    mixed ones, which shrink irregularly.

    ``eta`` may give a starting linear predictor not of the form
    ``X beta + Z Lambda u`` (R's ``mustart``); the first step is then
    accepted whatever its penalized deviance.
    """
    design = problem.uonly if fixed_beta else problem.full
    resp = problem.response
    fixed_part = problem.X @ beta if fixed_beta else 0.0
    pdev_old, chord = np.inf, design.chord
    if eta is None:
        eta = problem.linear_predictor(u, beta, lambdas)
        pdev_old = resp.deviance(eta) + _ussq(u)
    else:
        chord = None  # a chord step needs eta = X beta + Z Lambda u
    converged, it, last_step, plain, last_plain = False, 0, np.inf, np.inf, np.inf
    mixer, newton, floor = AndersonMixer(), True, RoundingFloor()
    for it in range(1, maxit + 1):
        used_chord = chord is not None
        if used_chord:
            du, dbeta = chord.step(resp.score_residual(eta), u, lambdas)
            free = slice(0 if fixed_beta else None)  # beta is mixed only when PIRLS moves it
            plain = _eta_bound(problem, du, dbeta[free], lambdas)
            u_new, beta_new = mixer.next(u, beta[free], du, dbeta[free])
        else:
            u_new, beta_new, state = _pls_step(design, resp, lambdas, eta, fixed_part, newton=newton)
            chord = ChordFactor(design, state) if design.use_chord else None
            mixer, plain = AndersonMixer(), np.inf
        beta_new = beta if fixed_beta else beta_new
        eta_new = problem.linear_predictor(u_new, beta_new, lambdas)
        pdev = resp.deviance(eta_new) + _ussq(u_new)
        if used_chord and not (np.isfinite(pdev) and pdev - pdev_old <= 1e-12 * abs(pdev)):
            chord = None  # the old factor is too far off: a new one instead of halving
            continue
        for halvings in range(max_halvings + 1):
            if halvings == max_halvings or (np.isfinite(pdev) and pdev - pdev_old <= 1e-12 * abs(pdev)):
                break
            u_new = [(a + b) / 2 for a, b in zip(u, u_new)]
            beta_new = (beta + beta_new) / 2
            eta_new = (eta + eta_new) / 2
            pdev = resp.deviance(eta_new) + _ussq(u_new)
        if not np.isfinite(pdev) or pdev - pdev_old > 1e-7 * abs(pdev):
            if newton and not used_chord and resp.has_observed_information:
                # far from the modes a Newton step can overshoot beyond what halving mends:
                # Fisher scoring (always a descent direction) for the rest of this call
                newton, chord = False, None
                continue
            raise PirlsError("PIRLS step-halvings failed to reduce the penalized deviance "
                             f"(from {pdev_old:.6g} to {pdev:.6g}) at theta = {_theta_text(lambdas)}")
        step = float(np.max(np.abs(eta_new - eta))) if eta.size else 0.0
        if used_chord and 0 < last_step < np.inf and step > _CHORD_RATE * last_step:
            chord = None  # converging too slowly through the old factor
        # chord steps converge linearly: go further, so that the modes are as
        # close as quadratically converging Newton steps leave them; mixed
        # steps shrink irregularly, so the distance left is projected from the
        # plain chord steps (the preconditioned residuals) instead
        goal = tol * _CHORD_MARGIN if used_chord else tol
        remaining = _remaining(plain, last_plain) if used_chord else _remaining(step, last_step)
        converged = remaining < goal or step <= _ROUNDING * float(np.max(np.abs(eta_new)))
        full_step = not used_chord and halvings == 0
        converged = converged or floor.reached(step, pdev - pdev_old, pdev, counts=full_step)
        last_step, last_plain = step, plain
        u, beta, eta, pdev_old = u_new, beta_new, eta_new, pdev
        if converged:
            break
    w, z = resp.working(eta)
    design.factor.reweight(design.cross.compute(w, z - fixed_part))
    state = design.factor.update(lambdas)
    if design.use_chord:
        # the next call's chord steps solve through this call's last factor: the expected
        # weights' (Fisher) -- or, where Newton steps were taken, the observed information's
        newton_chord = chord is not None and newton and resp.has_observed_information
        design.chord = chord if newton_chord else ChordFactor(design, state)
    else:
        design.chord = None
    return PirlsResult(u, beta, eta, state, float(pdev_old), it, converged)


class RoundingFloor:
    """Whether Newton (or Fisher) steps have stopped shrinking at the rounding
    error of the solve: :data:`_FLOOR_STEPS` full steps in a row, none smaller
    than the smallest full step before them, while the penalized deviance
    moves by at most :data:`_FLOOR_PDEV` relative, up or down.

    Converging steps shrink (quadratically, or linearly for Fisher scoring);
    at the floor they fluctuate.  A Poisson fit with a count of 2.5 million
    (``tools/lme4_diff`` seed 21, ``pois_slope_nagq0_004``) solves its weighted
    system with an error of about 1e-6 in the linear predictor of a
    low-weight row, and the deviance's terms round at 5e-10: the 1e-10 the
    iteration asks for is out of reach, and without this it took 100
    iterations and warned at every evaluation there.
    """

    def __init__(self) -> None:
        self.smallest, self.run = np.inf, 0

    def reached(self, step: float, change: float, pdev: float, counts: bool = True) -> bool:
        """Record one step (its size in the linear predictor and the change of
        the penalized deviance to ``pdev``); True once the floor is reached.
        A step that does not count (halved, or through an old factor: its
        size says nothing of the solve's rounding) ends a run and leaves the
        smallest step as it was."""
        if not counts:
            self.run = 0
            return False
        flat = abs(change) <= _FLOOR_PDEV * abs(pdev)
        self.run = self.run + 1 if flat and step >= self.smallest else 0
        self.smallest = min(self.smallest, step)
        return self.run >= _FLOOR_STEPS


def _pls_step(design, resp, lambdas, eta, fixed_part, newton: bool = False):
    """Modes (and beta) of the weighted PLS problem for the working response at
    ``eta``, and the factor formed for it: Fisher scoring's (lme4's), or with
    ``newton`` the observed information's where the family gives it (the
    factor returned by :func:`pirls` is always at the expected weights)."""
    w, z = (resp.newton_working if newton else resp.working)(eta)
    design.factor.reweight(design.cross.compute(w, z - fixed_part))
    state = design.factor.update(lambdas)
    u, beta = spherical_modes(design, state)
    return u, beta, state


def _eta_bound(problem, du: list[np.ndarray], dbeta: np.ndarray, lambdas: list[np.ndarray]) -> float:
    """A bound on ``max |Z Lambda du + X dbeta|`` (the chord step in the linear
    predictor) from the increments alone, with no pass over the rows."""
    bound = sum(block.max_row_norm * float(np.max(np.abs(d @ lam.T), initial=0.0))
                for block, d, lam in zip(problem.blocks, du, lambdas))
    if dbeta.size:
        bound += problem.x_row_norm * float(np.max(np.abs(dbeta)))
    return bound


def _remaining(step: float, last_step: float) -> float:
    """Distance still to go after steps ``last_step``, ``step`` of a converging iteration."""
    if not 0 < last_step < np.inf:
        return step
    rate = step / last_step
    return step * rate / (1.0 - rate) if rate < 0.5 else step


def _ussq(u: list[np.ndarray]) -> float:
    """``||u||^2`` of the modes, one array per block (``vdot``: a quarter of
    ``sum(u * u)``'s time on the small arrays of PIRLS)."""
    return float(sum(np.vdot(ui, ui) for ui in u))


def _theta_text(lambdas) -> str:
    return "[" + ", ".join(np.array2string(lam.ravel(), precision=4) for lam in lambdas) + "]"
