"""Rebalance calendars over a trading-day index.

A rebalance day is the first trading day of each period present in the index: every day,
the first of each ISO week, of each month or of each quarter. The first row of the index
always opens a period.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

Frequency = Literal["daily", "weekly", "monthly", "quarterly"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly", "monthly", "quarterly")

_PERIOD_CODE = {"weekly": "W", "monthly": "M", "quarterly": "Q"}


def check_frequency(frequency: str) -> Frequency:
    for known in FREQUENCIES:
        if frequency == known:
            return known
    raise ValueError(f"Unknown rebalance frequency '{frequency}'; expected one of {FREQUENCIES}")


def rebalance_positions(index: pd.DatetimeIndex, frequency: str) -> npt.NDArray[np.intp]:
    """Row positions of the first trading day of each period."""
    check_frequency(frequency)
    if len(index) == 0:
        return np.empty(0, dtype=np.intp)
    if frequency == "daily":
        return np.arange(len(index), dtype=np.intp)
    periods = np.asarray(index.to_period(_PERIOD_CODE[frequency]).asi8)
    starts = np.concatenate([[True], periods[1:] != periods[:-1]])
    return np.flatnonzero(starts).astype(np.intp)


def rebalance_dates(index: pd.DatetimeIndex, frequency: str) -> pd.DatetimeIndex:
    """Dates of :func:`rebalance_positions`."""
    return index[rebalance_positions(index, frequency)]
