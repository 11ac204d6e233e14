"""Factor regressions shared by residual momentum (the strategy and the quant2 ranking)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Regression:
    betas: FloatArray  # (K + 1, N): intercept first, then one row per factor
    residuals: FloatArray  # (T, N)
    r_squared: FloatArray  # (N,)


def regress(y: FloatArray, factors: FloatArray) -> Regression:
    """OLS of every column of ``y`` (T x N) on an intercept and ``factors`` (T x K) at once."""
    design = np.column_stack([np.ones(y.shape[0]), factors])
    betas, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ betas
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    explained = 1.0 - (residuals**2).sum(axis=0) / np.where(total > 0, total, 1.0)
    r_squared = np.where(total > 0, explained, 0.0)
    return Regression(np.asarray(betas), np.asarray(residuals), np.asarray(r_squared))


def statistical_factors(returns: FloatArray, market: FloatArray, count: int) -> FloatArray:
    """``count`` factor return series beyond the market, from the price matrix alone.

    Without market capitalisations or book values the Fama-French SMB/HML/RMW/CMA portfolios
    cannot be built, so the leading principal components of the market-neutral, standardised
    returns stand in for them: the dominant common moves left once the market is removed.
    """
    if count <= 0 or returns.shape[1] < 2:
        return np.empty((returns.shape[0], 0))
    neutral = regress(returns, market[:, None]).residuals
    std = neutral.std(axis=0)
    standardised = neutral / np.where(std > 0, std, 1.0)
    standardised -= standardised.mean(axis=0)
    u, s = _leading_components(standardised, count)
    count = min(count, int((s > 1e-12 * max(float(s.max(initial=0.0)), 1.0)).sum()))
    return np.asarray(u[:, :count] * s[:count], dtype=np.float64)


def _leading_components(x: FloatArray, count: int) -> tuple[FloatArray, FloatArray]:
    """Top ``count`` left singular vectors and values of ``x`` (T x N).

    Randomised subspace iteration (Halko, Martinsson & Tropp 2011) with a fixed seed: a
    handful of T x N products instead of a full SVD, which matters when it runs at every
    rebalance of a 500-stock universe. Exact when count + oversampling >= min(T, N).
    """
    t_len, n = x.shape
    width = min(count + 10, t_len, n)
    if width >= min(t_len, n):
        u, s, _ = np.linalg.svd(x, full_matrices=False)
        return u[:, :count], s[:count]
    basis = x @ np.random.default_rng(0).normal(size=(n, width))
    for _ in range(4):
        basis, _ = np.linalg.qr(basis)
        basis, _ = np.linalg.qr(x @ (x.T @ basis))
    small_u, s, _ = np.linalg.svd(basis.T @ x, full_matrices=False)
    return (basis @ small_u)[:, :count], s[:count]
