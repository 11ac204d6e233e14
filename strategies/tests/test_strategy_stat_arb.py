"""Stat_Arb: pair formation, the Kalman hedge ratio and trading a cointegrated pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.catalog import stat_arb
from strategies.engine.costs import NO_COSTS
from strategies.engine.kalman import HedgeFilter
from strategies.engine.registry import run_strategy


def cointegrated_market(days: int = 500, seed: int = 0) -> pd.DataFrame:
    """Y = 1.5 * X + a mean-reverting spread (log prices), plus unrelated random walks."""
    rng = np.random.default_rng(seed)
    x = np.log(50) + np.cumsum(rng.normal(0.0002, 0.012, days))
    spread = np.zeros(days)
    for t in range(1, days):
        spread[t] = 0.9 * spread[t - 1] + rng.normal(0, 0.01)
    y = 0.5 + 1.5 * x + spread
    columns = {"X": np.exp(x), "Y": np.exp(y)}
    for i in range(6):
        columns[f"R{i}"] = 40 * np.exp(np.cumsum(rng.normal(0.0002, 0.015, days)))
    return pd.DataFrame(columns, index=pd.bdate_range("2019-01-01", periods=days))


def test_the_kalman_filter_learns_the_hedge_ratio():
    rng = np.random.default_rng(1)
    x = np.log(50) + np.cumsum(rng.normal(0, 0.01, 600))
    y = 0.3 + 1.5 * x + rng.normal(0, 0.005, 600)
    kalman = HedgeFilter.start(1)

    for t in range(600):
        kalman.update(np.array([y[t]]), np.array([x[t]]))

    assert kalman.hedge_ratio[0] == pytest.approx(1.5, abs=0.1)


def test_a_missing_price_leaves_the_filter_unchanged():
    kalman = HedgeFilter.start(2)
    kalman.update(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    before = kalman.theta.copy()

    errors = kalman.update(np.array([np.nan, 2.1]), np.array([1.0, 1.0]))

    assert np.isnan(errors[0])
    assert kalman.theta[0].tolist() == before[0].tolist()
    assert kalman.theta[1].tolist() != before[1].tolist()


def test_pairs_are_formed_from_the_most_correlated_assets():
    prices = cointegrated_market()
    returns = prices.pct_change().iloc[-252:]

    pairs = stat_arb.form_pairs(returns)

    assert pairs == [("X", "Y")]


def test_stat_arb_trades_the_cointegrated_pair_with_opposite_legs():
    prices = cointegrated_market()

    result = run_strategy("Stat_Arb", prices, start=prices.index[260], costs=NO_COSTS)

    traded = set(result.trades["ticker"])
    assert traded == {"X", "Y"}
    opened = result.weights[(result.weights != 0).any(axis=1)]
    assert len(opened) > 0
    assert (np.sign(opened["X"]) == -np.sign(opened["Y"])).all()
    # One pair's budget, plus what an open (held) position drifted.
    assert result.weights.abs().sum(axis=1).max() <= 1.1 / stat_arb.MAX_PAIRS
    # Positions are opened and closed several times over the year.
    assert (result.weights.abs().sum(axis=1) == 0).sum() >= 2


def test_stat_arb_stays_flat_without_correlated_assets():
    prices = cointegrated_market().drop(columns=["X"])

    result = run_strategy("Stat_Arb", prices, start=prices.index[260])

    assert result.trades.empty


@pytest.mark.parametrize("poison", [np.nan, 1e9])
def test_stat_arb_state_never_absorbs_future_prices(poison):
    prices = cointegrated_market()
    cut = prices.index[440]
    poisoned = prices.copy()
    poisoned.loc[poisoned.index > cut] = poison

    clean = run_strategy("Stat_Arb", prices, start=prices.index[260])
    dirty = run_strategy("Stat_Arb", poisoned, start=prices.index[260])

    assert (clean.trades["date"] <= cut).sum() >= 4
    pd.testing.assert_series_equal(clean.equity.loc[:cut], dirty.equity.loc[:cut])
    pd.testing.assert_frame_equal(
        clean.trades[clean.trades["date"] <= cut], dirty.trades[dirty.trades["date"] <= cut]
    )
