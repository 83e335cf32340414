"""Linear mixed models: ``lmer`` and its fitted-model class."""

from mixedmodels.lmm._corar1 import CorAR1, CorAR1Fit, CorCAR1
from mixedmodels.lmm._fit import fit_problem, lmer, lmer_frame, lmer_problem
from mixedmodels.lmm._result import LmerFit
from mixedmodels.lmm._summary import Summary
from mixedmodels.lmm._varfunc import VarExp, VarFunctionFit, VarPower
from mixedmodels.lmm._varident import VarIdent, VarIdentFit

__all__ = ["CorAR1", "CorAR1Fit", "CorCAR1", "LmerFit", "Summary", "VarExp", "VarFunctionFit", "VarIdent", "VarIdentFit", "VarPower", "fit_problem", "lmer", "lmer_frame", "lmer_problem"]
