"""Covariance estimates that stay well conditioned with few observations per asset."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ledoit_wolf(returns: FloatArray) -> FloatArray:
    """Ledoit-Wolf (2004) shrinkage of the sample covariance towards μ·I.

    ``returns`` is T x N without NaN. The sample covariance S (divided by T) is blended with
    the scaled identity μ·I, μ = tr(S)/N, with the intensity β²/δ² that minimises the expected
    Frobenius loss:
    δ² = ‖S - μI‖²/N, β² = min(δ², Σ_t ‖x_t x_tᵀ - S‖² / (T² N)).
    The sum over t is computed as Σ_t ‖x_t‖⁴ - T‖S‖², so the cost is O(T·N + N²·T).
    """
    x = returns - returns.mean(axis=0)
    t, n = x.shape
    if t < 2 or n == 0:
        return np.zeros((n, n))
    sample = x.T @ x / t
    mu = float(np.trace(sample)) / n
    delta = float(((sample - mu * np.eye(n)) ** 2).sum()) / n
    if delta <= 0:
        return sample
    row_norms = (x**2).sum(axis=1)
    beta_bar = (float((row_norms**2).sum()) - t * float((sample**2).sum())) / (t**2 * n)
    shrinkage = min(max(beta_bar, 0.0), delta) / delta
    return np.asarray(shrinkage * mu * np.eye(n) + (1.0 - shrinkage) * sample, dtype=np.float64)


def _inverse_std(cov: FloatArray) -> FloatArray:
    std = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 0.0)


def correlation_from_covariance(cov: FloatArray) -> FloatArray:
    """Correlation matrix; an asset with zero variance is uncorrelated with the others."""
    inverse = _inverse_std(cov)
    corr = cov * inverse[:, None]
    corr *= inverse[None, :]
    np.fill_diagonal(corr, 1.0)
    np.clip(corr, -1.0, 1.0, out=corr)
    return np.asarray(corr, dtype=np.float64)


def correlation_distance(corr: FloatArray) -> FloatArray:
    """d = √((1 - rho)/2): 0 for identical assets, 1 for perfectly opposite ones.

    It is a Euclidean distance between standardised return vectors, so Ward linkage applies.
    """
    distance = 1.0 - corr
    distance *= 0.5
    np.clip(distance, 0.0, None, out=distance)
    np.sqrt(distance, out=distance)
    np.fill_diagonal(distance, 0.0)
    return np.asarray(distance, dtype=np.float64)


def correlation_distance_from_covariance(cov: FloatArray) -> FloatArray:
    """``correlation_distance(correlation_from_covariance(cov))``, bit for bit, in one buffer
    and two passes over the matrix fewer (HRP needs only the distance, at every rebalance).

    With s = 1/sigma, halving being exact (barring underflow), (C_ij (s_i/2)) s_j clipped to
    ±1/2 is exactly half the clipped correlation, and 1/2 minus it exactly (1 - rho)/2,
    already >= 0: the second clip is not needed. The diagonal is set once, at the end.
    """
    inverse = _inverse_std(cov)
    distance = cov * (0.5 * inverse)[:, None]
    distance *= inverse[None, :]
    np.clip(distance, -0.5, 0.5, out=distance)
    np.subtract(0.5, distance, out=distance)
    np.sqrt(distance, out=distance)
    np.fill_diagonal(distance, 0.0)
    return np.asarray(distance, dtype=np.float64)
