"""Mean-reversion scanner, contract §3.6. Needs 21 bars.

RSI14 (Wilder, over the ticker's whole history) and 20-day Bollinger bands at
``bollinger_std`` population standard deviations. Signal: ``OVERSOLD`` when
RSI < ``rsi_threshold`` and close < lower band; ``OVERBOUGHT`` when RSI > 100 -
``rsi_threshold`` and close > upper band; ``NEUTRAL`` otherwise. score = 100 - RSI.
details: ``rsi`` and ``bollinger_pct_b`` = (close - lower) / (upper - lower).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scanner.signals.bars import Bars, ScanFilters, Window
from scanner.signals.indicators import bollinger, wilder_rsi
from scanner.signals.results import ScanResult, build_rows, number

MIN_BARS = 21
BAND_WINDOW = 20
DEFAULTS = {"rsi_threshold": 30.0, "bollinger_std": 2.0}


def scan(
    bars: Bars,
    *,
    filters: ScanFilters,
    names: Mapping[str, str] | None = None,
    rsi_threshold: float = 30.0,
    bollinger_std: float = 2.0,
    missing: int = 0,
) -> ScanResult:
    # Wilder's RSI depends on the whole history, so the window is all of it.
    window = Window.of(bars, len(bars.close))
    close = window.close
    evaluated = window.enough(MIN_BARS)
    n = close.shape[1]
    rsi = wilder_rsi(close)
    lower, _, upper = bollinger(close, BAND_WINDOW, bollinger_std)
    last = close[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        width = upper - lower
        pct_b = np.where(width > 0, (last - lower) / np.where(width > 0, width, 1.0), np.nan)
        oversold = (rsi < rsi_threshold) & (last < lower)
        overbought = (rsi > 100.0 - rsi_threshold) & (last > upper)
    signals = np.where(oversold, "OVERSOLD", np.where(overbought, "OVERBOUGHT", "NEUTRAL"))
    scores = 100.0 - rsi
    details = [{"rsi": number(rsi[i], 2), "bollinger_pct_b": number(pct_b[i], 4)} for i in range(n)]
    include = evaluated & window.listed(filters)
    return ScanResult(
        scanner_type="mean_reversion",
        stocks=build_rows(
            bars, window, include, signals=signals, scores=scores, details=details, names=names
        ),
        tickers_scanned=n + missing,
        tickers_skipped=int((~evaluated).sum()) + missing,
        filters=filters,
        parameters={"rsi_threshold": rsi_threshold, "bollinger_std": bollinger_std},
    )
