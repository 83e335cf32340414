"""Model comparison and inference after fitting: likelihood-ratio tests,
random-effects tests, parametric bootstrap, profile and Wald intervals,
prediction intervals, R-squared and ICC."""

from mixedmodels.comparison._bootstrap import BootstrapResult, bootstrap
from mixedmodels.comparison._bootstrap_lrt import BootstrapLRT, bootstrap_lrt
from mixedmodels.comparison._confint import confint
from mixedmodels.comparison._lrt import RefitMessage, anova
from mixedmodels.comparison._parameters import variance_parameters
from mixedmodels.comparison._profile import profile
from mixedmodels.comparison._r2 import icc, r2_nakagawa, variance_components

__all__ = [
    "BootstrapLRT",
    "BootstrapResult",
    "RefitMessage",
    "anova",
    "bootstrap",
    "bootstrap_lrt",
    "confint",
    "icc",
    "profile",
    "r2_nakagawa",
    "variance_components",
    "variance_parameters",
]
