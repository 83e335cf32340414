"""lme4's formula language: response, fixed effects and random-effects terms.

``build_model_frame(formula, data)`` turns a formula such as
``"Reaction ~ Days + (Days | Subject)"`` into plain arrays (response, fixed
effects matrix with lme4's column names, one block per random-effects term)
and a spec that rebuilds the same columns for new data.
"""

from mixedmodels.formula._build import build_model_frame
from mixedmodels.formula._errors import (
    FormulaError,
    FormulaSyntaxError,
    UnknownVariableError,
)
from mixedmodels.formula._frame import ModelFrame, ReTerm
from mixedmodels.formula._rank import RankDeficiencyWarning
from mixedmodels.formula._spec import ModelSpec
from mixedmodels.formula._split import split_formula

__all__ = [
    "FormulaError",
    "FormulaSyntaxError",
    "ModelFrame",
    "ModelSpec",
    "RankDeficiencyWarning",
    "ReTerm",
    "UnknownVariableError",
    "build_model_frame",
    "split_formula",
]
