"""Diagnostic plots (:mod:`mixedmodels.plots`), drawn with matplotlib's Agg backend."""

import io

import numpy as np
import pytest

import mixedmodels as mm

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def sleep_fit():
    return mm.lmer("Reaction ~ Days + (Days | Subject)", mm.datasets.load("sleepstudy"))


@pytest.fixture(scope="module")
def cbpp_fit():
    return mm.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", mm.datasets.load("cbpp"),
                    family="binomial")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("which", ["sleep_fit", "cbpp_fit"])
def test_residuals_against_fitted_values(which, request):
    fit = request.getfixturevalue(which)
    ax = mm.plots.residuals_vs_fitted(fit)
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 0], fit.fitted().to_numpy())
    np.testing.assert_allclose(points[:, 1], fit.residuals("pearson").to_numpy())
    ax.figure.savefig(io.BytesIO(), format="png")


def test_qq_uses_r_normal_scores(sleep_fit):
    """R: qnorm(ppoints(5)) and qnorm(ppoints(20))[1]."""
    from mixedmodels.plots._qq import normal_scores

    np.testing.assert_allclose(normal_scores(5), [-1.1797611, -0.4972006, 0.0, 0.4972006, 1.1797611], atol=1e-7)
    assert normal_scores(20)[0] == pytest.approx(-1.959964, abs=1e-6)
    ax = mm.plots.qq(sleep_fit, type="response")
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 1], np.sort(sleep_fit.residuals("response").to_numpy()))
    np.testing.assert_allclose(points[:, 0], normal_scores(180))


def test_qq_of_modes(sleep_fit):
    ax = mm.plots.qq(sleep_fit, group="Subject", effect="Days")
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 1], np.sort(sleep_fit.ranef["Subject"]["Days"]))
    with pytest.raises(ValueError, match="no random effect 'x'"):
        mm.plots.qq(sleep_fit, group="Subject", effect="x")
    with pytest.raises(ValueError, match="no grouping factor 'Item'.*Subject"):
        mm.plots.qq(sleep_fit, group="Item")


def test_caterpillar_intervals_come_from_the_conditional_variances(sleep_fit):
    fig = mm.plots.caterpillar(sleep_fit, level=0.9)
    assert [ax.get_title() for ax in fig.axes] == ["Subject: (Intercept)", "Subject: Days"]
    (names, blocks), = sleep_fit.ranef_condvar["Subject"]
    modes = sleep_fit.ranef["Subject"]
    order = np.argsort(modes["(Intercept)"].to_numpy(), kind="stable")  # every panel: by the first effect
    for j, (ax, effect) in enumerate(zip(fig.axes, names)):
        line, _, (bars,) = ax.containers[0]
        np.testing.assert_allclose(line.get_xdata(), modes[effect].to_numpy()[order])
        half = np.array([seg[1, 0] - seg[0, 0] for seg in bars.get_segments()]) / 2
        np.testing.assert_allclose(half, 1.6448536 * np.sqrt(blocks[order, j, j]), rtol=1e-6)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]  # the y axis is shared
    assert labels == [str(v) for v in modes.index[order]]
    fig.savefig(io.BytesIO(), format="png")


def test_caterpillar_takes_terms_of_one_factor_together():
    """(Days || Subject): two terms on Subject, one panel per effect."""
    fit = mm.lmer("Reaction ~ Days + (Days || Subject)", mm.datasets.load("sleepstudy"))
    fig = mm.plots.caterpillar(fit, group="Subject")
    assert len(fig.axes) == 2


def test_caterpillar_errors(sleep_fit):
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        mm.plots.caterpillar(sleep_fit, level=95)
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="2 random effects; got 3 axes"):
        mm.plots.caterpillar(sleep_fit, axes=axes)


def test_importing_the_package_draws_in_neither_matplotlib_nor_scipy_stats():
    """matplotlib is optional (the plot extra), and scipy.stats alone added 0.3 s to
    ``import mixedmodels`` when the plots' module imported it."""
    import subprocess
    import sys

    code = ("import sys, mixedmodels; "
            "print(sorted(m for m in ('matplotlib', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
