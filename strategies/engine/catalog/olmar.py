"""OLMAR-1 (Li & Hoi, 2012): online moving-average reversion on the simplex.

With b the current portfolio (the drifted weights at the decision close, renormalised over
the assets that can be traded; uniform when starting from cash) and the predicted price
relatives x̃_i = MA_window(P_i) / P_i,t (prices are expected to revert to their moving
average):

  lambda = max(0, (eps - b·x̃) / ‖x̃ - mean(x̃)‖²),  b' = Π_simplex(b + lambda·(x̃ - mean(x̃)))

so the portfolio moves towards the assets that fell below their average only as far as
needed to expect a relative return of eps. The move is then capped at a turnover of
:data:`MAX_TURNOVER` (Σ|b' - b|), by stepping part of the way: a convex combination of two
points of the simplex stays on it. Weights always sum to 1, long only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.parameters import FloatParam, IntParam, Param
from strategies.engine.projection import project_to_simplex
from strategies.engine.returns import tradable_columns

PARAMETERS: tuple[Param, ...] = (
    IntParam("window", 5, 2, 252),
    FloatParam("epsilon", 10.0, 0.0, 1000.0, exclusive_minimum=True),
)
MAX_TURNOVER = 0.5


def olmar_update(
    current: np.ndarray, predicted: np.ndarray, epsilon: float, max_turnover: float
) -> np.ndarray:
    """One OLMAR step from portfolio ``current`` with predicted relatives ``predicted``."""
    centred = predicted - predicted.mean()
    norm = float(centred @ centred)
    step = 0.0 if norm == 0 else max(0.0, (epsilon - float(current @ predicted)) / norm)
    target = project_to_simplex(current + step * centred)
    turnover = float(np.abs(target - current).sum())
    if turnover > max_turnover:
        target = current + (target - current) * (max_turnover / turnover)
    return np.asarray(target, dtype=np.float64)


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    window = context.params["window"]
    if len(prices) < window:
        return pd.Series(dtype=np.float64)
    tickers = tradable_columns(prices)
    tail = prices[tickers].iloc[-window:].to_numpy(dtype=np.float64)
    valid = np.all(np.isfinite(tail) & (tail > 0), axis=0)
    if not valid.any():
        return pd.Series(dtype=np.float64)
    tail = tail[:, valid]
    names = tickers[valid]
    current = context.current_weights.reindex(names).fillna(0.0).clip(lower=0.0).to_numpy()
    total = float(current.sum())
    current = current / total if total > 0 else np.full(names.size, 1.0 / names.size)
    predicted = tail.mean(axis=0) / tail[-1]
    target = olmar_update(current, predicted, context.params["epsilon"], MAX_TURNOVER)
    return pd.Series(target, index=names, dtype=np.float64)
