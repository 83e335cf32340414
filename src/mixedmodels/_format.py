"""Number and table formatting in the style of R's print methods."""

from __future__ import annotations

import math

import numpy as np


def r_format(values, digits: int = 4) -> list[str]:
    """Format a column as R's ``format(x, digits=)``: common decimals, ``digits`` significant."""
    vals = np.asarray(values, dtype=float)
    finite = vals[np.isfinite(vals) & (vals != 0)]
    decimals = 0
    for v in finite:
        decimals = max(decimals, digits - 1 - int(math.floor(math.log10(abs(v)))))
    decimals = min(max(decimals, 0), 15)
    sig = max(digits, 1)
    large = finite.size and np.max(np.abs(finite)) >= 10 ** (15)
    if large:
        return [f"{v:.{sig - 1}e}" for v in vals]
    return ["" if np.isnan(v) else f"{v:.{decimals}f}" for v in vals]


def abbreviate(name: str, minlength: int = 6) -> str:
    """R's ``abbreviate``: drop lower-case vowels, then lower-case letters, from the right."""
    chars = list(name)
    for test in ("aeiou", "abcdefghijklmnopqrstuvwxyz"):
        i = len(chars) - 1
        while len(chars) > minlength and i > 0:
            if chars[i] in test and not (i > 0 and chars[i - 1] == " "):
                del chars[i]
            i -= 1
    return "".join(chars[: max(minlength, 0)]) if len(chars) > minlength else "".join(chars)


def table(rows: list[list[str]], header: list[str], align_left: tuple[int, ...] = (0,)) -> list[str]:
    """Lines of a right-aligned text table (columns in ``align_left`` left-aligned)."""
    cols = list(zip(header, *rows)) if rows else [(h,) for h in header]
    widths = [max(len(c) for c in col) for col in cols]
    lines = []
    for row in [header] + rows:
        cells = [
            cell.ljust(w) if j in align_left else cell.rjust(w)
            for j, (cell, w) in enumerate(zip(row, widths))
        ]
        lines.append(" ".join(cells).rstrip())
    return lines


def quantile_line(values: np.ndarray) -> list[str]:
    """R's ``Scaled residuals`` block: Min, 1Q, Median, 3Q, Max."""
    q = np.quantile(values, [0, 0.25, 0.5, 0.75, 1.0])
    cells = r_format(q, 4)
    return table([cells], ["Min", "1Q", "Median", "3Q", "Max"], align_left=())
