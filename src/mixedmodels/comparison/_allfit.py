"""lme4's ``allFit``: the model refitted with every optimizer, side by side.

lme4's troubleshooting advice for a convergence warning is to refit with
other optimizers and compare: when they agree on the log-likelihood and the
estimates, the warning is a false alarm.  Each refit keeps the fit's
settings but the optimizer (both stages of a glmer fit); one that fails is
a row with its error, as in ``allFit``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from mixedmodels.core._optimize import OPTIMIZERS


def all_fit(fit, optimizers: list[str] | None = None) -> pd.DataFrame:
    """One row per optimizer: log-likelihood, its difference from the best
    row, fixed effects, theta, evaluations, seconds and the warnings raised
    (or the error).

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        The fit to refit; its data, weights, offset and settings are kept.
    optimizers : list of str, optional
        Default: every optimizer ``Control(optimizer=...)`` takes.

    Returns
    -------
    pandas.DataFrame
    """
    names = list(OPTIMIZERS if optimizers is None else optimizers)
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise ValueError(f"unknown optimizers {unknown}; choose from {list(OPTIMIZERS)}")
    rows = [_refit_with(fit, name) for name in names]
    table = pd.DataFrame(rows).set_index("optimizer")
    table.insert(1, "loglik_diff", table["loglik"] - table["loglik"].max())
    return table


def _refit_with(fit, optimizer: str) -> dict:
    control = replace(fit.control, optimizer=optimizer)
    if hasattr(control, "stage2_optimizer"):
        control = replace(control, stage2_optimizer=None)
    start = time.perf_counter()
    row: dict = {"optimizer": optimizer}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            refit = fit.update(control=control)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            return {**row, "loglik": np.nan, "error": f"{type(exc).__name__}: {exc}"}
    row.update(loglik=float(refit.loglik), feval=int(refit.optsummary.feval),
               seconds=time.perf_counter() - start,
               messages=" | ".join(dict.fromkeys(str(w.message) for w in caught)), error="")
    row.update({f"fixef {k}": v for k, v in refit.fixef.items()})
    row.update({f"theta {k}": v for k, v in refit.theta.items()})
    return row
