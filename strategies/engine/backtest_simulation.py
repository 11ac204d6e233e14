"""The day-by-day state of one run: drift between executions, decide, trade.

See :mod:`strategies.engine.backtest` for the timeline and the accounting this implements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.backtest_membership import (
    BoolArray,
    EligibleFrames,
    MarketFrames,
    members_only,
)
from strategies.engine.backtest_result import TradeRow
from strategies.engine.backtest_targets import FloatArray, Target, target_array
from strategies.engine.context import DecisionContext, WeightFunction
from strategies.engine.costs import CostModel

# Weight changes below this are floating-point noise, not trades.
MIN_TRADE = 1e-12


class Simulation:
    """State of one run; ``run_backtest`` is the public entry point."""

    def __init__(
        self,
        prices: pd.DataFrame,
        weight_fn: WeightFunction,
        *,
        first: int,
        last: int,
        execution_delay: int,
        initial_capital: float,
        costs: CostModel,
        volumes: pd.DataFrame | None,
        highs: pd.DataFrame | None,
        lows: pd.DataFrame | None,
        reference: pd.DataFrame | None,
        liquidity_cap: float | None,
        risk_free_rate: float,
        cash_rate: float,
        params: Mapping[str, Any],
        optimization_method: str,
        record_daily_weights: bool,
        membership: BoolArray | None = None,
    ) -> None:
        self.prices = prices
        self.membership = membership
        self.eligible = EligibleFrames(MarketFrames(prices, volumes, highs, lows), membership)
        self.weight_fn = weight_fn
        self.tickers = prices.columns
        raw = prices.to_numpy(dtype=np.float64, copy=True)
        raw[~(raw > 0)] = np.nan  # non-positive prices are bad data
        self.close = raw
        # Forward fill is causal: row t only uses rows ≤ t.
        self.valuation = pd.DataFrame(raw).ffill().to_numpy(dtype=np.float64)
        self.first, self.last = first, last
        self.delay = execution_delay
        self.costs = costs
        self.reference = reference
        self.volume_values = None if volumes is None else volumes.to_numpy(dtype=np.float64)
        self.liquidity_cap = liquidity_cap
        self.risk_free_rate = risk_free_rate
        self.cash_daily = (1.0 + cash_rate) ** (1.0 / 252) - 1.0
        self.params = params
        self.method = optimization_method
        self.state: dict[str, Any] = {}

        n_days, n_assets = raw.shape
        self.equity = np.full(n_days, np.nan)
        self.daily_weights = np.zeros((n_days, n_assets)) if record_daily_weights else None
        self.weights_at: dict[int, FloatArray] = {}
        self.needed: set[int] = set()
        self.w = np.zeros(n_assets)
        self.cash = 1.0
        self.value = initial_capital
        self.trade_rows: list[TradeRow] = []
        self.history_dates: list[pd.Timestamp] = []
        self.history: list[FloatArray] = []

    # -- drift -------------------------------------------------------------------------
    def advance(self, s: int, e: int) -> None:
        """Move from the close of ``s`` to the close of ``e`` without trading."""
        if e <= s:
            return
        k = e - s
        held = np.flatnonzero(self.w)
        growth = self.valuation[s + 1 : e + 1][:, held] / self.valuation[s, held]
        port = growth @ self.w[held] if held.size else np.zeros(k)
        cash = self.cash * (1.0 + self.cash_daily) ** np.arange(1, k + 1)
        rel = cash + port
        bust = np.flatnonzero(rel <= 0)
        if bust.size:
            # Shorts or costs wiped the account out: it stays at zero from then on.
            rel[bust[0] :] = 0.0
        self.equity[s + 1 : e + 1] = self.value * rel
        with np.errstate(divide="ignore", invalid="ignore"):
            drifted = np.where(rel[:, None] > 0, growth * self.w[held] / rel[:, None], 0.0)
        for t in self.needed.intersection(range(s + 1, e + 1)):
            weights = np.zeros(len(self.tickers))
            weights[held] = drifted[t - s - 1]
            self.weights_at[t] = weights
        if self.daily_weights is not None:
            self.daily_weights[s + 1 : e + 1][:, held] = drifted
        self.value *= float(rel[-1])
        new_w = np.zeros(len(self.tickers))
        new_w[held] = drifted[-1]
        self.w = new_w
        self.cash = float(cash[-1] / rel[-1]) if rel[-1] > 0 else 0.0

    # -- decide and trade -----------------------------------------------------------------
    def decide(self, d: int) -> Target | None:
        current = self.weights_at.get(d, np.zeros(len(self.tickers)))
        rows = slice(0, d + 1)
        frames = self.eligible.on(d)

        def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame.iloc[rows]

        context = DecisionContext(
            date=self.prices.index[d],
            current_weights=pd.Series(current, index=self.tickers),
            params=self.params,
            state=self.state,
            volumes=cut(frames.volumes),
            highs=cut(frames.highs),
            lows=cut(frames.lows),
            reference=cut(self.reference),
            risk_free_rate=self.risk_free_rate,
            optimization_method=self.method,
        )
        decision = target_array(self.weight_fn(frames.prices.iloc[rows], context), self.tickers)
        if self.membership is None:
            return decision
        return members_only(decision, self.membership[d], current)

    def trade(self, e: int, decision: Target | None) -> None:
        if self.value <= 0 or decision is None:
            return
        price = self.valuation[e]
        target = np.where(np.isfinite(price), decision.weights, 0.0)
        target[decision.hold] = self.w[decision.hold]
        excess = float(np.abs(target).sum()) - 1.0
        if excess > 0:
            # Held positions drifted up since the decision: trim the new longs to fit.
            fresh = ~decision.hold & (target > 0)
            room = float(target[fresh].sum())
            target[fresh] *= max(0.0, 1.0 - excess / room) if room > 0 else 0.0
        delta = target - self.w
        if self.liquidity_cap is not None and self.volume_values is not None:
            volume = np.nan_to_num(self.volume_values[e], nan=0.0)
            close = np.nan_to_num(self.close[e], nan=0.0)
            max_delta = self.liquidity_cap * volume * close / self.value
            delta = np.clip(delta, -max_delta, max_delta)
            excess = float((self.w + delta).sum()) - 1.0
            buys = delta > 0
            if excess > 0 and buys.any():
                delta[buys] *= max(0.0, 1.0 - excess / float(delta[buys].sum()))
        delta[np.abs(delta) < MIN_TRADE] = 0.0
        traded = np.flatnonzero(delta)
        if traded.size:
            costs = self.costs.costs(delta[traded], self.value)
            self.trade_rows.append((e, traded, delta[traded], costs))
            self.value = max(0.0, self.value - costs.total)
        self.w = self.w + delta
        self.cash = 1.0 - float(self.w.sum())
        self.equity[e] = self.value
        self.history_dates.append(self.prices.index[e])
        self.history.append(self.w.copy())
        if self.daily_weights is not None:
            self.daily_weights[e] = self.w

    # -- whole run ---------------------------------------------------------------------
    def run(self, executions: npt.NDArray[np.intp]) -> None:
        self.needed = {int(e) - self.delay for e in executions}
        self.equity[self.first] = self.value
        s = self.first
        for e in executions:
            e = int(e)
            self.advance(s, e)
            d = e - self.delay
            if e in self.needed:  # delay 0: the decision sees the pre-trade weights of e
                self.weights_at[e] = self.w.copy()
            self.trade(e, self.decide(d))
            if e in self.needed:
                self.weights_at[e] = self.w.copy()
            self.weights_at = {t: w for t, w in self.weights_at.items() if t >= e - self.delay}
            s = e
        self.advance(s, self.last)
