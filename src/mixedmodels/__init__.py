"""mixedmodels: linear and generalized linear mixed-effects models.

lme4's formula language and lme4's numbers, in Python::

    import mixedmodels as mm
    df = mm.datasets.load("sleepstudy")
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", data=df)
    print(fit.summary())
"""

from mixedmodels import datasets
from mixedmodels._control import Control
from mixedmodels._warnings import (
    CheckError,
    ConvergenceWarning,
    MixedModelsWarning,
    ResponseWarning,
    ScaleWarning,
    SingularFitWarning,
)
from mixedmodels.comparison import anova, bootstrap_lrt
from mixedmodels.fixed import glm, lm
from mixedmodels.formula import FormulaError, RankDeficiencyWarning
from mixedmodels.lmm import (
    CorAR1,
    CorAR1Fit,
    CorCAR1,
    LmerFit,
    VarExp,
    VarFunctionFit,
    VarIdent,
    VarIdentFit,
    VarPower,
    lmer,
)

__all__ = [
    "CheckError",
    "Control",
    "ConvergenceWarning",
    "CorAR1",
    "CorAR1Fit",
    "CorCAR1",
    "FormulaError",
    "LmerFit",
    "MixedModelsWarning",
    "RankDeficiencyWarning",
    "ResponseWarning",
    "ScaleWarning",
    "SingularFitWarning",
    "VarExp",
    "VarFunctionFit",
    "VarIdent",
    "VarIdentFit",
    "VarPower",
    "anova",
    "bootstrap_lrt",
    "datasets",
    "glm",
    "lm",
    "lmer",
]
__version__ = "0.1.0"

from mixedmodels import families, plots
from mixedmodels.glmm import GlmerControl, GlmerFit, glmer, glmer_nb

__all__ += ["GlmerControl", "GlmerFit", "families", "glmer", "glmer_nb", "plots"]
