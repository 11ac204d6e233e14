"""Momentum, Dual_Momentum and Residual_Momentum on markets with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.backtest import run_backtest
from strategies.engine.catalog import dual_momentum, momentum, residual_momentum
from strategies.engine.context import DecisionContext
from strategies.engine.registry import resolve_parameters, run_strategy
from strategies.engine.residual_momentum import residual_momentum_ranking


def context(name: str, prices: pd.DataFrame, params=None, **kwargs) -> DecisionContext:
    return DecisionContext(
        date=prices.index[-1],
        current_weights=pd.Series(0.0, index=prices.columns),
        params=resolve_parameters(name, params),
        **kwargs,
    )


def paths(days: int, drifts: dict[str, float], vol: float = 0.01, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    returns = {k: rng.normal(d, vol, days) for k, d in drifts.items()}
    return pd.DataFrame(
        {k: 100 * np.exp(np.cumsum(r)) for k, r in returns.items()},
        index=pd.bdate_range("2020-01-01", periods=days),
    )


def test_momentum_holds_the_trending_asset():
    prices = paths(400, {"UP": 0.002, "FLAT1": 0.0, "FLAT2": 0.0, "DOWN": -0.001})

    result = run_strategy(
        "Momentum",
        prices,
        start=prices.index[260],
        parameters={"top_n": 1},
        optimization_method="EqualWeight",
    )

    assert set(result.weights.columns) == {"UP"}
    assert result.final_weights.index.tolist() == ["UP"]


def test_momentum_skips_the_last_month():
    days = 300
    steady = 100 * np.exp(np.linspace(0, 0.25, days))
    late = np.full(days, 100.0)
    late[-15:] = 100 * np.exp(np.linspace(0.02, 0.35, 15))  # a spike inside the skipped month
    prices = pd.DataFrame(
        {"STEADY": steady, "LATE": late}, index=pd.bdate_range("2020-01-01", periods=days)
    )

    weights = momentum.weights(prices, context("Momentum", prices, {"top_n": 1}))

    assert weights.index.tolist() == ["STEADY"]


def test_momentum_weights_the_selection_with_the_allocation_method():
    prices = paths(400, {"A": 0.002, "B": 0.002, "C": -0.001}, seed=3)
    prices["B"] = 100 * np.exp(np.cumsum(np.random.default_rng(9).normal(0.002, 0.03, 400)))

    weights = momentum.weights(
        prices,
        context("Momentum", prices, {"top_n": 2}, optimization_method="InverseVol"),
    )

    assert set(weights.index) == {"A", "B"}
    assert weights["A"] > 2 * weights["B"]  # B is three times as volatile
    assert weights.sum() == pytest.approx(1.0)


def test_dual_momentum_goes_defensive_when_everything_falls():
    prices = paths(300, {"S1": -0.002, "S2": -0.0015, "S3": -0.001, "TLT": 0.0008}, vol=0.005)

    weights = dual_momentum.weights(prices, context("Dual_Momentum", prices))

    assert weights.to_dict() == {"TLT": pytest.approx(1.0)}


def test_dual_momentum_holds_cash_without_a_rising_defensive_asset():
    prices = paths(300, {"S1": -0.002, "S2": -0.001, "IEF": -0.0005}, vol=0.005)

    weights = dual_momentum.weights(prices, context("Dual_Momentum", prices))

    assert weights.empty


def test_dual_momentum_stays_risk_on_when_assets_beat_the_risk_free_rate():
    prices = paths(300, {"S1": 0.002, "S2": 0.0015, "S3": -0.002, "TLT": 0.0005}, vol=0.005)

    weights = dual_momentum.weights(
        prices, context("Dual_Momentum", prices, optimization_method="EqualWeight")
    )

    # Two of the three picks beat the hurdle; the falling one's third goes to TLT.
    assert weights.to_dict() == pytest.approx({"S1": 1 / 3, "S2": 1 / 3, "TLT": 1 / 3})


def factor_market(days: int = 800, seed: int = 1) -> pd.DataFrame:
    """ALPHA outperforms its beta only over the last year; BETA is a 2.5-beta stock."""
    rng = np.random.default_rng(seed)
    recent = np.arange(days) >= days - 273
    market = rng.normal(0.0005, 0.01, days) + np.where(recent, 0.0015, 0.0)  # a bull year
    alpha = np.where(recent, 0.0006, 0.0)
    returns = {"ALPHA": alpha + 1.0 * market + rng.normal(0, 0.003, days)}
    returns["BETA"] = 2.5 * market + rng.normal(0, 0.003, days)
    for i in range(10):
        returns[f"N{i}"] = 1.0 * market + rng.normal(0, 0.003, days)
    index = pd.bdate_range("2018-01-01", periods=days)
    return pd.DataFrame({k: 100 * np.exp(np.cumsum(v)) for k, v in returns.items()}, index=index)


def test_residual_momentum_ranks_alpha_above_high_beta():
    prices = factor_market()

    scores = residual_momentum.residual_scores(
        prices, context("Residual_Momentum", prices), lookback=252, n_factors=1
    )

    assert scores.idxmax() == "ALPHA"
    raw = prices.iloc[-22] / prices.iloc[-274] - 1
    assert raw.idxmax() == "BETA"  # plain momentum would have picked the high-beta stock
    assert scores["BETA"] < scores["ALPHA"] / 2


def test_residual_momentum_needs_two_lookbacks_of_history():
    prices = factor_market().iloc[-400:]

    assert residual_momentum.weights(prices, context("Residual_Momentum", prices)).empty


def test_residual_momentum_with_statistical_factors_still_finds_the_alpha():
    prices = factor_market(seed=2)

    scores = residual_momentum.residual_scores(
        prices, context("Residual_Momentum", prices), lookback=252, n_factors=3
    )

    assert scores.idxmax() == "ALPHA"


def month_ends(months: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """WIN beats its beta by 3 %/month over the last 13 months, LOSE trails by 3 %/month."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.008, 0.04, months)
    recent = np.where(np.arange(months) >= months - 13, 0.03, 0.0)
    index = pd.date_range("2020-01-31", periods=months, freq="ME")
    stocks = {
        "WIN": recent + market + rng.normal(0, 0.01, months),
        "LOSE": -recent + market + rng.normal(0, 0.01, months),
        "MKT": market + rng.normal(0, 0.01, months),
    }
    closes = pd.DataFrame({k: 50 * np.cumprod(1 + v) for k, v in stocks.items()}, index=index)
    benchmark = pd.Series(400 * np.cumprod(1 + market), index=index)
    return closes, benchmark


def test_residual_momentum_ranking_of_the_quant2_endpoint():
    closes, benchmark = month_ends(40)
    closes.loc[closes.index[:20], "MKT"] = np.nan  # only 19 usable months: skipped

    ranking = residual_momentum_ranking(closes, benchmark, risk_free_rate=0.04)

    assert ranking.factor_model == "market"
    assert ranking.stocks_skipped == 1
    assert [row.ticker for row in ranking.rows] == ["WIN", "LOSE"]
    top = ranking.rows[0].as_dict()
    assert top["rank"] == 1
    assert top["beta_smb"] is None
    assert top["beta_hml"] is None
    score, residual_vol = top["score"], top["residual_vol"]
    assert isinstance(score, float)
    assert isinstance(residual_vol, float)
    assert score == round(score, 2)
    assert residual_vol == round(residual_vol, 1)
    assert ranking.as_of == closes.index[-1]


def test_residual_momentum_ranking_score_by_hand():
    closes, benchmark = month_ends(40, seed=4)
    rf = (1.04) ** (1 / 12) - 1
    returns = closes.pct_change().iloc[1:-1].iloc[-36:]
    market = benchmark.pct_change().iloc[1:-1].iloc[-36:] - rf
    y = returns["WIN"] - rf
    design = np.column_stack([np.ones(36), market])
    beta, *_ = np.linalg.lstsq(design, y.to_numpy(), rcond=None)
    residuals = y.to_numpy() - design @ beta

    ranking = residual_momentum_ranking(closes, benchmark, risk_free_rate=0.04)

    row = next(r for r in ranking.rows if r.ticker == "WIN")
    assert row.score == round(residuals[-12:].sum() / residuals.std(ddof=1), 2)
    assert row.beta_mkt == round(beta[1], 2)
    assert row.residual_vol == round(residuals.std(ddof=1) * np.sqrt(12) * 100, 1)


def test_residual_momentum_ranking_uses_ff3_when_given():
    closes, benchmark = month_ends(40)
    rng = np.random.default_rng(0)
    ff = pd.DataFrame(
        rng.normal(0, 0.02, (40, 3)), index=closes.index, columns=["Mkt-RF", "SMB", "HML"]
    )

    ranking = residual_momentum_ranking(closes, benchmark, ff_factors=ff)

    assert ranking.factor_model == "ff3"
    assert all(row.beta_smb is not None for row in ranking.rows)


def test_momentum_backtest_is_deterministic():
    prices = paths(400, {f"S{i}": 0.0005 * i for i in range(6)}, seed=8)

    first = run_backtest(prices, momentum.weights, params=resolve_parameters("Momentum"))
    second = run_backtest(prices, momentum.weights, params=resolve_parameters("Momentum"))

    pd.testing.assert_series_equal(first.equity, second.equity)
