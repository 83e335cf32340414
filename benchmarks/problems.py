"""The registry of benchmark problems: data, lme4 formula, family, REML flag.

All linear mixed models are fitted by maximum likelihood (``reml=False``), so
every library reports the same log-likelihood scale and the numbers compare
with MixedModels.jl, whose default is ML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks.simulate import CrossedDesign, cached_csv
from benchmarks.simulate import load as load_simulated


@dataclass(frozen=True)
class Problem:
    """One model to fit on one data set.

    Attributes
    ----------
    id : str
        Short name used on the command line and in the results.
    description : str
        One line for the report.
    formula : str
        The model in lme4's formula language.
    family : str
        ``"gaussian"`` (lmer), ``"binomial"`` or ``"poisson"`` (glmer).
    reml : bool
        REML (True) or ML (False); ignored by GLMMs.
    dataset : str or None
        Name for ``mixedmodels.datasets.load``, or None for a simulation.
    design : CrossedDesign or None
        The simulated design, or None for a bundled data set.
    data_file : str or None
        A CSV file (path from the repository root) whose text columns are
        factors with sorted levels, or None.
    quick : bool
        Part of the ``--quick`` selection.
    """

    id: str
    description: str
    formula: str
    family: str = "gaussian"
    reml: bool = False
    dataset: str | None = None
    design: CrossedDesign | None = None
    data_file: str | None = None
    quick: bool = False

    @property
    def is_glmm(self) -> bool:
        """True for a generalized (non-Gaussian) model."""
        return self.family != "gaussian"

    def load(self) -> pd.DataFrame:
        """The data frame, factors as categoricals in R's level order."""
        if self.design is not None:
            return load_simulated(self.design)
        if self.data_file is not None:
            data = pd.read_csv(self.csv_path())
            for column, levels in self.levels().items():
                data[column] = pd.Categorical(data[column], categories=levels)
            return data
        from mixedmodels import datasets

        return datasets.load(self.dataset)

    def csv_path(self) -> Path:
        """The CSV file behind :meth:`load` (what R reads)."""
        if self.design is not None:
            return cached_csv(self.design)
        if self.data_file is not None:
            return ROOT / self.data_file
        from mixedmodels import datasets

        return datasets.path(self.dataset)

    def levels(self) -> dict[str, list[str]]:
        """Factor level order per column of :meth:`csv_path`, as R should read it."""
        if self.design is not None:
            return {"A": [str(i) for i in range(self.design.n_a)],
                    "B": [str(i) for i in range(self.design.n_b)]}
        if self.data_file is not None:
            data = pd.read_csv(self.csv_path())
            return {column: sorted(data[column].unique()) for column in data.columns
                    if not pd.api.types.is_numeric_dtype(data[column])}
        manifest = json.loads((self.csv_path().parent / "manifest.json").read_text())
        entry = next(e for e in manifest["datasets"] if e["name"] == self.dataset)
        return {c["name"]: c["levels"] for c in entry["columns"] if "levels" in c}


_CROSSED = "y ~ x + (1 | A) + (1 | B)"
ROOT = Path(__file__).resolve().parents[1]

PROBLEMS: dict[str, Problem] = {p.id: p for p in [
    Problem("sleepstudy", "sleepstudy, correlated random slope (180 rows)",
            "Reaction ~ Days + (Days | Subject)", dataset="sleepstudy", quick=True),
    Problem("exam", "Exam, correlated random slope, 65 schools (4,059 rows)",
            "normexam ~ standLRT + (standLRT | school)", dataset="Exam", quick=True),
    Problem("pupils", "pupils, crossed primary x secondary schools (1,000 rows)",
            "achievement ~ sex + ses + (1 | primary_school_id) + (1 | secondary_school_id)",
            dataset="pupils", quick=True),
    Problem("insteval", "InstEval, students x lecturers x departments (73,421 rows)",
            "y ~ service + (1 | s) + (1 | d) + (1 | dept)", dataset="InstEval"),
    Problem("insteval_dept", "InstEval, service * dept fixed (28 columns), s x d",
            "y ~ service * dept + (1 | s) + (1 | d)", dataset="InstEval"),
    Problem("smallterm_slope", "simulated 8,000 rows, subjects x items (1,000 x 750) + (1 + x | site), 6 sites",
            "y ~ x + (1 | subj) + (1 | item) + (1 + x | site)",
            data_file="tests/fixtures/reference_extra/data/sim_smallterms.csv.gz"),
    Problem("crossed_slopes_lmm", "simulated 80 subjects x 120 items crossed (9,600 rows), "
            "correlated random intercepts and slopes for both",
            "rt ~ cond + (1 + cond | subj) + (1 + cond | item)",
            data_file="tests/fixtures/reference_extra/data/sim_crossed_slopes.csv.gz"),
    Problem("sim_1m_50k", "simulated 1,000,000 rows, A 50,000 x B 1,000 levels",
            _CROSSED, design=CrossedDesign(1_000_000, 50_000, 1_000, seed=20240501)),
    Problem("peers_c", "PEERS.md problem C: 1,000,000 rows, A 20,000 x B 5,000 levels",
            _CROSSED, design=CrossedDesign(1_000_000, 20_000, 5_000, seed=20240502)),
    Problem("sim_nested_200k", "simulated 200,000 rows, A 40,000 levels nested in B 8,000",
            _CROSSED, design=CrossedDesign(200_000, 40_000, 8_000, seed=20240504, layout="nested")),
    Problem("cbpp", "cbpp, binomial with cbind response, 15 herds (56 rows)",
            "cbind(incidence, size - incidence) ~ period + (1 | herd)",
            family="binomial", dataset="cbpp", quick=True),
    Problem("grouseticks", "grouseticks, poisson, three nested intercepts (403 rows)",
            "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)",
            family="poisson", dataset="grouseticks"),
    Problem("speed_dating", "speed_dating, binomial, 551 raters (7,707 rows)",
            "decision ~ sex + samerace + attractive_sc + sincere_sc + intelligent_sc"
            " + (1 | iid)", family="binomial", dataset="speed_dating"),
    Problem("crossed_slopes", "simulated Bernoulli, 80 subjects x 120 items crossed (9,600 rows), "
            "correlated random intercepts and slopes for both",
            "y ~ cond + (1 + cond | subj) + (1 + cond | item)", family="binomial",
            data_file="tests/fixtures/reference_extra/data/sim_crossed_slopes.csv.gz"),
    Problem("sim_bern_200k", "simulated Bernoulli, 200,000 rows, A 2,000 x B 500",
            _CROSSED, family="binomial",
            design=CrossedDesign(200_000, 2_000, 500, seed=20240503, family="binomial")),
    Problem("sim_olre_20k", "simulated Poisson, 20,000 rows, A 4,000 groups, B per row (overdispersion)",
            _CROSSED, family="poisson",
            design=CrossedDesign(20_000, 4_000, 20_000, seed=20240505, family="poisson", sd_a=0.7,
                                 sd_b=0.4, layout="observation")),
]}


def select(ids: list[str] | None = None, quick: bool = False,
           family: str | None = None) -> list[Problem]:
    """Problems by id (in registry order), or the quick ones, or all.

    Raises
    ------
    KeyError
        If an id is not in the registry; the message lists the valid ids.
    """
    unknown = sorted(set(ids or []) - set(PROBLEMS))
    if unknown:
        raise KeyError(f"Unknown problem(s) {unknown}; choose from {list(PROBLEMS)}.")
    chosen = [p for p in PROBLEMS.values()
              if (not ids or p.id in ids) and (not quick or p.quick)]
    if family == "lmm":
        chosen = [p for p in chosen if not p.is_glmm]
    elif family == "glmm":
        chosen = [p for p in chosen if p.is_glmm]
    return chosen
