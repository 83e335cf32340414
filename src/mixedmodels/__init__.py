"""mixedmodels: linear and generalized linear mixed-effects models.

lme4's formula language and lme4's numbers, in Python.
"""

from mixedmodels import datasets

__all__ = ["datasets"]
__version__ = "0.1.0"
