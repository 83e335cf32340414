"""``summary(ddf=)`` prints lmerTest's layout (expected text from R 4.2.2, lmerTest 3.1-3)."""

from __future__ import annotations

SLEEP_REML = """\
Linear mixed model fit by REML. t-tests use Satterthwaite's method [
lmerModLmerTest]"""

SLEEP_ML = """\
Linear mixed model fit by maximum likelihood . t-tests use Satterthwaite's
  method [lmerModLmerTest]"""

SLEEP_COEFS = """\
Fixed effects:
            Estimate Std. Error      df t value Pr(>|t|)
(Intercept)  251.405      6.825  17.000  36.838  < 2e-16 ***
Days          10.467      1.546  17.000   6.771 3.26e-06 ***
---
Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1"""

NURSES_COEFS = """\
                       Estimate Std. Error         df t value Pr(>|t|)
(Intercept)            5.379585   0.184686  46.055617  29.128  < 2e-16 ***
age                    0.022114   0.002200 904.255522  10.053  < 2e-16 ***
sexFemale             -0.453184   0.034991 906.006741 -12.952  < 2e-16 ***
experience            -0.061653   0.004475 908.841517 -13.776  < 2e-16 ***
treatmentTraining     -0.699851   0.119767  72.776723  -5.843 1.34e-07 ***
wardtypespecial care   0.050807   0.119767  72.775457   0.424  0.67266
hospsizemedium         0.489400   0.201547  21.963644   2.428  0.02382 *
hospsizelarge          0.901527   0.274824  22.015667   3.280  0.00342 **"""


def _block(text: str, start: str, n: int) -> str:
    lines = text.splitlines()
    i = lines.index(start)
    return "\n".join(lines[i : i + n])


def test_title_and_coefficients_reml(fitted):
    text = str(fitted("sleep_slope_reml").summary(ddf="satterthwaite"))
    assert text.startswith(SLEEP_REML + "\nFormula: Reaction ~ Days + (Days | Subject)")
    assert _block(text, "Fixed effects:", 6) == SLEEP_COEFS


def test_title_wraps_for_ml(fitted):
    assert str(fitted("sleep_slope_ml").summary(ddf="satterthwaite")).startswith(SLEEP_ML)


def test_kenward_roger_title(fitted):
    assert "t-tests use Kenward-Roger's method [" in str(fitted("sleep_slope_reml").summary(ddf="kenward-roger"))


def test_digits_follow_print_coefmat(fitted):
    text = str(fitted("nurses_nested").summary(ddf="satterthwaite"))
    got = _block(text, "Fixed effects:", 10).splitlines()[1:]
    want = NURSES_COEFS.splitlines()
    assert [len(g) for g in got] == [len(w) for w in want]
    # the df column agrees with lmerTest's to ~1e-6 only (numerical derivatives): blank it
    end = want[0].index(" df") + 3
    assert [g[: end - 10] + g[end:] for g in got] == [w[: end - 10] + w[end:] for w in want]


def test_no_argument_keeps_lme4_layout(fitted):
    text = str(fitted("sleep_slope_reml").summary())
    assert text.startswith("Linear mixed model fit by REML ['lmerMod']")
    assert "Pr(>|t|)" not in text and "Signif. codes" not in text
