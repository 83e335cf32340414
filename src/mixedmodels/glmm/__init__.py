"""Generalized linear mixed models: ``glmer``, ``glmer_nb`` and the fitted-model class."""

from mixedmodels.glmm._control import GlmerControl
from mixedmodels.glmm._fit import fit_glmer, glmer, glmer_frame, glmer_problem
from mixedmodels.glmm._nb import glmer_nb
from mixedmodels.glmm._result import GlmerFit
from mixedmodels.glmm._summary import GlmerSummary

__all__ = ["GlmerControl", "GlmerFit", "GlmerSummary", "fit_glmer", "glmer", "glmer_frame", "glmer_nb", "glmer_problem"]
