"""Bagged L2-regularised logistic regression, fitted by Newton's method in numpy.

``n_estimators`` models are fitted on bootstrap resamples (expressed as Poisson(1) sample
counts, so all models are solved together with batched linear algebra) and their predicted
probabilities are averaged: the bagging that gave the old random-forest filter its
stability, with a model simple enough to fit without scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_RIDGE = 1.0
_NEWTON_STEPS = 8


def _sigmoid(z: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


@dataclass(frozen=True)
class BaggedLogistic:
    coefficients: FloatArray  # (B, D + 1), intercept first
    mean: FloatArray  # feature standardisation
    scale: FloatArray

    def predict_proba(self, features: FloatArray) -> FloatArray:
        """Mean probability of label 1 over the ensemble, per row of ``features``."""
        x = _design((features - self.mean) / self.scale)
        return np.asarray(_sigmoid(x @ self.coefficients.T).mean(axis=1), dtype=np.float64)


def _design(x: FloatArray) -> FloatArray:
    return np.column_stack([np.ones(x.shape[0]), x])


def fit_bagged_logistic(
    features: FloatArray, labels: FloatArray, *, n_estimators: int, seed: int = 0
) -> BaggedLogistic:
    """Fit ``n_estimators`` ridge logistic regressions on bootstrap resamples."""
    n, _ = features.shape
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    x = _design((features - mean) / scale)
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    # Poisson(1) sample counts: the usual fast stand-in for multinomial bootstrap resampling.
    counts = rng.poisson(1.0, size=(n_estimators, n)).astype(np.float64)
    ridge = _RIDGE * np.eye(d)
    ridge[0, 0] = 0.0  # the intercept is not shrunk
    beta = np.zeros((n_estimators, d))
    # Hessians of all models in one product: H_b = sum_n w_bn x_n x_n^T = (W @ outer)_b.
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, d * d)
    for _ in range(_NEWTON_STEPS):
        p = _sigmoid(beta @ x.T)  # (B, n)
        gradient = (counts * (labels - p)) @ x - beta @ ridge  # (B, d)
        w = counts * p * (1.0 - p)  # (B, n)
        hessian = (w @ outer).reshape(n_estimators, d, d) + ridge  # (B, d, d)
        beta = beta + np.linalg.solve(hessian + 1e-9 * np.eye(d), gradient[:, :, None])[:, :, 0]
    return BaggedLogistic(beta, mean, scale)
