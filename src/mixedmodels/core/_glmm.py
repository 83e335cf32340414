"""The Laplace (and AGQ) deviance of a generalized linear mixed model.

Predictor and response are kept apart: the random-effects blocks and X make
two reweightable systems -- ``full`` (random effects and X, for PIRLS over u
and beta) and ``uonly`` (random effects only, beta held fixed) -- and the
:class:`GlmResponse` supplies weights, working response and deviance.  The
current modes are kept between evaluations so that each PIRLS starts warm.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import scipy.linalg as la

from mixedmodels.core._agq import agq_deviance
from mixedmodels.core._diagchol import rest_diagonal_cuts
from mixedmodels.core._glmresp import GlmResponse
from mixedmodels.core._packed import PackedPositionsError
from mixedmodels.core._pirls import PIRLS_FAILURES, PirlsResult, pirls
from mixedmodels.core._reblock import RandomEffectsBlock, rest_layout
from mixedmodels.core._refactor import ReweightableFactor
from mixedmodels.core._reweight import ReweightedCrossProducts
from mixedmodels.core._theta import ThetaMap
from mixedmodels.core._thetascale import theta_scales

_BIG = float(np.finfo(float).max / 1e10)
_CHORD_FLOPS_PER_ROW = 50.0
_CHORD_FLOPS_PER_STEP = 1e6  # a step's Python overhead, in flops


class ReweightedSystem:
    """Cross-products and blocked factor of ``[Z X z]`` for changing weights.

    Has the attributes :func:`~mixedmodels.core.solve` and
    :func:`~mixedmodels.core.conditional_variances` read from a problem
    (``blocks``, ``factor``, ``n``, ``p``).
    """

    def __init__(self, blocks: list[RandomEffectsBlock], X: np.ndarray) -> None:
        self.blocks = blocks
        self.n, self.p = X.shape
        self.cross = ReweightedCrossProducts(blocks, X)
        layout = rest_layout(blocks)
        cuts = rest_diagonal_cuts(self.cross.structure(), *layout)
        # the rest is held packed and its leading diagonal blocks eliminated
        # sparsely when there are any, every further term is scalar and the
        # elimination is cheap (else divided out densely; BlockedFactor._packing)
        sparse = all(b.k == 1 for b in blocks[1:]) and bool(cuts)
        self.factor = self._factor(layout, cuts, sparse)
        self.chord = None  # the last PIRLS factor, whose solves start the next PIRLS
        # chord steps (a pass over the rows each) pay off only when a new factor costs far more
        self.use_chord = self.factor.update_flops() > _CHORD_FLOPS_PER_ROW * self.n + _CHORD_FLOPS_PER_STEP

    def _factor(self, layout, cuts: list[int], sparse: bool) -> ReweightableFactor:
        """The factor of the cross-products at unit weights, packed if ``sparse``
        (dense when some row lacks a first-term effect: packing needs one)."""
        ones, zeros = np.ones(self.n), np.zeros(self.n)
        if sparse:
            self.cross.set_lower_sparse(True)
            try:
                return ReweightableFactor(self.cross.compute(ones, zeros), *layout, cuts=cuts)
            except PackedPositionsError:
                self.cross.set_lower_sparse(False)
        return ReweightableFactor(self.cross.compute(ones, zeros), *layout, cuts=cuts)


class GeneralizedMixedProblem:
    """Data of a GLMM and its deviance as a function of theta (and beta).

    Parameters
    ----------
    blocks : list of RandomEffectsBlock
        Random-effects terms, lme4's order.
    X : numpy.ndarray
        ``(n, p)`` fixed-effects matrix.
    response : GlmResponse
        Response, prior weights, offset and family.
    tol : float
        PIRLS stops when the linear predictor is within this of the modes
        (see :func:`~mixedmodels.core._pirls.pirls`).
    """

    def __init__(self, blocks: list[RandomEffectsBlock], X: np.ndarray, response: GlmResponse,
                 tol: float = 1e-10, maxit: int = 100) -> None:
        if not blocks:
            raise ValueError("a generalized linear mixed model needs at least one random-effects term")
        self.blocks, self.X, self.response = blocks, X, response
        self.n, self.p = X.shape
        self.theta_map = ThetaMap([b.covariance for b in blocks])
        self.theta_scales = theta_scales(self.theta_map, blocks)  # None: theta's own units
        self.full = ReweightedSystem(blocks, X)
        self.uonly = ReweightedSystem(blocks, X[:, :0])
        self.tol, self.maxit = tol, maxit
        self.x_row_norm = float(np.abs(X).sum(axis=1).max()) if X.size else 0.0  # max_i sum_j |X_ij|
        self._start_eta: np.ndarray | None = None
        self.restart()
        self.last: PirlsResult | None = None
        self.stage1_eta: np.ndarray | None = None  # where lme4's stage-2 PIRLS restarts (its lp0)

    @contextmanager
    def pirls_tolerance(self, tol: float) -> Iterator[None]:
        """PIRLS stops at ``tol`` (instead of :attr:`tol`) inside the ``with`` block."""
        saved, self.tol = self.tol, tol
        try:
            yield
        finally:
            self.tol = saved

    def linear_predictor(self, u: list[np.ndarray], beta: np.ndarray, lambdas: list[np.ndarray]) -> np.ndarray:
        """``offset + X beta + sum_i Z_i Lambda_i u_i``."""
        eta = self.X @ beta
        eta += self.response.offset
        for block, ui, lam in zip(self.blocks, u, lambdas):
            eta += block.apply(ui @ lam.T)
        return eta

    def modes(self, theta: np.ndarray, beta: np.ndarray | None = None) -> PirlsResult:
        """PIRLS at theta: over u and beta (``beta=None``) or over u with beta fixed."""
        lambdas = self.theta_map.lambdas(np.asarray(theta, dtype=float))
        fixed = beta is not None
        start_beta = np.asarray(beta, dtype=float) if fixed else self.beta
        u = self.u if self._start_eta is not None else _same_effects(self.u, self._u_lambdas, lambdas)
        result = pirls(self, lambdas, u, start_beta, self._start_eta, fixed, self.tol, self.maxit)
        self._start_eta = None
        self.u, self.last, self._u_lambdas = result.u, result, lambdas
        if not fixed:
            self.beta = result.beta
        return result

    def laplace_of(self, result: PirlsResult) -> float:
        """lme4's Laplace deviance: ``log|L|^2 + ||u||^2 + family aic``."""
        aic = self.response.aic_at(result.eta, result.pdev - result.ussq)
        return result.state.logdet_re + result.ussq + aic

    def deviance(self, theta: np.ndarray, beta: np.ndarray | None = None, nagq: int = 1,
                 failed: float = _BIG) -> float:
        """Objective for the optimizer: Laplace (``nagq <= 1``) or AGQ deviance.

        A PIRLS that fails from the last evaluation's modes is tried once
        more from where lme4 starts every evaluation (:meth:`_retry`); one
        that fails from there too (non-finite or increasing deviance) gives
        ``failed``: by default a large finite value, so the optimizer steps
        back, and the next evaluation starts from the last good modes (the
        derivatives at the optimum take NaN, as lme4's Hessian gets).  (A
        warm start far from the modes can fail where the deviance is fine: a
        Poisson ``(x | g)`` fit with ``nagq=0`` had BOBYQA stop 5.4
        log-likelihood units short after one such failure, ``tools/lme4_diff``
        seed 3.)
        """
        try:
            result = self.modes(theta, beta)
        except PIRLS_FAILURES:
            result = self._retry(theta, beta)
            if result is None:
                return failed
        if nagq > 1:
            return agq_deviance(self, result, theta, nagq)
        return self.laplace_of(result)

    def _retry(self, theta: np.ndarray, beta: np.ndarray | None) -> PirlsResult | None:
        """PIRLS at ``theta`` afresh, as lme4 starts each evaluation: stage 1
        (beta free) from R's ``mustart``, stage 2 (beta given) from the
        stage-1 linear predictor (lme4's ``lp0``).  None if that fails too
        (or the failed call had started there already); the modes and fixed
        effects the next evaluation starts from are then as they were, and
        a stage-2 retry leaves the free fixed effects' start alone."""
        if self._start_eta is not None:
            return None
        saved = (self.u, self.beta, self._u_lambdas)
        self.restart()
        if beta is not None and self.stage1_eta is not None:
            self._start_eta = self.stage1_eta
        try:
            result = self.modes(theta, beta)
        except PIRLS_FAILURES:
            self.u, self.beta, self._u_lambdas = saved
            self._start_eta = None
            return None
        if beta is not None:
            self.beta = saved[1]
        return result

    def restart(self) -> None:
        """Start the next PIRLS from R's ``mustart`` with zero modes, as a fit begins."""
        self.u = [np.zeros((b.nlevels, b.k)) for b in self.blocks]
        self._u_lambdas = None  # the factors self.u was found at (None: take u as it is)
        self.beta = np.zeros(self.p)
        self._start_eta = self.response.initial_eta()

    def reset(self, u: list[np.ndarray] | None = None, beta: np.ndarray | None = None,
              lambdas: list[np.ndarray] | None = None) -> None:
        """Set the modes PIRLS starts from (the next PIRLS starts there, not
        from a pending R ``mustart``).  A user's fixed-effects start thus
        seeds stage 1 too; lme4 restarts every stage-1 evaluation from its
        ``lp0`` and uses ``start$fixef`` only in stage 2.  ``lambdas``: the
        factors ``u`` was found at, if known (the next PIRLS then keeps
        ``b = Lambda u`` rather than ``u``; see :func:`_same_effects`)."""
        if u is not None:
            self.u = [np.array(x, dtype=float) for x in u]
            self._u_lambdas = lambdas
        if beta is not None:
            self.beta = np.array(beta, dtype=float)
        if u is not None or beta is not None:
            self._start_eta = None


def _same_effects(u: list[np.ndarray], old: list[np.ndarray] | None, new: list[np.ndarray]) -> list[np.ndarray]:
    """Spherical modes ``u`` found at factors ``old``, re-expressed at ``new``
    so that the random effects ``b = Lambda u`` -- and with them the linear
    predictor -- stay as they were: the start for PIRLS at a new theta.

    Keeping ``u`` instead scales the effects with theta: a step of the
    optimizer from theta = 1 to e moves the linear predictor by e - 1 times
    the effects, and PIRLS needs more steps to come back (200,000-row
    Bernoulli GLMM: 9 to 19 steps for the first evaluations).  A term whose
    new factor is singular, or so close to it that the re-expressed modes
    overflow, keeps its ``u``.
    """
    if old is None:
        return u
    out = []
    with np.errstate(over="ignore", invalid="ignore"):  # once: entering it costs as much as a small term's work
        for ui, lam_old, lam_new in zip(u, old, new):
            if lam_new.shape[0] == 1:
                scale = lam_old[0, 0] / lam_new[0, 0] if lam_new[0, 0] > 0 else np.nan
                moved = ui * scale if np.isfinite(scale) else ui
            elif np.all(np.diagonal(lam_new) > 0):  # b' = u' Lambda_old' = u_new' Lambda_new'
                moved = la.solve_triangular(lam_new, (ui @ lam_old.T).T, lower=True, check_finite=False).T
            else:
                moved = ui
            out.append(moved if moved is ui or np.isfinite(moved).all() else ui)
    return out

