"""Differential check of mixedmodels against lme4 on small simulated data sets.

Simulates ``--n`` data sets per model class (see ``CLASSES``), writes them as
CSV files with a ``jobs.json`` under ``--out``, fits every job with lme4 in
one ``Rscript fit_lme4.R`` call and with mixedmodels in this process, and
compares with the project's acceptance tolerances (issue #3): fixed effects
within 1e-3 of lme4's standard error; standard errors and variance components
within 0.2 % (LMM) / 0.5 % (GLMM) relative, variance components also passing
within 1e-4 of the total variance; log-likelihood not below lme4's by more
than 1e-3 (above by more: "better optimum"); singular flag and warning
classes equal.  GLMM jobs are also compared with a second lme4 fit using
``glmerControl(tolPwrss = 1e-12)`` (column ``flags_vs_tight_pirls``), to
tell differences due to lme4's loose default PIRLS tolerance from others.
Writes ``results.csv`` (every job) and ``summary.md``.

Usage::

    .venv/bin/python tools/lme4_diff/run.py --seed 1 --n 2
    .venv/bin/python tools/lme4_diff/run.py --seed 1 --n 20 --classes lmm_int_reml nb
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

import mixedmodels as mm
from mixedmodels._warnings import ConvergenceWarning, ScaleWarning, SingularFitWarning

HERE = Path(__file__).resolve().parent
FIXEF_TOL = 1e-3                              # in lme4's standard errors
REL_TOL = {"lmm": 2e-3, "glmm": 5e-3}         # standard errors, variance components, NB theta
NEAR_ZERO = 1e-4                              # of the total variance
LOGLIK_TOL = 1e-3
R_TEXT = {"boundary (singular) fit": "singular", "failed to converge": "convergence",
          "unidentifiable": "convergence", "Hessian": "convergence", "scaled gradient": "convergence",
          "convergence code": "convergence", "very different scales": "scale",
          "iteration limit reached": "convergence"}  # MASS's theta.ml in glmer.nb
OUR_CLASSES = {SingularFitWarning: "singular", ConvergenceWarning: "convergence", ScaleWarning: "scale"}
FLAGS = ["better_optimum", "worse_optimum", "estimate_mismatch", "se_mismatch",
         "singular_mismatch", "warning_mismatch", "error_ours", "error_lme4"]

# ----------------------------------------------------------------- simulation
SD = [0.0, 0.0, 0.2, 0.5, 1.0, 2.0]           # random-effect SDs: a third are zero
GLMM_SD = [0.0, 0.0, 0.3, 0.7, 1.5]


def labels(prefix: str, codes: np.ndarray, width: int = 2) -> list[str]:
    """Group codes as zero-padded strings (``g01``), so both sides sort them alike."""
    return [f"{prefix}{c + 1:0{width}d}" for c in codes]


def draw_groups(rng: np.random.Generator, lo: int = 5, hi: int = 40, per_group: int = 3) -> tuple[int, int]:
    """Number of groups and of rows (30-600, at least ``per_group`` rows per group)."""
    k = int(rng.integers(lo, hi + 1))
    return k, int(rng.integers(max(30, per_group * k), 601))


def sim_lmm(rng: np.random.Generator, *, slope: bool = False, rho: bool = True, crossed: bool = False,
            nested: bool = False, factor: bool = False, x_scale: float = 1.0) -> pd.DataFrame:
    """Gaussian response with random intercepts (and slopes) in g, optionally h crossed or nested."""
    k, n = draw_groups(rng, hi=20 if nested else 40, per_group=8 if nested else 4)
    g = rng.integers(0, k, n)
    x = rng.normal(size=n)
    y = rng.normal(0, 3) + rng.normal() * x + rng.uniform(0.5, 2.0) * rng.normal(size=n)
    sd0, sd1, r = rng.choice(SD), rng.choice(SD), rng.uniform(-0.9, 0.9) if rho else 0.0
    u = rng.multivariate_normal([0, 0], [[sd0**2, r * sd0 * sd1], [r * sd0 * sd1, sd1**2]], size=k)
    y += u[g, 0] + (u[g, 1] * x if slope else 0)
    data = {"g": labels("g", g)}
    if crossed or nested:
        m = int(rng.integers(5, 31)) if crossed else int(rng.integers(2, 6))
        h = rng.integers(0, m, n)
        effect = rng.normal(0, rng.choice(SD), (k, m) if nested else m)
        y += effect[g, h] if nested else effect[h]
        data["h"] = labels("h", h)
    if factor:
        f = rng.integers(0, 3, n)
        y += rng.normal(0, 1, 3)[f]
        data["f"] = list(np.array(["a", "b", "c"])[f])
    return pd.DataFrame({"y": y, "x": x * x_scale, **data})


def sim_glmm(rng: np.random.Generator, response: str, *, crossed: bool = False, offset: bool = False,
             olre: bool = False) -> pd.DataFrame:
    """A GLMM response (``response`` names the distribution) with random intercepts in g."""
    k, n = draw_groups(rng)
    g = rng.integers(0, k, n)
    x = rng.normal(size=n)
    eta = rng.normal(0, 1) + 0.7 * rng.normal() * x + rng.normal(0, rng.choice(GLMM_SD), k)[g]
    data = {"g": labels("g", g)}
    if crossed:
        m = int(rng.integers(5, 31))
        h = rng.integers(0, m, n)
        eta += rng.normal(0, rng.choice(GLMM_SD), m)[h]
        data["h"] = labels("h", h)
    if olre:
        eta += rng.normal(0, rng.choice([0.0, 0.3, 0.6]), n)
        data["obs"] = labels("o", np.arange(n), width=4)
    if offset:
        data["t"] = rng.uniform(0.5, 5.0, n)
        eta += np.log(data["t"])
    if response == "bernoulli":
        data["y"] = rng.binomial(1, special.expit(eta))
    elif response == "probit":
        data["y"] = rng.binomial(1, stats.norm.cdf(eta))
    elif response == "binomial":
        data["n"] = rng.integers(1, 21, n)
        data["s"] = rng.binomial(data["n"], special.expit(eta))
    elif response == "poisson":
        data["y"] = rng.poisson(np.exp(0.5 + eta))
    elif response == "gamma":
        data["y"] = _gamma(rng, np.exp(eta))
    elif response == "negbin":
        size, mu = rng.choice([0.8, 2.0, 5.0]), np.exp(0.5 + eta)
        data["y"] = rng.negative_binomial(size, size / (size + mu))
    return pd.DataFrame({"x": x, **data})


def _gamma(rng: np.random.Generator, mu: np.ndarray) -> np.ndarray:
    """Gamma responses with means ``mu`` and a shape drawn from 2, 5, 10."""
    shape = rng.choice([2.0, 5.0, 10.0])
    return rng.gamma(shape, mu / shape)


def _re(rng: np.random.Generator, k: int, q: int, sds: list[float] = SD) -> np.ndarray:
    """(k, q) random effects: SDs drawn from ``sds``, a random correlation matrix."""
    a = rng.normal(size=(q, q + 1))
    s = a @ a.T
    corr = s / np.sqrt(np.outer(np.diag(s), np.diag(s)))
    return rng.normal(size=(k, q)) @ (np.diag(rng.choice(sds, q)) @ np.linalg.cholesky(corr)).T


def with_na(rng: np.random.Generator, data: pd.DataFrame, columns: list[str], frac: float = 0.03) -> pd.DataFrame:
    """Set about ``frac`` of each column (at least one value) to missing, independently."""
    data = data.copy()
    for col in columns:
        rows = rng.choice(len(data), size=max(1, int(frac * len(data))), replace=False)
        if pd.api.types.is_numeric_dtype(data[col]):
            data[col] = data[col].astype(float)
        data.loc[rows, col] = np.nan
    return data


def sim_lmm_more(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """Gaussian responses for the formula features of the second set of LMM classes (``kind``)."""
    per = {"slope3": 8, "fslope": 9, "f_zcp": 9, "gh": 6, "crossed_slopes": 5, "slope_only": 5, "explicit_zcp": 5,
           "logz_slope": 5}.get(kind, 4)
    k, n = draw_groups(rng, hi=20 if kind == "gh" else 40, per_group=per)
    g, x = rng.integers(0, k, n), rng.normal(size=n)
    y = rng.normal(0, 3) + rng.normal() * x
    e = rng.uniform(0.5, 2.0) * rng.normal(size=n)
    data = {"g": labels("g", g)}
    if kind == "weights":
        w = rng.uniform(0.2, 5.0, n) if rng.random() < 0.5 else rng.integers(1, 6, n).astype(float)
        e, data["w"] = e / np.sqrt(w), w
        y += _re(rng, k, 1)[g, 0]
    elif kind == "offset":
        data["z"] = rng.normal(0, 2, n)
        y += data["z"] + _re(rng, k, 1)[g, 0]
    elif kind == "gh":
        m = int(rng.integers(2, 6))
        h = rng.integers(0, m, n)
        y += rng.normal(0, rng.choice(SD), (k, m))[g, h] + rng.normal(0, rng.choice(SD), k)[g]
        data["h"] = labels("h", h)
    elif kind == "slope_only":
        y += _re(rng, k, 1)[g, 0] * x
    elif kind == "slope3":
        x2 = rng.normal(size=n)
        u = _re(rng, k, 3)
        y += u[g, 0] + u[g, 1] * x + u[g, 2] * x2
        data["x2"] = x2
    elif kind == "fslope":
        f = rng.integers(0, 3, n)
        u = _re(rng, k, 3)
        y += rng.normal(0, 1, 3)[f] + rng.normal(0, 0.5, 3)[f] * x + u[g, 0] + u[g, 1] * (f == 1) + u[g, 2] * (f == 2)
        data["f"] = list(np.array(["a", "b", "c"])[f])
    elif kind == "transforms":
        z = rng.uniform(0.5, 5.0, n)
        y += rng.normal() * np.log(z) + rng.normal() * x**2 + rng.normal() * np.exp(x / 2) + _re(rng, k, 1)[g, 0]
        data["z"] = z
    elif kind == "transforms2":
        z = rng.uniform(0.5, 5.0, n)
        y += rng.normal() * (x > 0) + rng.normal() * np.log2(z) + _re(rng, k, 1)[g, 0]
        data["z"] = z
    elif kind == "f0":
        f = rng.integers(0, 3, n)
        y += rng.normal(0, 1, 3)[f] + _re(rng, k, 1)[g, 0]
        data["f"] = list(np.array(["a", "b", "c"])[f])
    elif kind == "explicit_zcp":
        y += rng.normal(0, rng.choice(SD), k)[g] + rng.normal(0, rng.choice(SD), k)[g] * x
    elif kind == "crossed_slopes":
        m = int(rng.integers(5, 31))
        h = rng.integers(0, m, n)
        ug, uh = _re(rng, k, 2), _re(rng, m, 2)
        y += ug[g, 0] + ug[g, 1] * x + uh[h, 0] + uh[h, 1] * x
        data["h"] = labels("h", h)
    elif kind == "factor_int":
        kk = rng.integers(0, 3, n)
        y += rng.normal(0, 1, 3)[kk] + _re(rng, k, 1)[g, 0]
        data["k"] = np.array([1, 2, 10])[kk]
    elif kind == "logical":
        b = rng.random(n) < 0.4
        y += rng.normal() * b + _re(rng, k, 1)[g, 0]
        data["b"] = b
    elif kind == "f_zcp":
        f = rng.integers(0, 3, n)
        u = np.column_stack([rng.normal(0, rng.choice(SD), k) for _ in range(3)])
        y += rng.normal(0, 1, 3)[f] + u[g, f]
        data["f"] = list(np.array(["a", "b", "c"])[f])
    elif kind == "logz_slope":
        z = rng.uniform(0.5, 5.0, n)
        u = _re(rng, k, 2)
        y += (rng.normal() + u[g, 1]) * np.log(z) + u[g, 0]
        data["z"] = z
    elif kind == "null":
        y += _re(rng, k, 1)[g, 0]
    elif kind == "na_weights":
        w = rng.uniform(0.2, 5.0, n)
        data["z"], data["w"] = rng.normal(0, 2, n), w
        e /= np.sqrt(w)
        y += data["z"] + _re(rng, k, 1)[g, 0]
    elif kind in ("na", "na_group", "na_scale"):
        y += _re(rng, k, 1)[g, 0]
        if kind == "na_group":
            f = rng.integers(0, 3, n)
            y += rng.normal(0, 1, 3)[f]
            data["f"] = list(np.array(["a", "b", "c"])[f])
    else:
        raise ValueError(kind)
    out = pd.DataFrame({"y": y + e, "x": x, **data})
    if kind in ("na", "na_scale"):
        out = with_na(rng, out, ["x", "y"])
    elif kind == "na_weights":
        out = with_na(rng, out, ["w", "z"])
    elif kind == "na_group":
        out = with_na(rng, out, ["x", "g", "f"])
    return out


def sim_glmm_more(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """GLMM responses for the second set of GLMM classes (``kind``), and binomial
    counts with a slope for the third."""
    if kind in ("bin_slope", "pois_slope", "pois_zcp", "bin_cbind_slope"):
        k, n = draw_groups(rng, per_group=6)
        g, x = rng.integers(0, k, n), rng.normal(size=n)
        if kind == "pois_zcp":
            u = np.column_stack([rng.normal(0, rng.choice(GLMM_SD), k), rng.normal(0, rng.choice(GLMM_SD), k)])
        else:
            u = _re(rng, k, 2, GLMM_SD)
        eta = rng.normal(0, 1) + 0.7 * rng.normal() * x + u[g, 0] + u[g, 1] * x
        data = pd.DataFrame({"x": x, "g": labels("g", g)})
        if kind == "bin_cbind_slope":
            size = rng.integers(1, 11, n)
            return data.assign(n=size, s=rng.binomial(size, special.expit(eta)))
        y = rng.binomial(1, special.expit(eta)) if kind == "bin_slope" else rng.poisson(np.exp(0.5 + eta))
        return data.assign(y=y)
    if kind == "bin_factor":
        d = sim_glmm(rng, "bernoulli")
        return d.assign(y=np.where(d["y"] == 1, "yes", "no"))
    if kind == "bin_logical":
        d = sim_glmm(rng, "bernoulli")
        return d.assign(y=d["y"] == 1)
    if kind == "bin_prop":
        d = sim_glmm(rng, "binomial")
        return d.assign(p=d["s"] / d["n"]).drop(columns="s")
    if kind == "pois_weights":
        d = sim_glmm(rng, "poisson")
        return d.assign(w=rng.integers(1, 5, len(d)))
    if kind == "pois_na":
        return with_na(rng, sim_glmm(rng, "poisson"), ["x", "y"])
    raise ValueError(kind)


def sim_glmm_links(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """GLMM responses for the third set of GLMM classes: other links and families,
    crossed and nested Bernoulli / Poisson terms, slopes for Gamma and probit
    (binomial counts with a slope: :func:`sim_glmm_more`)."""
    if kind in ("bin_crossed", "pois_nested"):
        k, n = draw_groups(rng, per_group=4)
        m = int(rng.integers(3, 8))
        g, x = rng.integers(0, k, n), rng.normal(size=n)
        h = rng.integers(0, m, n)
        eta = rng.normal(0, 1) + 0.7 * rng.normal() * x + rng.normal(0, rng.choice(GLMM_SD), k)[g]
        if kind == "bin_crossed":
            eta += rng.normal(0, rng.choice(GLMM_SD), m)[h]
            return pd.DataFrame({"x": x, "g": labels("g", g), "h": labels("h", h),
                                 "y": rng.binomial(1, special.expit(eta))})
        eta += rng.normal(0, rng.choice(GLMM_SD), k * m)[g * m + h]  # h within g
        return pd.DataFrame({"x": x, "g": labels("g", g), "h": labels("h", h),
                             "y": rng.poisson(np.exp(0.5 + eta))})
    d = sim_glmm(rng, "bernoulli")  # x and g, and a linear predictor drawn afresh below
    k = d["g"].nunique()
    g = d["g"].map({v: i for i, v in enumerate(sorted(d["g"].unique()))}).to_numpy()
    x = d["x"].to_numpy()
    re = rng.normal(0, rng.choice(GLMM_SD), k)[g]
    if kind == "bin_cloglog":
        eta = rng.normal(-0.5, 0.7) + 0.5 * rng.normal() * x + re
        return d.assign(y=rng.binomial(1, 1 - np.exp(-np.exp(eta))))
    if kind == "gamma_inverse":  # the canonical link: 1 / mu, kept positive
        return d.assign(y=_gamma(rng, 1 / np.clip(rng.uniform(0.5, 2.0) + 0.1 * x + 0.2 * re, 0.05, None)))
    if kind == "invgauss_log":
        mu = np.exp(rng.normal(0, 0.5) + 0.3 * x + re)
        return d.assign(y=rng.wald(mu, rng.choice([2.0, 10.0, 50.0])))
    if kind == "gamma_identity":  # mean kept well above 0
        return d.assign(y=_gamma(rng, np.clip(rng.uniform(3.0, 6.0) + 0.5 * x + re, 0.5, None)))
    if kind == "pois_sqrt":
        return d.assign(y=rng.poisson(np.clip(rng.uniform(1.5, 3.0) + 0.3 * x + re, 0.1, None) ** 2))
    if kind in ("gamma_log_slope", "probit_slope"):
        u = _re(rng, k, 2, GLMM_SD)
        eta = rng.normal(0, 0.5) + 0.5 * rng.normal() * x + u[g, 0] + u[g, 1] * x
        if kind == "probit_slope":
            return d.assign(y=rng.binomial(1, stats.norm.cdf(eta)))
        return d.assign(y=_gamma(rng, np.exp(eta)))
    raise ValueError(kind)


def sim_fourth(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """Data for the fourth set of classes: (x | g) with prior weights, with a
    crossed (1 | h), and (0 + f | g) for LMMs; (x | g) for the NB, with an
    offset and with a crossed (1 | h) for the Poisson; binomial counts with
    an observation-level effect."""
    k, n = draw_groups(rng, per_group=6)
    g, x = rng.integers(0, k, n), rng.normal(size=n)
    data = pd.DataFrame({"x": x, "g": labels("g", g)})
    if kind.startswith("lmm_"):
        y = rng.normal(0, 3) + rng.normal() * x
        e = rng.uniform(0.5, 2.0) * rng.normal(size=n)
        if kind == "lmm_wslope":
            u, w = _re(rng, k, 2), rng.uniform(0.2, 5.0, n)
            return data.assign(y=y + u[g, 0] + u[g, 1] * x + e / np.sqrt(w), w=w)
        if kind == "lmm_f0re":
            f, u = rng.integers(0, 3, n), _re(rng, k, 3)
            return data.assign(y=y + rng.normal(0, 1, 3)[f] + u[g, f] + e, f=list(np.array(["a", "b", "c"])[f]))
        m = int(rng.integers(5, 31))  # lmm_slope_cross
        h, u = rng.integers(0, m, n), _re(rng, k, 2)
        return data.assign(y=y + u[g, 0] + u[g, 1] * x + rng.normal(0, rng.choice(SD), m)[h] + e, h=labels("h", h))
    u = _re(rng, k, 2, GLMM_SD)
    eta = rng.normal(0, 1) + 0.7 * rng.normal() * x + u[g, 0]
    if kind in ("nb_slope", "pois_offset_slope", "pois_slope_cross"):
        eta = eta + u[g, 1] * x
    if kind == "pois_offset_slope":
        t = rng.uniform(0.5, 5.0, n)
        eta, data = eta + np.log(t), data.assign(t=t)
    if kind == "pois_slope_cross":
        m = int(rng.integers(5, 31))
        h = rng.integers(0, m, n)
        eta, data = eta + rng.normal(0, rng.choice(GLMM_SD), m)[h], data.assign(h=labels("h", h))
    if kind == "bin_olre":
        eta = eta + rng.normal(0, rng.choice([0.0, 0.3, 0.6]), n)
        size = rng.integers(1, 11, n)
        return data.assign(n=size, s=rng.binomial(size, special.expit(eta)), obs=labels("o", np.arange(n), width=4))
    if kind == "nb_slope":
        size, mu = rng.choice([0.8, 2.0, 5.0]), np.exp(0.5 + eta)
        return data.assign(y=rng.negative_binomial(size, size / (size + mu)))
    return data.assign(y=rng.poisson(np.exp(0.5 + eta)))


def sim_fifth(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """Medium-sized designs for the fifth set, each built to take one of the
    core's structural paths: a partially crossed g x h with h's 700-900 levels
    dense and a few-level term k after them (small terms profiled out; k a
    department of h's levels, as InstEval's dept), scalar or with a slope;
    three nested levels ``a/b/c`` (leading diagonal blocks cut by division);
    fully crossed subjects x items with slopes (the dense downdate); a Bernoulli
    GLMM crossed on 400-800 x 60-150 levels; and Poisson counts with
    observation-level effects within two nested levels (grouseticks' shape)."""
    x_of = partial(rng.normal, size=None)
    if kind in ("small", "small_slope"):
        ng, nh, nk = int(rng.integers(1000, 1601)), int(rng.integers(700, 901)), int(rng.integers(4, 16))
        g = np.repeat(np.arange(ng), rng.integers(4, 13, ng))
        n = len(g)
        h = (rng.integers(0, 40, ng)[g] * 23 + rng.integers(0, 60, n)) % nh  # each g meets a band of h
        k = rng.integers(0, nk, nh)[h]
        x = x_of(size=n)
        u_k = _re(rng, nk, 2)
        y = (rng.normal(0, 3) + rng.normal() * x + rng.normal(0, rng.choice(SD), ng)[g]
             + rng.normal(0, rng.choice(SD), nh)[h] + u_k[k, 0] + (u_k[k, 1] * x if kind == "small_slope" else 0)
             + rng.uniform(0.5, 2.0) * rng.normal(size=n))
        return pd.DataFrame({"y": y, "x": x, "g": labels("g", g, 4), "h": labels("h", h, 3),
                             "k": labels("k", k)})
    if kind == "nested3":
        na = int(rng.integers(5, 16))
        b = np.repeat(np.arange(na * 6), rng.integers(2, 6, na * 6))         # 6 b per a, 2-5 c per b
        a = b // 6
        c = np.arange(len(b))
        rows = np.repeat(c, rng.integers(2, 5, len(c)))                        # 2-4 rows per c
        a, b, c, x = a[rows], b[rows] % 6, c[rows], x_of(size=len(rows))
        eff = [rng.normal(0, rng.choice(SD), m) for m in (na, na * 6, len(np.unique(c)))]
        y = (rng.normal(0, 3) + rng.normal() * x + eff[0][a] + eff[1][a * 6 + b] + eff[2][c]
             + rng.uniform(0.5, 2.0) * rng.normal(size=len(x)))
        return pd.DataFrame({"y": y, "x": x, "a": labels("a", a), "b": labels("b", b),
                             "c": labels("c", c % 40, 2)})  # c's labels repeat across b: only a/b/c tells them apart
    if kind == "full_crossed":
        ns, ni = int(rng.integers(30, 61)), int(rng.integers(20, 41))
        subj, item = np.repeat(np.arange(ns), ni), np.tile(np.arange(ni), ns)
        x = rng.choice([-0.5, 0.5], ns * ni)
        us, ui = _re(rng, ns, 2), _re(rng, ni, 2)
        y = (rng.normal(0, 3) + rng.normal() * x + us[subj, 0] + us[subj, 1] * x + ui[item, 0] + ui[item, 1] * x
             + rng.uniform(0.5, 2.0) * rng.normal(size=len(x)))
        return pd.DataFrame({"y": y, "x": x, "subj": labels("s", subj), "item": labels("i", item)})
    if kind == "bin_crossed_big":
        ng, nh = int(rng.integers(400, 801)), int(rng.integers(60, 151))
        g = np.repeat(np.arange(ng), rng.integers(5, 16, ng))
        h = rng.integers(0, nh, len(g))
        x = x_of(size=len(g))
        eta = (rng.normal(0, 1) + 0.7 * rng.normal() * x + rng.normal(0, rng.choice(GLMM_SD), ng)[g]
               + rng.normal(0, rng.choice(GLMM_SD), nh)[h])
        return pd.DataFrame({"y": rng.binomial(1, special.expit(eta)), "x": x, "g": labels("g", g, 3),
                             "h": labels("h", h, 3)})
    na = int(rng.integers(8, 21))  # pois_nested_olre
    b = np.repeat(np.arange(na * 5), rng.integers(2, 9, na * 5))
    a, x = b // 5, x_of(size=len(b))
    eta = (rng.normal(0, 1) + 0.5 * rng.normal() * x + rng.normal(0, rng.choice(GLMM_SD), na)[a]
           + rng.normal(0, rng.choice(GLMM_SD), na * 5)[b] + rng.normal(0, rng.choice([0.0, 0.3, 0.6]), len(b)))
    return pd.DataFrame({"y": rng.poisson(np.exp(0.5 + eta)), "x": x, "a": labels("a", a), "b": labels("b", b, 3),
                         "obs": labels("o", np.arange(len(b)), width=4)})


def sim_sixth(rng: np.random.Generator, kind: str) -> pd.DataFrame:
    """10,000-20,000 rows, where lme4 takes no derivative checks (and our
    restarts, which follow them, do not run): crossed intercepts on
    1,500-2,500 x 100-400 levels, a correlated or uncorrelated slope beside a
    crossed intercept, and Bernoulli slopes and Poisson crossed intercepts."""
    n = int(rng.integers(10_000, 20_001))
    ng = int(rng.integers(1500, 2501)) if kind in ("crossed", "pois_crossed") else int(rng.integers(300, 1501))
    nh = int(rng.integers(100, 401)) if kind in ("crossed", "pois_crossed") else int(rng.integers(20, 61))
    g, h, x = rng.integers(0, ng, n), rng.integers(0, nh, n), rng.normal(size=n)
    sds = GLMM_SD if kind.startswith(("bin", "pois")) else SD
    u = _re(rng, ng, 2, sds)
    eta = rng.normal(0, 1) + 0.7 * rng.normal() * x + u[g, 0] + rng.normal(0, rng.choice(sds), nh)[h]
    if kind not in ("crossed", "pois_crossed"):
        eta = eta + u[g, 1] * x
    data = pd.DataFrame({"x": x, "g": labels("g", g, 4), "h": labels("h", h, 3)})
    if kind == "bin_slope":
        return data.assign(y=rng.binomial(1, special.expit(eta)))
    if kind == "pois_crossed":
        return data.assign(y=rng.poisson(np.exp(0.5 + eta)))
    return data.assign(y=2 * eta + rng.uniform(0.5, 2.0) * rng.normal(size=n))


@dataclass(frozen=True)
class ModelClass:
    """A formula, family and data generator."""

    name: str
    formula: str
    simulate: Callable[[np.random.Generator], pd.DataFrame]
    family: str = "gaussian"
    link: str | None = None
    reml: bool = True
    nagq: int = 1
    nb: bool = False
    weights: str | None = None                # column of prior weights

    @property
    def kind(self) -> str:
        return "lmm" if self.family == "gaussian" else "glmm"


def _reml_and_ml(name: str, formula: str, simulate: Callable[[np.random.Generator], pd.DataFrame],
                 weights: str | None = None) -> list[ModelClass]:
    """An LMM class fitted by REML (``<name>_reml``) and one by ML (``<name>_ml``)."""
    return [ModelClass(f"{name}_{'reml' if reml else 'ml'}", formula, simulate, reml=reml, weights=weights)
            for reml in (True, False)]


def _lmm_classes() -> list[ModelClass]:
    specs = [("int", "y ~ x + (1 | g)", {}), ("slope", "y ~ x + (x | g)", {"slope": True}),
             ("zcp", "y ~ x + (x || g)", {"slope": True, "rho": False}),
             ("crossed", "y ~ x + (1 | g) + (1 | h)", {"crossed": True}),
             ("nested", "y ~ x + (1 | g/h)", {"nested": True}),
             ("factor", "y ~ f + (1 | g)", {"factor": True}),
             ("int_scaled", "y ~ x + (1 | g)", {"x_scale": 1000.0}),
             ("slope_scaled", "y ~ x + (x | g)", {"slope": True, "x_scale": 1000.0})]
    return [c for name, formula, kw in specs
            for c in _reml_and_ml(f"lmm_{name}", formula, lambda rng, kw=kw: sim_lmm(rng, **kw))]


def _lmm_more_classes() -> list[ModelClass]:
    """Formula features and model options beyond the first set: prior weights, offset(),
    g:h grouping, slope-only and 3x3 terms, a factor in the random term, transforms,
    no intercept, explicit uncorrelated terms, crossed slopes and missing values (in x and
    y; in g, x and f; in x and y under scale(x), which R evaluates before dropping rows;
    in the weights and the offset); factor() of an integer column (levels in numeric
    order: 1, 2, 10), a logical predictor, (f || g) with a factor, log(z) in the random
    term, and an intercept-only model."""
    specs = [("weights", "y ~ x + (1 | g)", "w"), ("offset", "y ~ x + offset(z) + (1 | g)", None),
             ("gh", "y ~ x + (1 | g:h)", None), ("slope_only", "y ~ x + (0 + x | g)", None),
             ("slope3", "y ~ x + (1 + x + x2 | g)", None), ("fslope", "y ~ f * x + (f | g)", None),
             ("transforms", "y ~ log(z) + I(x^2) + exp(x/2) + (1 | g)", None),
             ("transforms2", "y ~ scale(x) + I(x > 0) + log(z, 2) + (1 | g)", None),
             ("f0", "y ~ 0 + f + (1 | g)", None), ("explicit_zcp", "y ~ x + (1 | g) + (0 + x | g)", None),
             ("crossed_slopes", "y ~ x + (x | g) + (x | h)", None),
             ("na", "y ~ x + (1 | g)", None), ("na_group", "y ~ x + f + (1 | g)", None),
             ("na_scale", "y ~ scale(x) + (1 | g)", None), ("na_weights", "y ~ x + offset(z) + (1 | g)", "w"),
             ("factor_int", "y ~ factor(k) + (1 | g)", None), ("logical", "y ~ x + b + (1 | g)", None),
             ("f_zcp", "y ~ f + (f || g)", None), ("logz_slope", "y ~ log(z) + (log(z) | g)", None),
             ("null", "y ~ 1 + (1 | g)", None)]
    return [c for name, formula, w in specs
            for c in _reml_and_ml(f"lmm_{name}", formula, _kind(sim_lmm_more, name), w)]


def _kind(simulate: Callable[[np.random.Generator, str], pd.DataFrame], kind: str):
    """``simulate`` with its ``kind`` bound: a class's data generator."""
    return lambda rng: simulate(rng, kind)


def _glmm_more_classes() -> list[ModelClass]:
    """GLMM vector terms, factor and logical responses, prior weights, nAGQ = 0 and missing values."""
    more = partial(_kind, sim_glmm_more)
    return [
        ModelClass("bin01_slope", "y ~ x + (x | g)", more("bin_slope"), "binomial", "logit"),
        ModelClass("pois_zcp", "y ~ x + (x || g)", more("pois_zcp"), "poisson", "log"),
        ModelClass("bin_factor_resp", "y ~ x + (1 | g)", more("bin_factor"), "binomial", "logit"),
        ModelClass("bin_logical_resp", "y ~ x + (1 | g)", more("bin_logical"), "binomial", "logit"),
        ModelClass("bin_prop_weights", "p ~ x + (1 | g)", more("bin_prop"), "binomial", "logit", weights="n"),
        ModelClass("pois_weights", "y ~ x + (1 | g)", more("pois_weights"), "poisson", "log", weights="w"),
        ModelClass("bin01_nagq0", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "bernoulli"), "binomial", "logit",
                   nagq=0),
        ModelClass("pois_slope_nagq0", "y ~ x + (x | g)", more("pois_slope"), "poisson", "log", nagq=0),
        ModelClass("pois_na", "y ~ x + (1 | g)", more("pois_na"), "poisson", "log"),
    ]


def _glmm_link_classes() -> list[ModelClass]:
    """Other links and families (cloglog, Gamma's inverse and identity, inverse Gaussian,
    Poisson sqrt), crossed and nested terms, binomial counts with a slope and with adaptive
    quadrature, Gamma (log) and probit with (x | g)."""
    more = partial(_kind, sim_glmm_links)
    return [
        ModelClass("bin_cloglog", "y ~ x + (1 | g)", more("bin_cloglog"), "binomial", "cloglog"),
        ModelClass("gamma_inverse", "y ~ x + (1 | g)", more("gamma_inverse"), "Gamma", "inverse"),
        ModelClass("invgauss_log", "y ~ x + (1 | g)", more("invgauss_log"), "inverse.gaussian", "log"),
        ModelClass("bin_crossed", "y ~ x + (1 | g) + (1 | h)", more("bin_crossed"), "binomial", "logit"),
        ModelClass("pois_nested", "y ~ x + (1 | g/h)", more("pois_nested"), "poisson", "log"),
        ModelClass("bin_cbind_slope", "cbind(s, n - s) ~ x + (x | g)", _kind(sim_glmm_more, "bin_cbind_slope"),
                   "binomial", "logit"),
        ModelClass("bin_cbind_agq10", "cbind(s, n - s) ~ x + (1 | g)", lambda r: sim_glmm(r, "binomial"),
                   "binomial", "logit", nagq=10),
        ModelClass("gamma_identity", "y ~ x + (1 | g)", more("gamma_identity"), "Gamma", "identity"),
        ModelClass("pois_sqrt", "y ~ x + (1 | g)", more("pois_sqrt"), "poisson", "sqrt"),
        ModelClass("gamma_log_slope", "y ~ x + (x | g)", more("gamma_log_slope"), "Gamma", "log"),
        ModelClass("probit_slope", "y ~ x + (x | g)", more("probit_slope"), "binomial", "probit"),
    ]


def _fourth_classes() -> list[ModelClass]:
    """Adaptive quadrature for the Poisson and Gamma, (x | g) for the NB, with an
    offset and beside a crossed term for the Poisson, binomial counts with an
    observation-level effect; LMMs with prior weights and (x | g), (0 + f | g),
    and (x | g) beside a crossed (1 | h)."""
    fourth = partial(_kind, sim_fourth)
    glmms = [
        ModelClass("pois_agq7", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "poisson"), "poisson", "log", nagq=7),
        ModelClass("gamma_agq5", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "gamma"), "Gamma", "log", nagq=5),
        ModelClass("nb_slope", "y ~ x + (x | g)", fourth("nb_slope"), "poisson", "log", nb=True),
        ModelClass("pois_offset_slope", "y ~ x + offset(log(t)) + (x | g)", fourth("pois_offset_slope"),
                   "poisson", "log"),
        ModelClass("pois_slope_cross", "y ~ x + (x | g) + (1 | h)", fourth("pois_slope_cross"), "poisson", "log"),
        ModelClass("bin_olre", "cbind(s, n - s) ~ x + (1 | g) + (1 | obs)", fourth("bin_olre"), "binomial", "logit"),
    ]
    specs = [("lmm_wslope", "y ~ x + (x | g)", "w"), ("lmm_f0re", "y ~ f + (0 + f | g)", None),
             ("lmm_slope_cross", "y ~ x + (x | g) + (1 | h)", None)]
    return glmms + [c for kind, formula, w in specs for c in _reml_and_ml(kind, formula, fourth(kind), w)]


def _fifth_classes() -> list[ModelClass]:
    """Medium-sized designs through the core's structural paths (see :func:`sim_fifth`)."""
    fifth = partial(_kind, sim_fifth)
    specs = [("lmm_small", "y ~ x + (1 | g) + (1 | h) + (1 | k)"),
             ("lmm_small_slope", "y ~ x + (1 | g) + (1 | h) + (1 + x | k)"),
             ("lmm_nested3", "y ~ x + (1 | a/b/c)"),
             ("lmm_full_crossed", "y ~ x + (1 + x | subj) + (1 + x | item)")]
    return [c for kind, formula in specs for c in _reml_and_ml(kind, formula, fifth(kind.removeprefix("lmm_")))] + [
        ModelClass("bin_crossed_big", "y ~ x + (1 | g) + (1 | h)", fifth("bin_crossed_big"), "binomial", "logit"),
        ModelClass("pois_nested_olre", "y ~ x + (1 | a/b) + (1 | obs)", fifth("pois_nested_olre"), "poisson", "log"),
    ]


def _sixth_classes() -> list[ModelClass]:
    """10,000-20,000 rows: no derivative checks (see :func:`sim_sixth`)."""
    sixth = partial(_kind, sim_sixth)
    specs = [("lmm_big_crossed", "y ~ x + (1 | g) + (1 | h)", "crossed"),
             ("lmm_big_slope", "y ~ x + (x | g) + (1 | h)", "slope"),
             ("lmm_big_zcp", "y ~ x + (x || g) + (1 | h)", "zcp")]
    return [c for name, formula, kind in specs for c in _reml_and_ml(name, formula, sixth(kind))] + [
        ModelClass("bin_big_slope", "y ~ x + (x | g) + (1 | h)", sixth("bin_slope"), "binomial", "logit"),
        ModelClass("pois_big_crossed", "y ~ x + (1 | g) + (1 | h)", sixth("pois_crossed"), "poisson", "log"),
    ]


CLASSES: list[ModelClass] = _lmm_classes() + [
    ModelClass("bin01", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "bernoulli"), "binomial", "logit"),
    ModelClass("bin_cbind", "cbind(s, n - s) ~ x + (1 | g)", lambda r: sim_glmm(r, "binomial"), "binomial", "logit"),
    ModelClass("bin_probit", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "probit"), "binomial", "probit"),
    ModelClass("bin01_agq5", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "bernoulli"), "binomial", "logit", nagq=5),
    ModelClass("pois_crossed", "y ~ x + (1 | g) + (1 | h)", lambda r: sim_glmm(r, "poisson", crossed=True),
               "poisson", "log"),
    ModelClass("pois_offset", "y ~ x + offset(log(t)) + (1 | g)", lambda r: sim_glmm(r, "poisson", offset=True),
               "poisson", "log"),
    ModelClass("pois_olre", "y ~ x + (1 | g) + (1 | obs)", lambda r: sim_glmm(r, "poisson", olre=True),
               "poisson", "log"),
    ModelClass("gamma_log", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "gamma"), "Gamma", "log"),
    ModelClass("nb", "y ~ x + (1 | g)", lambda r: sim_glmm(r, "negbin"), "poisson", "log", nb=True),
] + (_lmm_more_classes() + _glmm_more_classes() + _glmm_link_classes() + _fourth_classes() + _fifth_classes()
     + _sixth_classes())


def make_jobs(classes: list[ModelClass], seed: int, n: int, data_dir: Path) -> list[dict]:
    """Simulate ``n`` data sets per class, write them as CSV and return the job list."""
    data_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for cls in classes:
        for i in range(n):
            rng = np.random.default_rng([seed, zlib.crc32(cls.name.encode()), i])
            data = cls.simulate(rng)
            file = data_dir / f"{cls.name}_{i:03d}.csv"
            # logical columns as R writes them (R's read.csv leaves pandas' "True" a string)
            text = data.assign(**{c: data[c].map({True: "TRUE", False: "FALSE"})
                                  for c in data.columns if pd.api.types.is_bool_dtype(data[c])})
            text.to_csv(file, index=False, float_format="%.12g", na_rep="NA")
            jobs.append({"id": f"{cls.name}_{i:03d}", "class": cls.name, "kind": cls.kind,
                         "seed": f"[{seed}, crc32('{cls.name}'), {i}]", "file": str(file),
                         "formula": cls.formula, "family": cls.family, "link": cls.link or "identity",
                         "reml": cls.reml, "nagq": cls.nagq, "nb": cls.nb, "weights": cls.weights,
                         "nrow": len(data),
                         "factors": [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]})
    return jobs


# -------------------------------------------------------------------- fitting
def fit_ours(job: dict) -> dict:
    """Fit one job with mixedmodels; the numbers compared and the warnings raised."""
    data = pd.read_csv(job["file"], dtype={c: str for c in job["factors"]})
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:  # the numbers are read inside: some (vcov of a GLMM) may be computed, and warn, on first use
            weights = job.get("weights")
            if job["nb"]:
                fit = mm.glmer_nb(job["formula"], data, nagq=job["nagq"], weights=weights)
            elif job["family"] == "gaussian":
                fit = mm.lmer(job["formula"], data, reml=job["reml"], weights=weights)
            else:
                family = mm.families.get_family(job["family"], job["link"])
                fit = mm.glmer(job["formula"], data, family=family, nagq=job["nagq"], weights=weights)
            out = {
                "fixef": fit.fixef.to_dict(),
                "se": dict(zip(fit.fixef.index, np.sqrt(np.diag(fit.vcov.to_numpy())))),
                "varcorr": [{"grp": r.grp, "var1": _name(r.var1), "var2": _name(r.var2), "vcov": r.vcov}
                            for r in fit.varcorr.itertuples()],
                "theta": fit.theta.to_dict(), "loglik": float(fit.loglik), "singular": bool(fit.is_singular),
                "nb_theta": float(fit.family.theta) if job["nb"] else None, "nobs": int(fit.nobs),
                "optimizer": str(fit.optsummary).splitlines()[0], "feval": int(fit.optsummary.feval),
                "opt_messages": list(fit.optsummary.messages),
            }
        except Exception as exc:  # noqa: BLE001 -- any failure on our side is a finding
            return {"error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t0}
    out["classes"] = sorted({OUR_CLASSES.get(w.category, f"other:{w.category.__name__}") for w in caught})
    out["messages"] = [str(w.message) for w in caught]
    out["seconds"] = time.perf_counter() - t0
    return out


def _name(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def fit_lme4(jobs_file: Path, out_file: Path) -> None:
    """Run ``fit_lme4.R`` on every job (one Rscript call), writing ``out_file``
    (R's own output goes to ``out_file`` with suffix ``.log``)."""
    with open(out_file.with_suffix(".log"), "w") as log:
        subprocess.run(["Rscript", str(HERE / "fit_lme4.R"), str(jobs_file), str(out_file)],
                       check=True, stdout=log, stderr=subprocess.STDOUT, timeout=3600)


def r_classes(texts: list[str]) -> list[str]:
    """Warning classes named by lme4's warning and message texts ("other" if none fits)."""
    found = set()
    for text in texts:
        hits = {cls for key, cls in R_TEXT.items() if key in text}
        found |= hits or {"other"}
    return sorted(found)


# ----------------------------------------------------------------- comparison
def compare(job: dict, ours: dict, ref: dict) -> dict:
    """Differences of one job and the tolerance flags they raise."""
    row = {k: job.get(k) for k in ("id", "class", "kind", "seed", "formula", "family", "link", "reml",
                                   "nagq", "nb", "weights", "nrow", "file")}
    row.update(seconds_ours=ours.get("seconds"), seconds_lme4=ref.get("seconds"),
               emitted_lme4=" | ".join(ref.get("emitted", [])), messages_ours=" | ".join(ours.get("messages", [])),
               feval_ours=ours.get("feval"), optimizer_ours=ours.get("optimizer"),
               opt_messages_ours=" | ".join(ours.get("opt_messages", [])))
    flags = set()
    if "error" in ref:
        row["error_lme4"] = ref["error"]
        flags.add("error_lme4")
    if "error" in ours:
        row["error_ours"] = ours["error"]
        flags.add("error_ours")
    if flags:
        return _finish(row, flags)
    rel, details = REL_TOL[job["kind"]], []
    row.update(nobs_ours=ours.get("nobs"), nobs_lme4=ref.get("nobs"))
    if ref.get("nobs") is not None and ours.get("nobs") != ref["nobs"]:
        details.append(f"nobs ours {ours.get('nobs')} vs lme4 {ref['nobs']}")
        flags.add("estimate_mismatch")
    # log-likelihood
    diff = ours["loglik"] - ref["loglik"]
    row.update(loglik_ours=ours["loglik"], loglik_lme4=ref["loglik"], loglik_diff=diff)
    if diff < -LOGLIK_TOL:
        flags.add("worse_optimum")
    elif diff > LOGLIK_TOL:
        flags.add("better_optimum")
    # fixed effects and standard errors
    if list(ours["fixef"]) != list(ref["fixef"]):
        details.append(f"fixef names {list(ours['fixef'])} vs {list(ref['fixef'])}")
        flags.add("estimate_mismatch")
    else:
        names = list(ref["fixef"])
        se = np.array([ref["se"][k] for k in names], dtype=float)
        err = np.abs(np.array([ours["fixef"][k] - ref["fixef"][k] for k in names])) / se
        se_rel = np.abs(np.array([ours["se"][k] for k in names]) / se - 1)
        i, j = int(np.nanargmax(err)), int(np.nanargmax(se_rel))
        row.update(fixef_err_in_se=err[i], fixef_worst=names[i], fixef_ours=ours["fixef"][names[i]],
                   fixef_lme4=ref["fixef"][names[i]], se_rel=se_rel[j], se_worst=names[j],
                   se_ours=ours["se"][names[j]], se_lme4=ref["se"][names[j]])
        if not err[i] <= FIXEF_TOL:
            flags.add("estimate_mismatch")
        if not se_rel[j] <= rel:
            flags.add("se_mismatch")
    # variance components
    want, got = {_vc_key(r): r["vcov"] for r in ref["varcorr"]}, {_vc_key(r): r["vcov"] for r in ours["varcorr"]}
    if set(want) != set(got):
        details.append(f"varcorr rows {sorted(got)} vs {sorted(want)}")
        flags.add("estimate_mismatch")
    else:
        total = sum(v for k, v in want.items() if not k[2])
        total += 0.0 if any(k[0] == "Residual" for k in want) else 1.0  # unit latent scale (GLMMs)
        excess = {k: abs(got[k] - w) / max(rel * abs(w), NEAR_ZERO * total) for k, w in want.items()}
        worst = max(excess, key=excess.get)
        row.update(vc_excess=excess[worst], vc_worst=":".join(worst), vc_ours=got[worst], vc_lme4=want[worst])
        if excess[worst] > 1:
            flags.add("estimate_mismatch")
    if job["nb"]:
        nb_rel = abs(ours["nb_theta"] / ref["nb_theta"] - 1)
        row.update(nb_theta_ours=ours["nb_theta"], nb_theta_lme4=ref["nb_theta"], nb_theta_rel=nb_rel)
        if nb_rel > rel:
            flags.add("estimate_mismatch")
    # singular flag and warnings
    row.update(singular_ours=ours["singular"], singular_lme4=ref["singular"])
    if ours["singular"] != ref["singular"]:
        flags.add("singular_mismatch")
    said = r_classes(ref["emitted"] + ref["optinfo_messages"])
    mine = [c for c in ours["classes"] if not c.startswith("other")]
    theirs = [c for c in said if c != "other"]
    row.update(warn_ours=" ".join(ours["classes"]), warn_lme4=" ".join(said),
               warn_lme4_final_fit=" ".join(r_classes(ref["optinfo_messages"])))
    if mine != theirs:
        flags.add("warning_mismatch")
    row["details"] = "; ".join(details)
    for side, res in (("ours", ours), ("lme4", ref)):
        row[f"all_{side}"] = json.dumps({k: res[k] for k in ("fixef", "se", "varcorr", "theta")}, default=float)
    return _finish(row, flags)


def _vc_key(r: dict) -> tuple[str, str, str]:
    return r["grp"], r["var1"] or "", r["var2"] or ""


def compare_both(job: dict, ours: dict, ref: dict) -> dict:
    """:func:`compare` against lme4's default fit, with the flags against its
    tight-PIRLS fit (GLMMs) added as ``flags_vs_tight_pirls``."""
    row = compare(job, ours, ref)
    if "tight" in ref:
        tight = compare(job, ours, ref["tight"])
        row["flags_vs_tight_pirls"] = tight["flags"] or "agree"
        row["loglik_diff_vs_tight_pirls"] = tight.get("loglik_diff")
    return row


def _finish(row: dict, flags: set) -> dict:
    row.update({f: f in flags for f in FLAGS})
    row["agree"] = not flags
    row["flags"] = " ".join(f for f in FLAGS if f in flags)
    return row


# -------------------------------------------------------------------- output
def _fail(failed: bool) -> str:
    return " **FAIL**" if failed else ""


def _g(v) -> str:
    return f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)


def describe(r: pd.Series, flag: str) -> str:
    """One line per failing job: the job, the numbers behind ``flag`` and
    (GLMMs) the flags against lme4's tight-PIRLS fit."""
    line = _describe(r, flag)
    if isinstance(r.get("flags_vs_tight_pirls"), str):
        line += f" [vs lme4 tolPwrss=1e-12: {r['flags_vs_tight_pirls']}]"
    return line


def _describe(r: pd.Series, flag: str) -> str:
    fam = "lmer" if r["family"] == "gaussian" else ("glmer.nb" if r["nb"] else f"{r['family']}({r['link']})")
    opts = f"REML={r['reml']}" if r["family"] == "gaussian" else f"nAGQ={r['nagq']}"
    if isinstance(r.get("weights"), str):
        opts += f", weights={r['weights']}"
    head = f"- `{r['id']}` `{r['formula']}` {fam} {opts}, n={r['nrow']}, seed {r['seed']}, `{r['file']}`: "
    if flag in ("error_ours", "error_lme4"):
        return head + str(r[flag])
    ll = f"logLik ours {_g(r['loglik_ours'])} lme4 {_g(r['loglik_lme4'])} (diff {_g(r['loglik_diff'])})"
    if flag in ("better_optimum", "worse_optimum"):
        return head + ll
    if flag == "estimate_mismatch":
        parts = [(f"fixef {r['fixef_worst']} ours {_g(r['fixef_ours'])} lme4 {_g(r['fixef_lme4'])} "
                  f"({_g(r['fixef_err_in_se'])} SE, tol {FIXEF_TOL}){_fail(r['fixef_err_in_se'] > FIXEF_TOL)}"),
                 (f"varcorr {r['vc_worst']} ours {_g(r['vc_ours'])} lme4 {_g(r['vc_lme4'])} "
                  f"({_g(r['vc_excess'])} x allowed){_fail(r['vc_excess'] > 1)}")]
        if r["nb"]:
            parts.append(f"NB theta ours {_g(r['nb_theta_ours'])} lme4 {_g(r['nb_theta_lme4'])} "
                         f"(rel {_g(r['nb_theta_rel'])}){_fail(r['nb_theta_rel'] > REL_TOL['glmm'])}")
        if isinstance(r.get("details"), str) and r["details"]:
            parts.append(r["details"])
        return head + "; ".join(parts) + f"; {ll}"
    if flag == "se_mismatch":
        return head + (f"SE {r['se_worst']} ours {_g(r['se_ours'])} lme4 {_g(r['se_lme4'])} "
                       f"(rel {_g(r['se_rel'])}, tol {REL_TOL[r['kind']]}); {ll}")
    if flag == "singular_mismatch":
        theta = {side: json.loads(r[f"all_{side}"])["theta"] for side in ("ours", "lme4")}
        return head + (f"singular ours {r['singular_ours']} lme4 {r['singular_lme4']}; theta ours "
                       f"{ {k: float(f'{v:.4g}') for k, v in theta['ours'].items()} } lme4 "
                       f"{ {k: float(f'{v:.4g}') for k, v in theta['lme4'].items()} }; {ll}")
    return head + (f"ours [{r['warn_ours']}] lme4 [{r['warn_lme4']}] (final fit [{r['warn_lme4_final_fit']}]); "
                   f"ours: {str(r['messages_ours'])[:300]!r}; lme4: {str(r['emitted_lme4'])[:300]!r}")


def code_version() -> str:
    """The mixedmodels version and, in a git checkout, its commit (``+dirty``: src has local changes)."""
    src = Path(mm.__file__).resolve().parent
    try:
        git = ["git", "-C", str(src)]
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "."], capture_output=True, text=True, check=True)
        return f"{mm.__version__} ({head.stdout.strip()}{'+dirty' if dirty.stdout.strip() else ''})"
    except (OSError, subprocess.CalledProcessError):
        return mm.__version__


def summarize(table: pd.DataFrame, args: argparse.Namespace) -> str:
    """Markdown: counts per class (a job counts under every flag it raises), then the failures."""
    counts = table.groupby("class", sort=False)[["agree", *FLAGS]].sum().astype(int)
    counts.insert(0, "jobs", table.groupby("class", sort=False).size())
    counts.loc["total"] = counts.sum()
    lines = [f"# lme4 differential check (seed {args.seed}, n {args.n})", "",
             f"mixedmodels {code_version()}, {time.strftime('%Y-%m-%d %H:%M')}.", "",
             "Columns after `agree` are not exclusive: a job counts under every flag it raises.", "",
             "| class | " + " | ".join(counts.columns) + " |", "|---" * (len(counts.columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(str(v) for v in row) + " |" for name, row in counts.iterrows()]
    glmm = table[table["kind"] == "glmm"]
    if len(glmm):
        vs_tight = glmm["flags_vs_tight_pirls"].fillna("").str.split()
        tight = glmm.assign(agree=vs_tight.apply(lambda fs: fs == ["agree"]),
                            **{f: vs_tight.apply(lambda fs, f=f: f in fs) for f in FLAGS})
        counts = tight.groupby("class", sort=False)[["agree", *FLAGS]].sum().astype(int)
        counts.loc["total"] = counts.sum()
        lines += ["", "GLMM jobs against lme4 with `glmerControl(tolPwrss = 1e-12)`:", "",
                  "| class | " + " | ".join(counts.columns) + " |", "|---" * (len(counts.columns) + 1) + "|"]
        lines += [f"| {name} | " + " | ".join(str(v) for v in row) + " |" for name, row in counts.iterrows()]
    for flag in FLAGS:
        hits = table[table[flag]]
        if len(hits):
            lines += ["", f"## {flag} ({len(hits)})", ""] + [describe(r, flag) for _, r in hits.iterrows()]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=20, help="data sets per model class")
    ap.add_argument("--classes", nargs="+", help="only these classes (default: all)")
    ap.add_argument("--out", type=Path, help="output folder (default /tmp/lme4_diff/seed<seed>_n<n>)")
    ap.add_argument("--reuse-lme4", action="store_true", help="reuse lme4.json of an earlier run")
    args = ap.parse_args()
    out = args.out or Path(f"/tmp/lme4_diff/seed{args.seed}_n{args.n}")
    classes = [c for c in CLASSES if not args.classes or c.name in args.classes]
    jobs = make_jobs(classes, args.seed, args.n, out / "data")
    (out / "jobs.json").write_text(json.dumps(jobs, indent=1))
    t0 = time.perf_counter()
    if not (args.reuse_lme4 and (out / "lme4.json").exists()):
        fit_lme4(out / "jobs.json", out / "lme4.json")
    refs = json.loads((out / "lme4.json").read_text())
    t1 = time.perf_counter()
    rows = [compare_both(job, fit_ours(job), refs[job["id"]]) for job in jobs]
    t2 = time.perf_counter()
    table = pd.DataFrame(rows)
    table.to_csv(out / "results.csv", index=False)
    summary = summarize(table, args)
    (out / "summary.md").write_text(summary)
    print(summary)
    print(f"lme4 {t1 - t0:.1f} s, mixedmodels {t2 - t1:.1f} s; results in {out}")


if __name__ == "__main__":
    main()
