"""The catalogue: contract names, categories and defaults; parameter validation; runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.registry import (
    CATALOG,
    InsufficientDataError,
    resolve_parameters,
    run_strategy,
)
from strategies.engine.synthetic import synthetic_market

CONTRACT = [
    ("Momentum", "Quant 1.0", {"lookback": 252, "skip": 21, "top_n": 10}),
    ("Dual_Momentum", "Quant 1.0", {"abs_lookback": 252, "rel_lookback": 126}),
    ("HRP", "Quant 1.0", {"lookback": 252, "linkage": "ward"}),
    ("InverseVolatility", "Quant 1.0", {"lookback": 63}),
    ("Regime_Detection", "Quant 2.0", {"n_states": 3, "lookback": 504}),
    ("Stat_Arb", "Quant 2.0", {"zscore_entry": 2.0, "zscore_exit": 0.5}),
    ("Residual_Momentum", "Quant 2.0", {"ff_factors": 5, "lookback": 252}),
    ("Meta_Labeling", "Quant 2.0", {"n_estimators": 100, "min_confidence": 0.6}),
    ("Short_Vol", "Quant 2.0", {"vix_threshold": 20, "term_structure": "contango"}),
    ("NCO", "Quant 2.0", {"max_clusters": 10, "min_cluster_size": 3}),
    ("OLMAR", "Mean Reversion", {"window": 5, "epsilon": 10}),
    ("Quallamaggie", "Breakout", {"adr_min": 3.0, "volume_surge": 2.0}),
]


def test_the_catalogue_matches_the_contract_in_order():
    assert [(s.name, s.category, s.defaults) for s in CATALOG] == CONTRACT
    assert all(s.description for s in CATALOG)


def test_overrides_are_validated_and_merged_with_defaults():
    assert resolve_parameters("Momentum", {"top_n": 5}) == {"lookback": 252, "skip": 21, "top_n": 5}
    # JSON may carry an integral float.
    assert resolve_parameters("HRP", {"lookback": 126.0})["lookback"] == 126
    assert resolve_parameters("OLMAR", {"epsilon": 5})["epsilon"] == 5.0


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("Momentum", {"lookbak": 100}, "Unknown parameter 'lookbak'"),
        ("Momentum", {"top_n": 0}, "Invalid parameter 'top_n'"),
        ("Momentum", {"top_n": True}, "Invalid parameter 'top_n'"),
        ("Momentum", {"top_n": 2.5}, "Invalid parameter 'top_n'"),
        ("Momentum", {"lookback": "252"}, "Invalid parameter 'lookback'"),
        ("Momentum", {"skip": 300}, "Invalid parameter 'skip'"),
        ("HRP", {"linkage": "centroid"}, "Invalid parameter 'linkage'"),
        ("Regime_Detection", {"n_states": 4}, "Invalid parameter 'n_states'"),
        ("Stat_Arb", {"zscore_entry": 0}, "Invalid parameter 'zscore_entry'"),
        ("Stat_Arb", {"zscore_exit": 3.0}, "Invalid parameter 'zscore_exit'"),
        ("Meta_Labeling", {"min_confidence": 1.5}, "Invalid parameter 'min_confidence'"),
        ("Short_Vol", {"term_structure": "backwardation"}, "Invalid parameter 'term_structure'"),
        ("OLMAR", {"epsilon": float("nan")}, "Invalid parameter 'epsilon'"),
    ],
)
def test_bad_overrides_name_the_parameter(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        resolve_parameters(name, overrides)


def test_unknown_strategy_and_method_are_rejected():
    prices = synthetic_market(5, 30).close

    with pytest.raises(KeyError, match="Strategy 'Nope' not found"):
        run_strategy("Nope", prices)
    with pytest.raises(ValueError, match="optimization_method 'Kelly'"):
        run_strategy("Momentum", prices, optimization_method="Kelly")
    with pytest.raises(ValueError, match="high, low and volume"):
        run_strategy("Quallamaggie", prices)


def test_no_price_before_the_start_is_an_insufficient_data_error():
    prices = synthetic_market(3, 30, start="2021-01-01").close

    with pytest.raises(InsufficientDataError) as error:
        run_strategy("Momentum", prices, start="2020-01-01")

    assert str(error.value) == (
        "Insufficient price data: 0 of 3 tickers have prices before 2020-01-01"
    )


@pytest.fixture(scope="module")
def market():
    return synthetic_market(24, 420, seed=5)


@pytest.mark.parametrize("spec", CATALOG, ids=lambda s: s.name)
def test_every_catalogue_strategy_runs_end_to_end(spec, market):
    vix = pd.DataFrame({"^VIX": 15 + 5 * np.sin(np.arange(420) / 25)}, index=market.close.index)

    result = run_strategy(
        spec.name,
        market.close,
        start=market.close.index[300],
        volumes=market.volume,
        highs=market.high,
        lows=market.low,
        reference=vix,
        optimization_method="InverseVol",
    )

    assert len(result.equity) == 120
    assert (result.equity > 0).all()
    assert result.weights.abs().sum(axis=1).max() <= 1 + 1e-6
    assert set(result.metrics) >= {"total_return", "cagr", "sharpe_ratio", "max_drawdown"}
