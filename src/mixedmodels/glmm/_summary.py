"""lme4's ``summary()`` of a GLMM (glmerMod), printed in its layout."""

from __future__ import annotations

from mixedmodels._format import quantile_line
from mixedmodels.lmm._summary import (
    Summary,
    coefmat_lines,
    correlation_lines,
    criterion_lines,
    data_lines,
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
        from scipy import stats  # here, not at the top: slow to import
        self.coefficients["Pr(>|z|)"] = 2 * stats.norm.sf(abs(z))

    def lines(self) -> list[str]:
        """Every printed line."""
        fit = self.fit
        out = glmer_header_lines(fit)
        out += ["", "Scaled residuals: "] + quantile_line(fit.residuals("pearson", scaled=True).to_numpy())
        out += ["", "Random effects:"] + random_effects_lines(fit)
        out += [groups_line(fit), "", "Fixed effects:"] + coefmat_lines(self.coefficients)
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
    ]
    return lines + data_lines(fit) + [""] + criterion_lines(fit)
