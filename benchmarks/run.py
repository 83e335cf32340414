"""Command line: fit problems x libraries, write results.csv and results.md.

Examples
--------
``python -m benchmarks.run --quick``
``python -m benchmarks.run --problems insteval --libraries lme4 glmm --repeats 1``
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from benchmarks import adapters, harness, machine, markdown, report
from benchmarks.problems import PROBLEMS, select

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    ap.add_argument("--problems", nargs="+", metavar="ID", help=f"from {list(PROBLEMS)}")
    ap.add_argument("--libraries", nargs="+", default=adapters.LIBRARIES,
                    choices=adapters.LIBRARIES)
    ap.add_argument("--quick", action="store_true", help="small problems only")
    ap.add_argument("--kind", choices=["lmm", "glmm"], help="only LMM or only GLMM problems")
    ap.add_argument("--repeats", type=int, default=3, help="fits per process (median)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per fit")
    ap.add_argument("--max-memory-gb", type=float, default=_default_memory_gb(),
                    help="address-space limit of each worker")
    ap.add_argument("--fresh", action="store_true", help="discard earlier results")
    ap.add_argument("--out", type=Path, default=RESULTS)
    return ap.parse_args(argv)


def _default_memory_gb() -> float:
    """Three quarters of physical memory."""
    return 0.75 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def run(args: argparse.Namespace) -> list[harness.Record]:
    """Every selected (problem, library) pair, one fresh worker each."""
    records = []
    max_bytes = int(args.max_memory_gb * 2**30)
    for problem in select(args.problems, args.quick, args.kind):
        if problem.design is not None:
            problem.csv_path()  # simulate once, before any timing
        for library in args.libraries:
            rec = harness.run_one(library, problem.id, args.repeats, args.timeout, max_bytes)
            print(f"{problem.id:15s} {library:12s} {rec.status:15s} "
                  f"{rec.seconds:10.4g} s  loglik {rec.loglik:.6f}  {rec.error[:80]}", flush=True)
            records.append(rec)
    return records


def save(records: list[harness.Record], out: Path, fresh: bool, libraries: list[str]) -> None:
    """Merge into ``results.csv``; rewrite ``results.md`` and ``machine.json``."""
    csv = out / "results.csv"
    old = report.read_csv(csv) if not fresh else report.read_csv(out / "_none")
    frame = report.merge(old, report.to_frame(records))
    report.write_csv(frame, csv)
    facts_path = out / "machine.json"
    facts = json.loads(facts_path.read_text()) if facts_path.exists() and not fresh else {}
    versions = {lib: adapters.load(lib).version() for lib in libraries}
    facts.update(machine.describe(versions))
    facts_path.write_text(json.dumps(facts, indent=1) + "\n")
    (out / "results.md").write_text(markdown.render(frame, list(PROBLEMS.values()), facts))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m benchmarks.run``."""
    args = parse_args(argv)
    records = run(args)
    save(records, args.out, args.fresh, args.libraries)
    print(f"wrote {args.out / 'results.csv'} and {args.out / 'results.md'}")


if __name__ == "__main__":
    main()
