"""Parametric bootstrap of a fitted model (lme4's ``bootMer``).

Every replicate simulates a response from the fit with new random effects,
refits the model to it (``fit.refit``) and applies a statistic.  Replicate
``i`` draws from its own generator, seeded by the ``i``-th child of
``numpy.random.SeedSequence(seed)``, so results do not depend on how the
replicates are split between processes.
"""

from __future__ import annotations

import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mixedmodels.comparison._parameters import default_statistic


@dataclass
class BootstrapResult:
    """Replicates of a statistic under the fitted model.

    Attributes
    ----------
    t0 : pandas.Series
        The statistic on the original fit.
    replicates : pandas.DataFrame
        One row per replicate (NaN where the refit failed).
    n_failed : int
        Replicates whose refit raised an error.
    n_warned : int
        Replicates whose refit issued a warning (convergence, singular fit).
    elapsed : float
        Wall seconds.
    """

    t0: pd.Series
    replicates: pd.DataFrame
    n_failed: int = 0
    n_warned: int = 0
    elapsed: float = 0.0
    seed: object = field(default=None, repr=False)

    def confint(self, method: str = "percentile", level: float = 0.95) -> pd.DataFrame:
        """Bootstrap intervals: ``"percentile"``, ``"normal"`` (bias-corrected, as
        boot's ``norm``) or ``"basic"``; columns named as R's (``2.5 %``, ``97.5 %``)."""
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1; got {level!r}.")
        a = (1 - level) / 2
        t, t0 = self.replicates, self.t0
        if method == "percentile":
            lower, upper = t.quantile(a), t.quantile(1 - a)
        elif method == "basic":
            lower, upper = 2 * t0 - t.quantile(1 - a), 2 * t0 - t.quantile(a)
        elif method == "normal":
            from scipy import stats  # here, not at the top: slow to import
            centre, half = 2 * t0 - t.mean(), stats.norm.ppf(1 - a) * t.std(ddof=1)
            lower, upper = centre - half, centre + half
        else:
            raise ValueError(f"method must be 'percentile', 'normal' or 'basic'; got {method!r}.")
        return pd.DataFrame({_percent(a): lower, _percent(1 - a): upper})


def _percent(p: float) -> str:
    return f"{100 * p:.3g} %"


def as_response(fit, y: np.ndarray) -> np.ndarray:
    """A simulated response in the form ``refit`` takes: proportions of a
    ``cbind(successes, failures)`` model become the two count columns."""
    response = getattr(getattr(fit, "frame", None), "response", None)
    if response is not None and response.ndim == 2 and y.ndim == 1:
        trials = response.sum(axis=1)
        successes = np.rint(y * trials)
        return np.column_stack([successes, trials - successes])
    return y


def _one(fit, statistic, seed_seq) -> tuple[np.ndarray | str, bool]:
    """One replicate: the statistic, or the error message if the refit failed."""
    rng = np.random.default_rng(seed_seq)
    y = as_response(fit, fit.simulate(1, seed=rng).to_numpy()[:, 0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = np.asarray(statistic(fit.refit(y)), dtype=float)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
            return f"{type(error).__name__}: {error}", bool(caught)
    return value, bool(caught)


_WORKER: dict = {}


def _init_worker(fit, statistic) -> None:
    """Receive the fit once per worker process, not once per chunk."""
    _WORKER["fit"], _WORKER["statistic"] = fit, statistic


def _chunk(seeds, start: int):
    return start, [_one(_WORKER["fit"], _WORKER["statistic"], s) for s in seeds]


class _Progress:
    """A text progress bar on stderr: ``[#####.....] 500/1000 2.1 s``."""

    def __init__(self, total: int, enabled: bool, width: int = 30) -> None:
        self.total, self.enabled, self.width = total, enabled, width
        self.start, self.last = time.perf_counter(), 0.0

    def show(self, done: int) -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.2 and done < self.total):
            return
        self.last = now
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\rbootstrap [{bar}] {done}/{self.total} {now - self.start:.1f} s")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _run(fit, statistic, seeds, n_jobs: int, progress: _Progress) -> list:
    nsim = len(seeds)
    if n_jobs == 1:
        results = []
        for s in seeds:
            results.append(_one(fit, statistic, s))
            progress.show(len(results))
        return results
    size = max(1, min(50, nsim // (4 * n_jobs)))
    results: list = [None] * nsim
    done = 0
    with ProcessPoolExecutor(max_workers=n_jobs, initializer=_init_worker, initargs=(fit, statistic)) as pool:
        futures = [pool.submit(_chunk, seeds[i : i + size], i) for i in range(0, nsim, size)]
        for future in as_completed(futures):
            start, part = future.result()
            results[start : start + len(part)] = part
            done += len(part)
            progress.show(done)
    return results


def bootstrap(fit, nsim: int = 1000, statistic=None, seed=None, n_jobs: int = 1, progress: bool = True) -> BootstrapResult:
    """Parametric bootstrap, as lme4's ``bootMer(fit, FUN, nsim, type = "parametric")``.

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        Anything with ``simulate(nsim, seed)`` (new random effects) and ``refit(newresp)``.
    nsim : int
        Number of replicates.
    statistic : callable, optional
        ``fit -> 1-d array or pandas.Series``; picklable (a module-level
        function) when ``n_jobs > 1``. Default: fixed effects, sd/cor
        parameters and sigma.
    seed : int or numpy.random.SeedSequence, optional
        Master seed; replicate ``i`` uses ``SeedSequence(seed).spawn(nsim)[i]``.
    n_jobs : int
        Worker processes (results are identical for any ``n_jobs``).
    progress : bool
        Show a progress bar on stderr for runs longer than a moment.

    Returns
    -------
    BootstrapResult
    """
    if not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise ValueError(f"nsim must be a positive integer; got {nsim!r}.")
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer; got {n_jobs!r}.")
    statistic = statistic or default_statistic
    started = time.perf_counter()
    t0 = statistic(fit)
    names = list(t0.index) if isinstance(t0, pd.Series) else [f"t{i + 1}" for i in range(np.size(t0))]
    t0 = pd.Series(np.asarray(t0, float).ravel(), index=names, name="t0")
    seeds = (seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)).spawn(nsim)
    results = _run(fit, statistic, seeds, int(n_jobs), _Progress(nsim, progress and nsim >= 50))
    values = np.full((nsim, t0.size), np.nan)
    errors = [value for value, _ in results if isinstance(value, str)]
    if len(errors) == nsim:
        raise RuntimeError(f"Every bootstrap refit failed; the first with {errors[0]}")
    for i, (value, _) in enumerate(results):
        if not isinstance(value, str):
            values[i] = value
    return BootstrapResult(
        t0,
        pd.DataFrame(values, columns=names),
        n_failed=len(errors),
        n_warned=sum(w for _, w in results),
        elapsed=time.perf_counter() - started,
        seed=seed,
    )
