"""Likelihood quantities shared by every fitted model (lm, glm, lmer, glmer).

``LOG_2PI`` is the constant of the Gaussian log-density.
"""

from __future__ import annotations

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))

