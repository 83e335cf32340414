"""Model comparison and inference after fitting: likelihood-ratio tests,
random-effects tests, parametric bootstrap, profile and Wald intervals,
prediction intervals, R-squared and ICC."""

from mixedmodels.comparison._lrt import RefitMessage, anova

__all__ = ["RefitMessage", "anova"]
