"""Dual momentum (Antonacci): relative momentum picks, absolute momentum gates.

Relative momentum ranks the risky assets (all tradable assets except the defensive ETFs) by
their ``rel_lookback`` return and keeps the best :data:`TOP_N`. Absolute momentum then keeps
a pick only if its ``abs_lookback`` return beats what the risk-free rate earned over the same
period; each rejected pick's share goes to the defensive sleeve (TLT/IEF/BND, or cash, see
:mod:`strategies.engine.defensive`). When everything falls, the portfolio is fully defensive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.defensive import defensive_weights, risky_columns
from strategies.engine.parameters import IntParam, Param
from strategies.engine.returns import tradable_columns, trailing_return
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    IntParam("abs_lookback", 252, 2, 2520),
    IntParam("rel_lookback", 126, 2, 2520),
)
# The catalogue exposes only the two lookbacks; ten picks matches Momentum's default.
TOP_N = 10


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    abs_lookback, rel_lookback = p["abs_lookback"], p["rel_lookback"]
    if len(prices) <= max(abs_lookback, rel_lookback):
        return pd.Series(dtype=np.float64)
    risky = risky_columns(prices, tradable_columns(prices))
    relative = trailing_return(prices, rel_lookback, tickers=risky)
    absolute = trailing_return(prices, abs_lookback, tickers=risky)
    ranked = relative.reindex(absolute.index).dropna().sort_values(ascending=False, kind="stable")
    picks = ranked.index[:TOP_N]
    if len(picks) == 0:
        return defensive_weights(prices, 1.0, rel_lookback)
    hurdle = (1.0 + context.risk_free_rate) ** (abs_lookback / 252) - 1.0
    keep = [t for t in picks if absolute[t] > hurdle]
    risk_budget = len(keep) / len(picks)
    risky_part = allocate_selection(prices, keep, context, budget=risk_budget)
    safe_part = defensive_weights(prices, 1.0 - risk_budget, rel_lookback)
    return risky_part.add(safe_part, fill_value=0.0)
