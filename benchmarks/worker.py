"""Fit one problem with one library in this (fresh) process.

Usage: ``python -m benchmarks.worker LIBRARY PROBLEM REPEATS``.  Prints one
JSON :class:`~benchmarks.adapters.Result` per line, flushed after each fit,
so the parent can time out a single fit and keep the ones before it.  A line
``{"loaded": true}`` marks the end of data loading (for lme4, R reads the CSV
after it, inside the first fit's time budget).
"""

from __future__ import annotations

import json
import sys
import traceback

from benchmarks import adapters
from benchmarks.adapters import CannotExpress, Result
from benchmarks.problems import PROBLEMS


def _emit(result: Result) -> None:
    print(json.dumps(result.to_dict()), flush=True)


def _failure(exc: BaseException) -> Result:
    if isinstance(exc, CannotExpress):
        return Result(status="cannot express", error=str(exc))
    if isinstance(exc, MemoryError):
        return Result(status="out of memory", error="MemoryError")
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return Result(status="error", error=last[:500])


def main(library: str, problem_id: str, repeats: int) -> None:
    """Load the data outside the timer, then fit ``repeats`` times."""
    adapter = adapters.load(library)
    problem = PROBLEMS[problem_id]
    if not adapter.available():
        _emit(Result(status="not available", error=f"{library} is not installed"))
        return
    try:
        data = problem.csv_path() if getattr(adapter, "WANTS_PATH", False) else problem.load()
        print(json.dumps({"loaded": True}), flush=True)  # the per-fit timeout starts now
        for result in adapters.fit_many(adapter, problem, data, repeats):
            _emit(result)
            if result.status != "ok":
                return
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a row
        _emit(_failure(exc))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
