"""Residuals and predictions of a GLMM on the link or the response scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mixedmodels.lmm._predict import predict as predict_link

_RESIDUAL_TYPES = ("deviance", "pearson", "response", "working")


def residuals(fit, type: str = "deviance", scaled: bool = False) -> pd.Series:
    """R's ``residuals.glmResp``: deviance, Pearson, response or working residuals;
    ``scaled`` divides by sigma (1 unless the family has a dispersion)."""
    if type not in _RESIDUAL_TYPES:
        raise ValueError(f"residual type must be one of {', '.join(map(repr, _RESIDUAL_TYPES))}; got {type!r}.")
    resp = fit.problem.response
    eta = fit.linear_predictor().to_numpy()
    mu = resp.mu(eta)
    raw = resp.y - mu
    if type == "deviance":
        r = np.sign(raw) * np.sqrt(np.maximum(resp.dev_resids(mu), 0.0))
    elif type == "pearson":
        r = raw * np.sqrt(resp.weights / fit.family.variance(mu))
    elif type == "working":
        r = raw / fit.family.link.mu_eta(eta)
    else:
        r = raw
    if scaled:
        r = r / fit.sigma
    return pd.Series(r, index=fit.frame.row_labels, name=f"{type} residuals")


def predict(fit, newdata=None, re_form: str | None = None, allow_new_levels: bool = False,
            type: str = "link") -> pd.Series:
    """Predictions as lme4's ``predict.merMod``: ``type="link"`` gives eta,
    ``type="response"`` the mean; see :func:`mixedmodels.lmm._predict.predict`
    for ``newdata``, ``re_form`` and ``allow_new_levels``."""
    if type not in ("link", "response"):
        raise ValueError(f"type must be 'link' or 'response'; got {type!r}.")
    eta = predict_link(fit, newdata, re_form, allow_new_levels)
    if type == "response":
        eta = pd.Series(fit.family.link.linkinv(eta.to_numpy()), index=eta.index, name="predicted")
    return eta
