"""Settings of a glmer fit: lme4's glmerControl on top of :class:`Control`."""

from __future__ import annotations

from dataclasses import dataclass

from mixedmodels._control import Control


@dataclass
class GlmerControl(Control):
    """:class:`~mixedmodels.Control` plus the GLMM settings.

    Attributes
    ----------
    pirls_tol : float
        PIRLS stops when the linear predictor is within this of the modes
        (extrapolated from the last two steps).  lme4 stops on the relative
        change of the penalized deviance, 1e-7; that criterion leaves the
        slowly converging non-canonical links noisy at the 1e-6 level,
        which the finite-difference Hessian behind the standard errors
        would magnify.
    pirls_maxit : int
        Maximum PIRLS iterations per evaluation.
    check_pirls : str
        Level of the message when PIRLS does not converge at the optimum.
    check_separation : str
        Level of the complete / quasi-complete separation message
        (binomial models, by the fixed effects) and of R glm's "fitted
        probabilities numerically 0 or 1" / "fitted rates numerically 0"
        at the optimum (binomial, Poisson with the log link: separation by
        the fixed and random effects together).
    stage1_ftol_abs : float
        Absolute deviance tolerance of stage 1 when stage 2 follows (its
        optimum is only a starting point).
    stage1_pirls_tol : float
        PIRLS tolerance of stage 1's evaluations when stage 2 follows (the
        modes at its optimum, where stage 2 and lme4's Hessian start, are
        found to ``pirls_tol``): fewer PIRLS steps where the optimizer is
        still far off (a 200,000-row Bernoulli fit: 12.4 -> 9.4 s, the same
        estimates).
    derivative_pirls_tol : float
        PIRLS tolerance of the evaluations behind the converged Hessian
        (``vcov_hessian="converged"``): the Laplace deviance's
        log-determinant carries ``pirls_tol`` in the linear predictor as
        noise of about 1e-9, which the second differences divide by
        ``delta^2 = 1e-8``.  An inverse-Gaussian fit's standard error came
        out 0.7 % off lme4's (``tolPwrss = 1e-12``) with 1e-10, 8e-5 with
        1e-12 (``tools/lme4_diff`` seed 34, ``invgauss_log_005``; on 294
        fits with non-canonical links of seeds 30-35 the 95th percentile
        0.31 % -> 0.09 %).
    check_counts : str
        Level of R's "non-integer #successes in a binomial glm!" (a
        proportion response without its numbers of trials as weights) and
        "non-integer counts" (``cbind``) warnings.
    check_nb_start : str
        Level of the message when MASS's ``theta.ml``, which gives
        :func:`~mixedmodels.glmer_nb` its initial NB size at the Poisson
        fit's means, stops at its iteration limit (R warns "iteration limit
        reached"; the search interval ``log(theta_0) +- 3`` may then miss
        the optimum, see :data:`mixedmodels.glmm._nb.MAX_INTERVAL_SHIFTS`).
    stage2_optimizer : str, optional
        Optimizer of the second stage (theta and beta); default: ``optimizer``.
    vcov_hessian : {"auto", "lme4", "converged"}
        The finite-difference Hessian over (theta, beta) the covariance of
        the fixed effects comes from.  ``"lme4"``: that of lme4's stage-2
        deviance function, which restarts PIRLS from the stage-1
        linear predictor and stops it at a relative change of 1e-7 in the
        penalized deviance; this gives lme4's standard errors.
        ``"converged"``: the Hessian of the Laplace (or AGQ) deviance with
        PIRLS converged (the one the convergence checks use); it differs
        from lme4's where few observations per level make the truncation
        matter (cbpp: 1.3 % in the standard errors).  ``"auto"`` (default):
        ``"lme4"`` for binomial logit and Poisson log (whose weights and
        deviance take the cumulant's short forms), else ``"converged"``;
        the convergence checks take the same Hessian.
        With another link lme4's PIRLS converges slowly and its truncation
        makes the Hessian noise rather than a reproducible bias: on 40
        simulated Gamma (log link) fits (``tools/lme4_diff``) lme4's
        standard errors were 82 % off its own with ``tolPwrss = 1e-12`` in
        the worst tenth and our copy of its function did not reproduce
        them (non-positive-definite Hessians, standard errors 46 % off
        without a warning), while the converged Hessian matched the
        tight fit; the probit, cloglog, Gamma and negative binomial
        references match it within 0.03 % (probit: 1.2e-4 of lme4's, 1.8e-5
        with ``"lme4"``).
    check_conv_nparmax : int
        As :class:`~mixedmodels.Control`'s, counting theta and beta: 20, as
        lme4 >= 1.1-38's glmerControl (above it, and from
        ``check_conv_nobsmax`` observations, no derivatives are taken and
        the covariance of beta comes from ``R_X``).  lme4 1.1-38 also takes
        none for a singular fit; we take them there, as 1.1-31 (the
        references) does, for the covariance of beta.
    """

    pirls_tol: float = 1e-10
    pirls_maxit: int = 100
    check_pirls: str = "warn"
    check_separation: str = "warn"
    check_counts: str = "warn"
    check_nb_start: str = "warn"
    stage1_ftol_abs: float = 1e-5
    stage1_pirls_tol: float = 1e-6
    derivative_pirls_tol: float = 1e-12
    stage2_optimizer: str | None = None
    vcov_hessian: str = "auto"
    check_conv_nparmax: int = 20

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.derivative_pirls_tol > 0:
            raise ValueError(f"derivative_pirls_tol must be positive; got {self.derivative_pirls_tol!r}.")
        if self.vcov_hessian not in ("auto", "lme4", "converged"):
            raise ValueError(f"vcov_hessian must be 'auto', 'lme4' or 'converged'; got {self.vcov_hessian!r}.")
