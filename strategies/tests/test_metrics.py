"""Metrics of contract §3.2: the test vector, undefined ratios and display strings."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd
import pytest

from strategies.engine.metrics import (
    compute_metrics,
    drawdown_series,
    metrics_display,
    rolling_sharpe,
)

CONTRACT_KEYS = [
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "win_rate",
]


def test_the_contract_test_vector_gives_the_reference_numbers_in_key_order():
    metrics = compute_metrics(pd.Series([0.01, -0.02, 0.03, 0.0, -0.01]))

    assert list(metrics)[:8] == CONTRACT_KEYS
    assert [round(cast(float, metrics[k]), 6) for k in CONTRACT_KEYS] == [
        0.009299,
        0.594415,
        0.305352,
        1.519556,
        4.133641,
        -0.02,
        29.720753,
        0.4,
    ]


def test_the_optional_metrics_of_the_test_vector_are_hand_computed():
    metrics = compute_metrics(pd.Series([0.01, -0.02, 0.03, 0.0, -0.01]))

    assert metrics["best_day"] == 0.03
    assert metrics["worst_day"] == -0.02
    assert metrics["trading_days"] == 5
    assert metrics["profit_factor"] == pytest.approx(0.04 / 0.03)
    # Two episodes: -2 % after day 2, then 1.00929906 / 1.019494 - 1 = -1 % after day 5.
    assert metrics["avg_drawdown"] == pytest.approx((-0.02 + (1.00929906 / 1.019494 - 1)) / 2)


def test_a_first_day_loss_counts_as_a_drawdown_from_the_starting_value():
    metrics = compute_metrics(pd.Series([-0.1, 0.05]))

    assert metrics["max_drawdown"] == pytest.approx(-0.1)


def test_the_risk_free_rate_is_configurable():
    r = pd.Series([0.01, -0.02, 0.03, 0.0, -0.01])

    metrics = compute_metrics(r, risk_free_rate=0.0)

    assert metrics["sharpe_ratio"] == pytest.approx(0.504 / (np.std(r, ddof=1) * math.sqrt(252)))


def test_metrics_with_a_zero_denominator_are_none():
    flat = compute_metrics(pd.Series([0.01, 0.01, 0.01]))

    assert flat["volatility"] == 0.0
    assert flat["sharpe_ratio"] is None
    assert flat["sortino_ratio"] is None  # no negative returns
    assert flat["max_drawdown"] == 0.0
    assert flat["calmar_ratio"] is None
    assert flat["profit_factor"] is None


def test_sortino_needs_two_negative_returns_for_a_downside_deviation():
    metrics = compute_metrics(pd.Series([0.01, -0.02, 0.03]))

    assert metrics["sortino_ratio"] is None
    assert metrics["sharpe_ratio"] is not None


def test_an_empty_series_has_no_metrics_but_does_not_fail():
    metrics = compute_metrics(pd.Series([], dtype=float))

    assert all(metrics[k] is None for k in CONTRACT_KEYS)
    assert metrics["trading_days"] == 0


def test_nan_returns_are_ignored():
    with_nan = compute_metrics(pd.Series([0.01, np.nan, -0.02, 0.03, 0.0, -0.01]))
    clean = compute_metrics(pd.Series([0.01, -0.02, 0.03, 0.0, -0.01]))

    assert with_nan == clean


def test_a_given_equity_curve_drives_the_drawdown():
    returns = pd.Series([0.1, -0.5])
    equity = pd.Series([100.0, 110.0, 55.0])

    metrics = compute_metrics(returns, equity=equity)

    assert metrics["max_drawdown"] == pytest.approx(-0.5)


def test_rolling_sharpe_matches_the_formula_on_each_window():
    rng = np.random.default_rng(3)
    returns = pd.Series(rng.normal(0.001, 0.01, 60))

    rolling = rolling_sharpe(returns, 30, risk_free_rate=0.04)

    window = returns.iloc[-30:]
    expected = (window.mean() * 252 - 0.04) / (window.std(ddof=1) * math.sqrt(252))
    assert rolling.iloc[-1] == pytest.approx(expected)
    assert rolling.iloc[:29].isna().all()
    metrics = compute_metrics(returns)
    assert metrics["rolling_sharpe_30d"] == pytest.approx(expected)
    assert metrics["rolling_sharpe_90d"] is None  # fewer than 90 observations


def test_drawdown_series_is_zero_at_new_highs():
    drawdown = drawdown_series(pd.Series([1.0, 1.2, 0.9, 1.3]))

    assert drawdown.tolist() == pytest.approx([0.0, 0.0, 0.9 / 1.2 - 1, 0.0])


def test_metrics_display_uses_the_old_keys_and_formats():
    display = metrics_display(compute_metrics(pd.Series([0.01, -0.02, 0.03, 0.0, -0.01])))

    assert display == {
        "Total Return": "0.93%",
        "CAGR": "59.44%",
        "Volatility": "30.54%",
        "Sharpe Ratio": "1.520",
        "Sortino Ratio": "4.134",
        "Max Drawdown": "-2.00%",
        "Calmar Ratio": "29.721",
        "Win Rate": "40.0%",
    }


def test_metrics_display_shows_na_for_undefined_metrics():
    display = metrics_display(compute_metrics(pd.Series([0.01, 0.01])))

    assert display["Sharpe Ratio"] == "N/A"
    assert display["Calmar Ratio"] == "N/A"
