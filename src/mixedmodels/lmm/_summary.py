"""lme4's ``summary()`` of a linear mixed model, printed in its layout."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from mixedmodels._format import (
    SIGNIF_LEGEND,
    abbreviate,
    format_pvalues,
    quantile_line,
    r_format,
    r_format_trim,
    signif_stars,
    table,
)

_DDF_TITLES = {"satterthwaite": "Satterthwaite's", "kenward-roger": "Kenward-Roger's"}


class Summary:
    """The pieces of lme4's ``summary.merMod``; ``str()`` prints its layout.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Estimate, Std. Error, t value per fixed effect; with ``ddf`` also
        df and Pr(>|t|) (lmerTest's ``summary(fit, ddf=)``).
    varcorr : pandas.DataFrame
        Variance components (see ``LmerFit.varcorr``).
    ddf : str or None
        Denominator-df method of the t tests, None for lme4's layout.
    """

    def __init__(self, fit, ddf: str | None = None) -> None:
        from mixedmodels.inference._contest import ddf_method

        self.fit = fit
        self.ddf = None if ddf is None or ddf_method(ddf) == "asymptotic" else ddf_method(ddf)
        if self.ddf is None:
            fe, se = fit.fixef, np.sqrt(np.diag(fit.vcov))
            self.coefficients = pd.DataFrame(
                {"Estimate": fe.to_numpy(), "Std. Error": se, "t value": fe.to_numpy() / se}, index=fe.index
            )
        else:
            names = ["Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"]
            self.coefficients = fit.coef_table(self.ddf).set_axis(names, axis=1).rename_axis(None)
        self.varcorr = fit.varcorr

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython
        p.text(str(self))

    def lines(self) -> list[str]:
        """Every printed line."""
        fit = self.fit
        out = header_lines(fit, self.ddf)
        out += ["", "Scaled residuals: "] + quantile_line(fit.residuals("pearson", scaled=True).to_numpy())
        out += ["", "Random effects:"] + random_effects_lines(fit)
        out += getattr(fit, "residual_structure_lines", list)()
        coefs = coefficient_lines if self.ddf is None else coefmat_lines
        out += [groups_line(fit), "", "Fixed effects:"] + coefs(self.coefficients)
        out += correlation_lines(fit)
        out += [m for m in fit.optsummary.messages]
        return out


def header_lines(fit, ddf: str | None = None) -> list[str]:
    """Title, formula, data and the criterion block."""
    if ddf is None:
        kind = "REML ['lmerMod']" if fit.reml else "maximum likelihood  ['lmerMod']"
        title = [f"Linear mixed model fit by {kind}"]
    else:
        kind = "REML" if fit.reml else "maximum likelihood "
        title = method_title(f"Linear mixed model fit by {kind}. t-tests use {_DDF_TITLES[ddf]} method",
                             "lmerModLmerTest")
    if fit.reml:
        return title + data_lines(fit) + ["", f"REML criterion at convergence: {fit.reml_criterion:.1f}"]
    return title + data_lines(fit) + [""] + criterion_lines(fit)


def data_lines(fit) -> list[str]:
    """``Formula:``, ``Data:`` and, with prior weights, ``Weights:``."""
    lines = [f"Formula: {fit.formula}", f"   Data: {fit.data_name}"]
    if fit.frame.weights is not None and not hasattr(fit, "residual_structure_lines"):  # a variance function: its own block
        lines.append("Weights: (prior weights)")
    return lines


def criterion_lines(fit) -> list[str]:
    """lme4's AIC / BIC / logLik / deviance (-2 logLik) / df.resid table of an ML fit."""
    values = [fit.aic, fit.bic, fit.loglik, -2 * fit.loglik]
    cells = [f"{v:.1f}" for v in values] + [str(fit.df_residual)]
    return table([cells], ["AIC", "BIC", "logLik", "deviance", "df.resid"], align_left=())


def method_title(title: str, cls: str, width: int = 80) -> list[str]:
    """lme4's ``.prt.methTit``: ``title ['cls']``, or wrapped and filled when too wide."""
    if len(title) + 5 + len(cls) <= width:
        return [f"{title} ['{cls}']"]
    items = textwrap.wrap(title, width - 3, subsequent_indent="  ") + [" [", cls, "]"]
    lines = [""]
    for item in items:
        if lines[-1] and len(lines[-1]) + len(item) > width:
            lines.append("")
        lines[-1] += item
    return lines


def random_effects_lines(fit) -> list[str]:
    """The Groups / Name / Variance / Std.Dev. / Corr table."""
    vc = fit.varcorr
    variances = vc[vc["var2"].isna()]
    var_text, sd_text = (_aligned(r_format(variances[c], 4)) for c in ("vcov", "sdcor"))
    rows, i = [], 0
    for grp, block in variances.groupby("grp", sort=False):
        corr = _correlations(vc, grp, list(block["var1"]))
        for j, name in enumerate(block["var1"]):
            cells = [grp if j == 0 else "", "" if pd.isna(name) else str(name), var_text[i], sd_text[i]]
            rows.append(cells + [f"{c:.2f}" for c in corr[j, :j]])
            i += 1
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = ["Groups", "Name", "Variance", "Std.Dev."] + (["Corr"] + [""] * (width - 5) if width > 4 else [])
    return [" " + line for line in table(rows, header, align_left=tuple(range(width)))]


def _aligned(cells: list[str]) -> list[str]:
    """Right-justify formatted numbers to a common width (R's ``format``), so
    decimal points line up in a left-aligned column."""
    width = max((len(c) for c in cells), default=0)
    return [c.rjust(width) for c in cells]


def _correlations(vc: pd.DataFrame, grp: str, names: list) -> np.ndarray:
    k = len(names)
    corr = np.eye(k)
    for _, row in vc[(vc["grp"] == grp) & vc["var2"].notna()].iterrows():
        a, b = names.index(row["var1"]), names.index(row["var2"])
        corr[a, b] = corr[b, a] = row["sdcor"]
    return corr


def groups_line(fit) -> str:
    """``Number of obs: n, groups:  g1, q1; g2, q2``."""
    groups = "; ".join(f"{g}, {n}" for g, n in fit.ngroups.items())
    return f"Number of obs: {fit.nobs}, groups:  {groups}"


def coefficient_lines(coefs: pd.DataFrame) -> list[str]:
    """The fixed-effects coefficient table (estimate and standard error formatted together)."""
    joint = r_format(np.concatenate([coefs.iloc[:, 0], coefs.iloc[:, 1]]), 4)
    n = len(coefs)
    columns = [joint[:n], joint[n:]] + [r_format(coefs[c], 4) for c in coefs.columns[2:]]
    rows = [[name] + [col[i] for col in columns] for i, name in enumerate(coefs.index)]
    return table(rows, [""] + list(coefs.columns))


def coefmat_lines(coefs: pd.DataFrame) -> list[str]:
    """R's ``printCoefmat``: the columns before the test statistic (estimate,
    standard error and, for lmerTest, df) formatted together, the statistic
    (next to last column), p-values, and stars with their legend when some
    p-value is below 0.1."""
    joint = coefs.iloc[:, :-2].to_numpy()
    finite = np.abs(joint[np.isfinite(joint) & (joint != 0)])
    lowest = int(np.floor(np.log10(finite.min()))) if finite.size else 0
    cells = r_format_trim(np.round(joint, max(1, 4 - 1 - lowest)).T.ravel(), 4)
    cells = [c.rjust(max(map(len, cells))) for c in cells]  # R formats them as one matrix
    n = len(coefs)
    pv = coefs.iloc[:, -1].to_numpy()
    columns = [cells[j * n : (j + 1) * n] for j in range(joint.shape[1])]
    columns += [r_format_trim(np.round(coefs.iloc[:, -2], 3), 4), format_pvalues(pv)]
    header = [""] + list(coefs.columns)
    stars = np.any(pv < 0.1)
    if stars:
        columns.append(signif_stars(pv))
        header.append("")
    rows = [[name] + [col[i] for col in columns] for i, name in enumerate(coefs.index)]
    return table(rows, header) + (["---", SIGNIF_LEGEND] if stars else [])


def correlation_lines(fit) -> list[str]:
    """Correlation of fixed effects (lower triangle, abbreviated names)."""
    p = len(fit.fixef)
    if p < 2:
        return []
    if p > 12:
        return ["", f"Correlation matrix not shown by default, as p = {p} > 12."]
    vc = fit.vcov.to_numpy()
    sd = np.sqrt(np.diag(vc))
    corr = vc / np.outer(sd, sd)
    names = list(fit.fixef.index)
    rows = [[names[i]] + [f"{corr[i, j]:.3f}" for j in range(i)] + [""] * (p - 1 - i) for i in range(1, p)]
    return ["", "Correlation of Fixed Effects:"] + table(rows, [""] + [abbreviate(n) for n in names[:-1]])
