"""Backtest engine: schedule, costs by hand, drift, execution delay, no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from strategies.engine.backtest import run_backtest
from strategies.engine.context import DecisionContext
from strategies.engine.costs import NO_COSTS, CostModel
from strategies.engine.registry import run_strategy
from strategies.engine.schedule import rebalance_dates
from strategies.engine.synthetic import synthetic_market


def equal_weight(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    return pd.Series(1.0 / prices.shape[1], index=prices.columns)


def two_asset_prices() -> pd.DataFrame:
    dates = pd.DatetimeIndex(
        ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-01", "2024-03-04"]
    )
    return pd.DataFrame(
        {"A": [100, 100, 110, 121, 121, 133.1], "B": [100, 100, 100, 90, 90, 90]},
        index=dates,
        dtype=float,
    )


def random_prices(days: int = 300, assets: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    drift = np.linspace(-0.001, 0.002, assets)
    returns = rng.normal(drift, 0.015, (days, assets))
    return pd.DataFrame(
        100 * np.exp(np.cumsum(returns, axis=0)),
        index=pd.bdate_range("2021-01-04", periods=days),
        columns=[f"S{i}" for i in range(assets)],
    )


# -- schedule ---------------------------------------------------------------------------


def test_monthly_rebalances_on_the_first_trading_day_of_each_month():
    index = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-04"])

    assert list(rebalance_dates(index, "monthly").strftime("%Y-%m-%d")) == [
        "2024-01-30",
        "2024-02-01",
        "2024-03-04",
    ]


def test_weekly_rebalances_on_the_first_trading_day_of_each_week():
    # 2024-01-01 is a Monday; the 15th is a holiday in this index.
    index = pd.DatetimeIndex(["2024-01-04", "2024-01-05", "2024-01-08", "2024-01-12", "2024-01-16"])

    assert list(rebalance_dates(index, "weekly").strftime("%m-%d")) == ["01-04", "01-08", "01-16"]


def test_quarterly_and_daily_schedules():
    index = pd.bdate_range("2024-01-01", "2024-12-31")

    quarterly = rebalance_dates(index, "quarterly")
    assert list(quarterly.strftime("%m-%d")) == ["01-01", "04-01", "07-01", "10-01"]
    assert len(rebalance_dates(index, "daily")) == len(index)


def test_an_unknown_frequency_is_rejected():
    with pytest.raises(ValueError, match="hourly"):
        rebalance_dates(pd.bdate_range("2024-01-01", periods=3), "hourly")


# -- costs ------------------------------------------------------------------------------


def test_cost_model_by_hand():
    costs = CostModel().costs(np.array([0.5, -0.004, 0.008, -0.2]), 100_000.0)

    assert costs.notional.tolist() == pytest.approx([50_000, 400, 800, 20_000])
    assert costs.fee.tolist() == [3.0, 0.0, 3.0, 3.0]  # fee only above 0.5 %
    assert costs.slippage.tolist() == pytest.approx([2.5, 0.02, 0.04, 1.0])
    # impact only above 1 %: notional * 0.25 bp * sqrt(|dw| / 0.05)
    assert costs.impact.tolist() == pytest.approx(
        [50_000 * 0.25e-4 * math.sqrt(10), 0.0, 0.0, 20_000 * 0.25e-4 * 2.0]
    )


# -- a two-asset portfolio worked out by hand --------------------------------------------


def cost_of(delta: float, equity: float) -> float:
    notional = abs(delta) * equity
    fee = 3.0 if abs(delta) > 0.005 else 0.0
    impact = notional * 0.25e-4 * math.sqrt(abs(delta) / 0.05) if abs(delta) > 0.01 else 0.0
    return fee + notional * 0.5e-4 + impact


def test_two_asset_equal_weight_monthly_rebalance_with_costs_by_hand():
    result = run_backtest(
        two_asset_prices(), equal_weight, frequency="monthly", initial_capital=100_000
    )

    # Jan 31: first execution (decided on Jan 30): buy 50 % of each from cash.
    e1 = 100_000 - 2 * cost_of(0.5, 100_000)
    # Feb 1 (rebalance day): A +10 %, B flat; drifted A = 0.55 / 1.05, trade back to 1/2.
    e2_pre = e1 * 1.05
    drift = 0.55 / 1.05 - 0.5
    e2 = e2_pre - 2 * cost_of(drift, e2_pre)
    # Feb 2 (no rebalance): A +10 %, B -10 %: value unchanged, weights drift to 55/45.
    e3 = e2 * (0.5 * 1.1 + 0.5 * 0.9)
    # Mar 1 (rebalance day): prices unchanged; trade 5 % of equity each way.
    e4 = e3 - 2 * cost_of(0.05, e3)
    # Mar 4: A +10 %.
    e5 = e4 * 1.05

    assert result.equity.tolist() == pytest.approx([100_000, e1, e2, e3, e4, e5], rel=1e-12)
    assert result.returns.iloc[0] == pytest.approx(e1 / 100_000 - 1)
    assert result.final_value == pytest.approx(e5)
    rebalance_days = pd.DatetimeIndex(result.weights.index).strftime("%m-%d")
    assert list(rebalance_days) == ["01-31", "02-01", "03-01"]
    assert (
        result.trades["date"].dt.strftime("%m-%d").tolist()
        == ["01-31"] * 2 + ["02-01"] * 2 + ["03-01"] * 2
    )
    assert result.trades["delta_weight"].tolist() == pytest.approx(
        [0.5, 0.5, -drift, drift, -0.05, 0.05]
    )
    assert result.trades["fee"].tolist() == [3.0] * 6
    assert result.total_costs == pytest.approx(
        2 * cost_of(0.5, 100_000) + 2 * cost_of(drift, e2_pre) + 2 * cost_of(0.05, e3)
    )
    assert result.final_weights.to_dict() == pytest.approx({"A": 0.55 / 1.05, "B": 0.5 / 1.05})
    assert result.metrics["total_return"] == pytest.approx(e5 / 100_000 - 1)


def test_weights_drift_with_prices_between_rebalances():
    result = run_backtest(
        two_asset_prices(),
        equal_weight,
        frequency="monthly",
        costs=NO_COSTS,
        record_daily_weights=True,
    )

    daily = result.daily_weights
    assert daily is not None

    def on(day: str) -> list[float]:
        return [float(w) for w in daily.loc[pd.Timestamp(day)].to_numpy()]

    assert on("2024-02-02") == pytest.approx([0.55, 0.45])
    assert on("2024-03-01") == pytest.approx([0.5, 0.5])  # rebalanced
    assert on("2024-03-04") == pytest.approx([0.55 / 1.05, 0.5 / 1.05])


def test_cash_is_the_remainder_and_does_not_move():
    def half_in_a(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
        return pd.Series({"A": 0.5})

    result = run_backtest(two_asset_prices(), half_in_a, costs=NO_COSTS)

    # Half the money stays as cash; A gains 10 % on Feb 1, Feb 2 and Mar 4, and the rebalances
    # of Feb 1 and Mar 1 restore the half: each +10 % day adds 5 %.
    assert result.final_value == pytest.approx(100_000 * 1.05**3)


# -- execution delay ----------------------------------------------------------------------


def test_weights_decided_on_the_previous_close_trade_at_the_next_close():
    seen: list[tuple[str, str]] = []

    def spy(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
        seen.append((str(prices.index[-1].date()), str(context.date.date())))
        return pd.Series({"A": 1.0})

    result = run_backtest(two_asset_prices(), spy, costs=NO_COSTS)

    # Executions Jan 31, Feb 1, Mar 1 see data up to Jan 30, Jan 31, Feb 2.
    assert seen == [
        ("2024-01-30", "2024-01-30"),
        ("2024-01-31", "2024-01-31"),
        ("2024-02-02", "2024-02-02"),
    ]
    # Bought at the Jan 31 close (100), so Feb 1's +10 % is earned; Jan 31 itself is flat.
    assert result.equity.loc["2024-01-31"] == 100_000
    assert result.final_value == pytest.approx(133_100)


def test_a_longer_delay_trades_later():
    prices = two_asset_prices()

    result = run_backtest(
        prices, lambda p, c: pd.Series({"A": 1.0}), costs=NO_COSTS, execution_delay=2
    )

    assert result.trades["date"].iloc[0] == pd.Timestamp("2024-02-01")
    # Bought at 110 on Feb 1: ends at 133.1 / 110.
    assert result.final_value == pytest.approx(100_000 * 133.1 / 110)


def test_zero_delay_trades_at_the_decision_close():
    result = run_backtest(
        two_asset_prices(), lambda p, c: pd.Series({"A": 1.0}), costs=NO_COSTS, execution_delay=0
    )

    assert result.trades["date"].iloc[0] == pd.Timestamp("2024-01-30")


def test_the_strategy_sees_its_current_drifted_weights():
    seen: list[dict[str, float]] = []

    def spy(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
        seen.append({str(k): float(v) for k, v in context.current_weights.round(6).items()})
        return pd.Series({"A": 0.5, "B": 0.5})

    run_backtest(two_asset_prices(), spy, costs=NO_COSTS)

    # Decided on Feb 2's close: the Feb 1 rebalance to 50/50 drifted to 55/45.
    assert seen[-1] == {"A": 0.55, "B": 0.45}
    assert seen[0] == {"A": 0.0, "B": 0.0}


# -- no look-ahead ------------------------------------------------------------------------


def held(weights: pd.DataFrame) -> pd.DataFrame:
    return weights.loc[:, (weights != 0).any(axis=0)]


@pytest.mark.parametrize(
    ("strategy", "parameters"),
    [
        ("Momentum", {"lookback": 60, "skip": 5, "top_n": 2}),
        ("Dual_Momentum", {"abs_lookback": 60, "rel_lookback": 30}),
        ("HRP", {"lookback": 60}),
        ("InverseVolatility", {"lookback": 20}),
        ("Residual_Momentum", {"lookback": 100}),
        ("OLMAR", {}),
        ("Stat_Arb", {}),
        ("Meta_Labeling", {"n_estimators": 5}),
        ("Regime_Detection", {"lookback": 126}),
        ("NCO", {}),
    ],
)
@pytest.mark.parametrize("poison", [np.nan, 1e9])
def test_poisoned_future_prices_do_not_change_the_past(strategy, parameters, poison):
    # Long enough for every strategy to trade before the cut (Stat_Arb and NCO need a year).
    prices = random_prices(days=360)
    cut = prices.index[300]
    poisoned = prices.copy()
    poisoned.loc[poisoned.index > cut] = poison

    kwargs = {"parameters": parameters, "optimization_method": "InverseVol"}
    clean = run_strategy(strategy, prices, **kwargs)
    dirty = run_strategy(strategy, poisoned, **kwargs)

    pd.testing.assert_series_equal(clean.equity.loc[:cut], dirty.equity.loc[:cut])
    pd.testing.assert_frame_equal(held(clean.weights.loc[:cut]), held(dirty.weights.loc[:cut]))
    clean_trades = clean.trades[clean.trades["date"] <= cut].reset_index(drop=True)
    dirty_trades = dirty.trades[dirty.trades["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(clean_trades, dirty_trades)


@pytest.mark.parametrize("strategy", ["Short_Vol", "Quallamaggie", "Momentum"])
@pytest.mark.parametrize("poison", [np.nan, 1e9])
def test_poisoning_every_input_after_the_cut_changes_nothing_before_it(strategy, poison):
    # Closes, highs, lows, volumes, the ^VIX/SPY references and the membership mask.
    market = synthetic_market(12, 360, seed=11)
    close = market.close.copy()
    close["SVXY"] = 50 * np.exp(np.cumsum(np.full(360, 0.0004)))
    high = market.high.reindex(columns=close.columns).fillna(close * 1.01)
    low = market.low.reindex(columns=close.columns).fillna(close * 0.99)
    volume = market.volume.reindex(columns=close.columns).fillna(1e6)
    days = np.arange(360)
    reference = pd.DataFrame(
        {"^VIX": 16 + 6 * np.sin(days / 15.0), "SPY": close.mean(axis=1)}, index=close.index
    )
    membership = pd.DataFrame(True, index=close.index, columns=close.columns)
    membership.iloc[200:, :3] = False
    cut = close.index[300]
    after = close.index > cut

    def poisoned(frame: pd.DataFrame) -> pd.DataFrame:
        dirty = frame.copy()
        dirty.loc[after] = poison
        return dirty

    dirty_membership = membership.copy()
    dirty_membership.loc[after] = ~membership.loc[after]
    parameters = {"top_n": 3, "lookback": 60, "skip": 5} if strategy == "Momentum" else None
    clean = run_strategy(
        strategy,
        close,
        parameters=parameters,
        volumes=volume,
        highs=high,
        lows=low,
        reference=reference,
        membership=membership,
    )
    dirty = run_strategy(
        strategy,
        poisoned(close),
        parameters=parameters,
        volumes=poisoned(volume),
        highs=poisoned(high),
        lows=poisoned(low),
        reference=poisoned(reference),
        membership=dirty_membership,
    )

    assert len(clean.trades[clean.trades["date"] <= cut]) > 0 or strategy == "Quallamaggie"
    pd.testing.assert_series_equal(clean.equity.loc[:cut], dirty.equity.loc[:cut])
    clean_trades = clean.trades[clean.trades["date"] <= cut].reset_index(drop=True)
    dirty_trades = dirty.trades[dirty.trades["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(clean_trades, dirty_trades)


def test_the_weight_function_never_receives_rows_after_the_decision_date():
    prices = random_prices(days=80)
    volumes = prices * 0 + 1e6

    def spy(p: pd.DataFrame, context: DecisionContext) -> pd.Series:
        assert p.index[-1] == context.date
        assert context.volumes is not None
        assert context.volumes.index[-1] == context.date
        return pd.Series(dtype=float)

    run_backtest(prices, spy, frequency="daily", volumes=volumes)


# -- limits and validation ----------------------------------------------------------------


def test_the_liquidity_cap_limits_each_trade_to_a_share_of_the_days_volume():
    prices = two_asset_prices()
    volumes = prices * 0 + 1_000  # 1 000 shares a day

    result = run_backtest(prices, equal_weight, costs=NO_COSTS, volumes=volumes, liquidity_cap=0.02)

    first = result.trades[result.trades["date"] == pd.Timestamp("2024-01-31")]
    # 2 % of 1 000 shares at 100 = 2 000 of 100 000 equity.
    assert first["delta_weight"].tolist() == pytest.approx([0.02, 0.02])


def test_a_target_on_an_asset_without_a_price_stays_in_cash():
    prices = two_asset_prices()
    prices.loc[:"2024-02-01", "B"] = np.nan

    result = run_backtest(prices, lambda p, c: pd.Series({"A": 0.5, "B": 0.5}), costs=NO_COSTS)

    first = result.weights.iloc[0]
    assert first["A"] == 0.5
    assert first.get("B", 0.0) == 0.0


def test_leverage_and_unknown_tickers_are_rejected():
    prices = two_asset_prices()

    with pytest.raises(ValueError, match="gross exposure"):
        run_backtest(prices, lambda p, c: pd.Series({"A": 0.8, "B": -0.4}))
    with pytest.raises(ValueError, match="unknown tickers"):
        run_backtest(prices, lambda p, c: pd.Series({"ZZZ": 0.5}))
    with pytest.raises(ValueError, match="finite"):
        run_backtest(prices, lambda p, c: pd.Series({"A": np.inf}))


def test_none_means_no_trade_and_nan_means_hold_the_position():
    calls: list[int] = []

    def first_then_hold(prices: pd.DataFrame, context: DecisionContext) -> pd.Series | None:
        calls.append(len(prices))
        if len(calls) == 1:
            return pd.Series({"A": 0.5, "B": 0.5})
        if len(calls) == 2:
            return None  # Feb 1: no trade at all
        return pd.Series({"A": np.nan, "B": 0.2})  # Mar 1: keep A as it drifted, cut B

    result = run_backtest(
        two_asset_prices(), first_then_hold, costs=NO_COSTS, record_daily_weights=True
    )

    assert result.trades["date"].dt.strftime("%m-%d").tolist() == ["01-31", "01-31", "03-01"]
    # Mar 1 before trading: A and B drifted to 0.55 * 1.1 / V and 0.5 * 0.9 / V.
    value = 0.5 * 1.1 * 1.1 + 0.5 * 0.9
    assert result.trades.iloc[-1]["ticker"] == "B"
    assert result.trades.iloc[-1]["delta_weight"] == pytest.approx(0.2 - 0.45 / value)
    assert result.weights.loc["2024-03-01", "A"] == pytest.approx(0.605 / value)


def test_shorts_are_allowed_within_gross_exposure():
    result = run_backtest(
        two_asset_prices(), lambda p, c: pd.Series({"A": 0.5, "B": -0.5}), costs=NO_COSTS
    )

    # Feb 1: A +10 % (+5 %); Feb 2: A +10 % and B -10 % (+10 %); Mar 4: A +10 % (+5 %).
    assert result.final_value == pytest.approx(100_000 * 1.05 * 1.1 * 1.05)


def test_start_and_end_bound_the_simulation_but_not_the_history():
    prices = random_prices(days=100)
    lengths: list[int] = []

    def spy(p: pd.DataFrame, context: DecisionContext) -> pd.Series:
        lengths.append(len(p))
        return pd.Series(dtype=float)

    result = run_backtest(prices, spy, start=prices.index[50], end=prices.index[80])

    assert result.equity.index[0] == prices.index[50]
    assert result.equity.index[-1] == prices.index[80]
    assert lengths[0] == 50  # decided on day 49 with all the warm-up history
    assert (result.equity == 100_000).all()


def test_bad_price_frames_are_rejected():
    prices = two_asset_prices()

    with pytest.raises(ValueError, match="indexed by date"):
        run_backtest(prices.reset_index(drop=True), equal_weight)
    with pytest.raises(ValueError, match="increasing"):
        run_backtest(prices.iloc[::-1], equal_weight)
    with pytest.raises(ValueError, match="volume"):
        run_backtest(prices, equal_weight, liquidity_cap=0.02)
