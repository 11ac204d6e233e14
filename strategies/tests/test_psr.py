"""PSR / DSR of contract §3.3: the reference table, hand-computed values, degenerate input."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from strategies.engine.psr import (
    calculate_dsr,
    confidence_level,
    deflated_sharpe_ratio,
    expected_max_sharpe_factor,
    probabilistic_sharpe_ratio,
    returns_significance,
    sample_moments,
    sharpe_ratio_std,
    sharpe_significance,
)


@pytest.mark.parametrize(
    ("sharpe", "trials", "samples", "skew", "kurt", "psr", "dsr"),
    [
        (1.5, 1, 252, 0.0, 3.0, 0.9324, 0.9324),
        (1.5, 10, 252, 0.0, 3.0, 0.9324, 0.4678),
        (2.0, 10, 756, 0.0, 3.0, 0.9997, 0.9695),
        (1.5, 1, 252, -0.5, 5.0, 0.9274, 0.9274),
    ],
)
def test_the_contract_reference_table(sharpe, trials, samples, skew, kurt, psr, dsr):
    result = sharpe_significance(
        sharpe, n_trials=trials, n_samples=samples, skewness=skew, kurtosis=kurt
    )

    assert round(result.probabilistic_sharpe_ratio, 4) == psr
    assert round(result.deflated_sharpe_ratio, 4) == dsr


def test_expected_max_of_ten_standard_normals():
    assert expected_max_sharpe_factor(10) == pytest.approx(1.5745983, abs=1e-7)
    assert expected_max_sharpe_factor(1) == 0.0


def test_sigma_includes_the_sharpe_terms_by_hand():
    sr = 1.5 / math.sqrt(252)
    by_hand = math.sqrt((1 - (-0.5) * sr + (5 - 1) / 4 * sr**2) / 251)

    assert sharpe_ratio_std(sr, n_samples=252, skewness=-0.5, kurtosis=5) == pytest.approx(by_hand)
    assert probabilistic_sharpe_ratio(
        1.5, n_samples=252, skewness=-0.5, kurtosis=5
    ) == pytest.approx(NormalDist().cdf(sr / by_hand))


def test_dsr_uses_sigma_times_the_expected_maximum_as_benchmark():
    sr = 1.5 / math.sqrt(252)
    sigma = math.sqrt((1 + 2 / 4 * sr**2) / 251)
    benchmark = sigma * 1.5745983013449716

    result = sharpe_significance(1.5, n_trials=10, n_samples=252)

    assert result.expected_max_sharpe == pytest.approx(benchmark * math.sqrt(252))
    assert result.sharpe_ratio_std == pytest.approx(sigma * math.sqrt(252))
    assert deflated_sharpe_ratio(1.5, n_trials=10, n_samples=252) == pytest.approx(
        NormalDist().cdf((sr - benchmark) / sigma)
    )


def test_one_trial_has_a_zero_benchmark_so_dsr_equals_psr():
    result = sharpe_significance(0.7, n_trials=1, n_samples=500, skewness=0.3, kurtosis=4)

    assert result.expected_max_sharpe == 0.0
    assert result.deflated_sharpe_ratio == result.probabilistic_sharpe_ratio


def test_a_negative_sharpe_has_a_low_probability():
    assert probabilistic_sharpe_ratio(-1.0, n_samples=252) < 0.5
    assert probabilistic_sharpe_ratio(-3.0, n_samples=252) < 0.01


def test_degenerate_zero_variance_gives_a_step_probability_instead_of_failing():
    # kurtosis = 1 + skew^2 with SR = 2 / skew makes 1 - g3*SR + (g4-1)/4*SR^2 exactly 0.
    annual = 1.0 * math.sqrt(252)

    result = sharpe_significance(annual, n_samples=100, skewness=2.0, kurtosis=5.0)

    assert result.sharpe_ratio_std == 0.0
    assert result.probabilistic_sharpe_ratio == 1.0
    below = sharpe_significance(-annual, n_samples=100, skewness=-2.0, kurtosis=5.0)
    assert below.sharpe_ratio_std == 0.0
    assert below.probabilistic_sharpe_ratio == 0.0


@pytest.mark.parametrize("samples", [2, 3, 10_000_000])
@pytest.mark.parametrize("trials", [1, 2, 1000, 10**9])
def test_valid_extremes_never_raise(samples, trials):
    result = sharpe_significance(3.0, n_trials=trials, n_samples=samples, kurtosis=50)

    assert 0.0 <= result.deflated_sharpe_ratio <= 1.0


@pytest.mark.parametrize(("trials", "samples"), [(0, 252), (1, 1)])
def test_invalid_trials_or_samples_are_value_errors(trials, samples):
    with pytest.raises(ValueError):
        sharpe_significance(1.0, n_trials=trials, n_samples=samples)


def test_calculate_dsr_body():
    body = calculate_dsr(sharpe_ratio=1.5, n_trials=10, n_samples=252)

    assert body["deflated_sharpe_ratio"] == 0.4678
    assert body["probabilistic_sharpe_ratio"] == 0.9324
    assert body["is_significant"] is False
    assert body["confidence_level"] == "LOW"
    assert body["interpretation"] == (
        "After testing 10 variations, there is a 46.8% probability this strategy's "
        "performance is genuine."
    )
    assert set(body) >= {"expected_max_sharpe", "sharpe_ratio_std", "n_trials", "n_samples"}


def test_confidence_levels():
    assert confidence_level(0.96) == "HIGH"
    assert confidence_level(0.95) == "MEDIUM"
    assert confidence_level(0.81) == "MEDIUM"
    assert confidence_level(0.80) == "LOW"


def test_sample_moments_are_pearson_moment_estimators():
    r = pd.Series([0.01, -0.02, 0.03, 0.0, -0.01])
    centred = r - r.mean()
    m2 = (centred**2).mean()

    skew, kurt = sample_moments(r)

    assert skew == pytest.approx((centred**3).mean() / m2**1.5)
    assert kurt == pytest.approx((centred**4).mean() / m2**2)
    assert sample_moments(pd.Series([0.01, 0.01, 0.01])) == (0.0, 3.0)


def test_returns_significance_uses_the_series_moments():
    rng = np.random.default_rng(0)
    returns = pd.Series(rng.normal(0.001, 0.01, 500))
    skew, kurt = sample_moments(returns)

    result = returns_significance(returns, annual_sharpe=1.2, n_trials=3)

    assert result is not None
    assert result.n_samples == 500
    assert result.deflated_sharpe_ratio == pytest.approx(
        sharpe_significance(
            1.2, n_trials=3, n_samples=500, skewness=skew, kurtosis=kurt
        ).deflated_sharpe_ratio
    )
    assert returns_significance(returns, annual_sharpe=None) is None
    assert returns_significance(returns.iloc[:1], annual_sharpe=1.0) is None
