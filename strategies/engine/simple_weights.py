"""The simplest weights: 1/N, and weights inversely proportional to a positive quantity."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def equal_weight(n: int) -> FloatArray:
    return np.full(n, 1.0 / n) if n else np.empty(0)


def inverse_volatility(returns: FloatArray) -> FloatArray:
    """w ∝ 1/sigma; an asset with zero volatility shares equally with the others' mean 1/sigma."""
    vol = returns.std(axis=0, ddof=1) if returns.shape[0] > 1 else np.zeros(returns.shape[1])
    return normalised_inverse(vol)


def normalised_inverse(values: FloatArray) -> FloatArray:
    if values.size == 0:
        return values
    positive = values > 0
    if not positive.any():
        return equal_weight(values.size)
    inv = np.zeros_like(values)
    inv[positive] = 1.0 / values[positive]
    # A riskless-looking asset would otherwise take an infinite weight.
    inv[~positive] = inv[positive].mean()
    return np.asarray(inv / inv.sum(), dtype=np.float64)
