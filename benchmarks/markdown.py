"""The Markdown summary: a timing table, a detail table, the machine."""

from __future__ import annotations

import math

import pandas as pd

from benchmarks.adapters import LIBRARIES
from benchmarks.report import LOGLIK_TOLERANCE, OURS

LEGEND = (f"Median wall seconds of the fit call (data loading and import excluded), "
          f"one fresh process per library and problem. "
          f"† log-likelihood more than {LOGLIK_TOLERANCE} below lme4's; "
          f"(nc) the library reported non-convergence.")


def _num(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3g}"


def cell(row) -> str:
    """Seconds with flags, or the status when there is no estimate."""
    if row.status != "ok":
        return row.status
    text = _num(row.seconds)
    if row.loglik_diff_vs_lme4 < -LOGLIK_TOLERANCE:
        text += " †"
    if str(row.converged) == "False":
        text += " (nc)"
    return text


def ratio(rows: pd.DataFrame) -> str:
    """How mixedmodels compares with the fastest other library, e.g. ``2x faster than glmm``."""
    ok = rows[rows.status == "ok"].set_index("library")["seconds"]
    others = ok.drop(OURS, errors="ignore")
    if OURS not in ok or others.empty:
        return "—"
    best = others.idxmin()
    r = ok[OURS] / others[best]
    return f"{1 / r:.2g}x faster than {best}" if r <= 1 else f"{r:.2g}x slower than {best}"


def time_table(frame: pd.DataFrame, problems: list) -> list[str]:
    """Rows problems, columns libraries, plus the ratio column."""
    libs = [lib for lib in LIBRARIES if lib in set(frame.library)]
    lines = ["| problem | " + " | ".join(libs) + " | mixedmodels vs best other |",
             "|---" * (len(libs) + 2) + "|"]
    for problem in problems:
        rows = frame[frame.problem == problem.id]
        if rows.empty:
            continue
        by_lib = {r.library: cell(r) for r in rows.itertuples()}
        cells = [by_lib.get(lib, "") for lib in libs]
        name = f"{problem.id} `{problem.formula}`".replace("|", "\\|")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio(rows)} |")
    return lines


def detail_table(frame: pd.DataFrame) -> list[str]:
    """Every row: loglik, differences against lme4, memory, error."""
    header = ("| problem | library | status | seconds | first fit | loglik | Δloglik vs lme4 "
              "| max abs Δβ vs lme4 | peak MB | note |")
    lines = [header, "|---" * 10 + "|"]
    for r in frame.itertuples():
        loglik = "—" if math.isnan(r.loglik) else f"{r.loglik:.4f}"
        note = str(r.error).replace("|", "/").replace("\n", " ")[:120]
        lines.append(f"| {r.problem} | {r.library} | {r.status} | {_num(r.seconds)} "
                     f"| {_num(r.first_seconds)} | {loglik} | {_num(r.loglik_diff_vs_lme4)} "
                     f"| {_num(r.max_abs_fixef_diff_vs_lme4)} | {_num(r.peak_mb)} | {note} |")
    return lines


def render(frame: pd.DataFrame, problems: list, machine: dict[str, str]) -> str:
    """The whole ``results.md``."""
    order = {p.id: i for i, p in enumerate(problems)}
    frame = frame.assign(_o=frame.problem.map(order).fillna(len(order)))
    frame = frame.sort_values(["_o", "library"]).drop(columns="_o")
    parts = ["# Benchmark results", "", LEGEND, "", *time_table(frame, problems), "",
             "## Details", "", *detail_table(frame), "", "## Machine", "",
             *[f"- {key}: {value}" for key, value in machine.items()], ""]
    return "\n".join(parts)
