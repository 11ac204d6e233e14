"""Daily portfolio simulation over a price matrix, with delayed execution and trading costs.

Timeline. On each execution day ``e`` (the first possible day, then every scheduled rebalance
day) the weight function is called with data up to the close of ``d = e - execution_delay``
and its target weights are traded at the close of ``e``. With the default delay of 1, weights
decided on the close of T-1 trade at the close of T, so a decision never uses the price it
trades at. The weight function only ever receives frames truncated at ``d``.

Between executions, positions drift with prices. From the last execution day ``s``, with
weights w (fractions of equity) and cash c, the value relative to E_s on a later day t is
V_t = c·(1 + cash_rate_daily)^(t-s) + Σ w_i·P_i,t / P_i,s and the weights are
w_i·(P_i,t / P_i,s) / V_t. This is computed per segment as one matrix product, so the engine
loops over execution days only.

Trading at ``e``: Δw = target - drifted weights; the costs of :mod:`costs` are computed on
Δw with the pre-trade equity and paid from the portfolio, so post-trade equity is E_e - costs
and the target weights apply to that post-trade equity.

Point-in-time membership (optional ``membership``: a boolean date x ticker frame, True where
the ticker belonged to the universe that day). At a decision on the close of ``d`` the weight
function receives only the columns of the members on ``d`` (prices, volumes, highs and lows
alike, with their whole history), so it cannot pick a ticker that was not in the index then:
no survivorship bias. Whatever it returns for a non-member, and any position in a ticker that
has left the index, is set to 0 at that decision (sold at the execution close), even when the
strategy asked for no trade (``None``) or to hold (NaN). Without ``membership`` every column
is always eligible.

Prices are forward-filled for valuation (a held asset that stops trading keeps its last
price). A target weight on an asset that has no price yet on the execution day cannot be
traded and stays in cash. With a liquidity cap, an asset's traded notional is capped at
``liquidity_cap`` x that day's volume x price (no volume → no trade); if capped sells leave
the portfolio above 100 % invested, buys are scaled down.

This module is the public face; the work lives in the ``strategies.engine.backtest_*`` modules:

    backtest_inputs      checking the price matrix, aligning the other frames to it
    backtest_schedule    the run's first and last rows, its execution days
    backtest_targets     a weight function's Series as the arrays that are traded
    backtest_membership  point-in-time membership: visible columns, forced sales
    backtest_simulation  the simulation loop: drift, decide, trade
    backtest_result      ``BacktestResult`` and the trades frame
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from strategies.engine.backtest_inputs import aligned, check_prices
from strategies.engine.backtest_membership import membership_mask
from strategies.engine.backtest_result import TRADE_COLUMNS, BacktestResult, trades_frame
from strategies.engine.backtest_schedule import execution_positions, trading_window
from strategies.engine.backtest_simulation import Simulation
from strategies.engine.context import WeightFunction
from strategies.engine.costs import DEFAULT_COSTS, CostModel
from strategies.engine.metrics import DEFAULT_RISK_FREE_RATE, compute_metrics

__all__ = ["TRADE_COLUMNS", "BacktestResult", "run_backtest"]


def run_backtest(
    prices: pd.DataFrame,
    weight_fn: WeightFunction,
    *,
    frequency: str = "monthly",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    initial_capital: float = 100_000.0,
    execution_delay: int = 1,
    costs: CostModel = DEFAULT_COSTS,
    volumes: pd.DataFrame | None = None,
    highs: pd.DataFrame | None = None,
    lows: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    liquidity_cap: float | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    cash_rate: float = 0.0,
    params: Mapping[str, Any] | None = None,
    optimization_method: str = "EqualWeight",
    record_daily_weights: bool = False,
    membership: pd.DataFrame | None = None,
) -> BacktestResult:
    """Simulate ``weight_fn`` over ``prices`` between ``start`` and ``end`` (inclusive).

    Rows before ``start`` are history the weight function may use (warm-up); the portfolio
    starts in cash at the close of the first day ≥ ``start`` with ``initial_capital``.
    ``membership`` (date x ticker booleans, missing = not a member) restricts each decision
    to the tickers that were members on its date (see the module docstring).
    """
    check_prices(prices)
    if execution_delay < 0:
        raise ValueError("execution_delay must be ≥ 0")
    if initial_capital <= 0:
        raise ValueError("initial_capital must be positive")
    if liquidity_cap is not None and volumes is None:
        raise ValueError("a liquidity cap needs a volume matrix")
    prices = prices.astype(np.float64)
    index = pd.DatetimeIndex(prices.index)
    first, last = trading_window(index, start, end)
    executions = execution_positions(
        index, frequency, first=first, last=last, execution_delay=execution_delay
    )

    sim = Simulation(
        prices,
        weight_fn,
        first=first,
        last=last,
        execution_delay=execution_delay,
        initial_capital=float(initial_capital),
        costs=costs,
        volumes=aligned(volumes, prices, columns=True),
        highs=aligned(highs, prices, columns=True),
        lows=aligned(lows, prices, columns=True),
        reference=aligned(reference, prices, columns=False),
        liquidity_cap=liquidity_cap,
        risk_free_rate=risk_free_rate,
        cash_rate=cash_rate,
        params=dict(params or {}),
        optimization_method=optimization_method,
        record_daily_weights=record_daily_weights,
        membership=membership_mask(membership, prices),
    )
    sim.run(executions)

    dates = index[first : last + 1]
    equity = pd.Series(sim.equity[first : last + 1], index=dates, name="equity")
    with np.errstate(divide="ignore", invalid="ignore"):
        values = equity.to_numpy()
        daily = np.where(values[:-1] > 0, values[1:] / values[:-1] - 1.0, 0.0)
    returns = pd.Series(daily, index=dates[1:], name="returns")

    history = pd.DataFrame(
        np.array(sim.history).reshape(len(sim.history), len(prices.columns)),
        index=pd.DatetimeIndex(sim.history_dates),
        columns=prices.columns,
    )
    history = history.loc[:, (history != 0).any(axis=0)]
    trades = trades_frame(sim.trade_rows, index, prices.columns)
    final = pd.Series(sim.w, index=prices.columns)
    daily_weights = None
    if sim.daily_weights is not None:
        daily_weights = pd.DataFrame(
            sim.daily_weights[first : last + 1], index=dates, columns=prices.columns
        )
    return BacktestResult(
        equity=equity,
        returns=returns,
        weights=history,
        trades=trades,
        metrics=compute_metrics(returns, equity=equity, risk_free_rate=risk_free_rate),
        final_weights=final[final != 0],
        daily_weights=daily_weights,
        state=sim.state,
    )
