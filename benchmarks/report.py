"""Results as data (CSV, one row per problem x library) and as Markdown."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from benchmarks.harness import Record

REFERENCE = "lme4"
OURS = "mixedmodels"
COLUMNS = ["problem", "library", "status", "seconds", "first_seconds", "n_fits", "loglik",
           "loglik_diff_vs_lme4", "max_abs_fixef_diff_vs_lme4", "converged", "peak_mb",
           "error", "fixef"]
LOGLIK_TOLERANCE = 0.01  # a fit this far below lme4's log-likelihood is flagged


def to_frame(records: list[Record]) -> pd.DataFrame:
    """One row per record; ``fixef`` kept as a JSON string."""
    rows = []
    for rec in records:
        row = asdict(rec)
        times = row.pop("seconds_all")
        row.update(first_seconds=times[0] if times else math.nan, n_fits=len(times),
                   fixef=json.dumps(row["fixef"]))
        rows.append(row)
    return add_comparisons(pd.DataFrame(rows, columns=[c for c in COLUMNS
                                                        if not c.endswith("lme4")]))


def _fixef_diff(ours: str, ref: str) -> float:
    """Max |difference| over the coefficient names both fits have."""
    a, b = json.loads(ours), json.loads(ref)
    common = set(a) & set(b)
    if not common or len(common) < len(b):
        return math.nan
    return max(abs(a[k] - b[k]) for k in common)


def add_comparisons(frame: pd.DataFrame) -> pd.DataFrame:
    """Add log-likelihood and fixed-effect differences against lme4."""
    ref = frame[(frame.library == REFERENCE) & (frame.status == "ok")].set_index("problem")
    ll, fx = [], []
    for row in frame.itertuples():
        usable = row.status == "ok" and row.problem in ref.index
        other = ref.loc[row.problem] if usable else None
        ll.append(row.loglik - other.loglik if usable else math.nan)
        fx.append(_fixef_diff(row.fixef, other.fixef) if usable else math.nan)
    frame = frame.assign(loglik_diff_vs_lme4=ll, max_abs_fixef_diff_vs_lme4=fx)
    return frame[COLUMNS]


def merge(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``old`` with its (problem, library) rows replaced by those of ``new``;
    the comparisons with lme4 computed afresh for the problems ``new`` has
    rows of (from the stored values of the libraries not rerun: files
    written before 2026-11-24 hold log-likelihoods to 10 digits), kept as
    they were for the others (computed when their rows were, unrounded: a
    difference of 1e-8 in -876 is lost in 10 digits)."""
    keys = set(zip(new.problem, new.library))
    kept = old[[k not in keys for k in zip(old.problem, old.library)]]
    frame = pd.concat([kept, new], ignore_index=True) if len(kept) else new
    compared = add_comparisons(frame)
    untouched = ~compared.problem.isin(set(new.problem)).to_numpy()
    stored = ["loglik_diff_vs_lme4", "max_abs_fixef_diff_vs_lme4"]
    if untouched.any():
        compared.loc[untouched, stored] = frame.loc[untouched, stored].to_numpy()
    return compared


def read_csv(path: Path) -> pd.DataFrame:
    """Previous results, or an empty frame."""
    if not Path(path).exists():
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""],
                        dtype={"error": str, "status": str, "fixef": str})
    return frame.assign(error=frame.error.fillna(""), fixef=frame.fixef.fillna("{}"))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write the results (sorted by problem, then library)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)  # shortest exact form: a later merge recomputes comparisons from it
