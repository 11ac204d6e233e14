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

Prices are forward-filled for valuation (a held asset that stops trading keeps its last
price). A target weight on an asset that has no price yet on the execution day cannot be
traded and stays in cash. With a liquidity cap, an asset's traded notional is capped at
``liquidity_cap`` x that day's volume x price (no volume → no trade); if capped sells leave
the portfolio above 100 % invested, buys are scaled down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.context import DecisionContext, WeightFunction
from strategies.engine.costs import DEFAULT_COSTS, CostModel, TradeCosts
from strategies.engine.metrics import DEFAULT_RISK_FREE_RATE, Metrics, compute_metrics
from strategies.engine.schedule import rebalance_positions

FloatArray = npt.NDArray[np.float64]

TRADE_COLUMNS = ["date", "ticker", "delta_weight", "notional", "fee", "slippage", "impact", "cost"]
# Weight changes below this are floating-point noise, not trades.
_MIN_TRADE = 1e-12
# Gross exposure may exceed 1 by rounding only.
_GROSS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class BacktestResult:
    equity: pd.Series
    returns: pd.Series
    # Post-trade target weights on each execution day (only tickers ever held).
    weights: pd.DataFrame
    trades: pd.DataFrame
    metrics: Metrics
    # Drifted weights at the last close (non-zero positions only).
    final_weights: pd.Series
    daily_weights: pd.DataFrame | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def final_value(self) -> float:
        return float(self.equity.iloc[-1])

    @property
    def total_costs(self) -> float:
        return float(self.trades["cost"].sum()) if not self.trades.empty else 0.0


def _aligned(
    frame: pd.DataFrame | None, like: pd.DataFrame, *, columns: bool
) -> pd.DataFrame | None:
    if frame is None:
        return None
    if columns:
        frame = frame.reindex(index=like.index, columns=like.columns)
    else:
        frame = frame.reindex(index=like.index)
    return frame.astype(np.float64)


def _check_prices(prices: pd.DataFrame) -> None:
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise ValueError("prices must be indexed by date")
    if not prices.index.is_monotonic_increasing or prices.index.has_duplicates:
        raise ValueError("prices dates must be unique and increasing")
    if prices.columns.has_duplicates:
        raise ValueError("prices tickers must be unique")
    if prices.empty:
        raise ValueError("prices is empty")


@dataclass(frozen=True)
class _Target:
    weights: FloatArray
    # Assets the strategy asked to keep as they are (NaN in its Series): not traded.
    hold: npt.NDArray[np.bool_]


def _target_array(raw: pd.Series | None, tickers: pd.Index) -> _Target | None:
    if raw is None:
        return None
    if not isinstance(raw, pd.Series):
        raise TypeError("a weight function must return a pandas Series or None")
    target = np.zeros(len(tickers))
    hold = np.zeros(len(tickers), dtype=bool)
    if raw.empty:
        return _Target(target, hold)
    values = raw.to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        raise ValueError("weights must be finite")
    positions = tickers.get_indexer(raw.index)
    unknown = (positions < 0) & (values != 0)
    if unknown.any():
        raise ValueError(f"weights for unknown tickers: {list(raw.index[unknown])[:5]}")
    known = positions >= 0
    held = known & np.isnan(values)
    hold[positions[held]] = True
    sized = known & ~held
    np.add.at(target, positions[sized], values[sized])
    gross = float(np.abs(target).sum())
    if gross > 1.0 + _GROSS_TOLERANCE:
        raise ValueError(f"gross exposure {gross:.6f} exceeds 1")
    return _Target(target, hold)


class _Simulation:
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
    ) -> None:
        self.prices = prices
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
        self.volumes, self.highs, self.lows, self.reference = volumes, highs, lows, reference
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
        # Trades are collected as arrays and framed once at the end (cheap per execution).
        self.trade_rows: list[tuple[int, npt.NDArray[np.intp], FloatArray, TradeCosts]] = []
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
    def decide(self, d: int) -> _Target | None:
        current = self.weights_at.get(d, np.zeros(len(self.tickers)))
        rows = slice(0, d + 1)

        def cut(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame.iloc[rows]

        context = DecisionContext(
            date=self.prices.index[d],
            current_weights=pd.Series(current, index=self.tickers),
            params=self.params,
            state=self.state,
            volumes=cut(self.volumes),
            highs=cut(self.highs),
            lows=cut(self.lows),
            reference=cut(self.reference),
            risk_free_rate=self.risk_free_rate,
            optimization_method=self.method,
        )
        return _target_array(self.weight_fn(self.prices.iloc[rows], context), self.tickers)

    def trade(self, e: int, decision: _Target | None) -> None:
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
        delta[np.abs(delta) < _MIN_TRADE] = 0.0
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


def _trades_frame(
    rows: list[tuple[int, npt.NDArray[np.intp], FloatArray, TradeCosts]],
    index: pd.DatetimeIndex,
    tickers: pd.Index,
) -> pd.DataFrame:
    if not rows:
        empty: dict[str, object] = {column: pd.Series(dtype=np.float64) for column in TRADE_COLUMNS}
        empty["date"] = pd.Series(dtype=index.dtype)
        empty["ticker"] = pd.Series(dtype=tickers.dtype)
        return pd.DataFrame(empty)
    days = np.concatenate([np.full(len(traded), e) for e, traded, _, _ in rows])
    assets = np.concatenate([traded for _, traded, _, _ in rows])
    fee = np.concatenate([c.fee for *_, c in rows])
    slippage = np.concatenate([c.slippage for *_, c in rows])
    impact = np.concatenate([c.impact for *_, c in rows])
    return pd.DataFrame(
        {
            "date": index[days],
            "ticker": tickers[assets],
            "delta_weight": np.concatenate([delta for _, _, delta, _ in rows]),
            "notional": np.concatenate([c.notional for *_, c in rows]),
            "fee": fee,
            "slippage": slippage,
            "impact": impact,
            "cost": fee + slippage + impact,
        }
    )


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
) -> BacktestResult:
    """Simulate ``weight_fn`` over ``prices`` between ``start`` and ``end`` (inclusive).

    Rows before ``start`` are history the weight function may use (warm-up); the portfolio
    starts in cash at the close of the first day ≥ ``start`` with ``initial_capital``.
    """
    _check_prices(prices)
    if execution_delay < 0:
        raise ValueError("execution_delay must be ≥ 0")
    if initial_capital <= 0:
        raise ValueError("initial_capital must be positive")
    if liquidity_cap is not None and volumes is None:
        raise ValueError("a liquidity cap needs a volume matrix")
    prices = prices.astype(np.float64)
    index = pd.DatetimeIndex(prices.index)
    first = 0 if start is None else int(index.searchsorted(pd.Timestamp(start), side="left"))
    last = len(index) - 1
    if end is not None:
        last = int(index.searchsorted(pd.Timestamp(end), side="right")) - 1
    if first > last:
        raise ValueError("no trading days between start and end")

    scheduled = rebalance_positions(index, frequency)
    opening = max(first, execution_delay)
    executions = np.unique(
        np.concatenate([[opening], scheduled[(scheduled > opening) & (scheduled <= last)]])
    ).astype(np.intp)
    executions = executions[executions <= last]

    sim = _Simulation(
        prices,
        weight_fn,
        first=first,
        last=last,
        execution_delay=execution_delay,
        initial_capital=float(initial_capital),
        costs=costs,
        volumes=_aligned(volumes, prices, columns=True),
        highs=_aligned(highs, prices, columns=True),
        lows=_aligned(lows, prices, columns=True),
        reference=_aligned(reference, prices, columns=False),
        liquidity_cap=liquidity_cap,
        risk_free_rate=risk_free_rate,
        cash_rate=cash_rate,
        params=dict(params or {}),
        optimization_method=optimization_method,
        record_daily_weights=record_daily_weights,
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
    trades = _trades_frame(sim.trade_rows, index, prices.columns)
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
