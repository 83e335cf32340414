"""Single-term deletions: random-effects terms (lmerTest's ``ranova``) and
fixed-effects terms (lme4's / lmerTest's ``drop1``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.formula import split_formula
from mixedmodels.formula._terms import parse_terms


def _bar_text(lhs_terms: list[str], intercept: bool, group: str) -> str:
    lhs = " + ".join(lhs_terms) if lhs_terms else ""
    if intercept:
        lhs = lhs or "1"
    else:
        lhs = f"0 + {lhs}"
    return f"({lhs} | {group})"


def _re_terms_as_bars(fit) -> list[tuple[list[str], bool, str]]:
    """Per random-effects term (lme4's order): its LHS term labels, intercept, group."""
    split = split_formula(fit.formula)
    plain = {b.group: b for b in split.bars if "/" not in b.group and not b.double}
    groups = [b.group for b in split.bars]
    out = []
    for term, plan in zip(fit.frame.re_terms, fit.frame.spec.re_plans):
        bar = plain.get(plan.group_text) if groups.count(plan.group_text) == 1 else None
        if bar is not None:
            parsed = parse_terms(bar.lhs)
            out.append((parsed.labels, parsed.intercept, plan.group_text))
        else:
            effects = [e for e in term.effect_names if e != "(Intercept)"]
            out.append((effects, "(Intercept)" in term.effect_names, plan.group_text))
    return out


def reductions(fit) -> list[tuple[str, list[str]]]:
    """lmerTest's reduced models: ``(row label, bars of the reduced model)``.

    ``(x | g)`` loses one slope term at a time (``x in (x | g)``, leaving
    ``(1 | g)``); a term without slopes, or without an intercept, is removed.
    """
    bars = _re_terms_as_bars(fit)
    texts = [_bar_text(*b) for b in bars]
    out = []
    for i, (labels, intercept, group) in enumerate(bars):
        others = texts[:i] + texts[i + 1 :]
        if intercept and labels:
            for label in labels:
                reduced = _bar_text([x for x in labels if x != label], True, group)
                out.append((f"{label} in {texts[i]}", texts[:i] + [reduced] + texts[i + 1 :]))
        else:
            out.append((texts[i], others))
    return out


def _refit(fit, bars: list[str]):
    """The fit with the same fixed part and the given random-effects terms."""
    from mixedmodels.fixed import lm

    split = split_formula(fit.formula)
    fixed = f"{split.response} ~ {split.fixed}"
    if not bars:
        return lm(fixed, fit.data, **fit.frame.arguments)
    return fit.update(formula=f"{fixed} + {' + '.join(bars)}")


def _loglik(model, reml: bool) -> float:
    if hasattr(model, "loglik_of"):
        return model.loglik_of(reml=reml)
    return float(model.loglik)


def ranova(fit) -> pd.DataFrame:
    """LRT for removing each random-effects term, as lmerTest's ``ranova(fit)``.

    Likelihoods are REML ones for REML fits (as lmerTest; a reduced model
    without random effects is a linear model with its REML likelihood).

    Returns
    -------
    pandas.DataFrame
        Rows ``<none>`` and one per reduction; columns ``npar, loglik, aic,
        lrt, df, p_value``.
    """
    rows = {"<none>": (fit.npar, _loglik(fit, fit.reml))}
    for label, bars in reductions(fit):
        reduced = _refit(fit, bars)
        rows[label] = (reduced.npar, _loglik(reduced, fit.reml))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["npar", "loglik"])
    table["aic"] = -2 * table["loglik"] + 2 * table["npar"]
    full = table.iloc[0]
    table["lrt"] = 2 * (full["loglik"] - table["loglik"])
    table["df"] = full["npar"] - table["npar"]
    table.iloc[0, table.columns.get_indexer(["lrt", "df"])] = np.nan
    from scipy import stats  # here, not at the top: slow to import
    table["p_value"] = stats.chi2.sf(table["lrt"], table["df"])
    table.index.name = "term"
    return table


def _droppable(labels: list[str]) -> list[str]:
    """Fixed terms not contained in another term (marginality)."""
    parts = [set(label.split(":")) for label in labels]
    return [lab for lab, p in zip(labels, parts) if not any(p < q for q in parts)]


def _kept_contrasts(fit, rhs: str) -> dict:
    """The fit's ``contrasts`` argument for the variables still in ``rhs``
    (lme4's refit would warn that a dropped one is absent)."""
    given = fit.frame.arguments.get("contrasts")
    if not given:
        return {}
    present = parse_terms(rhs).variables
    return {"contrasts": {k: v for k, v in given.items() if k in present}}


def drop1(fit, test: str = "Chisq", ddf: str = "satterthwaite") -> pd.DataFrame:
    """Single-term deletions of the fixed part.

    ``test="Chisq"``: lme4's ``drop1(fit, test = "Chisq")`` -- every model is
    refitted by ML; columns ``npar`` (parameters removed), ``aic``, ``lrt``,
    ``p_value``. ``test="F"``: lmerTest's ``drop1`` (F tests of the marginal
    terms with ``ddf`` degrees of freedom), taken from ``fit.anova(type=3)``.
    """
    split = split_formula(fit.formula)
    labels = _droppable(parse_terms(split.fixed).labels)
    if test == "F":
        if not hasattr(fit, "anova"):
            raise NotImplementedError(f"F tests need fit.anova (linear mixed models); {type(fit).__name__} has none.")
        return fit.anova(type=3, ddf=ddf).loc[labels]
    if test != "Chisq":
        raise ValueError(f"test must be 'Chisq' or 'F'; got {test!r}.")
    from mixedmodels.comparison._lrt import ml_fit

    full = ml_fit(fit)
    bars = " + ".join(f"({b.lhs} {'||' if b.double else '|'} {b.group})" for b in split.bars)
    rows = {"<none>": (full.npar, full.loglik)}
    for label in labels:
        kept = [x for x in parse_terms(split.fixed).labels if x != label]
        rhs = " + ".join(kept) if kept else "1"
        if not parse_terms(split.fixed).intercept:
            rhs = f"0 + {rhs}"
        reduced = ml_fit(fit.update(formula=f"{split.response} ~ {rhs} + {bars}", **_kept_contrasts(fit, rhs)))
        rows[label] = (reduced.npar, reduced.loglik)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["npar", "loglik"])
    aic = -2 * table["loglik"] + 2 * table["npar"]
    lrt = 2 * (table["loglik"].iloc[0] - table["loglik"])
    removed = table["npar"].iloc[0] - table["npar"]
    out = pd.DataFrame({"npar": removed.astype(float), "aic": aic, "lrt": lrt})
    out.iloc[0, [0, 2]] = np.nan
    from scipy import stats  # here, not at the top: slow to import
    out["p_value"] = stats.chi2.sf(out["lrt"], out["npar"])
    out.index.name = "term"
    return out
