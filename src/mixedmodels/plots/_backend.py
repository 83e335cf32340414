"""matplotlib, imported only when a plot is drawn."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("mixedmodels' plots need matplotlib: pip install 'mixedmodels[plot]' "
                          "(or pip install matplotlib)") from exc
    return plt


def axes_or_new(ax: Any | None) -> Any:
    """``ax``, or the axes of a new figure."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots()
    return ax
