"""Bundled example datasets (lme4, mlmRev, nlme, Hox, EcoData, merTools).

``load(name)`` returns a :class:`pandas.DataFrame` whose factor columns are
:class:`pandas.Categorical` in R's level order, so treatment-contrast
baselines match lme4's.  ``list()`` names every dataset with its title.
Sources and licenses are in ``data/README.md`` beside this file.
"""

from mixedmodels.datasets._load import list, load, path

__all__ = ["list", "load", "path"]
