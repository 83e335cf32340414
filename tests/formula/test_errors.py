"""Every bad formula or data problem is a FormulaError that names the fix."""

from __future__ import annotations

import pytest

from mixedmodels.formula import FormulaError, FormulaSyntaxError, build_model_frame


@pytest.mark.parametrize("formula, pattern", [
    ("y ~ x + 1 | g", "must be in parentheses"),
    ("y ~ x || g", "must be in parentheses"),
    ("y ~ x + (1 | g", r"unclosed '\('"),
    ("y ~ x)", r"unmatched '\)'"),
    ("y ~ x +", "missing an operand"),
    ("y ~ x * (1 | g)", "must be added to the formula with '\\+'"),
    ("y ~ x - (1 | g)", "cannot be subtracted"),
    ("y x", "exactly one '~'"),
    ("~ x", "no response"),
    ("y ~ ", "nothing right of"),
    ("y ~ ( | g)", "needs a left side"),
    ("y ~ x $ z", "cannot parse"),
])
def test_syntax_errors(formula, pattern, data):
    with pytest.raises(FormulaSyntaxError, match=pattern):
        build_model_frame(formula, data)


def test_syntax_error_points_at_position(data):
    with pytest.raises(FormulaSyntaxError) as info:
        build_model_frame("y ~ x + 1 | g", data)
    assert info.value.position == 10 and "^" in str(info.value)


def test_unknown_column_suggests(data):
    with pytest.raises(FormulaError, match="'xx' is not a column.*did you mean 'x'"):
        build_model_frame("y ~ xx", data)
    with pytest.raises(FormulaError, match="'hh'"):
        build_model_frame("y ~ x + (1 | hh)", data)
    with pytest.raises(FormulaError, match="'yy'"):
        build_model_frame("yy ~ x", data)
    with pytest.raises(FormulaError, match="'zz'"):
        build_model_frame("y ~ log(zz)", data)


def test_unknown_function(data):
    with pytest.raises(FormulaError, match="unknown function 'foo'"):
        build_model_frame("y ~ foo(x)", data)


def test_bad_arguments(data):
    with pytest.raises(FormulaError, match="na_action"):
        build_model_frame("y ~ x", data, na_action="drop")
    with pytest.raises(FormulaError, match="one value per row"):
        build_model_frame("y ~ x", data, weights=[1.0, 2.0])
    with pytest.raises(FormulaError, match="data must be"):
        build_model_frame("y ~ x", [1, 2, 3])


def test_single_level_factor_in_fixed_part(data):
    with pytest.raises(FormulaError, match="only one level"):
        build_model_frame("y ~ k", data.assign(k="a"))
