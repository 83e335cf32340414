"""Warning categories and the check levels users can set."""

from __future__ import annotations

import warnings

LEVELS = ("ignore", "warn", "raise")


class MixedModelsWarning(UserWarning):
    """Base class of every warning this library emits."""


class ConvergenceWarning(MixedModelsWarning):
    """The optimizer's result failed a convergence check (gradient, Hessian)."""


class SingularFitWarning(MixedModelsWarning):
    """Some variance components are estimated on the boundary (zero variance)."""


class ScaleWarning(MixedModelsWarning):
    """Predictors are on very different scales."""


class CheckError(RuntimeError):
    """A check whose level was set to ``"raise"`` failed."""


def signal(message: str, level: str, category: type[Warning] = MixedModelsWarning, stacklevel: int = 3) -> None:
    """Ignore, warn or raise ``message`` according to ``level``."""
    if level not in LEVELS:
        raise ValueError(f"Check level must be one of {LEVELS}; got {level!r}.")
    if level == "warn":
        warnings.warn(message, category, stacklevel=stacklevel)
    elif level == "raise":
        raise CheckError(message)
