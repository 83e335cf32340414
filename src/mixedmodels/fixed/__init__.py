"""Fixed-effects-only models (R's ``lm`` and ``glm``) on the same formula layer."""

from mixedmodels.fixed._lm import LmFit, lm

__all__ = ["LmFit", "lm"]
