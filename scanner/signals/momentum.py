"""Momentum scanner, contract §3.6. Needs ``lookback_days`` + 1 bars.

mom = close[t - 21] / close[t - lookback_days] - 1 (12-month momentum skipping the last
month); score = the percentile of mom among the scanned stocks x 100. Signal: ``SELL`` when
mom < ``min_momentum``, otherwise ``STRONG_BUY`` when score >= 90, ``BUY`` when >= 70,
``HOLD`` for the rest. details: ``momentum_pct`` (mom in %) and ``lookback_days``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from scanner.signals.bars import Bars, ScanFilters, Window
from scanner.signals.indicators import percentile_rank, trailing_return
from scanner.signals.results import ScanResult, build_rows, number

SKIP = 21
DEFAULTS = {"lookback_days": 252, "min_momentum": 0.0}


def scan(
    bars: Bars,
    *,
    filters: ScanFilters,
    names: Mapping[str, str] | None = None,
    lookback_days: int = 252,
    min_momentum: float = 0.0,
    missing: int = 0,
) -> ScanResult:
    window = Window.of(bars, lookback_days + 1)
    n = window.close.shape[1]
    evaluated = window.enough(lookback_days + 1) & (window.close.shape[0] > lookback_days)
    if window.close.shape[0] > lookback_days:
        mom = trailing_return(window.close, lookback_days, skip=SKIP)
    else:
        mom = np.full(n, np.nan)
    mom = np.where(evaluated, mom, np.nan)
    scores = percentile_rank(mom) * 100.0
    with np.errstate(invalid="ignore"):
        signals = np.where(
            mom < min_momentum,
            "SELL",
            np.where(scores >= 90, "STRONG_BUY", np.where(scores >= 70, "BUY", "HOLD")),
        )
    details = [
        {"momentum_pct": number(mom[i] * 100.0, 2), "lookback_days": lookback_days}
        for i in range(n)
    ]
    include = evaluated & window.listed(filters)
    return ScanResult(
        scanner_type="momentum",
        stocks=build_rows(
            bars, window, include, signals=signals, scores=scores, details=details, names=names
        ),
        tickers_scanned=n + missing,
        tickers_skipped=int((~evaluated).sum()) + missing,
        filters=filters,
        parameters={"lookback_days": lookback_days, "min_momentum": min_momentum},
    )
