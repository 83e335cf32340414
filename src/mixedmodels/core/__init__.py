"""Numeric core: cross-products, the blocked Cholesky factor, the profiled deviance.

Nothing here sees a formula or a data frame: terms arrive as
:class:`RandomEffectsBlock` (level codes + per-row effect values) and the
fixed effects as a plain matrix.
"""

from mixedmodels.core._covariance import CovarianceStructure, Unstructured
from mixedmodels.core._crossprod import (
    CrossProducts,
    chunked_cross_products,
    cross_products,
)
from mixedmodels.core._factor import BlockedFactor, FactorState
from mixedmodels.core._lmm import LinearMixedProblem
from mixedmodels.core._optimize import OptSummary, minimize
from mixedmodels.core._reblock import RandomEffectsBlock
from mixedmodels.core._solution import LmmSolution, conditional_variances, solve
from mixedmodels.core._theta import ThetaMap

__all__ = [
    "BlockedFactor",
    "CovarianceStructure",
    "CrossProducts",
    "FactorState",
    "LinearMixedProblem",
    "LmmSolution",
    "OptSummary",
    "RandomEffectsBlock",
    "ThetaMap",
    "Unstructured",
    "chunked_cross_products",
    "conditional_variances",
    "cross_products",
    "minimize",
    "solve",
]
