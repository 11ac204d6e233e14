"""Momentum: 12-month return skipping the last month, top N assets.

score = P[t - skip] / P[t - lookback] - 1 at the decision close t; the ``top_n`` highest
scores are held, weighted by the run's allocation method. Skipping the last month avoids
the short-term reversal that contaminates the 12-month signal (Jegadeesh & Titman).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.parameters import IntParam, Param
from strategies.engine.returns import trailing_return
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    IntParam("lookback", 252, 2, 2520),
    IntParam("skip", 21, 0, 2519),
    IntParam("top_n", 10, 1, 1000),
)


def check(params: Mapping[str, Any]) -> None:
    if params["skip"] >= params["lookback"]:
        raise ValueError("Invalid parameter 'skip': must be smaller than 'lookback'")


def momentum_scores(prices: pd.DataFrame, lookback: int, skip: int) -> pd.Series:
    return trailing_return(prices, lookback, skip)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    scores = momentum_scores(prices, p["lookback"], p["skip"])
    if scores.empty:
        return pd.Series(dtype=np.float64)
    # Stable sort: equal scores keep column order, so runs are reproducible.
    selected = scores.sort_values(ascending=False, kind="stable").index[: p["top_n"]]
    return allocate_selection(prices, selected, context, lookback=min(p["lookback"], 252))
