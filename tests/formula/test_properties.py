"""Property tests: well-formed formulas build; malformed ones raise FormulaError only."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mixedmodels.formula import FormulaError, build_model_frame
from tests.formula.conftest import make_data

DATA = make_data(n=80, seed=3)
NUMERIC = ["x", "z", "log(z)", "I(x^2)", "scale(x)", "poly(z, 2)", "sqrt(z)"]
FACTORS = ["f", "o", "b", "s", "C(g)"]
GROUPS = ["g", "h", "h/g", "g:h", "s"]
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

atom = st.sampled_from(NUMERIC + FACTORS)
term = st.lists(atom, min_size=1, max_size=3, unique=True).map(":".join)
fixed = st.lists(term, min_size=1, max_size=4).map(" + ".join)
lhs = st.sampled_from(["1", "x", "0 + x", "z + x", "f", "0 + s", "1 + z"])
bar = st.tuples(lhs, st.sampled_from(["|", "||"]), st.sampled_from(GROUPS)).map(
    lambda t: f"({t[0]} {t[1]} {t[2]})")
formula = st.tuples(st.sampled_from(["y", "log(z)", "cbind(cnt, 10 - cnt)", "b"]),
                    st.sampled_from(["", "0 + ", "1 + "]), fixed,
                    st.lists(bar, max_size=3), st.sampled_from(["", " - 1", " * s"])).map(
    lambda t: f"{t[0]} ~ {t[1]}{t[2]}{t[4]}" + "".join(f" + {b}" for b in t[3]))


@SETTINGS
@given(formula)
def test_well_formed_formulas_build(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = build_model_frame(text, DATA)
    assert mf.X.shape == (mf.n, len(mf.fixef_names))
    assert len(set(mf.fixef_names)) == len(mf.fixef_names)
    for t in mf.re_terms:
        assert t.Z.shape == (mf.n, len(t.effect_names))
        assert t.codes.min() >= 0 and t.codes.max() < t.nlevels



damage = st.sampled_from([
    lambda s: s + " +", lambda s: s + ")", lambda s: s.replace("(", "", 1),
    lambda s: s + " + unknown_col", lambda s: s.replace("~", "~ x + 1 |"),
    lambda s: s + " * * x", lambda s: s + " $ x", lambda s: s.replace("~", ""),
    lambda s: s + " + (x | )", lambda s: s + " + nope(x)", lambda s: s + " + @",
    lambda s: s.replace("~", "~~"), lambda s: s + " + (1 | zzz)", lambda s: s + " :",
    lambda s: s + " + I(~x)", lambda s: s + " + 0 x **",
])


@SETTINGS
@given(formula, damage)
def test_malformed_formulas_raise_formula_error(text, spoil):
    # a few spoilers leave a valid formula (e.g. "(" removed from a fixed-only one)
    only_formula_errors(spoil(text))


@SETTINGS
@given(st.text(alphabet="yxzfgh~+-*:^()|/ 01.,$@#!'\"[]{}", max_size=30))
def test_garbage_only_raises_formula_error(text):
    only_formula_errors(text)


def only_formula_errors(text: str) -> None:
    """Build a frame from ``text``: it may succeed; any error must be a
    FormulaError with a message (anything else propagates and fails)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            build_model_frame(text, DATA)
    except FormulaError as exc:
        assert str(exc).strip()
