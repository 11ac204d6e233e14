"""Residual momentum (Blitz, Huij & Martens): momentum of the return a factor model leaves.

At each decision, daily returns are regressed (with an intercept) on factor returns built
from the price matrix: the market (the SPY reference series when available, else the
equal-weight universe) plus ``ff_factors - 1`` statistical factors (see
:func:`strategies.engine.factors.statistical_factors`). The regression window is
:data:`ESTIMATION_MULTIPLE` x ``lookback`` days (at least 2 x ``lookback``) ending one month
(21 days) before the decision, like the paper's 36 months for a 12-month score: the
intercept absorbs each stock's long-run alpha, so the score measures recent idiosyncratic
outperformance. score = sum of the residuals of the last ``lookback`` days of the window /
std(all window residuals): the residual return per unit of residual risk, which removes the
factor bets that make plain momentum crash. The :data:`TOP_N` best scores are held,
weighted by the allocation method. Needs 2-3 x ``lookback`` days of history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strategies.engine.context import DecisionContext
from strategies.engine.factors import regress, statistical_factors
from strategies.engine.parameters import IntParam, Param
from strategies.engine.returns import market_prices, window_returns
from strategies.engine.selection import allocate_selection

PARAMETERS: tuple[Param, ...] = (
    IntParam("ff_factors", 5, 1, 5),
    IntParam("lookback", 252, 63, 2520),
)
SKIP = 21
ESTIMATION_MULTIPLE = 3
TOP_N = 10
BENCHMARK = "SPY"


def residual_scores(
    prices: pd.DataFrame, context: DecisionContext, *, lookback: int, n_factors: int
) -> pd.Series:
    """Residual momentum score of every asset with a complete window (see module doc)."""
    estimation = min(ESTIMATION_MULTIPLE * lookback, len(prices) - 1 - SKIP)
    if estimation < 2 * lookback:
        return pd.Series(dtype=np.float64)
    window = estimation + SKIP
    returns = window_returns(prices, window).iloc[:-SKIP]
    if returns.shape[1] < 2:
        return pd.Series(dtype=np.float64)
    market = market_prices(prices, context.reference_series(BENCHMARK), window)
    market_returns = np.asarray(
        market.pct_change().to_numpy()[1:][: len(returns)], dtype=np.float64
    )
    y = returns.to_numpy(dtype=np.float64)
    factors = np.column_stack(
        [market_returns, statistical_factors(y, market_returns, n_factors - 1)]
    )
    fit = regress(y, factors)
    std = fit.residuals.std(axis=0, ddof=1)
    recent = fit.residuals[-lookback:].sum(axis=0)
    score = np.where(std > 0, recent / np.where(std > 0, std, 1.0), np.nan)
    return pd.Series(score, index=returns.columns, dtype=np.float64).dropna()


def weights(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    p = context.params
    scores = residual_scores(prices, context, lookback=p["lookback"], n_factors=p["ff_factors"])
    if scores.empty:
        return pd.Series(dtype=np.float64)
    selected = scores.sort_values(ascending=False, kind="stable").index[:TOP_N]
    return allocate_selection(prices, selected, context)
