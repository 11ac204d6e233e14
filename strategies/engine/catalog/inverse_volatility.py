"""Inverse volatility: every tradable asset, weight ∝ 1/sigma over ``lookback`` days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.allocation import allocate
from strategies.engine.context import DecisionContext
from strategies.engine.parameters import IntParam, Param
from strategies.engine.returns import window_returns

PARAMETERS: tuple[Param, ...] = (IntParam("lookback", 63, 2, 2520),)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    returns = window_returns(prices, context.params["lookback"])
    if returns.shape[1] == 0:
        return pd.Series(dtype=np.float64)
    return allocate("InverseVol", returns)
