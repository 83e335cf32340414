"""Bootstrap-based intervals for predictions: a statistic returning predictions."""

import numpy as np
import pandas as pd

import mixedmodels as mm


def test_bootstrap_intervals_for_population_predictions():
    sleep = mm.datasets.load("sleepstudy")
    fit = mm.lmer("Reaction ~ Days + (Days | Subject)", sleep)
    new = pd.DataFrame({"Days": [0.0, 9.0], "Subject": ["308", "308"]})

    def population(f):
        return f.predict(new, re_form="~0").to_numpy()

    boot = fit.bootstrap(200, statistic=population, seed=3, progress=False)
    ci = boot.confint("percentile")
    assert ci.shape == (2, 2)
    point = population(fit)
    assert np.all(ci.iloc[:, 0].to_numpy() < point) and np.all(point < ci.iloc[:, 1].to_numpy())
    # Width is close to the Wald interval of the same linear combination of beta.
    L = np.array([[1.0, 0.0], [1.0, 9.0]])
    se = np.sqrt(np.diag(L @ fit.vcov.to_numpy() @ L.T))
    width = (ci.iloc[:, 1] - ci.iloc[:, 0]).to_numpy()
    np.testing.assert_allclose(width, 2 * 1.96 * se, rtol=0.25)
