"""lme4's ``summary()`` of a linear mixed model, printed in its layout."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels._format import abbreviate, quantile_line, r_format, table


class Summary:
    """The pieces of lme4's ``summary.merMod``; ``str()`` prints its layout.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Estimate, Std. Error, t value per fixed effect.
    varcorr : pandas.DataFrame
        Variance components (see ``LmerFit.varcorr``).
    """

    def __init__(self, fit) -> None:
        self.fit = fit
        fe, se = fit.fixef, np.sqrt(np.diag(fit.vcov))
        self.coefficients = pd.DataFrame(
            {"Estimate": fe.to_numpy(), "Std. Error": se, "t value": fe.to_numpy() / se}, index=fe.index
        )
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
        out = header_lines(fit)
        out += ["", "Scaled residuals: "] + quantile_line(fit.residuals(scaled=True).to_numpy())
        out += ["", "Random effects:"] + random_effects_lines(fit)
        out += [groups_line(fit), "", "Fixed effects:"] + coefficient_lines(self.coefficients)
        out += correlation_lines(fit)
        out += [m for m in fit.optsummary.messages]
        return out


def header_lines(fit) -> list[str]:
    """Title, formula, data and the criterion block."""
    kind = "REML ['lmerMod']" if fit.reml else "maximum likelihood  ['lmerMod']"
    lines = [f"Linear mixed model fit by {kind}", f"Formula: {fit.formula}", f"   Data: {fit.data_name}"]
    if fit.frame.weights is not None:
        lines.append("Weights: (prior weights)")
    if fit.reml:
        return lines + ["", f"REML criterion at convergence: {fit.reml_criterion:.1f}"]
    values = [fit.aic, fit.bic, fit.loglik, fit.deviance, fit.df_residual]
    cells = [f"{v:.1f}" for v in values[:4]] + [str(values[4])]
    return lines + [""] + table([cells], ["AIC", "BIC", "logLik", "deviance", "df.resid"], align_left=())


def random_effects_lines(fit) -> list[str]:
    """The Groups / Name / Variance / Std.Dev. / Corr table."""
    vc = fit.varcorr
    variances = vc[vc["var2"].isna()]
    var_text = r_format(variances["vcov"], 4)
    sd_text = r_format(variances["sdcor"], 4)
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
