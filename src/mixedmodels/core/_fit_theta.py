"""Optimizing theta: the optimizer run, lme4's edge restart and boundary check,
and the few places where we search differently from lme4 (:class:`ThetaSearch`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from mixedmodels.core._logscale import log_scale_applies, minimize_log_scale
from mixedmodels.core._optimize import OptSummary, minimize

Faces = Callable[[np.ndarray], list[tuple[np.ndarray, int]]]
"""``faces(theta)``: points with the same deviance as ``theta`` where a zero
diagonal element (the ``int``) may be left downhill (:meth:`ThetaMap.faces
<mixedmodels.core._theta.ThetaMap.faces>`)."""

ZERO_PROBE = 1e-3
"""Diagonal elements of theta below this are also tried at 0, one at a time,
after lme4's boundary check (which tries those within ``boundary_tol``).
Near a singular optimum the deviance is flat to 1e-8 over ``1e-4``, the
singular-fit tolerance, and where a search stops there decides whether the
fit is called singular: on simulated fits (``tools/logscale_check.py``) the
log-scale search and lme4's stopped on different sides of it in 5 of 480
(none with the probe), and against lme4 itself (``tools/lme4_diff``, 280
regular LMMs) 2 singular flags differed (none with it).  An element is put
on 0 if the deviance does not increase (beyond :data:`ROUNDING`); if it
then falls from 0 into the interior, the optimum is inside and the search
restarts from 0.  Up to two evaluations each (and the restart)."""

ROUNDING = 64 * np.finfo(float).eps
"""A point on the bound whose objective exceeds the optimum's by no more than
this (relative) is as good: the rounding of a deviance summed over
thousands of terms (exam_nested: 3.6e-12 in 9,346 between 2.3e-8 and 0)."""
EDGE_STEP = 1e-5
"""The step of lme4's one-sided slope test at a bound (``restart_edge``)."""
EDGE_PROBE = 1e-2
"""How far into the interior a zero diagonal is tried when lme4's slope test
finds no descent (:func:`_dip_beside_edge`; in the searched units), and the
first step of the restart from there."""
DIP_RESTART = "a zero diagonal of theta with no slope into the interior falls beside 0, restarted"
FACE_STEP = 0.01
"""First step of a restart from a rotated face: the descent it found is
along a narrow valley (nlopt's default first step, about 1 here, stepped
over it: a crossed-slopes fit of tools/lme4_diff stayed 0.011 below lme4)."""
ZERO_COLUMN = 1e-2
"""A column of a vector term's factor whose entries are all below this (in
the searched units) is tested for negative curvature at 0
(:func:`_descent_beside_zero_column`)."""
COLUMN_RESTART = "a zero column of a term's factor has negative curvature, restarted along it"
RISING_ZERO_RESTART = "a diagonal of theta near 0 rises at 0 and falls further inside, restarted"
MAX_RESTARTS = 3
"""Restarts from downhill bounds (lme4: one; a restart from a rotated face can
end on another face of the same term)."""
RESTART_STEPS = (0.05, 0.2, 1.0)
"""First steps (in theta's units) of the restarts from an optimum where lme4's
convergence checks fail (:func:`restart_unconverged`), one after another
while the checks still fail.  The search stopped on a slope or ridge so
flat that its last steps changed the deviance by less than its tolerance;
lme4 stops there too and warns.  In ``tools/lme4_diff``: a crossed-slopes
REML fit (seed 4) stopped 0.09 above the optimum on a ridge with negative
curvature, which restarts with first steps of 0.01-0.2 reached (nlopt's
default first step gained 3e-6); a ``(log(z) | g)`` ML fit (seed 5) stopped
with a slope's diagonal at 0.008, a scaled gradient of 0.004 and 2e-5 above
lme4's singular optimum, which a restart reaches; another crossed-slopes fit
(seed 6) stopped 0.15 above the optimum, in a curved valley, which restarts
with first steps of 0.01, 0.2, 0.5 and 1 reached and one of 0.05 did not."""
RESTART_ZERO_PROBE = 1e-2
"""The restarts' zero probe, in the searched units (the first run's:
:data:`ZERO_PROBE`): where the
checks fail beside a bound, the optimum may be on it (a ``(f | g)`` fit of
``tools/lme4_diff``, seed 10, stopped with a diagonal at 0.004 and
negative curvature; at 0 the deviance is 2e-9 lower and the fit singular)."""
RESTART_FTOL_ABS = 1e-10
"""The restarts' absolute deviance tolerance (the first run's: 1e-8, lme4's
default): along such a valley the deviance falls by less than 1e-8 per step
for hundreds of steps.  A crossed-slopes ML fit (seed 7) stopped 0.17 above
its optimum; restarts with 1e-8 gained at most 5e-4, with 1e-10 they
reach it (about 800 evaluations)."""


@dataclass
class ThetaSearch:
    """How theta is searched.

    Attributes
    ----------
    method, options
        Optimizer and its settings (:class:`~mixedmodels.core._optimize.OptSummary`);
        an ``initial_step`` or ``upper`` in theta's units.
    restart_edge : bool
        lme4's restart from a bound with a downhill slope into the interior
        (and, with ``faces``, from an equivalent point where there is one;
        with ``columns``, along negative curvature at a zero column).
    boundary_tol : float
        lme4's check: parameters this close to their bound are tried on it.
    zero_probe : float
        Then diagonal elements below this are tried at 0 in turn (:data:`ZERO_PROBE`).
    log_scale : bool or numpy.ndarray
        Search an all-diagonal theta on a log scale, or the elements of this
        mask (:mod:`mixedmodels.core._logscale`).
    scales : numpy.ndarray, optional
        Search the leading elements multiplied by these (:mod:`mixedmodels.core._thetascale`).
    faces : callable, optional
        Points equivalent to an optimum with a zero diagonal element (:data:`Faces`).
    columns : list of numpy.ndarray, optional
        Indices of each column of a vector term's factor, diagonal element
        first (:meth:`ThetaMap.columns <mixedmodels.core._theta.ThetaMap.columns>`),
        tested for negative curvature where they are near 0.
    """

    method: str = "bobyqa"
    options: dict = field(default_factory=dict)
    restart_edge: bool = True
    boundary_tol: float = 1e-5
    zero_probe: float = ZERO_PROBE
    log_scale: bool | np.ndarray = False
    scales: np.ndarray | None = None
    faces: Faces | None = None
    columns: list[np.ndarray] | None = None


def optimize_theta(devfun: Callable[[np.ndarray], float], initial: np.ndarray, lower: np.ndarray,
                   search: ThetaSearch | None = None) -> OptSummary:
    """Minimize ``devfun`` over theta as lme4's ``optimizeLmer`` does.

    After the first run, if a parameter sits exactly on its bound and the
    one-sided slope into the interior is negative -- there or at a point
    with the same deviance (``search.faces``; with them also a zero diagonal
    whose deviance dips 0.01 inside, :func:`_dip_beside_edge`; with
    ``search.columns``, a zero column of a vector term's factor with
    negative curvature, :func:`_descent_beside_zero_column`) -- the
    optimizer restarts from there; then parameters within ``boundary_tol`` of a bound are tried
    exactly on it and kept there if the objective does not increase, and
    then so is each diagonal element below ``zero_probe`` in turn.  With
    ``search.scales`` all of this happens in the scaled units.
    """
    search = search or ThetaSearch()
    initial = np.asarray(initial, float)
    if search.scales is not None:
        return _in_column_units(devfun, initial, lower, search)
    summary = _first_run(devfun, initial, lower, search)
    if search.restart_edge:
        summary = _restarts(devfun, summary, lower, search)
    if search.boundary_tol > 0:
        snap_to_boundary(devfun, summary, lower, search.boundary_tol)
    if search.zero_probe > 0:
        summary = probe_zeros(devfun, summary, lower, search)
    return summary


def _restarts(devfun, summary: OptSummary, lower, search: ThetaSearch) -> OptSummary:
    """lme4's ``restart_edge`` (its result kept, as lme4 keeps it, unless it is
    worse), repeated while it gains more than :data:`ROUNDING` (up to
    :data:`MAX_RESTARTS` times: a restart from a face can end on another)."""
    for _ in range(MAX_RESTARTS):
        restarted = _restart_if_downhill(devfun, summary, lower, search)
        if restarted is None or restarted.fmin > summary.fmin:
            return summary
        gain = summary.fmin - restarted.fmin
        summary = restarted
        if gain <= ROUNDING * max(1.0, abs(summary.fmin)):
            return summary
    return summary


def restart_unconverged(run: Callable[[np.ndarray, ThetaSearch], OptSummary], summary: OptSummary,
                        search: ThetaSearch, step: float, beside_bounds: bool = False) -> OptSummary:
    """The search ``run(start, search=...)`` once more from ``summary``'s optimum,
    for an optimum that failed lme4's convergence checks: first steps
    ``step`` (:data:`RESTART_STEPS`; in the searched units when theta is
    rescaled), a tighter deviance tolerance (:data:`RESTART_FTOL_ABS`) and a
    wider zero probe (:data:`RESTART_ZERO_PROBE`).
    An ``initial_step`` makes the search linear in theta (or its rescaled
    units), and BOBYQA starts an element closer than ``step`` to its bound at
    ``step`` from it -- unless ``beside_bounds``, where such an element's
    first step is shortened (:func:`_shortened_beside_bounds`; ``summary``
    itself, not restarted, when there is none).  The restart's result if it
    is not worse, continuing ``summary`` (:func:`_continued`); else
    ``summary``, with its evaluations and a note added."""
    steps = np.full(summary.final.size, float(step))
    if search.scales is not None:
        steps[: search.scales.size] /= search.scales  # ``run`` takes theta's units
    step_text = f"{step:g}"
    if beside_bounds:
        shortened = _shortened_beside_bounds(steps, summary)
        if np.array_equal(shortened, steps):
            return summary
        steps, step_text = shortened, f"{step:g} (shorter beside a bound)"
    ftol_abs = min(search.options.get("ftol_abs", RESTART_FTOL_ABS), RESTART_FTOL_ABS)
    options = {**search.options, "initial_step": steps, "ftol_abs": ftol_abs}
    probe = max(search.zero_probe, RESTART_ZERO_PROBE) if search.zero_probe > 0 else 0.0
    restarted = run(summary.final, search=replace(search, options=options, zero_probe=probe))
    if restarted.fmin > summary.fmin:
        summary.feval += restarted.feval
        summary.elapsed += restarted.elapsed
        summary.messages.append(f"a restart with first steps {step_text} ended higher: not kept")
        return summary
    how = f"convergence checks failed where the search stopped: restarted with first steps {step_text}"
    return _continued(summary, restarted, how)


def _shortened_beside_bounds(steps: np.ndarray, summary: OptSummary) -> np.ndarray:
    """First steps no longer than an element's distance above its bound (down
    to a tenth of the step): BOBYQA moves a start closer to its bound than
    the first step to that step from it, away from the optimum the restart
    should leave from.  ``tools/lme4_diff`` seed 103, a Poisson ``(x | g)``
    fit with an offset: stage 2 stopped 2.6e-6 above lme4's optimum with the
    slope's diagonal at 0.0127 and max|grad| 0.0035; each restart began with
    it at 0.05, 8.5 higher, and ended higher than the start, so the fit
    warned.  Only after the usual restarts: as their first steps, shortened
    ones lost up to 2.5 log-likelihood units in 25 of 387 restarted fits
    of ``tools/lme4_diff`` (gaining in 6), which escape a ridge with the
    long step; as a last try they lose nothing there, gain 1.5e-3 and
    3.5e-4 in two, take the warning off four and cost 1.2 % more
    evaluations on those fits."""
    gap = summary.final - summary.lower
    near = (gap > 0) & (gap < steps)
    return np.where(near, np.maximum(gap, steps / 10), steps)


def _continued(summary: OptSummary, restarted: OptSummary, how: str) -> OptSummary:
    """``restarted``, a run that started where ``summary``'s ended, as its
    continuation: evaluations and time added, the first run's start, the
    coordinates marked as restarted linearly (unless they were linear), and
    the messages of both with ``how`` between them."""
    restarted.feval += summary.feval
    restarted.elapsed += summary.elapsed
    restarted.initial = summary.initial
    linear = summary.scale.startswith("theta") or summary.scale.endswith("restarted linearly")
    restarted.scale = summary.scale if linear else f"{summary.scale}, restarted linearly"
    restarted.messages = [*summary.messages, how, *restarted.messages]
    return restarted


def _first_run(devfun, initial, lower, search: ThetaSearch) -> OptSummary:
    options = search.options
    if isinstance(search.log_scale, np.ndarray):
        return minimize_log_scale(devfun, initial, lower, search.method, options, search.log_scale)
    if search.log_scale and log_scale_applies(lower, options):
        return minimize_log_scale(devfun, initial, lower, search.method, options)
    return minimize(devfun, OptSummary(search.method, initial, lower, **options))


def _restart_if_downhill(devfun, summary: OptSummary, lower, search: ThetaSearch) -> OptSummary | None:
    """lme4's ``restart_edge``: restart from a bound with a downhill slope into
    the interior, found at the optimum or at a point equivalent to it; with
    ``search.faces``, also from a dip beside a zero diagonal
    (:func:`_dip_beside_edge`) and, with ``search.columns`` too, along
    negative curvature at a zero column (:func:`_descent_beside_zero_column`).
    None: no such bound."""
    if _downhill_from_edge(devfun, summary.final, summary.fmin, lower):
        return _restart_from(devfun, summary, summary.final, lower, search.method, search.options,
                             "some theta parameters on the boundary, restarted")
    if search.faces is None:
        return None

    def restart_near(start: np.ndarray, first_step: float, how: str) -> OptSummary:
        return _restart_from(devfun, summary, start, lower, search.method,
                             {**search.options, "initial_step": first_step}, how)

    dip = _dip_beside_edge(devfun, summary.final, summary.fmin, lower)
    if dip is not None:
        return restart_near(dip, EDGE_PROBE, DIP_RESTART)
    start, zero = _downhill_face(devfun, summary, lower, search.faces, search.zero_probe)
    if start is not None:
        how = ("a zero diagonal of theta downhill after rotating its term's factor, restarted" if zero is None or
               summary.final[zero] == 0 else
               "a diagonal of theta near 0, put at 0 and its term's factor rotated, falls below the optimum: restarted")
        return restart_near(start, FACE_STEP, how)
    column = _descent_beside_zero_column(devfun, summary.final, summary.fmin, search.columns or [])
    return None if column is None else restart_near(column, EDGE_PROBE, COLUMN_RESTART)


def _restart_from(devfun, summary: OptSummary, start: np.ndarray, lower, method: str, options: dict,
                  how: str) -> OptSummary:
    """A new run from ``start``, its summary continuing ``summary``'s."""
    return _continued(summary, minimize(devfun, OptSummary(method, start, lower, **options)), how)


def _downhill_from_edge(devfun, theta, fmin, lower, which: np.ndarray | None = None) -> bool:
    """lme4's slope test: whether the objective falls from ``theta`` into the
    interior, :data:`EDGE_STEP` along a parameter on its bound (those of
    ``which``, default all)."""
    return _first_fall(devfun, theta, fmin, lower, which, EDGE_STEP, 0.0) is not None


def _dip_beside_edge(devfun, theta, fmin, lower, which: np.ndarray | None = None) -> np.ndarray | None:
    """A point :data:`EDGE_PROBE` into the interior from a diagonal element
    at 0 (of those in ``which``, default all) whose objective is below
    ``fmin`` beyond :data:`ROUNDING`, or None.

    The deviance is even in a zero diagonal whose column below it is zero,
    so lme4's slope test sees no descent where the curvature is negative:
    ``tools/lme4_diff`` seed 6's crossed slopes with ``x`` times 100 stopped
    with h's slope diagonal at 0, 0.075 below lme4's log-likelihood; 0.01
    (in the searched units) from 0 the deviance is 1.6e-7 lower, 0.1 from it
    1.3e-5, and a restart from there reaches the optimum.  Only elements
    bounded by 0 are tried (off-diagonal elements and a GLMM's whitened
    beta are unbounded)."""
    zeros = np.flatnonzero(lower == 0)
    which = zeros if which is None else np.intersect1d(zeros, which)
    return _first_fall(devfun, theta, fmin, lower, which, EDGE_PROBE, ROUNDING * max(1.0, abs(fmin)))


def _first_fall(devfun, theta, fmin, lower, which: np.ndarray | None, step: float,
                drop: float) -> np.ndarray | None:
    """The first point ``step`` into the interior from a parameter of ``which``
    (default all) on its bound where the objective is below ``fmin - drop``."""
    on_edge = np.flatnonzero(theta == lower)
    for i in on_edge if which is None else np.intersect1d(on_edge, which):
        trial = theta.copy()
        trial[i] = lower[i] + step
        if devfun(trial) < fmin - drop:
            return trial
    return None


def _descent_beside_zero_column(devfun, theta, fmin, columns: list[np.ndarray]) -> np.ndarray | None:
    """A point :data:`EDGE_PROBE` from ``theta`` with a column of ``columns``
    whose entries are all below :data:`ZERO_COLUMN` put at 0, then moved
    along the direction of most negative curvature there, whose objective
    is below ``fmin`` beyond :data:`ROUNDING`; or None.

    The deviance is even in a zero column of a term's factor (the sign of
    its effect), so at 0 its slope vanishes in every direction, the slope
    test and the probes along the diagonal (:func:`_dip_beside_edge`) see
    nothing, and a search that reaches it stops on a saddle: the curvature
    can be negative along a direction that moves the column's diagonal and
    the entries below it together.  ``tools/lme4_diff``: a ``(f || g)`` ML
    fit (seed 20) stopped with the second column of the factor's ``f``
    block at 0, 0.0126 below lme4's log-likelihood, and a ``(1 + x + x2 | g)``
    REML fit (seed 29) with its second column at (1e-4, 2e-3), 0.0042 below;
    along the negative curvature's direction (eigenvalues of half the
    Hessian over the column there: -3.2 and -0.014)
    the deviance falls and a restart reaches lme4's optimum.  Costs
    ``m (m + 1) / 2 + 2`` evaluations for a column of ``m`` entries."""
    drop = ROUNDING * max(1.0, abs(fmin))
    for column in columns:
        if np.max(np.abs(theta[column])) >= ZERO_COLUMN:
            continue
        base = _along(theta, column, 0.0)
        direction = _most_negative_curvature(devfun, base, column, EDGE_PROBE)
        if direction is None:
            continue
        trial = _along(base, column, EDGE_PROBE * direction)
        if devfun(trial) < fmin - drop:
            return trial
    return None


def _along(base: np.ndarray, column: np.ndarray, values: np.ndarray | float) -> np.ndarray:
    """``base`` with the entries ``column`` set to ``values``."""
    point = base.copy()
    point[column] = values
    return point


def _most_negative_curvature(devfun, base: np.ndarray, column: np.ndarray, step: float) -> np.ndarray | None:
    """The unit direction of most negative curvature of ``devfun`` over the
    entries ``column`` at ``base`` (where they are 0 and the function is even
    in them), with its first (diagonal) entry not negative; None where the
    curvature is nowhere negative.  From ``(f(base + step v) - f(base)) /
    step^2`` (half the second derivative along ``v``, the function being
    even there) along the axes and their pairwise bisectors."""
    f0, m = devfun(base), column.size

    def curvature(v: np.ndarray) -> float:
        return (devfun(_along(base, column, step * v)) - f0) / step**2

    axes = np.eye(m)
    hess = np.diag([curvature(e) for e in axes])
    for i in range(m):
        for j in range(i):
            both = curvature((axes[i] + axes[j]) / np.sqrt(2.0))
            hess[i, j] = hess[j, i] = both - (hess[i, i] + hess[j, j]) / 2
    values, vectors = np.linalg.eigh(hess)
    if not values[0] < 0:
        return None
    direction = vectors[:, 0]
    return -direction if direction[0] < 0 else direction


def _downhill_face(devfun, summary: OptSummary, lower, faces: Faces,
                   near: float) -> tuple[np.ndarray | None, int | None]:
    """A rotated face of the optimum from which a step into the interior along
    its zero diagonal element is below the optimum itself, with that
    element's index; (None, None) if there is none.  The faces are those of
    the optimum with its diagonal elements below ``near`` (the zero probe's
    threshold, which leaves them where 0 is worse by more than rounding) put
    at 0: ``tools/lme4_diff`` seed 17, ``(x | g)`` by REML, stopped with the
    intercept's diagonal at 8e-5, 0.019 below lme4's log-likelihood; at 0
    the deviance is 4e-7 higher, and one of the two rotated faces falls into
    the interior with a slope of -4.7."""
    small = (lower == 0) & (summary.final < near)
    for point, zero in faces(np.where(small, 0.0, summary.final)):
        trial = point.copy()
        trial[zero] = lower[zero] + EDGE_STEP
        if devfun(trial) < summary.fmin:
            return point, zero
    return None, None


def _in_column_units(devfun, initial, lower, search: ThetaSearch) -> OptSummary:
    """:func:`optimize_theta` over ``phi = theta * scales`` (any further
    elements -- a GLMM's whitened beta -- as they are); ``initial``, and an
    ``initial_step`` or ``upper`` in the options, are given in theta's units.
    The bounds must be 0 or unbounded (as theta's are)."""
    if not np.all((lower == 0) | np.isneginf(lower)):
        raise ValueError("a search in column units needs lower bounds of 0 or -inf")
    factor = np.ones(initial.size)
    factor[: search.scales.size] = search.scales
    options = dict(search.options)
    for key in ("initial_step", "upper"):
        if key in options:
            options[key] = np.asarray(options[key], dtype=float) * factor
    scaled = replace(search, options=options, scales=None)
    summary = optimize_theta(lambda phi: devfun(phi / factor), initial * factor, lower, scaled)
    summary.final, summary.initial = summary.final / factor, initial
    summary.scale = summary.scale.replace("theta", "theta x column RMS", 1)
    return summary


def snap_to_boundary(devfun, summary: OptSummary, lower, tol) -> None:
    """lme4's check: parameters within ``tol`` of their bound go on it
    together if the objective does not increase (beyond :data:`ROUNDING`)."""
    near = np.flatnonzero((summary.final - lower < tol) & (summary.final != lower))
    if near.size:
        _try_on_bound(devfun, summary, lower, near)


def probe_zeros(devfun, summary: OptSummary, lower, search: ThetaSearch) -> OptSummary:
    """Each diagonal element (lower bound 0) below ``search.zero_probe`` tried
    at 0 in turn and kept there if the objective does not increase (beyond
    :data:`ROUNDING`); if it then falls from 0 into the interior, the optimum
    is inside, short of where the search stopped, and the search restarts
    from 0 (:data:`ZERO_PROBE`) -- or, with ``search.faces``, from a dip
    beside 0 (:func:`_dip_beside_edge`).  An element whose objective rises
    at 0 restarts the search from :data:`EDGE_PROBE` when the objective is
    lower there (:func:`_fall_inside`)."""
    below = (lower == 0) & (summary.final > 0) & (summary.final < search.zero_probe)
    for i in np.flatnonzero(below):
        if not _try_on_bound(devfun, summary, lower, np.array([i])):
            inside = _fall_inside(devfun, summary, i)
            if inside is not None:
                restarted = _restart_from(devfun, summary, inside, lower, search.method,
                                          {**search.options, "initial_step": EDGE_PROBE}, RISING_ZERO_RESTART)
                summary = restarted if restarted.fmin <= summary.fmin else summary
            continue
        start, options, how = None, search.options, "a diagonal of theta tried at 0 falls into the interior, restarted"
        if _downhill_from_edge(devfun, summary.final, summary.fmin, lower, np.array([i])):
            start = summary.final
        elif search.faces is not None:  # beyond lme4's slope test, with the face rotation
            start = _dip_beside_edge(devfun, summary.final, summary.fmin, lower, np.array([i]))
            options, how = {**options, "initial_step": EDGE_PROBE}, DIP_RESTART
        if start is not None:
            restarted = _restart_from(devfun, summary, start, lower, search.method, options, how)
            summary = restarted if restarted.fmin <= summary.fmin else summary
    return summary


def _fall_inside(devfun, summary: OptSummary, i: int) -> np.ndarray | None:
    """``summary.final`` with element ``i`` (a diagonal element near 0 whose
    objective rises at 0) moved out to :data:`EDGE_PROBE`, if the objective
    there is below the optimum beyond :data:`ROUNDING`; else None.

    The deviance is even in a scalar term's diagonal element, so 0 is a
    stationary point; a search that stops just beside it, on the side where
    the deviance still falls outward, has stopped on that saddle's flank.
    lme4's derivative checks would find the negative curvature there, but
    from 10,000 observations they are not taken (lme4 >= 1.1-38's limit,
    :class:`~mixedmodels.Control`'s ``check_conv_nobsmax``): ``tools/lme4_diff`` seed
    303, ``y ~ x + (1 | g) + (1 | h) + (1 | k)`` by REML on 11,227 rows,
    stopped with h's element at 1.6e-4, 0.0061 below lme4's log-likelihood
    at 0.0198."""
    if summary.final[i] >= EDGE_PROBE:
        return None
    trial = summary.final.copy()
    trial[i] = EDGE_PROBE
    return trial if devfun(trial) < summary.fmin - ROUNDING * max(1.0, abs(summary.fmin)) else None


def _try_on_bound(devfun, summary: OptSummary, lower, which: np.ndarray) -> bool:
    """Put ``which`` on their bounds if the objective does not increase
    (beyond :data:`ROUNDING`); whether they were."""
    trial = summary.final.copy()
    trial[which] = lower[which]
    value = devfun(trial)
    if value > summary.fmin + ROUNDING * max(1.0, abs(summary.fmin)):
        return False
    summary.final, summary.fmin = trial, value
    return True
