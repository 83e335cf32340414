"""Anderson-mixed chord steps on a linear problem: GMRES-like, far ahead of the plain iteration."""

import numpy as np

from mixedmodels.core._anderson import AndersonMixer


def test_mixed_chord_steps_converge_faster_than_plain_ones():
    rng = np.random.default_rng(2)
    n = 40
    Q = rng.normal(size=(n, n))
    H = Q @ Q.T / n + np.eye(n)  # the Hessian
    H0 = H + 0.3 * np.diag(rng.uniform(size=n))  # the factor formed earlier (chord)
    g = rng.normal(size=n)
    solution = np.linalg.solve(H, g)

    def chord_step(x):
        return np.linalg.solve(H0, g - H @ x)

    plain, mixed, mixer = np.zeros(n), np.zeros(n), AndersonMixer(m=3)
    for _ in range(8):
        plain = plain + chord_step(plain)
        # the iterate split as PIRLS holds it: modes of two terms (levels x effects) and beta
        u, beta = [mixed[:20].reshape(10, 2), mixed[20:35].reshape(15, 1)], mixed[35:]
        step = chord_step(mixed)
        du, dbeta = [step[:20].reshape(10, 2), step[20:35].reshape(15, 1)], step[35:]
        u_new, beta_new = mixer.next(u, beta, du, dbeta)
        assert [a.shape for a in u_new] == [(10, 2), (15, 1)] and beta_new.shape == (5,)
        mixed = np.concatenate([a.ravel() for a in u_new] + [beta_new])
    plain_error, mixed_error = np.abs(plain - solution).max(), np.abs(mixed - solution).max()
    assert mixed_error < 1e-2 * plain_error, (plain_error, mixed_error)  # measured: 7e-7 against 7e-10


def test_first_mixed_step_is_the_chord_step():
    mixer = AndersonMixer()
    u, beta = [np.ones((3, 1))], np.array([2.0])
    u_new, beta_new = mixer.next(u, beta, [np.full((3, 1), 0.5)], np.array([-1.0]))
    np.testing.assert_array_equal(u_new[0], np.full((3, 1), 1.5))
    np.testing.assert_array_equal(beta_new, [1.0])
