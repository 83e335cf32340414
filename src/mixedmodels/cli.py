"""Command line: ``mixedmodels fit FORMULA --data FILE_OR_DATASET [--ml]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def read_data(source: str) -> pd.DataFrame:
    """A CSV or Parquet file, or the name of a bundled dataset."""
    from mixedmodels import datasets

    path = Path(source)
    if path.suffix.lower() in {".csv", ".parquet", ".pq"}:
        if not path.exists():
            raise SystemExit(f"error: data file {source!r} does not exist")
        frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else _read_parquet(path)
        frame.attrs["name"] = path.stem
        return frame
    try:
        return datasets.load(source)
    except KeyError as err:
        raise SystemExit(f"error: {source!r} is neither a .csv/.parquet file nor a bundled dataset. {err.args[0]}") from err


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError as err:
        raise SystemExit(
            f"error: reading {path.name} needs a Parquet engine; install one with "
            f"`pip install 'mixedmodels[parquet]'` (pyarrow). ({err})"
        ) from err


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mixedmodels", description="Fit mixed-effects models with lme4's formula language.")
    sub = parser.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit a linear mixed model and print lme4's summary")
    fit.add_argument("formula", help="lme4 formula, e.g. 'Reaction ~ Days + (Days | Subject)'")
    fit.add_argument("--data", required=True, help="CSV or Parquet file, or a bundled dataset name")
    fit.add_argument("--ml", action="store_true", help="maximum likelihood instead of REML")
    sub.add_parser("datasets", help="list the bundled datasets")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mixedmodels`` console command."""
    args = _parser().parse_args(argv)
    import mixedmodels as mm

    if args.command == "datasets":
        print(mm.datasets.list().to_string())
        return 0
    data = read_data(args.data)
    try:
        fit = mm.lmer(args.formula, data, reml=not args.ml)
    except (mm.FormulaError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(fit.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
