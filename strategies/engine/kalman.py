"""Kalman filter for a dynamic hedge ratio, run on many pairs at once.

Model for each pair (y, x) of log prices: y_t = alpha_t + β_t·x_t + eps_t, eps ~ N(0, V_e), with
θ_t = (alpha_t, β_t) a random walk of covariance V_w = δ/(1 - δ)·I (Chan, *Algorithmic Trading*,
ch. 3). Each update first predicts y_t with θ_{t-1} — the prediction error e_t is the spread
used for trading, so it never contains y_t's own fit — then corrects θ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# On log prices (levels around 3-6) a daily state variance of 1e-4 would let the intercept
# swallow the spread itself; 1e-6 lets the hedge ratio drift slowly over months.
DELTA = 1e-6
OBSERVATION_VARIANCE = 1e-3
# Diffuse prior: the first few weeks of data pin down the intercept and hedge ratio.
PRIOR_VARIANCE = 1.0


@dataclass
class HedgeFilter:
    theta: FloatArray  # (P, 2): intercept, hedge ratio
    cov: FloatArray  # (P, 2, 2)

    @classmethod
    def start(cls, n_pairs: int) -> HedgeFilter:
        return cls(np.zeros((n_pairs, 2)), np.tile(PRIOR_VARIANCE * np.eye(2), (n_pairs, 1, 1)))

    @property
    def hedge_ratio(self) -> FloatArray:
        return self.theta[:, 1]

    def update(self, y: FloatArray, x: FloatArray) -> FloatArray:
        """Process one day of (y, x) for every pair; returns the prediction errors e_t.

        A pair with a missing price that day is skipped (error NaN, state unchanged).
        """
        valid = np.isfinite(y) & np.isfinite(x)
        h = np.stack([np.ones_like(x), np.where(valid, x, 0.0)], axis=1)  # (P, 2)
        r = self.cov + DELTA / (1.0 - DELTA) * np.eye(2)
        prediction = (h * self.theta).sum(axis=1)
        error = np.where(valid, y - prediction, np.nan)
        rh = np.einsum("pij,pj->pi", r, h)
        q = (h * rh).sum(axis=1) + OBSERVATION_VARIANCE
        gain = rh / q[:, None]
        innovation = np.where(valid, error, 0.0)
        theta = self.theta + gain * innovation[:, None]
        cov = r - np.einsum("pi,pj->pij", gain, rh)
        self.theta = np.where(valid[:, None], theta, self.theta)
        self.cov = np.where(valid[:, None, None], cov, self.cov)
        return np.asarray(error, dtype=np.float64)
