"""Fixed-effects-only models (R's ``lm`` and ``glm``) on the same formula layer."""

from mixedmodels.fixed._glm import GlmFit, glm
from mixedmodels.fixed._lm import LmFit, lm

__all__ = ["GlmFit", "LmFit", "glm", "lm"]
