"""Technical indicators evaluated at the last row of date x ticker arrays, vectorised
across tickers. Inputs are forward-filled numpy matrices (see :class:`bars.Window`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

RSI_PERIOD = 14
ATR_PERIOD = 14


def sma(close: FloatArray, window: int, offset: int = 0) -> FloatArray:
    """Simple moving average of the ``window`` closes ending ``offset`` rows before the last."""
    end = close.shape[0] - offset
    return np.asarray(close[end - window : end].mean(axis=0), dtype=np.float64)


def trailing_return(close: FloatArray, days: int, skip: int = 0) -> FloatArray:
    """close[t - skip] / close[t - days] - 1 at the last row t."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(close[-1 - skip] / close[-1 - days] - 1.0, dtype=np.float64)


def percentile_rank(values: FloatArray) -> FloatArray:
    """Fraction of the cross-section at or below each value (ties share the highest rank):
    the best value gets 1.0. NaN stays NaN and is not counted."""
    result = np.full(values.shape, np.nan)
    valid = np.isfinite(values)
    if not valid.any():
        return result
    sorted_values = np.sort(values[valid])
    result[valid] = np.searchsorted(sorted_values, values[valid], side="right") / valid.sum()
    return result


def wilder_rsi(close: FloatArray, period: int = RSI_PERIOD) -> FloatArray:
    """Wilder's RSI at the last row: averages seeded with the simple mean of the first
    ``period`` changes of each ticker, then smoothed as avg = (avg·(period-1) + x) / period.

    NaN for tickers with fewer than ``period`` changes. A ticker that never fell has RSI 100
    (50 if it never moved either).
    """
    changes = np.diff(close, axis=0)
    n = close.shape[1]
    avg_gain, avg_loss = np.zeros(n), np.zeros(n)
    count = np.zeros(n, dtype=np.intp)
    for change in changes:
        valid = np.isfinite(change)
        gain = np.where(valid, np.clip(change, 0.0, None), 0.0)
        loss = np.where(valid, np.clip(-change, 0.0, None), 0.0)
        count += valid
        seeding = valid & (count <= period)
        smoothing = valid & (count > period)
        avg_gain = np.where(seeding, avg_gain + gain / period, avg_gain)
        avg_loss = np.where(seeding, avg_loss + loss / period, avg_loss)
        avg_gain = np.where(smoothing, (avg_gain * (period - 1) + gain) / period, avg_gain)
        avg_loss = np.where(smoothing, (avg_loss * (period - 1) + loss) / period, avg_loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    rsi = np.where(avg_loss == 0, np.where(avg_gain > 0, 100.0, 50.0), rsi)
    return np.asarray(np.where(count >= period, rsi, np.nan), dtype=np.float64)


def bollinger(
    close: FloatArray, window: int = 20, width: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(lower, middle, upper) bands at the last row: SMA ± width x population std."""
    tail = close[-window:]
    middle = tail.mean(axis=0)
    spread = width * tail.std(axis=0)
    return middle - spread, middle, middle + spread


def true_range(close: FloatArray, high: FloatArray, low: FloatArray) -> FloatArray:
    """Daily true range from the second row on: max(H - L, |H - C₋₁|, |L - C₋₁|)."""
    previous = close[:-1]
    return np.asarray(
        np.maximum.reduce(
            [high[1:] - low[1:], np.abs(high[1:] - previous), np.abs(low[1:] - previous)]
        ),
        dtype=np.float64,
    )


def atr_series(
    close: FloatArray, high: FloatArray, low: FloatArray, period: int = ATR_PERIOD, count: int = 20
) -> FloatArray:
    """The last ``count`` values of the ATR (simple ``period``-day mean of the true range)."""
    ranges = true_range(close, high, low)
    cumulative = np.concatenate([np.zeros((1, ranges.shape[1])), np.cumsum(ranges, axis=0)])
    atr = (cumulative[period:] - cumulative[:-period]) / period
    return np.asarray(atr[-count:], dtype=np.float64)


def adr_percent(high: FloatArray, low: FloatArray, window: int = 20) -> FloatArray:
    """Average daily range in %: the ``window``-day mean of (high / low - 1) x 100."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(((high[-window:] / low[-window:] - 1.0) * 100.0).mean(axis=0))
