"""Adapter for R's lme4 through ``Rscript`` (script: ``lme4.R`` beside this file).

All repeats of one problem run in one R process; R reads the same CSV file
as the Python libraries, with the factor levels passed explicitly.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks.adapters import Result

SCRIPT = Path(__file__).with_name("lme4.R")
WANTS_PATH = True  # the worker passes the CSV path, not a loaded frame
PEAK_IN_CHILD = True  # memory is R's; unknown when R is killed on timeout


def available() -> bool:
    """True when Rscript runs and lme4 and jsonlite load."""
    if shutil.which("Rscript") is None:
        return False
    probe = "suppressPackageStartupMessages({library(lme4); library(jsonlite)})"
    done = subprocess.run(["Rscript", "-e", probe], capture_output=True, check=False)
    return done.returncode == 0


def version() -> str:
    """lme4 version, R version and R's BLAS library."""
    code = ('cat(as.character(packageVersion("lme4")), "|", R.version.string, "|",'
            ' extSoftVersion()[["BLAS"]])')
    done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def _spec(problem, csv: Path, repeats: int) -> dict:
    return {"csv": str(csv), "levels": problem.levels(), "formula": problem.formula,
            "family": problem.family, "reml": problem.reml, "repeats": repeats}


def _result(line: str) -> Result:
    out = json.loads(line)
    if "error" in out:
        return Result(status="error", error=str(out["error"]))
    return Result(seconds=float(out["seconds"]), loglik=float(out["loglik"]),
                  fixef={k: float(v) for k, v in out["fixef"].items()},
                  converged=bool(out["converged"]))


def fit_many(problem, csv: Path, repeats: int) -> Iterator[Result]:
    """Yield one :class:`Result` per fit, as R prints them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
        json.dump(_spec(problem, csv, repeats), tmp)
    try:
        with tempfile.TemporaryFile("w+") as err, subprocess.Popen(
                ["Rscript", str(SCRIPT), tmp.name], text=True,
                stdout=subprocess.PIPE, stderr=err) as proc:
            for line in proc.stdout:
                if line.strip():
                    yield _result(line)
            if proc.wait() != 0:
                err.seek(0)
                yield Result(status="error", error=err.read().strip()[-500:])
    finally:
        Path(tmp.name).unlink(missing_ok=True)


def fit(problem, csv: Path) -> Result:
    """One fit (see :func:`fit_many`)."""
    return next(iter(fit_many(problem, csv, 1)))
