"""Log-scale search against lme4's linear search on simulated small fits.

Repeats the measurements quoted in ``src/mixedmodels/core/_logscale.py``:
for each seed, 60 simulated data sets (2 crossed grouping factors of 3-30
levels, 60-400 rows, variance components drawn so that about half the fits
are singular), fitted by REML and ML with each formula, once with
``theta_scale="linear"`` (lme4's path) and once with ``"log"`` for each
knee given, both without the restart after failed convergence checks
(``restart_unconverged=False``), which would hide where a search stops.  Prints, per fit class (regular / singular, as lme4's path
finds it) and knee, the evaluations taken and how many optima miss the
linear path's by more than ``1e-7`` (``--worst`` lists the misses), and how
many fits one path calls singular and the other not.

Usage::

    .venv/bin/python tools/logscale_check.py --seeds 11 12 --knees 0.1 0.3 1
    .venv/bin/python tools/logscale_check.py --seeds 11 --worst
"""

from __future__ import annotations

import argparse
import collections
import warnings

import numpy as np
import pandas as pd

import mixedmodels as mm
from mixedmodels.core import _logscale

FORMULAS = ["y ~ x + (1 | g) + (1 | h)", "y ~ x + (x || g) + (1 | h)"]


def simulate(rng: np.random.Generator) -> pd.DataFrame:
    """One small crossed data set with random intercepts and slopes."""
    n_g, n_h, n = rng.integers(4, 30), rng.integers(3, 15), rng.integers(60, 400)
    g, h = rng.integers(0, n_g, n), rng.integers(0, n_h, n)
    x = rng.normal(size=n)
    sd_g, sd_h, sd_s = rng.choice([0, 0.05, 0.3, 1, 3]), rng.choice([0, 0.1, 1]), rng.choice([0, 0.2, 0.5])
    y = (1 + 0.5 * x + rng.normal(0, sd_g, n_g)[g] + rng.normal(0, sd_h, n_h)[h]
         + rng.normal(0, sd_s, n_g)[g] * x + rng.normal(size=n))
    return pd.DataFrame({"y": y, "x": x, "g": g.astype(str), "h": h.astype(str)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12])
    ap.add_argument("--knees", type=float, nargs="+", default=[_logscale.KNEE])
    ap.add_argument("--formulas", nargs="+", default=FORMULAS)
    ap.add_argument("--worst", action="store_true", help="list the fits whose optimum differs")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    stats = collections.defaultdict(collections.Counter)
    misses = []
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        for _ in range(60):
            data = simulate(rng)
            for formula in args.formulas:
                for reml in (True, False):
                    linear = mm.lmer(formula, data, reml=reml, control=mm.Control(theta_scale="linear", restart_unconverged=False))
                    kind = "singular" if linear.is_singular else "regular"
                    for knee in args.knees:
                        _logscale.KNEE = knee
                        log = mm.lmer(formula, data, reml=reml, control=mm.Control(theta_scale="log", restart_unconverged=False))
                        diff = log.optsummary.fmin - linear.optsummary.fmin
                        counts = stats[(kind, knee)]
                        counts["fits"] += 1
                        counts["linear evaluations"] += linear.optsummary.feval
                        counts["log evaluations"] += log.optsummary.feval
                        counts["worse by > 1e-7"] += int(diff > 1e-7)
                        counts["better by > 1e-7"] += int(diff < -1e-7)
                        counts["singular flag differs"] += int(log.is_singular != linear.is_singular)
                        if abs(diff) > 1e-7:
                            misses.append((seed, formula, reml, knee, diff))
    for key, counts in sorted(stats.items()):
        print(*key, dict(counts))
    if args.worst:
        for miss in sorted(misses, key=lambda m: -abs(m[-1])):
            print(*miss)


if __name__ == "__main__":
    main()
