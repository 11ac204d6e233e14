"""Checking and aligning the caller's frames before a run.

Everything after this works on positions in the price matrix, so every other frame is put on
its dates (and tickers) once, up front, rather than looked up by label at each decision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def check_prices(prices: pd.DataFrame) -> None:
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise ValueError("prices must be indexed by date")
    if not prices.index.is_monotonic_increasing or prices.index.has_duplicates:
        raise ValueError("prices dates must be unique and increasing")
    if prices.columns.has_duplicates:
        raise ValueError("prices tickers must be unique")
    if prices.empty:
        raise ValueError("prices is empty")


def aligned(
    frame: pd.DataFrame | None, like: pd.DataFrame, *, columns: bool
) -> pd.DataFrame | None:
    if frame is None:
        return None
    if columns:
        frame = frame.reindex(index=like.index, columns=like.columns)
    else:
        frame = frame.reindex(index=like.index)
    return frame.astype(np.float64)
