"""Trailing-window means and standard deviations over the rows of a matrix, in numpy.

pandas' rolling works column by column; these use cumulative sums so a whole date x ticker
matrix costs a few vector operations. A window containing a NaN gives NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _window_sums(values: FloatArray, window: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    zeros = np.zeros((1, *values.shape[1:]))
    s1 = np.concatenate([zeros, np.cumsum(clean, axis=0)])
    s2 = np.concatenate([zeros, np.cumsum(clean**2, axis=0)])
    count = np.concatenate([zeros, np.cumsum(finite, axis=0, dtype=np.float64)])
    return (
        s1[window:] - s1[:-window],
        s2[window:] - s2[:-window],
        count[window:] - count[:-window],
    )


def _pad(result: FloatArray, window: int) -> FloatArray:
    head = np.full((window - 1, *result.shape[1:]), np.nan)
    return np.asarray(np.concatenate([head, result]), dtype=np.float64)


def rolling_mean(values: FloatArray, window: int) -> FloatArray:
    """Mean of the ``window`` rows ending at each row (NaN for the first window - 1 rows)."""
    if values.shape[0] < window:
        return np.full(values.shape, np.nan)
    total, _, count = _window_sums(values, window)
    return _pad(np.where(count == window, total / window, np.nan), window)


def rolling_std(values: FloatArray, window: int) -> FloatArray:
    """Sample standard deviation (ddof=1) of each trailing window.

    Cumulative sums of squares lose precision when the mean is large relative to the
    spread, so use this for returns, not price levels.
    """
    if values.shape[0] < window or window < 2:
        return np.full(values.shape, np.nan)
    total, squares, count = _window_sums(values, window)
    variance = (squares - total**2 / window) / (window - 1)
    return _pad(np.where(count == window, np.sqrt(np.clip(variance, 0.0, None)), np.nan), window)
