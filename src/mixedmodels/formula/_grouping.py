"""Grouping factors of random-effects terms: ``g``, ``a:b`` and ``a/b``.

``a/b`` expands as lme4's ``expandSlash``: ``(1 | b:a) + (1 | a)``.  An
interaction ``b:a`` has one level per combination that occurs, labelled
``"b_level:a_level"`` and ordered with the first factor varying slowest (R's
``factor(b:a)``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mixedmodels.formula._errors import FormulaError, FormulaSyntaxError
from mixedmodels.formula._rnames import r_display
from mixedmodels.formula._values import Factor, Numeric, numeric_factor

__all__ = ["expand_group", "group_codes", "group_factor", "to_factor"]

_NAME = re.compile(r"^[A-Za-z._][A-Za-z0-9._]*$")


def _atoms(component: str, text: str) -> tuple[list[str], str]:
    """The columns of one ``/``-component (``a``, ``a:b``, or lme4's own name of
    a nested term, ``c:(b:a)``) and the component's name.  (The formula's
    scanner has checked that parentheses pair up in the whole term; a name
    followed by one, ``log(a)``, fails as a column name.)"""
    component = _unwrapped(component, text)
    pieces = _outside_backticks(component, ":")
    plain = [_outside_backticks(p, "(")[0] if "`" in p else p.replace("(", " ").replace(")", " ") for p in pieces]
    atoms = [p.strip().strip("`") for p in plain]
    for atom, piece in zip(atoms, pieces):
        if not atom or (not _NAME.match(atom) and "`" not in piece):
            raise FormulaSyntaxError(
                f"grouping factor {text!r} must be a column name, 'a:b' or 'a/b' "
                f"(got {piece.strip()!r})", text, max(text.find(atom), 0))
    if "(" not in "".join(p for p in pieces if "`" not in p):
        return atoms, ":".join(r_display(a) for a in atoms)
    return atoms, re.sub(r"\s*([:()])\s*", r"\1", component.strip())


def _outside_backticks(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside backticked names (`` `site:plot` `` is one name)."""
    parts, start, inside = [], 0, False
    for i, char in enumerate(text):
        if char == "`":
            inside = not inside
        elif char == sep and not inside:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _unwrapped(component: str, text: str) -> str:
    """``component`` without parentheses around all of it; parentheses that do
    not pair up within it held a ``/``, which lme4 cannot parse either."""
    depth, closed_at = 0, []
    stripped = component.strip()
    for i, char in enumerate(stripped):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            break
        if depth == 0 and char == ")":
            closed_at.append(i)
    if depth != 0:
        raise FormulaSyntaxError(f"grouping factor {text!r}: parentheses around '/' are not supported (lme4: "
                                 "'unparseable formula for grouping factor'); write a/b/c", text, 0)
    if stripped.startswith("(") and closed_at == [len(stripped) - 1]:
        return stripped[1:-1]
    return component


def expand_group(text: str) -> list[tuple[list[str], str]]:
    """Grouping factors (as lists of interacting columns) for group text, each
    with its name as lme4 deparses its ``expandSlash`` term.

    ``"g"`` -> ``[(["g"], "g")]``; ``"a:b"`` -> ``[(["a", "b"], "a:b")]``;
    ``"a/b"`` -> ``[(["b", "a"], "b:a"), (["a"], "a")]``; ``"a/b/c"`` ->
    ``[(["c", "b", "a"], "c:(b:a)"), (["b", "a"], "b:a"), (["a"], "a")]``:
    each level is the call ``component:outer`` on the levels above it, and R
    deparses a right operand that is itself a ``:`` call in parentheses.
    """
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    components = [_atoms(c, text) for c in _outside_backticks(text, "/")]
    atoms, name = components[0]
    out = [(atoms, name)]
    for comp, comp_name in components[1:]:
        right = name if len(atoms) == 1 else f"({name})"
        atoms, name = comp + atoms, f"{comp_name}:{right}"
        out.append((atoms, name))
    # a single column is named bare, as lme4 names it (`my g` -> my g); in an interaction, as R prints it
    return [(a, a[0] if len(a) == 1 else n) for a, n in out[::-1]]


def to_factor(value: Numeric | Factor) -> Factor:
    """Any variable as a factor (numbers sorted numerically)."""
    if isinstance(value, Factor):
        return value
    return numeric_factor(value)


def group_factor(parts: list[Factor]) -> Factor:
    """The (interaction) grouping factor of ``parts``, unused levels dropped."""
    parts = [p.drop_unused() for p in parts]
    if len(parts) == 1:
        return parts[0]
    key = np.zeros(len(parts[0].codes), dtype=np.int64)
    missing = np.zeros(len(key), dtype=bool)
    for p in parts:
        key = key * max(len(p.levels), 1) + np.maximum(p.codes, 0)
        missing |= p.codes < 0
    _, inverse = np.unique(key[~missing], return_inverse=True)
    codes = np.full(len(key), -1, dtype=np.int64)
    codes[~missing] = inverse
    first = np.flatnonzero(~missing)[np.unique(inverse, return_index=True)[1]]
    labels = _joined_labels(parts, first)
    twice = pd.Index(labels).duplicated()
    if twice.any():
        raise FormulaError(f"the interaction of the grouping factors has the level {labels[twice][0]!r} for "
                           "more than one combination of their levels (a level contains ':', which joins "
                           "them); recode those levels without ':'")
    return Factor(codes, labels.tolist())


def _joined_labels(parts: list[Factor], rows: np.ndarray) -> np.ndarray:
    """``"a:b"`` labels of ``rows`` (object array), element-wise over the parts'
    level labels (a Python join per row took 1.2 s for a million levels)."""
    labels = None
    for p in parts:
        column = np.asarray(p.levels, dtype=object)[p.codes[rows]]
        labels = column if labels is None else labels + ":" + column
    return labels


def group_codes(parts: list[Factor], levels: list[str]) -> np.ndarray:
    """Codes of new rows into training ``levels`` (-1 where unseen or missing)."""
    out = np.full(len(parts[0].codes), -1, dtype=np.int64)
    present = np.flatnonzero(np.all([p.codes >= 0 for p in parts], axis=0))
    if present.size:
        out[present] = pd.Index(levels).get_indexer(_joined_labels(parts, present))
    return out
