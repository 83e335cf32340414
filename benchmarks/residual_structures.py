"""Time nlme's residual structures against nlme's ``lme``, side by side.

``mm.lmer(..., weights=mm.VarIdent(...))`` and ``correlation=mm.CorAR1(...)``
(REML) against ``nlme::lme`` with ``varIdent`` / ``corAR1`` run through
``Rscript`` (``nlme_residuals.R``; skipped without R): gpa (1,200 rows; varIdent,
corAR1, both) and a simulated AR(1) design of 10,000 groups of 10 times
(100,000 rows, phi 0.6, seed 1; corAR1, and corCAR1 on the times halved).  Median of ``REPEATS`` fits each, the fit call only.  Writes
``benchmarks/results/residual_structures.csv``.

Usage: ``PYTHONPATH=. .venv/bin/python -m benchmarks.residual_structures``
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import mixedmodels as mm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "residual_structures.csv"
REPEATS = 3


def simulated_ar1(groups: int = 10_000, times: int = 10, phi: float = 0.6, seed: int = 1) -> pd.DataFrame:
    """``y = 1 + x / 2 + b_g + e``, ``b_g ~ N(0, 0.7^2)``, ``e`` a unit AR(1) within each group."""
    rng = np.random.default_rng(seed)
    e = np.empty((groups, times))
    e[:, 0] = rng.standard_normal(groups)
    for t in range(1, times):
        e[:, t] = phi * e[:, t - 1] + np.sqrt(1 - phi**2) * rng.standard_normal(groups)
    x = rng.standard_normal(groups * times)
    y = 1 + 0.5 * x + np.repeat(rng.normal(0, 0.7, groups), times) + e.ravel()
    return pd.DataFrame({"g": np.repeat([f"g{i}" for i in range(groups)], times),
                         "t": np.tile(np.arange(times), groups), "x": x, "y": y})


PROBLEMS = [  # name, data, formula, nlme random, our keyword arguments, nlme structure
    ("gpa varIdent", lambda: mm.datasets.load("gpa"), "gpa ~ occasion + (1 | student)", "~ 1 | student",
     {"weights": mm.VarIdent("occasion")}, "varIdent(form = ~ 1 | occasion)"),
    ("gpa corAR1", lambda: mm.datasets.load("gpa"), "gpa ~ occasion + (1 | student)", "~ 1 | student",
     {"correlation": mm.CorAR1("occasion", "student")}, "corAR1(form = ~ occasion | student)"),
    ("gpa varIdent + corAR1", lambda: mm.datasets.load("gpa"), "gpa ~ occasion + (1 | student)", "~ 1 | student",
     {"weights": mm.VarIdent("occasion"), "correlation": mm.CorAR1("occasion", "student")},
     "varIdent(form = ~ 1 | occasion); corAR1(form = ~ occasion | student)"),
    ("100k rows corCAR1 (times / 2)", lambda: simulated_ar1().assign(t=lambda d: d["t"] / 2), "y ~ x + (1 | g)",
     "~ 1 | g", {"correlation": mm.CorCAR1("t", "g")}, "corCAR1(form = ~ t | g)"),
    ("100k rows corAR1", simulated_ar1, "y ~ x + (1 | g)", "~ 1 | g",
     {"correlation": mm.CorAR1("t", "g")}, "corAR1(form = ~ t | g)"),
]


def ours(data: pd.DataFrame, formula: str, kwargs: dict) -> tuple[float, float]:
    """Median seconds of ``REPEATS`` fits and the log-likelihood."""
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fit = mm.lmer(formula, data, **kwargs)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), fit.loglik


def nlme(data: pd.DataFrame, formula: str, random: str, structure: str) -> tuple[float, float] | None:
    """nlme's median seconds and log-likelihood, or None without R."""
    if shutil.which("Rscript") is None:
        return None
    fixed = formula.split(" + (")[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        data.to_csv(path, index=False)
        script = Path(__file__).with_name("nlme_residuals.R")
        out = subprocess.run(["Rscript", str(script), str(path), fixed, random, structure, str(REPEATS)],
                             capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return got["seconds"], got["loglik"]


def main() -> None:
    rows = []
    for name, load, formula, random, kwargs, structure in PROBLEMS:
        data = load()
        seconds, loglik = ours(data, formula, kwargs)
        other = nlme(data, formula, random, structure)
        nlme_seconds, nlme_loglik = other if other else (None, None)
        rows.append((name, len(data), round(seconds, 4), loglik, nlme_seconds, nlme_loglik,
                     None if other is None else round(nlme_seconds / seconds, 1)))
        print(rows[-1])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["problem", "nobs", "mixedmodels_s", "mixedmodels_loglik", "nlme_s", "nlme_loglik",
                         "nlme_over_mixedmodels"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
