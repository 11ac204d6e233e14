"""Weighting a selected set of assets with the run's allocation method."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from strategies.engine.allocation import allocate
from strategies.engine.context import DecisionContext
from strategies.engine.returns import window_returns

# Allocation needs a covariance estimate: one year of daily returns at most, a quarter at least.
ALLOCATION_LOOKBACK = 252
MIN_ALLOCATION_LOOKBACK = 63


def allocate_selection(
    prices: pd.DataFrame,
    tickers: Iterable[str],
    context: DecisionContext,
    *,
    lookback: int = ALLOCATION_LOOKBACK,
    budget: float = 1.0,
) -> pd.Series:
    """``budget`` spread over ``tickers`` by ``context.optimization_method``.

    Assets without a complete return window are left out; when the history is shorter than
    ``lookback`` the window shrinks down to :data:`MIN_ALLOCATION_LOOKBACK` days, and below
    that the selection is equally weighted.
    """
    selected = pd.Index(list(tickers))
    if selected.empty or budget <= 0:
        return pd.Series(dtype=np.float64)
    window = min(lookback, len(prices) - 1)
    if window < MIN_ALLOCATION_LOOKBACK:
        valid = [t for t in selected if np.isfinite(prices[t].iloc[-1])]
        return (
            pd.Series(budget / len(valid), index=valid, dtype=np.float64)
            if valid
            else (pd.Series(dtype=np.float64))
        )
    returns = window_returns(prices, window, selected)
    weights = allocate(
        context.optimization_method,
        returns,
        risk_free_rate=context.risk_free_rate,
        linkage_method=str(context.params.get("linkage", "ward")),
    )
    return weights * budget
