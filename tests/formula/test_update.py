"""R's update.formula dots (:mod:`mixedmodels.formula._update`) and ``update``
keeping the fit's weights, offset and na_action, as lme4's ``update``."""

import warnings

import numpy as np
import pytest

import mixedmodels as mm
from mixedmodels.formula import FormulaError
from mixedmodels.formula._update import update_formula

OLD = "Reaction ~ Days + (Days | Subject)"


@pytest.mark.parametrize("new, want", [
    (". ~ . - Days", "Reaction ~ (Days | Subject)"),
    (". ~ . + I(Days^2)", "Reaction ~ Days + (Days | Subject) + I(Days^2)"),
    (". ~ . - (Days|Subject) + (1 | Subject)", "Reaction ~ Days + (1 | Subject)"),
    ("log(.) ~ .", "log(Reaction) ~ Days + (Days | Subject)"),
    (". ~ . - 1", "Reaction ~ Days + (Days | Subject) - 1"),
    (". ~ . + Days", OLD),
    ("my.y ~ .", "my.y ~ Days + (Days | Subject)"),
    ("y ~ x + (1 | g)", "y ~ x + (1 | g)"),
    ("~ . + I(Days^2)", "Reaction ~ Days + (Days | Subject) + I(Days^2)"),
    ("~ Days + (1 | Subject)", "Reaction ~ Days + (1 | Subject)"),
])
def test_dots_take_the_old_formula(new, want):
    assert update_formula(OLD, new) == want


@pytest.mark.parametrize("new, message", [
    (". ~ . - Day", r"removes 'Day', which is not a term .* \['Days', '\(Days \| Subject\)'\]"),
    (". ~ Days:.", "'.' must stand alone as the first term"),
    (". ~ . - Days - (Days | Subject)", "leaves no terms"),
])
def test_dots_that_cannot_be_replaced_are_clear_errors(new, message):
    with pytest.raises(FormulaError, match=message):
        update_formula(OLD, new)


def test_update_keeps_weights_and_offset():
    sleep = mm.datasets.load("sleepstudy").assign(w=lambda d: np.linspace(0.5, 2, len(d)),
                                                  z=lambda d: np.sin(d["Days"]))
    by_name = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, weights="w", offset="z")
    by_values = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, weights=sleep["w"].to_numpy())
    direct = mm.lmer("Reaction ~ Days + I(Days^2) + (1 | Subject)", sleep, weights="w", offset="z")
    assert by_name.update(". ~ . + I(Days^2)").loglik == pytest.approx(direct.loglik, abs=1e-9)
    assert by_values.update(". ~ .").loglik == pytest.approx(by_values.loglik, abs=1e-9)
    unweighted = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, offset="z")
    assert by_name.update(". ~ .", weights=None).loglik == pytest.approx(unweighted.loglik, abs=1e-9)


def test_glmer_update_keeps_weights_and_refits_nb_theta():
    cbpp = mm.datasets.load("cbpp")
    prop = mm.glmer("incidence/size ~ period + (1 | herd)", cbpp, family="binomial", weights="size")
    assert prop.update(". ~ .").loglik == pytest.approx(prop.loglik, abs=1e-9)
    grouse = mm.datasets.load("grouseticks").assign(cHEIGHT=lambda d: d["HEIGHT"] - d["HEIGHT"].mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = mm.glmer_nb("TICKS ~ YEAR + cHEIGHT + (1 | BROOD)", grouse)
        smaller = nb.update(". ~ . - cHEIGHT")
        direct = mm.glmer_nb("TICKS ~ YEAR + (1 | BROOD)", grouse)
    assert smaller.family.theta == pytest.approx(direct.family.theta, rel=1e-6)
    assert smaller.family.theta != pytest.approx(nb.family.theta, rel=1e-6)
    assert smaller.loglik == pytest.approx(direct.loglik, abs=1e-6)


def test_update_uses_the_weights_as_they_were_at_the_fit():
    sleep = mm.datasets.load("sleepstudy")
    w = np.linspace(0.5, 2, len(sleep))
    fit = mm.lmer("Reaction ~ Days + (1 | Subject)", sleep, weights=w)
    w[:] = 1.0
    assert fit.update(". ~ .").loglik == pytest.approx(fit.loglik, abs=1e-9)
