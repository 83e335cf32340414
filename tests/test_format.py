"""R's print helpers: values from R 4.2.2 (``format.pval``, ``printCoefmat``)."""

import numpy as np
import pandas as pd

from mixedmodels._format import format_pvalues, signif_stars
from mixedmodels.lmm._summary import coefmat_lines


def test_format_pvalues_as_r():
    # format.pval(c(...), digits = 3): 1e-4 <= p < 1e-3 stays in fixed notation
    assert format_pvalues([1.47e-09, 0.001068, 4.74e-04, 1.82e-04]) == ["1.47e-09", "0.001068", "0.000474", "0.000182"]
    assert format_pvalues([5.49e-4, 2.18e-4]) == ["0.000549", "0.000218"]
    assert format_pvalues([1e-20, 5.49e-4, 2.18e-4, 0.5]) == ["< 2e-16", "0.000549", "0.000218", "0.500000"]


def test_signif_stars_cut_at_or_below():
    assert signif_stars([0.001, 0.01, 0.05, 0.1, 0.2]) == ["***", "** ", "*  ", ".  ", "   "]


def _z_table(estimate, se):
    from scipy import stats

    z = estimate / se
    return pd.DataFrame({"Estimate": estimate, "Std. Error": se, "z value": z, "Pr(>|z|)": 2 * stats.norm.sf(abs(z))},
                        index=["(Intercept)", "period2", "period3", "period4"])


ESTIMATE = np.array([-1.3985319225798138, -0.9923328493906306, -1.1286731133683492, -1.5803149471247064])
SE = np.array([0.23246928915364412, 0.30664452402752135, 0.32664005822961517, 0.42743820438153246])


def test_z_table_as_print_coefmat():
    lines = coefmat_lines(_z_table(ESTIMATE, SE))
    assert [line.rstrip() for line in lines] == [
        "            Estimate Std. Error z value Pr(>|z|)",
        "(Intercept)  -1.3985     0.2325  -6.016 1.79e-09 ***",
        "period2      -0.9923     0.3066  -3.236 0.001212 **",
        "period3      -1.1287     0.3266  -3.455 0.000549 ***",
        "period4      -1.5803     0.4274  -3.697 0.000218 ***",
        "---",
        "Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 0.05 \u2018.\u2019 0.1 \u2018 \u2019 1",
    ]


def test_no_legend_without_a_p_below_one_tenth():
    lines = coefmat_lines(_z_table(ESTIMATE / 10, SE))
    assert [line.rstrip() for line in lines] == [
        "            Estimate Std. Error z value Pr(>|z|)",
        "(Intercept) -0.13985    0.23247  -0.602    0.547",
        "period2     -0.09923    0.30664  -0.324    0.746",
        "period3     -0.11287    0.32664  -0.346    0.730",
        "period4     -0.15803    0.42744  -0.370    0.712",
    ]


def test_lme4_summary_numbers_print_as_r_prints_them():
    """Strings from R 4.2.2 / lme4 1.1-31 summary(lmer(Reaction ~ Days + (Days | Subject), sleepstudy))."""
    import mixedmodels as mm

    text = str(mm.lmer("Reaction ~ Days + (Days | Subject)", mm.datasets.load("sleepstudy")).summary())
    for line in [
        "-3.9536 -0.4634  0.0231  0.4634  5.1793",
        " Subject  (Intercept) 612.10   24.741",
        "          Days         35.07    5.922   0.07",
        " Residual             654.94   25.592",
        "(Intercept)  251.405      6.825  36.838",
        "Days          10.467      1.546   6.771",
    ]:
        assert line in text, line
