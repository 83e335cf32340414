"""Kenward-Roger adjusted covariance of beta and denominator df, as pbkrtest.

The marginal covariance of y is ``Sigma = sum_r gamma_r G_r``: one ``G_r``
per entry of each term's covariance matrix (lower triangle) plus the identity
for the residual variance.  pbkrtest's ``vcovAdj`` corrects ``Phi = cov(beta)``
for the uncertainty in the ``gamma``; ``KRmodcomp`` turns it into an F test.
Each ``G_r`` is kept as a sum of products ``U V'`` of sparse indicator-times-
covariate columns, so no ``n x n`` matrix other than ``Sigma^-1`` is formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp


@dataclass
class KenwardRoger:
    """pbkrtest's ``vcovAdj`` result.

    Attributes
    ----------
    phi : numpy.ndarray
        ``(p, p)`` unadjusted cov(beta).
    phi_adj : numpy.ndarray
        ``(p, p)`` Kenward-Roger adjusted cov(beta).
    P : list of numpy.ndarray
        ``-X' Sigma^-1 G_r Sigma^-1 X`` per variance parameter.
    W : numpy.ndarray
        Twice the inverse expected information of the variance parameters.
    """

    phi: np.ndarray
    phi_adj: np.ndarray
    P: list[np.ndarray]
    W: np.ndarray

    def adjust(self, L: np.ndarray) -> tuple[float, float, int]:
        """``(ddf, F scaling, q)`` of the hypothesis ``L beta = 0`` (pbkrtest's ``.KR_adjust``)."""
        L = np.atleast_2d(L)
        q = L.shape[0]
        theta = L.T @ np.linalg.solve(L @ self.phi @ L.T, L)
        u = [theta @ self.phi @ P @ self.phi for P in self.P]
        a1 = a2 = 0.0
        for i in range(len(u)):
            for j in range(i, len(u)):
                e = 1.0 if i == j else 2.0
                a1 += e * self.W[i, j] * np.trace(u[i]) * np.trace(u[j])
                a2 += e * self.W[i, j] * np.sum(u[i] * u[j].T)
        return _kr_ddf(a1, a2, q)

    def wald(self, L: np.ndarray, beta: np.ndarray) -> float:
        """Wald statistic of ``L beta = 0`` with the adjusted covariance, over q."""
        L = np.atleast_2d(L)
        lb = L @ beta
        return float(lb @ np.linalg.solve(L @ self.phi_adj @ L.T, lb)) / L.shape[0]


def _kr_ddf(a1: float, a2: float, q: int) -> tuple[float, float, int]:
    b = (a1 + 6.0 * a2) / (2.0 * q)
    g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
    denom = 3.0 * q + 2.0 * (1.0 - g)
    c1, c2, c3 = g / denom, (q - g) / denom, (q + 2 - g) / denom
    v0, v1, v2 = 1.0 + c1 * b, 1.0 - c2 * b, 1.0 - c3 * b
    v0 = 0.0 if abs(v0) < 1e-10 else v0
    ratio = 1.0 if abs(1.0 - a2 / q) < 1e-14 and abs(v1) < 1e-14 else (1.0 - a2 / q) / v1
    rho = ratio**2 * v0 / (q * v2)
    ddf = 4.0 + (q + 2.0) / (q * rho - 1.0)
    scaling = 1.0 if abs(ddf - 2.0) < 1e-2 else ddf * (1.0 - a2 / q) / (ddf - 2.0)
    return float(ddf), float(scaling), q


MAX_NOBS = 15_000  # Sigma^-1 and its products are dense n x n (15,000: 1.8 GB each)


def kenward_roger(fit) -> KenwardRoger:
    """pbkrtest's ``vcovAdj`` for a REML fit (at most ``MAX_NOBS`` observations)."""
    if fit.nobs > MAX_NOBS:
        gb = fit.nobs**2 * 8 / 1e9
        raise NotImplementedError(
            f"Kenward-Roger's method forms dense n x n matrices, as pbkrtest does; with "
            f"n = {fit.nobs} each takes {gb:.1f} GB. Use ddf='satterthwaite' for data this large "
            f"(or raise mixedmodels.inference._kenward_roger.MAX_NOBS if you have the memory)."
        )
    if not fit.reml:
        raise ValueError("Kenward-Roger's method is only available for REML fits; "
                         "refit with reml=True (fit.update(reml=True)).")
    if fit.frame.weights is not None:
        raise NotImplementedError("Kenward-Roger's method is not implemented for fits with prior weights; "
                                  "use ddf='satterthwaite'.")
    X = fit.frame.X
    pairs = variance_pairs(fit)
    W = sigma_inverse(fit)
    phi = fit.vcov.to_numpy()
    TT = W @ X
    # W u as (u' W)', W being symmetric: scipy's dense @ sparse would copy all of W each time
    wz = {id(u): np.ascontiguousarray((u.T @ W).T) for pr in pairs for u, _ in pr if u is not None}
    OO = [sum((TT if u is None else u @ (v.T @ TT)) for u, v in pr) for pr in pairs]
    WOO = np.split(W @ np.hstack(OO), len(OO), axis=1)  # one pass over W
    P = [-(TT.T @ o) for o in OO]
    P = [(m + m.T) / 2 for m in P]
    k = len(pairs)
    IE2, Q = np.empty((k, k)), {}
    for r in range(k):
        for s in range(r, k):
            Q[r, s] = OO[r].T @ WOO[s]
            ktrace = _trace_term(pairs[r], pairs[s], W, wz)
            IE2[r, s] = IE2[s, r] = (ktrace - 2 * np.sum(phi * Q[r, s])
                                     + np.sum((phi @ P[r]) * (P[s] @ phi)))
    eig = np.linalg.eigvalsh(IE2)
    WW = 2 * (np.linalg.inv(IE2) if np.min(np.abs(eig)) > 1e-10 else np.linalg.pinv(IE2))
    UU = np.zeros_like(phi)
    for r in range(k):
        for s in range(r + 1, k):
            UU += WW[r, s] * (Q[r, s] - P[r] @ phi @ P[s])
    UU = UU + UU.T
    for r in range(k):
        UU += WW[r, r] * (Q[r, r] - P[r] @ phi @ P[r])
    return KenwardRoger(phi, phi + 2 * phi @ UU @ phi, P, WW)


def _trace_term(pairs_r, pairs_s, W, wz) -> float:
    """``tr(G_r W G_s W)`` from the factor pairs of ``G_r`` and ``G_s``."""
    total = 0.0
    for u1, v1 in pairs_r:
        for u2, v2 in pairs_s:
            if u1 is None and u2 is None:  # the residual's: tr(W W), W symmetric
                total += float(np.vdot(W, W))
            else:
                total += _trace_product(_v_w_u(v1, u2, W, wz), _v_w_u(v2, u1, W, wz))
    return total


def _v_w_u(v, u, W: np.ndarray, wz: dict) -> np.ndarray:
    """``v' W u`` (None: the identity), with ``wz[id(x)] = W x`` and W symmetric,
    so that no product passes over W again."""
    if u is not None:
        return _left(v, wz[id(u)])
    if v is not None:
        return wz[id(v)].T
    return W


def _trace_product(a: np.ndarray, b: np.ndarray, rows: int = 1024) -> float:
    """``tr(a b) = sum a_ij b_ji``, in blocks of rows of ``a`` (no temporary
    the size of ``a`` when both are ``n x n``)."""
    total = 0.0
    for i in range(0, a.shape[0], rows):
        total += float(np.vdot(a[i : i + rows], np.ascontiguousarray(b[:, i : i + rows].T)))
    return total


def _left(v, m: np.ndarray) -> np.ndarray:
    """``v' m`` (``m`` itself when ``v`` is the identity, given as None)."""
    return m if v is None else np.asarray(v.T @ m)


def variance_pairs(fit) -> list[list[tuple]]:
    """Per covariance parameter (lower triangle of each term's covariance, then
    the residual variance) the ``(U, V)`` pairs with ``G_r = sum U V'``; None
    stands for the identity of the residual."""
    pairs = []
    for block in fit.problem.blocks:
        n = block.codes.size
        cols = [sp.csc_matrix((block.Z[:, i], (np.arange(n), block.codes)), shape=(n, block.nlevels))
                for i in range(block.k)]
        for j in range(block.k):
            for i in range(j, block.k):
                pairs.append([(cols[i], cols[i])] if i == j else [(cols[i], cols[j]), (cols[j], cols[i])])
    pairs.append([(None, None)])
    return pairs


def sigma_inverse(fit) -> np.ndarray:
    """Dense ``Sigma^-1 = (sigma^2 (Z Lambda Lambda' Z' + I))^-1``."""
    n = fit.nobs
    parts = []
    lambdas = fit.problem.theta_map.lambdas(np.asarray(fit.optsummary.final, dtype=float))
    for block, lam in zip(fit.problem.blocks, lambdas):
        rows = np.repeat(np.arange(n), block.k)
        cols = (block.codes[:, None] * block.k + np.arange(block.k)).ravel()
        z = sp.csr_matrix((block.Z.ravel(), (rows, cols)), shape=(n, block.size))
        parts.append(z @ sp.kron(sp.identity(block.nlevels), sp.csr_matrix(lam)))
    U = sp.hstack(parts).tocsr()
    q, sigma2 = U.shape[1], fit.sigma**2
    if q <= n // 2:  # Woodbury: (I + U U')^-1 = I - U (I + U'U)^-1 U'
        inner = np.asarray((U.T @ U).todense()) + np.eye(q)
        c = la.cholesky(inner, lower=True)
        B = la.solve_triangular(c, np.asarray(U.T.todense()), lower=True)
        out = B.T @ B  # then I - B'B, divided by sigma^2, in place (one n x n array)
        out *= -1.0
        out.flat[:: n + 1] += 1.0
        out /= sigma2
        return out
    sigma = np.asarray((U @ U.T).todense()) + np.eye(n)
    c, low = la.cho_factor(sigma, lower=True, overwrite_a=True)
    return la.cho_solve((c, low), np.eye(n), overwrite_b=True) / sigma2
