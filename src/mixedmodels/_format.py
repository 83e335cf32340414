"""Number and table formatting in the style of R's print methods."""

from __future__ import annotations

import math

import numpy as np


def r_format(values, digits: int = 4) -> list[str]:
    """Format a column as R's ``format(x, digits=)`` (see :func:`r_format_trim`);
    missing values print empty, huge values in scientific notation."""
    vals = np.asarray(values, dtype=float)
    finite = vals[np.isfinite(vals) & (vals != 0)]
    if finite.size and np.max(np.abs(finite)) >= 1e15:
        return [f"{v:.{max(digits, 1) - 1}e}" for v in vals]
    return ["" if np.isnan(v) else text for v, text in zip(vals, r_format_trim(vals, digits))]


def zapsmall(values, digits: int) -> np.ndarray:
    """R's ``zapsmall``: round to ``digits`` significant digits of the largest value."""
    vals = np.asarray(values, dtype=float)
    biggest = np.max(np.abs(vals[np.isfinite(vals)]), initial=0.0)
    if biggest == 0:
        return vals
    return np.round(vals, max(0, digits - math.ceil(math.log10(biggest))))


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
    q = zapsmall(np.quantile(values, [0, 0.25, 0.5, 0.75, 1.0]), 5)  # lme4's .prt.resids
    cells = r_format(q, 4)
    width = max(len(c) for c in cells)
    return table([[c.rjust(width) for c in cells]], ["Min", "1Q", "Median", "3Q", "Max"], align_left=())


def _needed_decimals(v: float, digits: int) -> int:
    """Decimals R's ``format`` needs to show ``v`` to ``digits`` significant digits,
    trailing zeros dropped."""
    most = max(digits - 1 - math.floor(math.log10(abs(v))), 0)
    rounded = round(v, most)
    return next(d for d in range(most + 1) if round(v, d) == rounded)


def r_format_trim(values, digits: int = 4) -> list[str]:
    """R's ``format(x, digits=)`` in fixed notation: common decimals, the fewest
    that show every value to ``digits`` significant digits (trailing zeros dropped)."""
    vals = np.asarray(values, dtype=float)
    finite = vals[np.isfinite(vals) & (vals != 0)]
    decimals = min(max([_needed_decimals(v, digits) for v in finite], default=0), 15)
    return ["NaN" if np.isnan(v) else "Inf" if np.isinf(v) else f"{v:.{decimals}f}" for v in vals]


def format_pvalues(pv, digits: int = 3, eps: float = float(np.finfo(float).eps)) -> list[str]:
    """R's ``format.pval``: fixed notation from 1e-4 up (1e-3 for ``digits=1``),
    scientific below, ``< eps`` at the bottom."""
    pv = np.asarray(pv, dtype=float)
    out = [""] * pv.size
    tiny = pv < eps
    with np.errstate(divide="ignore"):
        expo = np.floor(np.log10(np.where(pv > 0, pv, 1e-50)))
    fixed = ~tiny & ((expo >= -3) | ((expo == -4) & (digits > 1)))
    sci = ~tiny & ~fixed
    for i, text in zip(np.flatnonzero(fixed), r_format_trim(pv[fixed], digits)):
        out[i] = text
    if sci.any():
        sig = max(_needed_decimals(v / 10 ** math.floor(math.log10(v)), digits) for v in pv[sci]) + 1
        for i in np.flatnonzero(sci):
            out[i] = f"{pv[i]:.{sig - 1}e}"
    if tiny.any():
        width = max((len(s) for s in out if s), default=0)
        sep = "" if width and width <= 6 or not (~tiny).any() else " "
        for i in np.flatnonzero(tiny):
            out[i] = f"<{sep}{eps:.0e}"
    return out


SIGNIF_LEGEND = "Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"


def signif_stars(pv) -> list[str]:
    """R's significance stars (``***`` below 0.001 ... ``.`` below 0.1), padded to equal width."""
    cuts = [(0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")]
    stars = [next((s for c, s in cuts if p <= c), " ") for p in np.asarray(pv, dtype=float)]
    width = max((len(s) for s in stars), default=0)
    return [s.ljust(width) for s in stars]
