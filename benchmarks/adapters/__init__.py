"""One adapter module per library; each has ``available``, ``version``, ``fit``.

An adapter may also define ``fit_many(problem, data, repeats)`` yielding one
:class:`Result` per repeat (lme4 does, to fit all repeats in one R process);
otherwise :func:`fit_many` calls ``fit`` repeatedly.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from types import ModuleType

LIBRARIES = ["mixedmodels", "lme4", "statsmodels", "glmm", "mixedlm"]


class CannotExpress(Exception):
    """The library has no way to state this model."""


@dataclass
class Result:
    """The outcome of one fit.

    Attributes
    ----------
    seconds : float
        Wall time of the fit call alone (no data loading, no import).
    loglik : float
        Log-likelihood (REML criterion scale for REML fits).
    fixef : dict
        Fixed-effect estimates by lme4-style coefficient name.
    converged : bool or None
        The library's own convergence flag, None if it has none.
    error : str
        Empty on success; otherwise why there is no estimate.
    status : str
        ``"ok"``, ``"error"``, ``"cannot express"``, ``"not available"``.
    """

    seconds: float = float("nan")
    loglik: float = float("nan")
    fixef: dict = field(default_factory=dict)
    converged: bool | None = None
    error: str = ""
    status: str = "ok"

    def to_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def load(library: str) -> ModuleType:
    """The adapter module of ``library``."""
    if library not in LIBRARIES:
        raise KeyError(f"No adapter for {library!r}; choose from {LIBRARIES}.")
    return importlib.import_module(f"benchmarks.adapters.{library}")


def fit_many(adapter: ModuleType, problem, data, repeats: int) -> Iterator[Result]:
    """Fit ``repeats`` times, through ``adapter.fit_many`` when it has one."""
    if hasattr(adapter, "fit_many"):
        yield from adapter.fit_many(problem, data, repeats)
        return
    for _ in range(repeats):
        yield adapter.fit(problem, data)


def normalize_name(name: str) -> str:
    """Coefficient name in lme4's spelling.

    ``Intercept`` -> ``(Intercept)``; patsy's ``sex[T.M]`` and
    ``C(sex)[T.M]`` -> ``sexM``.
    """
    name = str(name)
    if name == "Intercept":
        return "(Intercept)"
    name = re.sub(r"C\((\w+)\)", r"\1", name)
    return re.sub(r"\[T\.([^\]]*)\]", r"\1", name)


def split_formula(formula: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Split an lme4 formula into response, fixed part and bar terms.

    Returns
    -------
    response : str
    fixed : str
        The right-hand side without the bar terms.
    bars : list of (str, str)
        ``(effects, group)`` for each ``(effects | group)``.
    """
    response, rhs = (s.strip() for s in formula.split("~", 1))
    bars = [(lhs.strip(), grp.strip())
            for lhs, grp in re.findall(r"\(([^()|]+)\|\s*([^()]+)\)", rhs)]
    fixed = re.sub(r"\+?\s*\([^()|]+\|[^()]+\)", "", rhs).strip().rstrip("+").strip()
    return response, fixed or "1", bars
