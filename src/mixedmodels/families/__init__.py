"""GLM families and link functions (R's ``family`` objects as small classes).

    from mixedmodels import families
    families.Binomial()                 # logit link
    families.Binomial("probit")
    families.Gamma(link="log")
    families.NegativeBinomial(theta=2.0)
"""

from mixedmodels.families._continuous import Gamma, Gaussian, InverseGaussian
from mixedmodels.families._counts import Binomial, Poisson
from mixedmodels.families._family import Family
from mixedmodels.families._links import (
    Cloglog,
    Identity,
    Inverse,
    InverseSquare,
    Link,
    Log,
    Logit,
    Probit,
    Sqrt,
    get_link,
)
from mixedmodels.families._negbin import NegativeBinomial
from mixedmodels.families._registry import get_family

__all__ = [
    "Binomial",
    "Cloglog",
    "Family",
    "Gamma",
    "Gaussian",
    "Identity",
    "Inverse",
    "InverseGaussian",
    "InverseSquare",
    "Link",
    "Log",
    "Logit",
    "NegativeBinomial",
    "Poisson",
    "Probit",
    "Sqrt",
    "get_family",
    "get_link",
]
