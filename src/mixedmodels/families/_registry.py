"""Family names (R's spellings and Python-friendly ones) to instances."""

from __future__ import annotations

from mixedmodels.families._continuous import Gamma, Gaussian, InverseGaussian
from mixedmodels.families._counts import Binomial, Poisson
from mixedmodels.families._family import Family
from mixedmodels.families._links import Link

_NAMES = {
    "binomial": Binomial,
    "poisson": Poisson,
    "gamma": Gamma,
    "inverse_gaussian": InverseGaussian,
    "inverse.gaussian": InverseGaussian,
    "gaussian": Gaussian,
}


def get_family(family: str | Family | type[Family], link: str | Link | None = None) -> Family:
    """A family instance from a name (``"binomial"``, ``"poisson"``, ``"Gamma"``,
    ``"inverse_gaussian"``, ``"gaussian"``), a family class, or an instance
    (returned as is)."""
    if isinstance(family, Family):
        return family
    if isinstance(family, type) and issubclass(family, Family):
        return family(link)
    key = str(family).lower()
    if key not in _NAMES:
        raise ValueError(
            f"Unknown family {family!r}; choose one of 'binomial', 'poisson', 'Gamma', "
            "'inverse_gaussian', 'gaussian', or pass a family instance such as "
            "mixedmodels.families.NegativeBinomial(theta=2)."
        )
    return _NAMES[key](link)
