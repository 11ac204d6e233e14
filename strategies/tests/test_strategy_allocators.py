"""HRP, InverseVolatility and NCO strategies on markets with a known risk structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.catalog import hrp, inverse_volatility, nco
from strategies.engine.context import DecisionContext
from strategies.engine.covariance import ledoit_wolf
from strategies.engine.registry import resolve_parameters


def context(name: str, prices: pd.DataFrame, params=None) -> DecisionContext:
    return DecisionContext(
        date=prices.index[-1],
        current_weights=pd.Series(0.0, index=prices.columns),
        params=resolve_parameters(name, params),
    )


def two_cluster_prices(days: int = 300, seed: int = 0) -> pd.DataFrame:
    """Four calm assets (0.5 % daily) moving together, four volatile ones (2 %) together."""
    rng = np.random.default_rng(seed)
    calm, wild = rng.normal(0, 1, days), rng.normal(0, 1, days)
    returns = {}
    for i in range(4):
        returns[f"CALM{i}"] = 0.005 * (0.9 * calm + 0.44 * rng.normal(0, 1, days))
        returns[f"WILD{i}"] = 0.02 * (0.9 * wild + 0.44 * rng.normal(0, 1, days))
    index = pd.bdate_range("2020-01-01", periods=days)
    return pd.DataFrame({k: 100 * np.exp(np.cumsum(v)) for k, v in returns.items()}, index=index)


@pytest.mark.parametrize("linkage", ["single", "complete", "average", "ward"])
def test_hrp_gives_more_weight_to_the_low_variance_cluster(linkage):
    prices = two_cluster_prices()

    weights = hrp.weights(prices, context("HRP", prices, {"linkage": linkage}))

    assert weights.filter(like="CALM").sum() > 0.9
    assert weights.sum() == pytest.approx(1.0)
    assert (weights > 0).all()


def test_hrp_leaves_out_assets_without_a_full_window_and_index_levels():
    prices = two_cluster_prices()
    prices.loc[prices.index[-10] :, "WILD3"] = np.nan
    prices["^VIX"] = 20.0

    weights = hrp.weights(prices, context("HRP", prices))

    assert "WILD3" not in weights.index
    assert "^VIX" not in weights.index


def test_hrp_waits_for_a_full_lookback():
    prices = two_cluster_prices(days=100)

    assert hrp.weights(prices, context("HRP", prices)).empty


def test_inverse_volatility_weights_are_proportional_to_one_over_sigma():
    prices = two_cluster_prices()

    weights = inverse_volatility.weights(prices, context("InverseVolatility", prices))

    returns = prices.pct_change().iloc[-63:]
    expected = (1 / returns.std()) / (1 / returns.std()).sum()
    pd.testing.assert_series_equal(weights, expected, check_names=False)


def test_nco_finds_the_two_clusters():
    prices = two_cluster_prices()
    returns = prices.pct_change().iloc[1:].to_numpy()
    corr = np.corrcoef(returns, rowvar=False)

    labels = nco.cluster_assets(corr, max_clusters=10, min_cluster_size=3)

    assert len(set(labels[:8:2])) == 1  # the CALM columns
    assert len(set(labels[1:8:2])) == 1  # the WILD columns
    assert labels[0] != labels[1]


def test_nco_merges_clusters_below_the_minimum_size():
    prices = two_cluster_prices()
    returns = prices.pct_change().iloc[1:].to_numpy()
    corr = np.corrcoef(returns, rowvar=False)

    labels = nco.cluster_assets(corr, max_clusters=10, min_cluster_size=5)

    assert set(labels) == {0}


def test_nco_weights_are_long_only_and_favour_the_calm_cluster():
    prices = two_cluster_prices()

    weights = nco.weights(prices, context("NCO", prices))

    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= -1e-12).all()
    assert weights.filter(like="CALM").sum() > 0.9


def test_nco_beats_equal_weight_on_in_sample_variance():
    prices = two_cluster_prices()
    returns = prices.pct_change().iloc[-252:].to_numpy()
    cov = ledoit_wolf(returns)

    w = nco.nco_weights(cov, max_clusters=10, min_cluster_size=3)

    equal = np.full(8, 1 / 8)
    assert w @ cov @ w < equal @ cov @ equal
