"""Settings of a fit: optimizer and the level of every check (lme4's lmerControl)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mixedmodels._warnings import LEVELS
from mixedmodels.core._fit_theta import ZERO_PROBE, ThetaSearch


@dataclass
class Control:
    """Optimizer settings and check levels.

    Every ``check_*`` level is ``"ignore"``, ``"warn"`` or ``"raise"``.

    Attributes
    ----------
    optimizer : str
        ``"bobyqa"`` (lme4's default), ``"newuoa"``, ``"neldermead"``,
        ``"cobyla"``, ``"sbplx"`` (nlopt) or ``"scipy-powell"``,
        ``"scipy-lbfgsb"``, ``"scipy-neldermead"``.
    optimizer_options : dict
        Overrides of ``xtol_abs``, ``ftol_abs``, ``xtol_rel``, ``ftol_rel``,
        ``maxeval``, ``initial_step``.
    check_singular : str
        Level of the "boundary (singular) fit" message (lme4: message).
    singular_tol : float
        A diagonal of lambda below this counts as singular (1e-4).
    check_conv_grad, grad_tol : str, float
        Scaled-gradient check at the optimum (lme4: warning, 2e-3).
    check_conv_hess, hess_tol : str, float
        Hessian eigenvalue checks at the optimum (lme4: warning, 1e-6).
    check_conv_nobsmax, check_conv_nparmax : int
        Derivative checks are taken only below these numbers of
        observations / parameters, as lme4 >= 1.1-38 takes them (1e4;
        lmer 10 covariance parameters, glmer 20 parameters counting the
        fixed effects).  lme4 1.1-31, on which the reference fits were
        made, takes them always.
    check_scale_x : str
        "Some predictor variables are on very different scales" (warning).
    check_nlev_gtreq_5 : str
        Grouping factors with fewer than 5 levels (lme4: ignore).
    restart_edge : bool
        Restart the optimizer when it stops on a boundary with a
        downhill gradient into the interior (lme4's ``restart_edge``).
    boundary_tol : float
        Parameters this close to a bound are tried exactly on it (lme4's
        check; 0: not).
    zero_probe : float
        Then each diagonal element of theta below this (in the searched
        units when theta is rescaled) is tried at 0 in turn, and kept there
        if the deviance does not increase beyond rounding (if it falls from
        0 into the interior, the search restarts from there) (:data:`mixedmodels.core._fit_theta.ZERO_PROBE`; 0:
        not, as lme4).
    rotate_faces : bool
        With ``restart_edge``, also restart from a point with the optimum's
        covariances where a zero diagonal of a vector term's factor falls
        into the interior (:meth:`~mixedmodels.core._covariance.Unstructured.faces`),
        and, for a diagonal above 0 but below ``zero_probe``, from such a
        point with it at 0 when a step into the interior there is below the
        optimum; and from 0.01 into the interior beside a zero diagonal
        where the deviance is lower there though its slope at 0 is not
        negative (it is even in such a diagonal: lme4's slope test cannot
        see negative curvature), or along the direction of most negative
        curvature of a column of a vector term's factor whose entries are
        all below 0.01, put at 0 (the deviance is even in such a column:
        a search can stop on that saddle); False: lme4's restart only.
    restart_unconverged : bool
        When lme4's derivative checks find the optimum short of a minimum
        (a Hessian eigenvalue below ``-hess_tol``, a Hessian that is not
        positive definite, or a scaled gradient above ``grad_tol``: the
        search stopped on a flat ridge or slope), restart the search from
        there with first steps of 0.05, then 0.2, then 1 while the checks
        still fail (:data:`mixedmodels.core._fit_theta.RESTART_STEPS`; in the
        searched units; an element closer to its bound than the step starts
        that far from it), linearly and with a deviance tolerance of 1e-10
        (:data:`~mixedmodels.core._fit_theta.RESTART_FTOL_ABS`) and a zero
        probe of 0.01 (:data:`~mixedmodels.core._fit_theta.RESTART_ZERO_PROBE`;
        none if ``zero_probe`` is 0), keeping each result that is not worse;
        the checks then describe the final optimum.
        Only where the checks run: below ``check_conv_nobsmax``
        observations and ``check_conv_nparmax`` parameters. Two exceptions
        read the derivatives for the restart alone and warn of nothing: a
        singular fit, which gets no checks, restarts on its parameters off
        their bounds; and in ``lmer`` a model with a vector term restarts
        from ``check_conv_nobsmax`` observations too (a search can stop on
        the ridge of a correlation there, and an evaluation costs the same
        at any number of rows; lme4 >= 1.1-38 takes no checks there).
        In ``lmer`` without profiled small terms, with nlopt's
        optimizers, not when the optimizer gave up (its budget is kept) and
        not with ``upper`` bounds in ``optimizer_options`` (at which the
        gradient need not vanish).  In ``glmer`` stage 2 restarts (theta and
        whitened beta; ``nagq >= 1``), when a fit that is not singular fails
        the checks.  The restart reads the checks' derivatives, not their
        levels: it runs with ``check_conv_grad="ignore"`` too.  False: lme4's
        warnings only.
    theta_scale : str
        ``"log"``: when theta is all diagonal (scalar terms and
        ``(x || g)``), the optimizer searches ``asinh(theta / 0.3)``, a log
        scale above 0.3 and linear below (so a singular fit still reaches
        the bound 0, with lme4's boundary check), which reaches the same optimum in fewer evaluations
        (:mod:`mixedmodels.core._logscale`); models with a vector term keep
        lme4's search.  In a profiled fit (``profile_small_terms``) the test
        is on the large terms' parameters, which the outer search varies.
        ``"linear"``: theta itself always, the coordinates lme4 searches
        (lme4's path exactly when no small terms are profiled out and
        ``restart_unconverged`` is False; a GLMM's
        stage 2 searches whitened fixed effects either way).  Either way the
        start is lme4's and so is the optimizer.  Without effect when ``optimizer_options``
        set an ``initial_step`` or ``upper`` bounds, which are meant for theta.
    rescale_theta : bool
        When a random-effects column's root mean square is outside
        [0.1, 10] (a slope on a predictor in the thousands, or on age in
        years), search theta multiplied by its column's root mean square,
        from the identity in those units, as if the predictors were
        rescaled (:mod:`mixedmodels.core._thetascale`); lme4's search often
        stops short of the optimum on such models.  False: theta's own
        units and lme4's start.  Other models are searched as lme4 does
        either way.  Not applied when the small terms' parameters are
        profiled out (``profile_small_terms``): such a model keeps lme4's units.
    profile_small_terms : bool
        In a large model, find the covariance parameters of the terms with
        few levels (lme4 puts them last) inside every evaluation, from a
        small factor, and search only the other parameters (InstEval: 2
        instead of 3; :mod:`mixedmodels.core._smallterms`).  The optimum is
        the same; False searches all parameters jointly, as lme4 does.
        (``lmer`` only; without effect when ``optimizer_options`` hold
        per-parameter values such as an ``initial_step`` array or ``upper``,
        which then apply to the joint search.)
    """

    optimizer: str = "bobyqa"
    optimizer_options: dict = field(default_factory=dict)
    check_singular: str = "warn"
    singular_tol: float = 1e-4
    check_conv_grad: str = "warn"
    grad_tol: float = 2e-3
    check_conv_hess: str = "warn"
    hess_tol: float = 1e-6
    check_conv_nobsmax: int = 10_000
    check_conv_nparmax: int = 10
    check_scale_x: str = "warn"
    check_nlev_gtreq_5: str = "ignore"
    restart_edge: bool = True
    boundary_tol: float = 1e-5
    theta_scale: str = "log"
    rescale_theta: bool = True
    zero_probe: float = ZERO_PROBE
    rotate_faces: bool = True
    restart_unconverged: bool = True
    profile_small_terms: bool = True

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name.startswith("check_") and isinstance(value, str) and value not in LEVELS:
                raise ValueError(f"Control.{name} must be one of {LEVELS}; got {value!r}.")
        if self.theta_scale not in ("log", "linear"):
            raise ValueError(f"Control.theta_scale must be 'log' or 'linear'; got {self.theta_scale!r}.")

    def theta_search(self, **overrides) -> ThetaSearch:
        """These settings as a :class:`~mixedmodels.core._fit_theta.ThetaSearch`
        (``overrides``: its further fields, e.g. ``scales`` and ``faces``)."""
        if not self.rotate_faces:
            overrides = {**overrides, "faces": None, "columns": None}
        settings = {"method": self.optimizer, "options": dict(self.optimizer_options),
                    "restart_edge": self.restart_edge, "boundary_tol": self.boundary_tol,
                    "zero_probe": self.zero_probe, "log_scale": self.theta_scale == "log"}
        return ThetaSearch(**{**settings, **overrides})


def control_of(control, kind: type[Control] = Control) -> Control:
    """``control`` as settings of ``kind``: its defaults for None; a plain
    :class:`Control` given to glmer becomes a :class:`GlmerControl` with the
    settings changed from :class:`Control`'s defaults (glmer's own defaults,
    such as ``check_conv_nparmax``, for the rest); anything else is a
    TypeError that names the class to use."""
    if control is None:
        return kind()
    if isinstance(control, kind):
        return control
    if isinstance(control, Control) and issubclass(kind, type(control)):
        defaults = type(control)()
        return kind(**{k: v for k, v in vars(control).items() if v != getattr(defaults, k)})
    raise TypeError(f"control must be a mixedmodels.{kind.__name__} (e.g. mm.{kind.__name__}(optimizer='bobyqa')); "
                    f"got {type(control).__name__}")
