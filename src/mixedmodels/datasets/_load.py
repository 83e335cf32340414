"""Reading the bundled CSV files with the factor levels of the manifest."""

from __future__ import annotations

import builtins
import difflib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

_DATA = "data"


@lru_cache(maxsize=1)
def _manifest() -> dict[str, dict]:
    text = resources.files(__package__).joinpath(_DATA, "manifest.json").read_text("utf-8")
    return {entry["name"]: entry for entry in json.loads(text)["datasets"]}


def _entry(name: str) -> dict:
    manifest = _manifest()
    if name in manifest:
        return manifest[name]
    lowered = {key.lower(): key for key in manifest}
    if name.lower() in lowered:
        return manifest[lowered[name.lower()]]
    close = difflib.get_close_matches(name, builtins.list(manifest), n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise KeyError(
        f"No bundled dataset named {name!r}.{hint} "
        f"mixedmodels.datasets.list() shows the {len(manifest)} available."
    )


def list() -> pd.Series:
    """Names of the bundled datasets with a one-line description.

    Returns
    -------
    pandas.Series
        Index: dataset name; values: its title.
    """
    manifest = _manifest()
    return pd.Series({name: entry["title"] for name, entry in manifest.items()}, name="title")


def path(name: str) -> Path:
    """Filesystem path of the CSV file behind dataset ``name``."""
    entry = _entry(name)
    return Path(str(resources.files(__package__).joinpath(_DATA, entry["file"])))


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset with R's factor level order.

    Parameters
    ----------
    name : str
        Dataset name as listed by :func:`list` (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        Factor columns are categoricals (ordered where R's were ordered),
        with levels in R's order; missing values are ``NaN``.
    """
    entry = _entry(name)
    factors = [col for col in entry["columns"] if "levels" in col]
    frame = pd.read_csv(
        path(entry["name"]),
        keep_default_na=False,
        na_values=[""],
        dtype={col["name"]: str for col in factors},
    )
    for col in factors:
        ordered = col.get("type") == "ordered factor" or bool(col.get("ordered", False))
        frame[col["name"]] = pd.Categorical(
            frame[col["name"]], categories=col["levels"], ordered=ordered
        )
    frame.attrs["name"] = entry["name"]
    return frame
