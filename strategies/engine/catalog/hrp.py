"""HRP: hierarchical risk parity over every tradable asset with a full ``lookback`` window.

The ``linkage`` parameter picks the clustering linkage (single, complete, average, ward); see
:mod:`strategies.engine.allocation` for the algorithm. This strategy always uses HRP: the
run's ``optimization_method`` applies to strategies that first select assets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.allocation import allocate_values
from strategies.engine.clustering import LINKAGES
from strategies.engine.context import DecisionContext
from strategies.engine.parameters import ChoiceParam, IntParam, Param
from strategies.engine.returns import window_return_matrix

PARAMETERS: tuple[Param, ...] = (
    IntParam("lookback", 252, 20, 2520),
    ChoiceParam("linkage", "ward", LINKAGES),
)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    # Straight to numpy: a DataFrame of the window would only be taken apart again.
    returns, tickers = window_return_matrix(prices, p["lookback"])
    if len(tickers) == 0:
        return pd.Series(dtype=np.float64)
    weights = allocate_values("HRP", returns, linkage_method=p["linkage"])
    return pd.Series(weights, index=tickers, dtype=np.float64)
