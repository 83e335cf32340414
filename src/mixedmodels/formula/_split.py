"""Split an lme4 formula into response, fixed part and random-effects bars.

A small scanner (quotes and nested brackets aware) finds the ``~`` and the
top-level ``(lhs | group)`` / ``(lhs || group)`` terms; everything else is the
fixed part, which formulaic parses later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mixedmodels.formula._errors import FormulaSyntaxError

__all__ = ["Bar", "SplitFormula", "split_formula"]

_OPEN, _CLOSE, _QUOTES = "([{", ")]}", "'\"`"


@dataclass(frozen=True)
class Bar:
    """One parenthesised random-effects term as written, e.g. ``(Days | Subject)``."""

    lhs: str
    group: str
    double: bool = False


@dataclass(frozen=True)
class SplitFormula:
    """The three parts of a mixed-model formula."""

    response: str
    fixed: str
    bars: list[Bar] = field(default_factory=list)


def _depths(text: str) -> list[int]:
    """Bracket depth of every character (-1 inside quotes); check balance."""
    depths, stack, quote, quote_at = [], [], None, 0
    for i, ch in enumerate(text):
        if quote is not None:
            depths.append(-1)
            quote = None if ch == quote else quote
            continue
        if ch in _QUOTES:
            quote, quote_at = ch, i
            depths.append(-1)
        elif ch in _OPEN:
            depths.append(len(stack))
            stack.append((ch, i))
        elif ch in _CLOSE:
            if not stack or _OPEN[_CLOSE.index(ch)] != stack[-1][0]:
                raise FormulaSyntaxError(f"unmatched {ch!r}", text, i)
            stack.pop()
            depths.append(len(stack))
        else:
            depths.append(len(stack))
    if quote is not None:
        raise FormulaSyntaxError(f"unclosed quote {quote}", text, quote_at)
    if stack:
        raise FormulaSyntaxError(f"unclosed {stack[-1][0]!r}", text, stack[-1][1])
    return depths


def _top(text: str, depths: list[int], chars: str, start: int = 0) -> list[int]:
    """Positions of ``chars`` at bracket depth 0 (offset by ``start``)."""
    return [i for i in range(start, len(text)) if depths[i] == 0 and text[i] in chars]


def _pieces(rhs: str, offset: int, formula: str) -> list[tuple[str, str, int]]:
    """Split ``rhs`` at top-level ``+``/``-`` into (operator, text, position)."""
    depths = _depths(rhs)
    cuts = [i for i in _top(rhs, depths, "+-")
            if not (rhs[i] == "-" and i > 0 and rhs[i - 1] in "eE" and _in_number(rhs, i))]
    out, prev, op = [], 0, ""
    for cut in cuts + [len(rhs)]:
        text = rhs[prev:cut].strip()
        if not text and not (op == "" and cut < len(rhs)):
            where = offset + (cut if cut < len(rhs) else prev - 1)
            raise FormulaSyntaxError("an operator is missing an operand", formula, where)
        if text:
            out.append((op, text, offset + prev + len(rhs[prev:cut]) - len(rhs[prev:cut].lstrip())))
        if cut < len(rhs):
            op, prev = rhs[cut], cut + 1
    return out


def _in_number(text: str, i: int) -> bool:
    """True when the ``-`` at ``i`` is the exponent sign of a literal like 1e-3."""
    j = i - 2
    while j >= 0 and (text[j].isdigit() or text[j] == "."):
        j -= 1
    return j < i - 2 and (j < 0 or not (text[j].isalnum() or text[j] == "_"))


def _bar(text: str, pos: int, formula: str) -> Bar | None:
    """Parse ``text`` as ``(lhs | group)``; None when it is not a bar term."""
    depths = _depths(text)
    bars = [i for i in range(len(text)) if depths[i] == 1 and text[i] == "|"]
    if not bars or not text.startswith("(") or _top(text, depths, ")") != [len(text) - 1]:
        return None
    double = len(bars) == 2 and bars[1] == bars[0] + 1
    if len(bars) > (2 if double else 1):
        raise FormulaSyntaxError("a random-effects term has more than one '|'", formula, pos + bars[-1])
    lhs, group = text[1:bars[0]].strip(), text[bars[-1] + 1:-1].strip()
    if not lhs or not group:
        raise FormulaSyntaxError("a random-effects term needs a left side and a grouping factor, "
                                 "e.g. (1 | group)", formula, pos + bars[0])
    return Bar(lhs, group, double)


def _check_fixed(text: str, pos: int, formula: str) -> None:
    """Reject a bar that is not a parenthesised top-level term."""
    depths = _depths(text)
    top = _top(text, depths, "|")
    if top:
        raise FormulaSyntaxError(
            "random-effects terms must be in parentheses: write e.g. 'y ~ x + (1 | g)' "
            f"instead of '... + {text}'", formula, pos + top[0])
    for i, ch in enumerate(text):
        if ch == "(" and depths[i] == 0 and _bar(_group_at(text, i, depths), pos + i, formula):
            raise FormulaSyntaxError("a random-effects term (... | ...) must be added to the "
                                     "formula with '+', not combined with other operators",
                                     formula, pos + i)


def _group_at(text: str, i: int, depths: list[int]) -> str:
    """The bracketed group that opens at ``i``."""
    end = next(j for j in range(i + 1, len(text)) if depths[j] == 0 and text[j] == ")")
    return text[i:end + 1]


def split_formula(formula: str) -> SplitFormula:
    """Split ``formula`` into response text, fixed-part text and bar terms.

    Parameters
    ----------
    formula : str
        An lme4 formula such as ``"Reaction ~ Days + (Days | Subject)"``.

    Returns
    -------
    SplitFormula
        ``fixed`` is ``"1"`` when only random-effects terms are given.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaSyntaxError(f"the formula must be a non-empty string, got {formula!r}")
    depths = _depths(formula)
    tildes = _top(formula, depths, "~")
    if len(tildes) != 1:
        where = tildes[1] if tildes else None
        raise FormulaSyntaxError("a model formula needs exactly one '~', as in 'y ~ x + (1 | g)'",
                                 formula, where)
    response, rhs = formula[:tildes[0]].strip(), formula[tildes[0] + 1:]
    if not response:
        raise FormulaSyntaxError("the formula has no response left of '~'", formula, tildes[0])
    if not rhs.strip():
        raise FormulaSyntaxError("the formula has nothing right of '~'", formula, tildes[0])
    fixed, bars = [], []
    for op, text, pos in _pieces(rhs, tildes[0] + 1, formula):
        bar = _bar(text, pos, formula)
        if bar is None:
            _check_fixed(text, pos, formula)
            fixed.append((op, text))
        elif op == "-":
            raise FormulaSyntaxError("random-effects terms cannot be subtracted", formula, pos)
        else:
            bars.append(bar)
    return SplitFormula(response, _join(fixed), bars)


def _join(pieces: list[tuple[str, str]]) -> str:
    """Re-assemble signed pieces into formula text (``"1"`` when empty)."""
    out = ""
    for op, text in pieces:
        out = f"{out} {op or '+'} {text}" if out else (f"-{text}" if op == "-" else text)
    return out or "1"
