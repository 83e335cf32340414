"""Restarting a search whose optimum fails lme4's derivative checks (lmer and glmer)."""

from __future__ import annotations

from collections.abc import Callable

from mixedmodels._checks import failed_convergence
from mixedmodels._control import Control
from mixedmodels.core._fit_theta import RESTART_STEPS, ThetaSearch, restart_unconverged
from mixedmodels.core._optimize import OptSummary


def may_restart(opt: OptSummary, search: ThetaSearch, control: Control) -> bool:
    """Whether failed convergence checks may restart the search
    (``control.restart_unconverged``): not when the optimizer gave up (its
    evaluation or time budget is the user's), nor with ``upper`` bounds (at
    which the gradient need not vanish), nor with scipy's optimizers (which
    take no first steps or deviance tolerance)."""
    return (control.restart_unconverged and not opt.failed and "upper" not in search.options
            and not search.method.startswith("scipy"))


def restart_while_unconverged(opt: OptSummary, singular: bool, derivs, derivatives_at: Callable,
                              run: Callable[..., OptSummary], search: ThetaSearch, control: Control,
                              singular_restarts: bool = True):
    """Restart the search (:func:`~mixedmodels.core._fit_theta.restart_unconverged`,
    ``run(start, search=...)``) with each of
    :data:`~mixedmodels.core._fit_theta.RESTART_STEPS` in turn while lme4's
    derivative checks fail; the optimum, whether it is singular, and the
    derivatives there (``derivatives_at(summary)`` gives the last two).
    When they still fail with an element closer to its bound than the
    first restart's step, one more restart with that step shortened there
    (``beside_bounds``).
    ``singular_restarts=False``: a singular optimum is kept as it is (its
    derivatives are then the full ones, which need not vanish on a bound)."""
    tries = [(step, False) for step in RESTART_STEPS] + [(RESTART_STEPS[0], True)]
    for step, beside_bounds in tries:
        if (singular and not singular_restarts) or not failed_convergence(derivs, control):
            break
        restarted = restart_unconverged(run, opt, search, step, beside_bounds)
        if restarted is not opt:
            opt = restarted
            singular, derivs = derivatives_at(opt)
    return opt, singular, derivs
