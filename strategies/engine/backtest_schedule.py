"""Which rows of the price matrix a run covers and on which of them it trades.

Execution days, not decision days, are scheduled: a decision is always ``execution_delay``
rows before its execution, and the first execution must leave room for that delay.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.schedule import rebalance_positions


def trading_window(
    index: pd.DatetimeIndex,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
) -> tuple[int, int]:
    """Positions of the first and last day of the run, both inclusive."""
    first = 0 if start is None else int(index.searchsorted(pd.Timestamp(start), side="left"))
    last = len(index) - 1
    if end is not None:
        last = int(index.searchsorted(pd.Timestamp(end), side="right")) - 1
    if first > last:
        raise ValueError("no trading days between start and end")
    return first, last


def execution_positions(
    index: pd.DatetimeIndex, frequency: str, *, first: int, last: int, execution_delay: int
) -> npt.NDArray[np.intp]:
    """The opening trade, then every scheduled rebalance day up to ``last``."""
    scheduled = rebalance_positions(index, frequency)
    opening = max(first, execution_delay)
    executions = np.unique(
        np.concatenate([[opening], scheduled[(scheduled > opening) & (scheduled <= last)]])
    ).astype(np.intp)
    return executions[executions <= last]
