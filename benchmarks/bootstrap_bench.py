"""Time the parametric bootstrap against lme4's bootMer.

1,000 replicates of ``Reaction ~ Days + (Days | Subject)`` (sleepstudy,
REML) with ``n_jobs`` 1 and 2, and lme4's ``bootMer`` with the same number
of replicates run side by side through ``Rscript`` (``bootmer.R``) when R is
installed; otherwise lme4's time comes from the reference file (100
replicates, scaled by 10) and is labelled so.  Writes
``benchmarks/results/bootstrap.csv``.  Run with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import mixedmodels as mm

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "reference_extra" / "bootmer_timing_sleep_slope.json"
OUT = ROOT / "benchmarks" / "results" / "bootstrap.csv"
NSIM = 1000


def lme4_row(ref: dict) -> tuple:
    """lme4's bootMer timed now through Rscript, or the reference file's time scaled."""
    from benchmarks.adapters.lme4 import available

    if available():
        script = Path(__file__).with_name("bootmer.R")
        out = subprocess.run(["Rscript", str(script), str(NSIM)], capture_output=True, text=True, check=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        return ("lme4 bootMer", 1, NSIM, round(got["seconds"], 3), got["n_failed"])
    lme4_time = ref["timing"]["median_s"] * NSIM / ref["nsim"]
    return ("lme4 bootMer (reference file, 100 sims x 10)", 1, NSIM, round(lme4_time, 3), ref["n_failed"])


def main() -> None:
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", mm.datasets.load("sleepstudy"))
    ref = json.loads(REFERENCE.read_text())
    rows = []
    for n_jobs in (1, 2):
        boot = fit.bootstrap(NSIM, seed=1, n_jobs=n_jobs, progress=False)
        rows.append(("mixedmodels", n_jobs, NSIM, round(boot.elapsed, 3), boot.n_failed))
    rows.append(lme4_row(ref))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["library", "n_jobs", "nsim", "seconds", "n_failed"])
        writer.writerows(rows)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    for row in rows:
        print(f"{row[0]:<30} n_jobs={row[1]} nsim={row[2]} {row[3]:8.2f} s (OPENBLAS_NUM_THREADS={blas})")


if __name__ == "__main__":
    main()
