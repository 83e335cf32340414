"""Error types of the formula layer.

Every problem with a formula or with the data it refers to is reported as a
:class:`FormulaError` (a :class:`ValueError`), whose message says what is
wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = [
    "FormulaError",
    "FormulaSyntaxError",
    "UnknownVariableError",
    "from_formulaic",
    "point_at",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FormulaError(ValueError):
    """A formula, or the data it is applied to, cannot be turned into a model."""


class FormulaSyntaxError(FormulaError):
    """The formula text does not parse.

    Attributes
    ----------
    formula : str
        The text that was being parsed.
    position : int or None
        0-based offset of the offending character, when known.
    """

    def __init__(self, message: str, formula: str = "", position: int | None = None):
        self.formula = formula
        self.position = position
        if position is not None and formula:
            message = f"{message}\n{point_at(formula, position)}"
        super().__init__(message)


class UnknownVariableError(FormulaError):
    """The formula names a variable that is not a column of the data.

    Attributes
    ----------
    name : str
        The unknown name.
    suggestions : list of str
        Close column names (may be empty).
    """

    def __init__(self, name: str, columns: Iterable[str]):
        self.name = name
        self.suggestions = difflib.get_close_matches(name, [str(c) for c in columns], n=3)
        hint = (f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?"
                if self.suggestions else "; check the spelling against the data's columns")
        super().__init__(f"variable {name!r} is not a column of the data{hint}")


def point_at(text: str, position: int) -> str:
    """Return ``text`` with a caret line under character ``position``."""
    position = max(0, min(position, len(text)))
    return f"    {text}\n    {' ' * position}^"


def from_formulaic(exc: Exception, text: str) -> FormulaError:
    """Translate a formulaic exception into a :class:`FormulaSyntaxError`."""
    message = _ANSI.sub("", str(exc)).replace("\u29db", ">>").replace("\u29da", "<<")
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return FormulaSyntaxError(f"cannot parse {text!r}: {message}")
