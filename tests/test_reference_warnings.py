"""Every lme4 reference fit warns where R warned, and only there.

R's warnings and messages recorded with each reference map onto our warning
classes: "very different scales" -> ScaleWarning, "boundary (singular) fit"
-> SingularFitWarning, convergence and identifiability -> ConvergenceWarning.
"""

import warnings

import pytest

import mixedmodels as mm
from mixedmodels._warnings import (
    ConvergenceWarning,
    MixedModelsWarning,
    ScaleWarning,
    SingularFitWarning,
)
from tests.conftest import REFERENCE_EXTRA, reference, reference_data, reference_names
from tests.glmm.conftest import fit_reference, glmm_reference_names

R_TEXT = {"very different scales": ScaleWarning, "boundary (singular) fit": SingularFitWarning,
          "failed to converge": ConvergenceWarning, "unidentifiable": ConvergenceWarning}
LMER = reference_names("lme4::lmer") + reference_names("lme4::lmer", REFERENCE_EXTRA)
CASES = ([(n, "lmer") for n in LMER if n != "insteval_crossed"]
         + [pytest.param("insteval_crossed", "lmer", marks=pytest.mark.slow)]
         + [(n, "glmer") for n in glmm_reference_names()])


def expected_classes(ref: dict) -> set:
    said = " ".join(ref.get("warnings", []) + ref.get("messages", []))
    return {cls for text, cls in R_TEXT.items() if text in said}


@pytest.mark.parametrize(("name", "engine"), CASES)
def test_warns_where_r_warned(name, engine):
    ref = reference(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if engine == "lmer":
            mm.lmer(ref["formula"], reference_data(ref), reml=bool(ref["REML"]))
        else:
            fit_reference(name)
    ours = {w.category for w in caught if issubclass(w.category, MixedModelsWarning)}
    assert ours == expected_classes(ref), [str(w.message) for w in caught]
