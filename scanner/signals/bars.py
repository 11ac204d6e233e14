"""Scanner input: daily bars as date x ticker matrices, and the listing filters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

# The liquidity filter averages volume over this many days: one quiet day is not illiquidity.
VOLUME_WINDOW = 20


@dataclass(frozen=True)
class Bars:
    """Aligned daily bars; the scan date is the last row. Missing bars are NaN."""

    close: pd.DataFrame
    high: pd.DataFrame
    low: pd.DataFrame
    volume: pd.DataFrame

    @classmethod
    def from_frames(
        cls,
        close: pd.DataFrame,
        high: pd.DataFrame | None = None,
        low: pd.DataFrame | None = None,
        volume: pd.DataFrame | None = None,
    ) -> Bars:
        """Align the other matrices on ``close`` (missing high/low fall back to close)."""
        close = close.sort_index().astype(np.float64)

        def align(frame: pd.DataFrame | None, fallback: pd.DataFrame) -> pd.DataFrame:
            if frame is None:
                return fallback
            return frame.reindex(index=close.index, columns=close.columns).astype(np.float64)

        return cls(
            close=close,
            high=align(high, close),
            low=align(low, close),
            volume=align(volume, close * np.nan),
        )

    @property
    def tickers(self) -> pd.Index:
        return self.close.columns


@dataclass(frozen=True)
class ScanFilters:
    """Listing filters of ``POST /api/scanner/run``: last close within [min_price, max_price]
    and average volume over the last 20 days at least ``min_volume``."""

    min_price: float = 5.0
    max_price: float = 500.0
    min_volume: float = 100_000

    def as_dict(self) -> dict[str, float]:
        return {
            "min_price": self.min_price,
            "max_price": self.max_price,
            "min_volume": self.min_volume,
        }


@dataclass(frozen=True)
class Window:
    """The last rows of the bars as numpy arrays, forward-filled over gaps (a missing bar
    inside the window is bridged by the previous close; the scan date itself must trade)."""

    close: FloatArray
    high: FloatArray
    low: FloatArray
    volume: FloatArray
    bars: npt.NDArray[np.intp]  # valid closes per ticker over the whole history
    traded_today: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, bars: Bars, rows: int) -> Window:
        close = bars.close.iloc[-rows:]
        filled = close.ffill()
        high = bars.high.iloc[-rows:].fillna(filled)
        low = bars.low.iloc[-rows:].fillna(filled)
        return cls(
            close=filled.to_numpy(dtype=np.float64),
            high=high.to_numpy(dtype=np.float64),
            low=low.to_numpy(dtype=np.float64),
            volume=bars.volume.iloc[-rows:].to_numpy(dtype=np.float64),
            bars=bars.close.notna().sum(axis=0).to_numpy(dtype=np.intp),
            traded_today=close.iloc[-1].notna().to_numpy() if len(close) else np.zeros(0, bool),
        )

    def enough(self, min_bars: int) -> npt.NDArray[np.bool_]:
        return np.asarray((self.bars >= min_bars) & self.traded_today, dtype=np.bool_)

    def average_volume(self) -> FloatArray:
        tail = self.volume[-VOLUME_WINDOW:]
        with np.errstate(invalid="ignore"):
            return np.asarray(np.nan_to_num(np.nanmean(tail, axis=0), nan=0.0), dtype=np.float64)

    def listed(self, filters: ScanFilters) -> npt.NDArray[np.bool_]:
        price = self.close[-1]
        return np.asarray(
            (price >= filters.min_price)
            & (price <= filters.max_price)
            & (self.average_volume() >= filters.min_volume),
            dtype=np.bool_,
        )
