"""Command line: ``mixedmodels fit FORMULA --data FILE_OR_DATASET [--ml]
[--family F [--link L] [--nagq N]] [--weights COL] [--offset COL] [--ddf D]``.

Without ``--family`` the model is ``lmer``'s; with it ``glmer``'s
(``negative_binomial``: ``glmer_nb``)."""

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
    fit = sub.add_parser("fit", help="fit a (generalized) linear mixed model and print lme4's summary")
    fit.add_argument("formula", help="lme4 formula, e.g. 'Reaction ~ Days + (Days | Subject)'")
    fit.add_argument("--data", required=True, help="CSV or Parquet file, or a bundled dataset name")
    fit.add_argument("--ml", action="store_true", help="maximum likelihood instead of REML (lmer)")
    fit.add_argument("--family", help="glmer's family: binomial, poisson, Gamma, inverse_gaussian, "
                                      "or negative_binomial (glmer.nb); default: lmer")
    fit.add_argument("--link", help="the family's link (e.g. probit, cloglog, log); default: the family's")
    fit.add_argument("--nagq", type=int, default=1, help="glmer's nAGQ: 1 Laplace, 0, or > 1 quadrature nodes")
    fit.add_argument("--weights", help="column of prior weights (binomial: trials of a proportion)")
    fit.add_argument("--offset", help="column of an offset")
    fit.add_argument("--ddf", choices=["satterthwaite", "kenward-roger"],
                     help="lmer: lmerTest's summary with t tests on these denominator df")
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
        fit = _fit(mm, args, data)
    except (mm.FormulaError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(fit.summary(ddf=args.ddf) if args.ddf else fit.summary())
    return 0


def _fit(mm, args: argparse.Namespace, data: pd.DataFrame):
    """The fit the arguments ask for: lmer, glmer or glmer_nb."""
    common = {"weights": args.weights, "offset": args.offset}
    if args.family is None:
        if args.link is not None:
            raise ValueError("--link needs --family (without it the model is lmer's, gaussian with identity link)")
        return mm.lmer(args.formula, data, reml=not args.ml, **common)
    if args.ml or args.ddf:
        raise ValueError("--ml and --ddf are for lmer; glmer fits by maximum likelihood with z tests")
    if args.family in ("negative_binomial", "nb", "glmer.nb"):
        return mm.glmer_nb(args.formula, data, nagq=args.nagq, **common)
    family = mm.families.get_family(args.family, args.link)
    return mm.glmer(args.formula, data, family=family, nagq=args.nagq, **common)


if __name__ == "__main__":
    raise SystemExit(main())
