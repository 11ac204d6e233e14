"""Point-in-time universes in the engine: a decision only sees, and only holds, the tickers
that were members of the universe on its date (no survivorship bias)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from strategies.engine.backtest import run_backtest
from strategies.engine.context import DecisionContext
from strategies.engine.costs import NO_COSTS
from strategies.engine.registry import STRATEGIES, run_strategy
from strategies.engine.synthetic import synthetic_market


def three_assets(days: int = 60) -> pd.DataFrame:
    dates = pd.bdate_range("2024-01-01", periods=days)
    return pd.DataFrame(
        {
            "A": np.linspace(100, 120, days),
            "B": np.linspace(100, 90, days),
            "C": np.linspace(100, 150, days),
        },
        index=dates,
    )


def mask(prices: pd.DataFrame, **intervals: tuple[str | None, str | None]) -> pd.DataFrame:
    """Membership from ``ticker=(start, end)`` intervals, start inclusive, end exclusive."""
    frame = pd.DataFrame(False, index=prices.index, columns=prices.columns)
    for ticker, (start, end) in intervals.items():
        inside = np.ones(len(prices), dtype=bool)
        if start is not None:
            inside &= prices.index >= pd.Timestamp(start)
        if end is not None:
            inside &= prices.index < pd.Timestamp(end)
        frame[ticker] = inside
    return frame


def row(frame: pd.DataFrame, day: str) -> list[float]:
    return [float(x) for x in frame.loc[pd.Timestamp(day)].to_numpy()]


def equal_weight_of_visible(prices: pd.DataFrame, context: DecisionContext) -> pd.Series:
    return pd.Series(1.0 / prices.shape[1], index=prices.columns)


def test_each_decision_sees_only_the_members_of_its_date_with_their_whole_history():
    prices = three_assets()
    volumes = prices * 0 + 1e6
    membership = mask(prices, A=(None, None), B=(None, "2024-02-01"), C=("2024-02-15", None))
    seen: dict[pd.Timestamp, tuple[list[str], int, list[str]]] = {}

    def spy(p: pd.DataFrame, context: DecisionContext) -> pd.Series:
        assert context.volumes is not None
        seen[context.date] = (list(p.columns), len(p), list(context.volumes.columns))
        return equal_weight_of_visible(p, context)

    run_backtest(
        prices, spy, frequency="daily", volumes=volumes, costs=NO_COSTS, membership=membership
    )

    assert seen[pd.Timestamp("2024-01-31")] == (["A", "B"], 23, ["A", "B"])
    assert seen[pd.Timestamp("2024-02-01")] == (["A"], 24, ["A"])
    assert seen[pd.Timestamp("2024-02-14")] == (["A"], 33, ["A"])
    # C joins: the strategy gets C's history from before it joined (look-back windows).
    assert seen[pd.Timestamp("2024-02-15")] == (["A", "C"], 34, ["A", "C"])


def test_a_ticker_is_bought_after_it_joins_and_sold_after_it_leaves():
    prices = three_assets()
    membership = mask(prices, A=(None, None), B=(None, "2024-02-01"), C=("2024-02-15", None))

    result = run_backtest(
        prices,
        equal_weight_of_visible,
        frequency="daily",
        costs=NO_COSTS,
        membership=membership,
        record_daily_weights=True,
    )

    daily = result.daily_weights
    assert daily is not None
    # B leaves on Feb 1: the Jan 31 decision still bought it (traded Feb 1), the Feb 1
    # decision sells it (traded Feb 2).
    assert row(daily, "2024-02-01") == pytest.approx([0.5, 0.5, 0.0])
    assert row(daily, "2024-02-02") == pytest.approx([1.0, 0.0, 0.0])
    # C is a member from Feb 15: decided that close, first held on Feb 16.
    assert daily.at[pd.Timestamp("2024-02-15"), "C"] == 0.0
    assert row(daily, "2024-02-16") == pytest.approx([0.5, 0.0, 0.5])
    assert (daily.loc[:"2024-02-15", "C"] == 0).all()
    assert (daily.loc["2024-02-02":, "B"] == 0).all()
    b_trades = result.trades[result.trades["ticker"] == "B"]
    assert b_trades["date"].iloc[-1] == pd.Timestamp("2024-02-02")
    assert b_trades["delta_weight"].iloc[-1] < -0.49


def test_weights_on_non_members_are_dropped_not_redistributed():
    prices = three_assets(days=80)
    membership = mask(prices, A=(None, None), B=(None, None), C=("2024-03-01", None))

    result = run_backtest(
        prices,
        lambda p, c: pd.Series({"A": 0.3, "B": 0.3, "C": 0.4}),
        costs=NO_COSTS,
        membership=membership,
    )

    # Until C joins, its 40 % stays in cash. The Mar 1 execution was decided on Feb 29's
    # close, before C joined; the Apr 1 one buys it.
    history = result.weights.round(12)
    assert pd.DatetimeIndex(history.index).strftime("%m-%d").tolist() == [
        "01-02",
        "02-01",
        "03-01",
        "04-01",
    ]
    assert history["C"].tolist() == [0.0, 0.0, 0.0, 0.4]
    assert history["A"].tolist() == pytest.approx([0.3] * 4)


def test_no_trade_and_hold_still_sell_a_ticker_that_left():
    prices = three_assets()
    membership = mask(prices, A=(None, None), B=(None, "2024-02-01"), C=(None, None))
    calls: list[int] = []

    def buy_then_hold(p: pd.DataFrame, context: DecisionContext) -> pd.Series | None:
        calls.append(len(p))
        if len(calls) == 1:
            return pd.Series({"A": 0.3, "B": 0.3, "C": 0.3})
        if len(calls) % 2 == 0:
            return None
        return pd.Series(np.nan, index=context.current_weights.index)  # hold everything

    result = run_backtest(
        prices,
        buy_then_hold,
        frequency="daily",
        costs=NO_COSTS,
        membership=membership,
        record_daily_weights=True,
    )

    b_trades = result.trades[result.trades["ticker"] == "B"]
    assert b_trades["date"].dt.strftime("%m-%d").tolist() == ["01-02", "02-02"]
    assert float(b_trades["delta_weight"].iloc[-1]) < 0
    daily = result.daily_weights
    assert daily is not None
    assert (daily.loc["2024-02-02":, "B"] == 0).all()
    # A and C were never traded again: they drifted untouched.
    assert result.trades["ticker"].tolist().count("A") == 1
    assert result.trades["ticker"].tolist().count("C") == 1


def test_without_membership_or_with_everyone_a_member_the_run_is_unchanged():
    prices = three_assets()
    everyone = mask(prices, A=(None, None), B=(None, None), C=(None, None))

    plain = run_backtest(prices, equal_weight_of_visible, frequency="weekly")
    masked = run_backtest(prices, equal_weight_of_visible, frequency="weekly", membership=everyone)

    pd.testing.assert_series_equal(plain.equity, masked.equity)
    pd.testing.assert_frame_equal(plain.trades, masked.trades)


def test_momentum_cannot_pick_a_winner_before_it_joined_the_index():
    # WIN rises the most all along but only joins the index on the cut: the survivor that a
    # today's-members universe would buy from the first day.
    rng = np.random.default_rng(3)
    days = 520
    dates = pd.bdate_range("2020-01-01", periods=days)
    drifts = {"WIN": 0.003, "UP": 0.001, "FLAT": 0.0, "DOWN": -0.001}
    prices = pd.DataFrame(
        {k: 100 * np.exp(np.cumsum(rng.normal(d, 0.005, days))) for k, d in drifts.items()},
        index=dates,
    )
    joined = dates[400]
    membership = mask(prices, WIN=(str(joined.date()), None), UP=(None, None))
    membership["FLAT"] = True
    membership["DOWN"] = True
    kwargs: dict[str, Any] = {
        "start": dates[260],
        "parameters": {"top_n": 1},
        "optimization_method": "EqualWeight",
    }

    biased = run_strategy("Momentum", prices, **kwargs)
    point_in_time = run_strategy("Momentum", prices, membership=membership, **kwargs)

    assert set(biased.weights.columns) == {"WIN"}
    assert (point_in_time.weights.loc[:joined, "WIN"] == 0).all()
    assert (point_in_time.weights.loc[:joined, "UP"] > 0).all()
    assert point_in_time.final_weights.index.tolist() == ["WIN"]


# Residual_Momentum needs two years of history, Quallamaggie a breakout and Short_Vol holds
# one asset: they do not trade both groups on this market (they still may not hold outsiders).
QUIET_ON_THIS_MARKET = {"Residual_Momentum", "Quallamaggie", "Short_Vol"}


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_every_catalogue_strategy_respects_a_changing_membership(name: str) -> None:
    market = synthetic_market(24, 420, seed=5)
    close = market.close.copy()
    for ticker in ("SPY", "TLT"):
        close[ticker] = market.close.mean(axis=1) * (1.1 if ticker == "SPY" else 0.9)
    high = market.high.reindex(columns=close.columns).fillna(close * 1.01)
    low = market.low.reindex(columns=close.columns).fillna(close * 0.99)
    volume = market.volume.reindex(columns=close.columns).fillna(1e6)
    dates = close.index
    # A third of the tickers leave on day 330, another third join on day 340.
    membership = pd.DataFrame(True, index=dates, columns=close.columns)
    leavers, joiners = list(close.columns[:8]), list(close.columns[8:16])
    membership.loc[dates >= dates[330], leavers] = False
    membership.loc[dates < dates[340], joiners] = False
    reference = pd.DataFrame({"^VIX": 15 + 2 * np.sin(np.arange(len(dates)) / 20.0)}, index=dates)

    result = run_strategy(
        name,
        close,
        start=dates[260],
        parameters={"n_estimators": 5} if name == "Meta_Labeling" else None,
        optimization_method="InverseVol",
        volumes=volume,
        highs=high,
        lows=low,
        reference=reference,
        membership=membership,
    )

    held = result.weights.reindex(columns=close.columns, fill_value=0.0)
    # Each execution was decided on the previous close.
    decided = dates[dates.get_indexer(held.index) - 1]
    allowed = membership.loc[decided].set_axis(held.index)
    assert not (held.to_numpy()[~allowed.to_numpy()] != 0).any()
    assert (held.loc[held.index > dates[331], leavers] == 0).all().all()
    assert np.isfinite(result.equity.to_numpy()).all()
    if name not in QUIET_ON_THIS_MARKET:
        # Not vacuous: leavers were held before they left, joiners after they joined.
        assert (held.loc[: dates[329], leavers] != 0).any().any()
        assert (held.loc[dates[341] :, joiners] != 0).any().any()
