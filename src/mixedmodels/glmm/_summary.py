"""lme4's ``summary()`` of a GLMM (glmerMod), printed in its layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mixedmodels._format import quantile_line, r_format, table
from mixedmodels.lmm._summary import (
    Summary,
    coefficient_lines,
    correlation_lines,
    groups_line,
    random_effects_lines,
)


class GlmerSummary(Summary):
    """The pieces of lme4's ``summary.merMod`` for a GLMM.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        Estimate, Std. Error, z value, Pr(>|z|) per fixed effect.
    varcorr : pandas.DataFrame
        Variance components.
    """

    def __init__(self, fit) -> None:
        super().__init__(fit)
        z = self.coefficients["t value"].to_numpy()
        self.coefficients = self.coefficients.rename(columns={"t value": "z value"})
        self.coefficients["Pr(>|z|)"] = 2 * stats.norm.sf(np.abs(z))

    def lines(self) -> list[str]:
        """Every printed line."""
        fit = self.fit
        out = glmer_header_lines(fit)
        out += ["", "Scaled residuals: "] + quantile_line(fit.residuals("pearson", scaled=True).to_numpy())
        out += ["", "Random effects:"] + random_effects_lines(fit)
        out += [groups_line(fit), "", "Fixed effects:"] + z_coefficient_lines(self.coefficients)
        out += ["---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"]
        out += correlation_lines(fit)
        out += list(fit.optsummary.messages)
        return out


def method_text(nagq: int) -> str:
    """lme4's description of the approximation."""
    if nagq > 1:
        return f"Adaptive Gauss-Hermite Quadrature, nAGQ = {nagq}"
    return "Laplace Approximation"


def glmer_header_lines(fit) -> list[str]:
    """Title, family, formula, data and the AIC/BIC/logLik/deviance/df.resid block."""
    lines = [
        f"Generalized linear mixed model fit by maximum likelihood ({method_text(fit.nagq)}) ['glmerMod']",
        f" Family: {fit.family.label}  ( {fit.family.link.name} )",
        f"Formula: {fit.formula}",
        f"   Data: {fit.data_name}",
    ]
    if fit.frame.weights is not None:
        lines.append("Weights: (prior weights)")
    values = [fit.aic, fit.bic, fit.loglik, -2 * fit.loglik]
    cells = [f"{v:.1f}" for v in values] + [str(fit.df_residual)]
    return lines + [""] + table([cells], ["AIC", "BIC", "logLik", "deviance", "df.resid"], align_left=())


def _stars(p: float) -> str:
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < cut:
            return mark
    return ""


def z_coefficient_lines(coefs: pd.DataFrame) -> list[str]:
    """Estimate, SE, z value, formatted p-value and significance stars."""
    shown = coefs.iloc[:, :3].copy()
    lines = coefficient_lines(shown)
    pvals = [_format_p(p) for p in coefs["Pr(>|z|)"]]
    width = max(len("Pr(>|z|)"), *(len(p) for p in pvals))
    stars = [_stars(p) for p in coefs["Pr(>|z|)"]]
    out = [lines[0] + " " + "Pr(>|z|)".rjust(width)]
    out += [line + " " + p.rjust(width) + " " + s for line, p, s in zip(lines[1:], pvals, stars)]
    return [line.rstrip() if not line.endswith(" ") else line for line in out]


def _format_p(p: float) -> str:
    if p < 2e-16:
        return "< 2e-16"
    return r_format([p], 3)[0] if p >= 1e-4 else f"{p:.2e}"
