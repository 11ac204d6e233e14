"""What a weight function sees when it decides: data up to the decision close, and nothing else.

A weight function has the signature ``(prices, context) -> pd.Series``:

- ``prices`` is the price matrix (date x ticker) truncated at the decision date, inclusive;
- ``context`` carries the other matrices truncated the same way, the portfolio's current
  weights at that close, the strategy's parameters, the risk-free rate, the allocation method
  and a ``state`` dict that the engine keeps between calls of one run (for stateful strategies:
  open pairs, trailing stops, the previous portfolio of an online learner).

It returns target weights by ticker. The remainder to 1 is cash; negative weights are shorts
and the gross exposure sum |w| may not exceed 1. An empty Series means "all cash". A NaN
weight means "keep this position as it is" (it drifts on untouched, e.g. an open trade with a
trailing stop), and ``None`` means "no trade at all this time": the weights a strategy sees at
its decision close have drifted again by the execution close, so repeating them would trade.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class DecisionContext:
    date: pd.Timestamp
    current_weights: pd.Series
    params: Mapping[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    volumes: pd.DataFrame | None = None
    highs: pd.DataFrame | None = None
    lows: pd.DataFrame | None = None
    # Series that are read but never traded: ^VIX, ^VIX3M, the SPY benchmark...
    reference: pd.DataFrame | None = None
    risk_free_rate: float = 0.04
    optimization_method: str = "EqualWeight"

    def reference_series(self, ticker: str, prices: pd.DataFrame | None = None) -> pd.Series | None:
        """A reference column, or the same column of ``prices``; None when neither has it."""
        if self.reference is not None and ticker in self.reference.columns:
            return self.reference[ticker]
        if prices is not None and ticker in prices.columns:
            return prices[ticker]
        return None


WeightFunction = Callable[[pd.DataFrame, DecisionContext], pd.Series | None]
