"""Expand random-effects bars as lme4's ``findbars`` does.

``(x || g)`` becomes ``(1 | g) + (0 + x | g)`` (one term per term label of
``x``, as ``expandDoubleVerts``; a factor stays one term), then ``a/b``
grouping expands to ``b:a`` and ``a`` (``expandSlash``; ``a/b/c`` to
``c:(b:a)``, ``b:a`` and ``a``, named as lme4 names them).
"""

from __future__ import annotations

from dataclasses import dataclass

from mixedmodels.formula._grouping import expand_group
from mixedmodels.formula._rnames import r_display
from mixedmodels.formula._split import Bar
from mixedmodels.formula._terms import Terms, parse_terms

__all__ = ["ReSpec", "expand_bars"]


@dataclass(frozen=True)
class ReSpec:
    """One expanded random-effects term before evaluation."""

    lhs: str
    terms: Terms
    atoms: tuple[str, ...]
    group: str  # grouping factor name as lme4 gives it: "student:school", "c:(b:a)"

    @property
    def text(self) -> str:
        """The term as text, e.g. ``"Days | Subject"`` (a single grouping
        column that is not a syntactic name in backticks: it is parsed again)."""
        group = r_display(self.atoms[0]) if len(self.atoms) == 1 else self.group
        return f"{self.lhs} | {group}"


def _lhs_parts(bar: Bar) -> list[str]:
    if not bar.double:
        return [bar.lhs]
    terms = parse_terms(bar.lhs)
    return (["1"] if terms.intercept else []) + [f"0 + {lab}" for lab in terms.labels]


def expand_bars(bars: list[Bar]) -> list[ReSpec]:
    """Expanded terms in lme4's formula order (before reordering by levels)."""
    out = []
    for bar in bars:
        groups = expand_group(bar.group)
        for lhs in _lhs_parts(bar):
            terms = parse_terms(lhs)
            out.extend(ReSpec(lhs, terms, tuple(atoms), name) for atoms, name in groups)
    return out
