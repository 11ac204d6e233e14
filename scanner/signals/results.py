"""Scanner output rows (contract §3.6) and the scan result."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from scanner.signals.bars import Bars, ScanFilters, Window

Row = dict[str, Any]


@dataclass(frozen=True)
class ScanResult:
    """``stocks`` are sorted by score descending, then ticker."""

    scanner_type: str
    stocks: list[Row]
    tickers_scanned: int
    tickers_skipped: int
    filters: ScanFilters
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def results_found(self) -> int:
        return len(self.stocks)


def number(value: float, digits: int) -> float | None:
    """A JSON-safe rounded float (None for NaN or infinity)."""
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def build_rows(
    bars: Bars,
    window: Window,
    include: npt.NDArray[np.bool_],
    *,
    signals: npt.NDArray[np.str_],
    scores: npt.NDArray[np.float64],
    details: list[dict[str, Any]],
    names: Mapping[str, str] | None,
) -> list[Row]:
    """One row per included column, sorted by score descending then ticker.

    ``details`` is indexed like the columns; ``price`` is the last close, ``change_pct`` the
    1-day change in %, ``volume`` the last day's volume.
    """
    close, volume = window.close, window.volume
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (close[-1] / close[-2] - 1.0) * 100.0 if close.shape[0] > 1 else close[-1] * 0
    rows: list[Row] = []
    for i in np.flatnonzero(include):
        ticker = str(bars.tickers[int(i)])
        last_volume = volume[-1, i]
        rows.append(
            {
                "ticker": ticker,
                "name": (names or {}).get(ticker) or ticker,
                "price": number(close[-1, i], 2),
                "change_pct": number(change[i], 2),
                "volume": int(last_volume) if math.isfinite(last_volume) else 0,
                "signal": str(signals[i]),
                "score": number(scores[i], 1),
                "details": details[i],
            }
        )
    rows.sort(
        key=lambda row: (-(row["score"] if row["score"] is not None else -math.inf), row["ticker"])
    )
    return rows
