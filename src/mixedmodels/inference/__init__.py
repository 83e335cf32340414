"""Denominator degrees of freedom and F tests for lmer fits (lmerTest, pbkrtest).

Satterthwaite's method (``_satterthwaite``: derivatives of the deviance and of
cov(beta) in ``(theta, sigma)``, see ``_varpar``), Kenward-Roger's adjusted
covariance and df (``_kenward_roger``), contrast tests (``_contest``), term
hypotheses of type I/II/III (``_hypotheses``) and the anova table (``_anova``).
"""

from mixedmodels.inference._anova import anova_table
from mixedmodels.inference._contest import coef_table, contest, f_test, t_test
from mixedmodels.inference._kenward_roger import KenwardRoger, kenward_roger
from mixedmodels.inference._satterthwaite import VarparCovariance, varpar_covariance

__all__ = [
    "KenwardRoger",
    "VarparCovariance",
    "anova_table",
    "coef_table",
    "contest",
    "f_test",
    "kenward_roger",
    "t_test",
    "varpar_covariance",
]
