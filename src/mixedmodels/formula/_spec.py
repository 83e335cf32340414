"""Rebuild a model's matrices on new data (what ``predict`` needs)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mixedmodels.formula._contrasts import INDICATOR, NUMERIC, Contrasts
from mixedmodels.formula._data import as_dataframe
from mixedmodels.formula._design import DesignPlan, build_columns, design_matrix
from mixedmodels.formula._errors import FormulaError
from mixedmodels.formula._evaluate import Variable, evaluate, variable
from mixedmodels.formula._grouping import group_codes, to_factor
from mixedmodels.formula._rnames import r_display
from mixedmodels.formula._values import Factor, Numeric, as_factor

__all__ = ["ModelSpec", "RePlan"]


@dataclass(frozen=True)
class RePlan:
    """How to rebuild one random-effects term: its design and grouping levels."""

    text: str
    name: str
    group: str
    atoms: tuple[str, ...]
    design: DesignPlan
    levels: list[str]

    @property
    def group_text(self) -> str:
        """The grouping factor as written in a formula (`` `my g` `` in backticks)."""
        return r_display(self.atoms[0]) if len(self.atoms) == 1 else self.group


@dataclass
class ModelSpec:
    """Everything needed to rebuild the model matrices on new data.

    Attributes
    ----------
    rhs_without_bars : str
        The fixed part of the formula, e.g. ``"Days"``.
    fixed : DesignPlan
        Plan of the full fixed-effects matrix; ``kept`` indexes its columns.
    kept : list of int
        Columns kept after dropping aliased ones.
    re_plans : list of RePlan
        Random-effects terms in final (lme4) order.
    """

    formula: str
    rhs_without_bars: str
    fixed: DesignPlan
    kept: list[int]
    re_plans: list[RePlan]
    variables: dict[str, Variable]
    states: dict[str, dict]
    factor_levels: dict[str, tuple[list[str], bool]]
    offsets: list[Variable] = field(default_factory=list)
    atom_states: dict[str, dict] = field(default_factory=dict)
    """Evaluation state of each grouping variable (a date's unit)."""

    @property
    def re_term_strings(self) -> list[str]:
        """Random-effects terms after expansion, e.g. ``["Days | Subject"]``."""
        return [p.text for p in self.re_plans]

    @property
    def fixef_names(self) -> list[str]:
        """Names of the kept fixed-effects columns."""
        return [self.fixed.names[j] for j in self.kept]

    @property
    def term_labels(self) -> list[str]:
        """R's labels of the fixed-effects terms, e.g. ``["Days", "Days:sex"]``."""
        return [":".join(term) for term in self.fixed.terms]

    @property
    def fixef_assign(self) -> list[int]:
        """Term of every kept fixed-effects column (R's ``attr(X, "assign")``):
        0 for the intercept, ``t + 1`` for ``term_labels[t]``."""
        return [self.fixed.assign[j] for j in self.kept]

    def _value(self, name: str, data) -> Numeric | Factor:
        value = evaluate(self.variables[name], data, copy.deepcopy(self.states[name]))
        if name not in self.factor_levels:
            if isinstance(value, Factor):
                raise FormulaError(f"{name!r} was numeric in the training data but is "
                                   "categorical in the new data")
            return value
        levels, ordered = self.factor_levels[name]
        factor = value if isinstance(value, Factor) else as_factor(value.values[:, 0])
        recoded, unknown = factor.recode(levels)
        if unknown:
            raise FormulaError(f"factor {name!r} has level(s) {unknown} not seen when the model "
                               f"was built (known levels: {levels})")
        return Factor(recoded.codes, levels, ordered)

    def _values(self, plan: DesignPlan, data) -> dict[str, Numeric | Factor]:
        names = {v for term in plan.terms for v in term}
        return {name: self._value(name, data) for name in names}

    def fixed_matrix(self, newdata: Any) -> np.ndarray:
        """Fixed-effects matrix (m, p) of ``newdata``, same columns as training."""
        data = as_dataframe(newdata)
        X = design_matrix(self.fixed, self._values(self.fixed, data), len(data))
        return X[:, self.kept]

    def indicator_matrix(self, newdata: Any, rows: np.ndarray | None = None
                         ) -> tuple[np.ndarray, list[str], list[int]]:
        """The fixed terms with every factor coded by indicators of all its levels
        (each term as R's ``model.matrix(~ 0 + term)``, lmerTest's ``rdX``).

        Returns the matrix, its column names and the term of every column (as
        ``fixef_assign``); ``rows`` selects rows of ``newdata`` (e.g. ``rows_used``)."""
        codings = [tuple(NUMERIC if v not in self.fixed.levels else INDICATOR for v in term)
                   for term in self.fixed.terms]
        return self._coded(newdata, rows, codings, None)

    @property
    def treatment_coded(self) -> bool:
        """Whether every fixed-effects factor has treatment contrasts (R's default
        for unordered factors, or given)."""
        def kind(name: str, ordered: bool) -> str | None:
            given = self.fixed.contrasts.get(name)
            return given.kind if given is not None else ("contr.poly" if ordered else "contr.treatment")

        return all(kind(v, ordered) == "contr.treatment" for v, (_, ordered) in self.fixed.levels.items())

    def treatment_matrix(self, newdata: Any, rows: np.ndarray | None = None
                         ) -> tuple[np.ndarray, list[str], list[int]]:
        """The fixed-effects matrix remade with treatment contrasts for every
        factor (lmerTest's ``get_model_matrix(type = "remake", contrasts =
        "contr.treatment")``), before any aliased column is dropped; its
        column names and the term of every column."""
        treatment = {v: Contrasts("contr.treatment") for v in self.fixed.levels}
        return self._coded(newdata, rows, self.fixed.codings, treatment)

    def _coded(self, newdata, rows, codings, contrasts) -> tuple[np.ndarray, list[str], list[int]]:
        data = as_dataframe(newdata)
        data = data if rows is None else data.iloc[rows].reset_index(drop=True)
        plan = (self.fixed.intercept, self.fixed.terms, codings)
        return build_columns(plan, self._values(self.fixed, data), self.fixed.levels, len(data), contrasts)

    def _select(self, terms: Any) -> list[RePlan]:
        if terms is None:
            return list(self.re_plans)
        out = []
        for t in terms:
            found = [p for p in self.re_plans if p.name == t or p.group == t]
            if isinstance(t, (int, np.integer)):
                found = [self.re_plans[int(t)]]
            if not found:
                raise FormulaError(f"no random-effects term {t!r}; terms are "
                                   f"{[p.name for p in self.re_plans]}")
            out.extend(p for p in found if p not in out)
        return out

    def re_matrices(self, newdata: Any, terms: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(Z, codes)`` per random-effects term; codes index training levels, -1 if unseen."""
        data = as_dataframe(newdata)
        out = []
        for plan in self._select(terms):
            Z = design_matrix(plan.design, self._values(plan.design, data), len(data))
            parts = [to_factor(evaluate(variable(a, lookup=True), data, copy.deepcopy(self.atom_states.get(a, {}))))
                     for a in plan.atoms]
            out.append((Z, group_codes(parts, plan.levels)))
        return out

    def offset(self, newdata: Any) -> np.ndarray | None:
        """Sum of the formula's ``offset()`` terms on ``newdata`` (None without any)."""
        if not self.offsets:
            return None
        data = as_dataframe(newdata)
        total = np.zeros(len(data))
        for var in self.offsets:
            total += evaluate(var, data, copy.deepcopy(self.states[var.name])).values[:, 0]
        return total
