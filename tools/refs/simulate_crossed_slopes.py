"""Write the simulated data of the crossed random-slopes glmer reference.

A psycholinguistic design: 80 subjects x 120 items, every subject sees
every item once (9,600 trials), a two-level condition coded -0.5 / +0.5
drawn per trial, a Bernoulli response ``y`` and a continuous one ``rt``,
each with correlated random intercepts and condition slopes for subjects
and for items -- the models ``y ~ cond + (1 + cond | subj) + (1 + cond |
item)`` (binomial) and the same for ``rt`` (linear), where both terms are
vector-valued and crossed.  The gzipped CSV is committed;
``make_refs_glmm.R`` fits the first with lme4 and the benchmarks time both.

    python tools/refs/simulate_crossed_slopes.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "reference_extra" / "data" / "sim_crossed_slopes.csv.gz"


def _effects(rng: np.random.Generator, levels: int, sd: tuple[float, float], corr: float) -> np.ndarray:
    """``(levels, 2)`` correlated intercepts and slopes."""
    cov = np.array([[sd[0] ** 2, corr * sd[0] * sd[1]], [corr * sd[0] * sd[1], sd[1] ** 2]])
    return rng.multivariate_normal(np.zeros(2), cov, size=levels)


def simulate(subjects: int = 80, items: int = 120, seed: int = 20261124) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    subj = np.repeat(np.arange(subjects), items)
    item = np.tile(np.arange(items), subjects)
    cond = rng.choice([-0.5, 0.5], size=subj.size)
    s = _effects(rng, subjects, (0.8, 0.4), 0.3)
    i = _effects(rng, items, (0.6, 0.3), -0.2)
    eta = 0.3 + 0.5 * cond + s[subj, 0] + s[subj, 1] * cond + i[item, 0] + i[item, 1] * cond
    y = (rng.random(subj.size) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    # a continuous response of the same design (log reaction times), drawn after y
    s_rt, i_rt = _effects(rng, subjects, (0.2, 0.05), 0.3), _effects(rng, items, (0.1, 0.03), -0.2)
    rt = (6.0 + 0.1 * cond + s_rt[subj, 0] + s_rt[subj, 1] * cond + i_rt[item, 0] + i_rt[item, 1] * cond
          + rng.normal(0.0, 0.3, subj.size))
    return pd.DataFrame({"y": y, "rt": np.round(rt, 6), "cond": cond, "subj": [f"s{v:02d}" for v in subj],
                         "item": [f"i{v:03d}" for v in item]})


if __name__ == "__main__":
    simulate().to_csv(OUT, index=False)
    print(f"wrote {OUT}")
