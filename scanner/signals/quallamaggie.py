"""Quallamaggie (high tight flag) scanner, contract §3.6. Needs 130 bars.

Four stages, each True or False per ticker on the scan date:

- liquidity: close within [min_price, max_price] and 20-day average volume >= min_volume;
- momentum: 63-day return >= 30 %, 21-day return >= 10 %, and 63-day return above SPY's
  (the ``benchmark`` series, else a ``SPY`` column, else the median of the scanned stocks);
- trend: close > SMA10 > SMA20 > SMA50, close > SMA200 when 200 bars exist, and SMA50 above
  its value 10 days earlier;
- consolidation: close >= 85 % of the 126-day high, and ATR14 below its 20-day mean (the
  range is contracting).

Signal: ``BUY`` when all four pass, the 63-day return is >= 40 % and close >= 90 % of the
high; ``WATCH`` when all four pass otherwise; ``HOLD`` for the rest.
score = 20 x stages passed + 20 x RS percentile (the 63-day return's percentile among the
scanned stocks, 0-1]. details: ``adr_pct`` (20-day mean of (high/low - 1) x 100),
``rs_rank`` (the percentile as 1-100) and ``pattern``: ``High Tight Flag`` when all four
stages pass, ``Consolidation`` when the consolidation stage passes without the others all
passing, ``None`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scanner.signals.bars import Bars, ScanFilters, Window
from scanner.signals.indicators import (
    adr_percent,
    atr_series,
    percentile_rank,
    sma,
    trailing_return,
)
from scanner.signals.results import ScanResult, build_rows, number

MIN_BARS = 130
WINDOW_ROWS = 260
MIN_GAIN_63D = 0.30
MIN_GAIN_21D = 0.10
BUY_GAIN_63D = 0.40
NEAR_HIGH = 0.85
BUY_NEAR_HIGH = 0.90
HIGH_WINDOW = 126
BENCHMARK = "SPY"


def criteria() -> dict[str, object]:
    """The thresholds above, for ``GET /api/scanner/quallamaggie`` (old keys kept)."""
    return {
        "min_gain_25d": f"{MIN_GAIN_21D:.0%}",
        "max_pullback": f"{1 - NEAR_HIGH:.0%}",
        # Contraction is measured on the range (ATR14), not on volume.
        "volume_contraction": False,
        "pattern": "High Tight Flag",
        "min_gain_63d": f"{MIN_GAIN_63D:.0%}",
        "volatility_contraction": "ATR14 below its 20-day mean",
        "min_bars": MIN_BARS,
    }


def _benchmark_return(
    bars: Bars, benchmark: pd.Series | None, returns: np.ndarray, evaluated: np.ndarray
) -> float:
    series = benchmark
    if series is None and BENCHMARK in bars.close.columns:
        series = bars.close[BENCHMARK]
    if series is not None:
        clean = series.reindex(bars.close.index).ffill().to_numpy(dtype=np.float64)
        if len(clean) > 63 and np.isfinite(clean[-1]) and np.isfinite(clean[-64]):
            return float(clean[-1] / clean[-64] - 1.0)
    picked = returns[evaluated]
    return float(np.nanmedian(picked)) if np.isfinite(picked).any() else 0.0


def scan(
    bars: Bars,
    *,
    filters: ScanFilters,
    names: Mapping[str, str] | None = None,
    benchmark: pd.Series | None = None,
    missing: int = 0,
) -> ScanResult:
    window = Window.of(bars, WINDOW_ROWS)
    close, high, low = window.close, window.high, window.low
    evaluated = window.enough(MIN_BARS)
    n = close.shape[1]
    ret63 = trailing_return(close, 63) if close.shape[0] > 63 else np.full(n, np.nan)
    ret21 = trailing_return(close, 21) if close.shape[0] > 21 else np.full(n, np.nan)
    ret63 = np.where(evaluated, ret63, np.nan)
    percentile = percentile_rank(ret63)
    spy = _benchmark_return(bars, benchmark, ret63, evaluated)

    last = close[-1]
    with np.errstate(invalid="ignore"):
        liquidity = window.listed(filters)
        momentum = (ret63 >= MIN_GAIN_63D) & (ret21 >= MIN_GAIN_21D) & (ret63 > spy)
        sma10, sma20, sma50 = sma(close, 10), sma(close, 20), sma(close, 50)
        sma200 = sma(close, 200) if close.shape[0] >= 200 else np.full(n, np.nan)
        has_200 = (window.bars >= 200) & np.isfinite(sma200)
        above_200 = np.where(has_200, last > sma200, True)
        rising = sma50 > sma(close, 50, offset=10)
        trend = (last > sma10) & (sma10 > sma20) & (sma20 > sma50) & above_200 & rising
        high126 = np.nanmax(high[-HIGH_WINDOW:], axis=0)
        atr = atr_series(close, high, low)
        contracting = atr[-1] < atr.mean(axis=0)
        consolidation = (last >= NEAR_HIGH * high126) & contracting
        adr = adr_percent(high, low)

    stages = np.stack([liquidity, momentum, trend, consolidation]).astype(int)
    passed = stages.sum(axis=0)
    all_four = passed == 4
    buy = all_four & (ret63 >= BUY_GAIN_63D) & (last >= BUY_NEAR_HIGH * high126)
    signals = np.where(buy, "BUY", np.where(all_four, "WATCH", "HOLD"))
    scores = 20.0 * passed + 20.0 * np.nan_to_num(percentile)
    patterns = np.where(
        all_four, "High Tight Flag", np.where(consolidation, "Consolidation", "None")
    )
    rs_rank = np.clip(np.ceil(np.nan_to_num(percentile) * 100), 1, 100).astype(int)
    details = [
        {"adr_pct": number(adr[i], 2), "rs_rank": int(rs_rank[i]), "pattern": str(patterns[i])}
        for i in range(n)
    ]
    include = evaluated & liquidity
    return ScanResult(
        scanner_type="quallamaggie",
        stocks=build_rows(
            bars, window, include, signals=signals, scores=scores, details=details, names=names
        ),
        tickers_scanned=n + missing,
        tickers_skipped=int((~evaluated).sum()) + missing,
        filters=filters,
    )
