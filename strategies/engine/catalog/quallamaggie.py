"""Quallamaggie-style breakouts: buy strong stocks breaking out of a tight range on volume,
ride them with a trailing stop.

Entry, for a stock not held, on the decision close (the scanner's criteria plus the
breakout itself):

- momentum: 63-day return ≥ 30 %, 21-day return ≥ 10 %, and 63-day return above the
  benchmark's (SPY reference, else the universe median);
- trend: close > SMA10 > SMA20 > SMA50;
- breakout: close above the highest high of the previous :data:`BREAKOUT_WINDOW` days;
- ADR% (20-day mean of (high/low - 1)·100) ≥ ``adr_min``: only stocks that move enough;
- volume ≥ ``volume_surge`` x the average volume of the previous 20 days.

Candidates are ranked by 63-day return and take free slots of 1/:data:`MAX_POSITIONS`
each. Exit (trailing): close below the 10-day average, or below the low of the breakout
day (the initial stop). Held positions are left to drift (returned as NaN: no resizing). Entries and
stops are kept in ``context.state``. Needs high, low and volume matrices.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.parameters import FloatParam, Param
from strategies.engine.returns import tradable_columns

PARAMETERS: tuple[Param, ...] = (
    FloatParam("adr_min", 3.0, 0.0, 100.0),
    FloatParam("volume_surge", 2.0, 0.0, 100.0),
)
MAX_POSITIONS = 10
BREAKOUT_WINDOW = 20
HISTORY = 64  # 63-day return plus the decision close
BENCHMARK = "SPY"

FloatArray = npt.NDArray[np.float64]


def _sma(values: FloatArray, window: int) -> FloatArray:
    return np.asarray(values[-window:].mean(axis=0), dtype=np.float64)


def breakout_candidates(
    close: FloatArray,
    high: FloatArray,
    low: FloatArray,
    volume: FloatArray,
    *,
    benchmark_return: float,
    adr_min: float,
    volume_surge: float,
) -> npt.NDArray[np.bool_]:
    """Entry test per column over tail windows (rows = the last :data:`HISTORY` days)."""
    last = close[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ret63 = last / close[-64] - 1.0
        ret21 = last / close[-22] - 1.0
        adr = ((high[-20:] / low[-20:] - 1.0) * 100.0).mean(axis=0)
        avg_volume = volume[-21:-1].mean(axis=0)
        momentum = (ret63 >= 0.30) & (ret21 >= 0.10) & (ret63 > benchmark_return)
        sma10, sma20, sma50 = _sma(close, 10), _sma(close, 20), _sma(close, 50)
        trend = (last > sma10) & (sma10 > sma20) & (sma20 > sma50)
        breakout = last > high[-(BREAKOUT_WINDOW + 1) : -1].max(axis=0)
        surge = volume[-1] >= volume_surge * avg_volume
        liquid = np.isfinite(adr) & (adr >= adr_min) & (avg_volume > 0)
    return np.asarray(momentum & trend & breakout & surge & liquid, dtype=np.bool_)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    if context.highs is None or context.lows is None or context.volumes is None:
        raise ValueError("Quallamaggie needs high, low and volume data")
    p = context.params
    if len(prices) < HISTORY:
        return pd.Series(dtype=np.float64)
    tickers = tradable_columns(prices)
    close = prices[tickers].iloc[-HISTORY:].to_numpy(dtype=np.float64)
    high = context.highs[tickers].iloc[-HISTORY:].to_numpy(dtype=np.float64)
    low = context.lows[tickers].iloc[-HISTORY:].to_numpy(dtype=np.float64)
    volume = context.volumes[tickers].iloc[-HISTORY:].to_numpy(dtype=np.float64)

    stops: dict[str, float] = context.state.setdefault("stops", {})
    current = context.current_weights
    last = pd.Series(close[-1], index=tickers)
    sma10 = pd.Series(_sma(close, 10), index=tickers)
    held: dict[str, float] = {}
    for ticker, stop in list(stops.items()):
        weight = float(current.get(ticker, 0.0))
        if ticker not in last.index:  # left the universe: the engine sells it
            del stops[ticker]
            continue
        price = float(last[ticker])
        # NaN comparisons are False: a stock with no print today is kept, not sold blind.
        if weight <= 0 or price < stop or price < float(sma10[ticker]):
            del stops[ticker]
            continue
        held[ticker] = weight
    kept = list(held)
    benchmark = context.reference_series(BENCHMARK)
    with np.errstate(divide="ignore", invalid="ignore"):
        ret63 = close[-1] / close[-64] - 1.0
    bench = np.nan
    if benchmark is not None and len(benchmark) >= HISTORY:
        bench = float(benchmark.iloc[-1] / benchmark.iloc[-64] - 1.0)
    if not np.isfinite(bench):
        bench = float(np.nanmedian(ret63)) if np.isfinite(ret63).any() else 0.0
    entry = breakout_candidates(
        close,
        high,
        low,
        volume,
        benchmark_return=bench,
        adr_min=p["adr_min"],
        volume_surge=p["volume_surge"],
    )
    slot = 1.0 / MAX_POSITIONS
    free = 1.0 - sum(held.values())
    order = np.argsort(-np.where(entry, ret63, -np.inf), kind="stable")
    for i in order[: int(entry.sum())]:
        ticker = str(tickers[i])
        if ticker in held or free < slot - 1e-9:
            continue
        held[ticker] = slot
        stops[ticker] = float(low[-1, i])
        free -= slot
    # Open positions are kept untouched (NaN = hold); only new entries are sized.
    result = pd.Series(held, dtype=np.float64)
    result[kept] = np.nan
    return result
