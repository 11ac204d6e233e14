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


def _membership_mask(
    membership: pd.DataFrame | None, prices: pd.DataFrame
) -> npt.NDArray[np.bool_] | None:
    """``membership`` on the prices' dates and tickers; a date or ticker it lacks is False."""
    if membership is None:
        return None
    if not isinstance(membership.index, pd.DatetimeIndex):
        raise ValueError("membership must be indexed by date")
    aligned = membership.astype(bool).reindex(
        index=prices.index, columns=prices.columns, fill_value=False
    )
    return np.asarray(aligned.to_numpy(dtype=bool), dtype=np.bool_)


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


@dataclass(frozen=True)
class _Frames:
    prices: pd.DataFrame
    volumes: pd.DataFrame | None
    highs: pd.DataFrame | None
    lows: pd.DataFrame | None


def _members_only(
    decision: _Target | None, members: npt.NDArray[np.bool_], current: FloatArray
) -> _Target | None:
    """``decision`` with every non-member at 0; "no trade" still sells departed tickers."""
    outside = ~members
    if decision is None:
        if not (outside & (current != 0)).any():
            return None
        # Keep every member as it is (hold) and sell the rest.
        return _Target(np.zeros(len(members)), members.copy())
    weights = decision.weights.copy()
    weights[outside] = 0.0
    return _Target(weights, decision.hold & members)


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
        membership: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        self.prices = prices
        self.membership = membership
        # Member-only frames of the last membership set seen (it changes rarely).
        self._eligible_key: bytes | None = None
        self._eligible = _Frames(prices, volumes, highs, lows)
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
    def _frames(self, d: int) -> _Frames:
        """Prices, volumes, highs and lows with the columns the strategy may see on ``d``."""
        full = _Frames(self.prices, self.volumes, self.highs, self.lows)
        if self.membership is None:
            return full
        eligible = self.membership[d]
        if eligible.all():
            return full
        key = eligible.tobytes()
        if key != self._eligible_key:
            columns = np.flatnonzero(eligible)

            def pick(frame: pd.DataFrame | None) -> pd.DataFrame | None:
                return None if frame is None else frame.iloc[:, columns]

            self._eligible = _Frames(
                self.prices.iloc[:, columns], pick(self.volumes), pick(self.highs), pick(self.lows)
            )
            self._eligible_key = key
        return self._eligible

    def decide(self, d: int) -> _Target | None:
        current = self.weights_at.get(d, np.zeros(len(self.tickers)))
        rows = slice(0, d + 1)
        frames = self._frames(d)

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
        decision = _target_array(self.weight_fn(frames.prices.iloc[rows], context), self.tickers)
        if self.membership is None:
            return decision
        return _members_only(decision, self.membership[d], current)

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
    membership: pd.DataFrame | None = None,
) -> BacktestResult:
    """Simulate ``weight_fn`` over ``prices`` between ``start`` and ``end`` (inclusive).

    Rows before ``start`` are history the weight function may use (warm-up); the portfolio
    starts in cash at the close of the first day ≥ ``start`` with ``initial_capital``.
    ``membership`` (date x ticker booleans, missing = not a member) restricts each decision
    to the tickers that were members on its date (see the module docstring).
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
        membership=_membership_mask(membership, prices),
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
