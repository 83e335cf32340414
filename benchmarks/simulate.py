"""Seed-fixed simulated two-factor designs, cached as CSV under ``benchmarks/data``.

Every library reads the same file, so every library fits the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CrossedDesign:
    """A two-factor design (crossed, nested, or with an observation-level
    factor) with one covariate.

    Attributes
    ----------
    n : int
        Number of rows.
    n_a, n_b : int
        Number of levels of factors ``A`` and ``B``.
    seed : int
        Seed for :func:`numpy.random.default_rng`.
    family : str
        ``"gaussian"``: ``y = 1 + 0.5 x + a + b + e``, ``e ~ N(0, 1)``.
        ``"binomial"``: ``y ~ Bernoulli(logistic(-0.5 + 0.5 x + a + b))``.
        ``"poisson"``: ``y ~ Poisson(exp(0.5 + 0.3 x + a + b))``.
    sd_a, sd_b : float
        Standard deviations of the level effects ``a`` and ``b``.
    layout : str
        ``"crossed"``: levels of A and B drawn independently;
        ``"nested"``: A drawn, B = the block of ``n_a / n_b`` A levels it is in;
        ``"observation"``: A drawn, B = the row (``n_b == n``, the
        observation-level effect that models overdispersion).
    """

    n: int
    n_a: int
    n_b: int
    seed: int
    family: str = "gaussian"
    sd_a: float = 1.0
    sd_b: float = 0.5
    layout: str = "crossed"

    @property
    def file_name(self) -> str:
        """Cache file name, unique to the design's parameters."""
        return (f"{self.layout}_{self.family}_n{self.n}_a{self.n_a}_b{self.n_b}"
                f"_s{self.seed}.csv")


def simulate(design: CrossedDesign) -> pd.DataFrame:
    """Draw one data set; levels of A and B are assigned uniformly at random.

    The draws are made in a fixed order (A, B, x, a, b, then e or u), so the
    same design always gives the same data.

    Returns
    -------
    pandas.DataFrame
        Columns ``y`` (float, or 0/1 int), ``x`` (float), ``A``, ``B`` (int
        level codes starting at 0).
    """
    rng = np.random.default_rng(design.seed)
    a_idx = rng.integers(design.n_a, size=design.n)
    b_idx = _b_levels(design, a_idx, rng)
    x = rng.standard_normal(design.n)
    a = design.sd_a * rng.standard_normal(design.n_a)
    b = design.sd_b * rng.standard_normal(design.n_b)
    if design.family == "gaussian":
        y = 1.0 + 0.5 * x + a[a_idx] + b[b_idx] + rng.standard_normal(design.n)
    elif design.family == "binomial":
        eta = -0.5 + 0.5 * x + a[a_idx] + b[b_idx]
        y = (rng.random(design.n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int64)
    elif design.family == "poisson":
        y = rng.poisson(np.exp(0.5 + 0.3 * x + a[a_idx] + b[b_idx]))
    else:
        raise ValueError(f"family must be 'gaussian', 'binomial' or 'poisson'; got {design.family!r}")
    return pd.DataFrame({"y": y, "x": x, "A": a_idx, "B": b_idx})


def _b_levels(design: CrossedDesign, a_idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Level of B per row for the design's layout."""
    if design.layout == "crossed":
        return rng.integers(design.n_b, size=design.n)
    if design.layout == "nested":
        return a_idx * design.n_b // design.n_a
    if design.layout == "observation":
        if design.n_b != design.n:
            raise ValueError(f"an observation-level factor needs n_b == n; got {design.n_b} and {design.n}")
        return np.arange(design.n)
    raise ValueError(f"layout must be 'crossed', 'nested' or 'observation'; got {design.layout!r}")


def cached_csv(design: CrossedDesign, data_dir: Path = DATA_DIR) -> Path:
    """Path of the design's CSV file, simulating and writing it if absent."""
    path = Path(data_dir) / design.file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        simulate(design).to_csv(tmp, index=False, float_format="%.17g")
        tmp.replace(path)
    return path


def load(design: CrossedDesign, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read the cached CSV with ``A`` and ``B`` as categoricals (levels 0..n-1)."""
    frame = pd.read_csv(cached_csv(design, data_dir))
    for col, n_levels in (("A", design.n_a), ("B", design.n_b)):
        frame[col] = pd.Categorical(frame[col], categories=range(n_levels))
    return frame
