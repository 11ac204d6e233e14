"""Meta_Labeling: triple-barrier labels, the bagged logistic filter and the strategy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.catalog import meta_labeling
from strategies.engine.context import DecisionContext
from strategies.engine.labels import triple_barrier_labels
from strategies.engine.logistic import fit_bagged_logistic
from strategies.engine.registry import resolve_parameters


def test_triple_barrier_labels_by_hand():
    # Three assets from log price 0: up-first, down-first, and neither (ends slightly up).
    paths = np.array(
        [
            [0.0, 0.0, 0.0],
            [0.05, -0.01, 0.001],
            [0.25, -0.25, 0.002],  # asset 0 touches +0.2; asset 1 touches -0.2
            [-0.3, 0.3, 0.003],
        ]
    )
    rows = np.array([0, 0, 0])
    columns = np.array([0, 1, 2])
    vol = np.full(3, 0.1)  # barrier = 1 * 0.1 * sqrt(4) = 0.2

    labels = triple_barrier_labels(paths, rows, columns, vol, horizon=3)

    assert labels.tolist() == [1.0, 0.0, 1.0]


def test_a_gap_in_the_path_gives_no_label():
    paths = np.array([[0.0], [np.nan], [0.1]])

    labels = triple_barrier_labels(paths, np.array([0]), np.array([0]), np.array([0.1]), horizon=2)

    assert np.isnan(labels[0])


def test_bagged_logistic_learns_a_separable_rule():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] - 0.5 * x[:, 1] > 0).astype(float)

    model = fit_bagged_logistic(x, y, n_estimators=20, seed=1)

    probabilities = model.predict_proba(np.array([[2.0, -1.0, 0.0], [-2.0, 1.0, 0.0]]))
    assert probabilities[0] > 0.9
    assert probabilities[1] < 0.1
    assert model.coefficients.shape == (20, 4)


def trending_market(days: int = 700, seed: int = 0) -> pd.DataFrame:
    """Half the assets trend persistently (momentum pays), half are noise."""
    rng = np.random.default_rng(seed)
    columns = {}
    for i in range(8):
        drift = 0.0015 if i < 4 else 0.0
        columns[f"A{i}"] = 30 * np.exp(np.cumsum(rng.normal(drift, 0.012, days)))
    return pd.DataFrame(columns, index=pd.bdate_range("2018-01-01", periods=days))


def context(prices: pd.DataFrame, params=None) -> DecisionContext:
    return DecisionContext(
        date=prices.index[-1],
        current_weights=pd.Series(0.0, index=prices.columns),
        params=resolve_parameters("Meta_Labeling", params),
        optimization_method="EqualWeight",
    )


def test_meta_labeling_trains_a_filter_and_keeps_confident_primary_signals():
    prices = trending_market()
    ctx = context(prices, {"n_estimators": 20})

    weights = meta_labeling.weights(prices, ctx)

    assert ctx.state["model"] is not None
    assert 0 < len(weights) <= meta_labeling.TOP_N
    assert weights.sum() == pytest.approx(1.0)
    momentum = prices.iloc[-1] / prices.iloc[-64] - 1
    assert (momentum[weights.index] > 0).all()  # only primary-signal assets


def test_a_confidence_of_one_filters_everything_out():
    prices = trending_market()

    weights = meta_labeling.weights(prices, context(prices, {"min_confidence": 1.0}))

    assert weights.empty


def test_the_model_is_retrained_only_every_quarter():
    prices = trending_market()
    ctx = context(prices, {"n_estimators": 10})
    meta_labeling.weights(prices.iloc[:-30], ctx)
    first = ctx.state["model"]

    meta_labeling.weights(prices.iloc[:-10], ctx)

    assert ctx.state["model"] is first
    meta_labeling.weights(prices, ctx)  # 30 days later: still within the quarter
    assert ctx.state["model"] is first
