"""Write the simulated data of the small-trailing-term references.

Subjects (1,000) x items (750) crossed, plus a 6-level site term with a
random intercept and slope: the shape in which ``lmer`` profiles the site
parameters out of the deviance (``mixedmodels.core._smallterms``).  The gzipped CSV
is committed; ``make_refs_smallterms.R`` fits it with lme4.

    python tools/refs/simulate_smallterms.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "reference_extra" / "data" / "sim_smallterms.csv.gz"


def simulate(n: int = 8000, subjects: int = 1000, items: int = 750, sites: int = 6, seed: int = 20261124) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    subj, item, site = rng.integers(0, subjects, n), rng.integers(0, items, n), rng.integers(0, sites, n)
    x = rng.normal(size=n)
    y = (1 + 0.5 * x + rng.normal(0, 0.8, subjects)[subj] + rng.normal(0, 0.5, items)[item]
         + rng.normal(0, 0.4, sites)[site] + rng.normal(0, 0.3, sites)[site] * x + rng.normal(size=n))
    return pd.DataFrame({"y": np.round(y, 6), "x": np.round(x, 6), "subj": [f"s{v:04d}" for v in subj],
                         "item": [f"i{v:03d}" for v in item], "site": [f"t{v}" for v in site]})


if __name__ == "__main__":
    simulate().to_csv(OUT, index=False)
    print(f"wrote {OUT}")
