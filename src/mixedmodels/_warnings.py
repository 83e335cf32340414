"""Warning categories and the check levels users can set."""

from __future__ import annotations

import os
import sys
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


class ResponseWarning(MixedModelsWarning):
    """The response is not what the family expects (R's "non-integer #successes in a binomial glm!")."""


class CheckError(RuntimeError):
    """A check whose level was set to ``"raise"`` failed."""


def signal(message: str, level: str, category: type[Warning] = MixedModelsWarning) -> None:
    """Ignore, warn or raise ``message`` according to ``level``; a warning
    points to the user's call (:func:`user_stacklevel`)."""
    if level not in LEVELS:
        raise ValueError(f"Check level must be one of {LEVELS}; got {level!r}.")
    if level == "warn":
        warnings.warn(message, category, stacklevel=user_stacklevel())
    elif level == "raise":
        raise CheckError(message)


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` in the function calling this one
    that points to the code calling into this package: the frame below the
    outermost one of the package (so ``lmer``, ``glmer``, ``refit``,
    ``update`` and the rest all warn at the user's line, whatever the depth
    of the call and any wrappers between the package's own frames)."""
    frame, level, outermost = sys._getframe(1), 1, 1
    while frame is not None:
        if frame.f_code.co_filename.startswith(_PACKAGE):
            outermost = level
        frame, level = frame.f_back, level + 1
    return outermost + 1
