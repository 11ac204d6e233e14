"""Regime_Detection (Gaussian HMM) and Short_Vol on calm and turbulent synthetic markets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strategies.engine.catalog import regime_detection, short_vol
from strategies.engine.context import DecisionContext
from strategies.engine.hmm import filtered_probabilities, fit_hmm
from strategies.engine.regime import classify, detect_regime, volatility_regime
from strategies.engine.registry import resolve_parameters


def regimes(pattern: list[tuple[int, float]], seed: int = 0) -> pd.Series:
    """A price path made of segments of (days, daily volatility)."""
    rng = np.random.default_rng(seed)
    returns = np.concatenate([rng.normal(0.0003, vol, days) for days, vol in pattern])
    index = pd.bdate_range("2018-01-01", periods=len(returns))
    return pd.Series(100 * np.exp(np.cumsum(returns)), index=index)


def context(name, prices, params=None, **kwargs) -> DecisionContext:
    return DecisionContext(
        date=prices.index[-1],
        current_weights=pd.Series(0.0, index=prices.columns),
        params=resolve_parameters(name, params),
        **kwargs,
    )


def test_hmm_separates_a_calm_and_a_volatile_regime():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.5, (300, 1)), rng.normal(0, 3.0, (300, 1))])

    model, _ = fit_hmm(x, 2, order_feature=0)

    states = filtered_probabilities(x, model).argmax(axis=1)
    calm = int(np.argmin(model.variances[:, 0]))
    assert np.mean(states[20:300] == calm) > 0.95
    assert np.mean(states[320:] != calm) > 0.95
    assert model.transition.sum(axis=1) == pytest.approx([1.0, 1.0])


def test_filtered_probabilities_do_not_use_later_observations():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (200, 2))
    model, _ = fit_hmm(x, 2)

    full = filtered_probabilities(x, model)
    prefix = filtered_probabilities(x[:120], model)

    np.testing.assert_allclose(full[:120], prefix)


@pytest.mark.parametrize("n_states", [2, 3])
def test_the_regime_follows_volatility(n_states):
    calm_end = regimes([(300, 0.005), (200, 0.03), (150, 0.005)])
    wild_end = regimes([(300, 0.005), (150, 0.005), (200, 0.03)])

    calm = detect_regime(calm_end, n_states=n_states)
    wild = detect_regime(wild_end, n_states=n_states)

    assert calm is not None
    assert wild is not None
    assert calm.current == "BULL"
    assert wild.current == "BEAR"
    assert sum(wild.probabilities.values()) == pytest.approx(1.0)
    assert set(wild.probabilities) == {"bull", "bear", "sideways"}
    assert wild.method == "HMM"


def test_too_little_history_gives_no_regime():
    assert classify(regimes([(30, 0.01)]), n_states=3) is None


def test_volatility_fallback_thresholds():
    calm = volatility_regime(regimes([(60, 0.004)]))  # ~6 % a year
    choppy = volatility_regime(regimes([(60, 0.01)]))  # ~16 %
    wild = volatility_regime(regimes([(60, 0.03)]))
    assert calm is not None
    assert choppy is not None
    assert wild is not None
    assert (calm.current, choppy.current) == ("BULL", "CHOP")
    assert wild.current == "BEAR"
    assert wild.probabilities == {"bull": 0.0, "bear": 1.0, "sideways": 0.0}
    assert wild.method == "VOLATILITY_FALLBACK"


def universe_from(market: pd.Series, with_bonds: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {f"S{i}": market * np.exp(np.cumsum(rng.normal(0, 0.003, len(market)))) for i in range(5)}
    )
    if with_bonds:
        frame["TLT"] = 100 * np.exp(np.linspace(0, 0.1, len(market)))
    return frame


def test_regime_detection_is_risk_off_in_the_volatile_regime():
    prices = universe_from(regimes([(300, 0.005), (150, 0.005), (200, 0.03)]))

    weights = regime_detection.weights(
        prices, context("Regime_Detection", prices, {"lookback": 504})
    )

    assert weights is not None
    assert weights.to_dict() == {"TLT": pytest.approx(1.0)}


def test_regime_detection_is_risk_on_in_the_calm_regime_and_records_it():
    prices = universe_from(regimes([(300, 0.005), (200, 0.03), (150, 0.005)]))
    ctx = context("Regime_Detection", prices, optimization_method="EqualWeight")

    weights = regime_detection.weights(prices, ctx)

    assert weights is not None
    assert weights.drop("TLT", errors="ignore").sum() == pytest.approx(1.0)
    assert ctx.state["regime"]["current"] == "BULL"


def short_vol_prices(vix: np.ndarray, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    days = len(vix)
    index = pd.bdate_range("2020-01-01", periods=days)
    prices = pd.DataFrame(
        {
            "SPY": 300 * np.exp(np.cumsum(rng.normal(0.0004, 0.008, days))),  # ~13 % vol
            "SVXY": 50 * np.exp(np.cumsum(rng.normal(0.001, 0.03, days))),
            "IEF": 100 * np.exp(np.linspace(0, 0.05, days)),
        },
        index=index,
    )
    return prices, pd.DataFrame({"^VIX": vix}, index=index)


def test_short_vol_holds_the_short_vol_etf_when_the_premium_is_safe():
    prices, reference = short_vol_prices(np.linspace(19, 16, 60))  # falling VIX: contango

    weights = short_vol.weights(prices, context("Short_Vol", prices, reference=reference))

    assert weights is not None
    assert weights.to_dict() == {"SVXY": 1.0}


def test_short_vol_is_off_above_the_vix_threshold():
    prices, reference = short_vol_prices(np.linspace(22, 25, 60))

    weights = short_vol.weights(prices, context("Short_Vol", prices, reference=reference))

    assert weights is not None
    assert weights.to_dict() == {"IEF": 1.0}  # defensive sleeve


def test_short_vol_treats_a_vix_above_its_mean_as_backwardation_without_vix3m():
    prices, reference = short_vol_prices(np.linspace(14, 18, 60))  # rising VIX

    off = short_vol.weights(prices, context("Short_Vol", prices, reference=reference))
    on = short_vol.weights(
        prices,
        context("Short_Vol", prices, {"term_structure": "any"}, reference=reference),
    )

    assert off is not None
    assert "SVXY" not in off.index
    assert on is not None
    assert on.to_dict() == {"SVXY": 1.0}


def test_short_vol_uses_vix3m_when_available():
    prices, reference = short_vol_prices(np.linspace(14, 18, 60))
    reference["^VIX3M"] = reference["^VIX"] + 2.0  # contango on the real curve

    weights = short_vol.weights(prices, context("Short_Vol", prices, reference=reference))

    assert weights is not None
    assert weights.to_dict() == {"SVXY": 1.0}


def test_short_vol_needs_vix():
    prices, _ = short_vol_prices(np.linspace(14, 18, 60))

    with pytest.raises(ValueError, match="VIX"):
        short_vol.weights(prices, context("Short_Vol", prices))
