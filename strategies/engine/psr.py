"""Probabilistic and Deflated Sharpe ratios (Bailey & López de Prado), contract §3.3.

Notation: SR is the per-period Sharpe ratio (annual Sharpe / √periods_per_year), T the number
of return observations, gamma₃ the skewness and gamma₄ the (Pearson, non-excess) kurtosis.

- sigma(SR) = √((1 - gamma₃·SR + (gamma₄ - 1)/4·SR²) / (T - 1))
- PSR = Φ(SR / sigma)
- SR₀ = 0 for one trial, otherwise sigma·((1 - gamma)·Φ⁻¹(1 - 1/N) + gamma·Φ⁻¹(1 - 1/(N·e))),
  gamma = Euler-Mascheroni: the expected maximum of N standard normal Sharpe estimates, scaled
  by the standard error of one estimate
- DSR = Φ((SR - SR₀) / sigma)

The functions never raise on valid input (N ≥ 1, T ≥ 2). When sigma is 0 (a degenerate
variance, e.g. kurtosis exactly 1 + gamma₃² at SR = 2/gamma₃) the probability is a step: 1 if SR
beats the benchmark, 0 if it falls short, 0.5 on a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the formulas need no numpy; only the return-series helpers take pandas
    import pandas as pd

EULER_MASCHERONI = 0.5772156649
SIGNIFICANCE_THRESHOLD = 0.95

_NORMAL = NormalDist()


@dataclass(frozen=True)
class SharpeSignificance:
    """PSR/DSR of one annual Sharpe ratio. Sharpe figures here are annualised."""

    sharpe_ratio: float
    probabilistic_sharpe_ratio: float
    deflated_sharpe_ratio: float
    expected_max_sharpe: float
    sharpe_ratio_std: float
    n_trials: int
    n_samples: int

    @property
    def is_significant(self) -> bool:
        return self.deflated_sharpe_ratio > SIGNIFICANCE_THRESHOLD

    @property
    def confidence_level(self) -> str:
        return confidence_level(self.deflated_sharpe_ratio)


def confidence_level(dsr: float) -> str:
    """HIGH above 0.95, MEDIUM above 0.80, LOW otherwise (contract §2.8)."""
    if dsr > SIGNIFICANCE_THRESHOLD:
        return "HIGH"
    if dsr > 0.80:
        return "MEDIUM"
    return "LOW"


def _check(n_trials: int, n_samples: int) -> None:
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    if n_samples < 2:
        raise ValueError("n_samples must be at least 2")


def sharpe_ratio_std(
    sharpe: float, *, n_samples: int, skewness: float = 0.0, kurtosis: float = 3.0
) -> float:
    """sigma(SR) of a per-period Sharpe estimate; 0 when the variance term is not positive."""
    _check(1, n_samples)
    variance = (1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2) / (n_samples - 1)
    # Rounding can push the boundary case kurtosis = 1 + skew² slightly below zero.
    return math.sqrt(variance) if variance > 0 and math.isfinite(variance) else 0.0


def expected_max_sharpe_factor(n_trials: int) -> float:
    """E[max of N iid standard normals] approximation; 0 for a single trial.

    For N = 10 this is 1.5745983…
    """
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    if n_trials == 1:
        return 0.0
    g = EULER_MASCHERONI
    return (1.0 - g) * _NORMAL.inv_cdf(1.0 - 1.0 / n_trials) + g * _NORMAL.inv_cdf(
        1.0 - 1.0 / (n_trials * math.e)
    )


def _probability_above(sharpe: float, benchmark: float, std: float) -> float:
    if std > 0:
        return _NORMAL.cdf((sharpe - benchmark) / std)
    if sharpe > benchmark:
        return 1.0
    return 0.0 if sharpe < benchmark else 0.5


def sharpe_significance(
    annual_sharpe: float,
    *,
    n_trials: int = 1,
    n_samples: int = 252,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    periods_per_year: float = 252,
) -> SharpeSignificance:
    """PSR, DSR, expected max Sharpe and sigma(SR) for an annual Sharpe ratio (contract §3.3)."""
    _check(n_trials, n_samples)
    if periods_per_year <= 0:
        raise ValueError("periods_per_year must be positive")
    scale = math.sqrt(periods_per_year)
    sharpe = annual_sharpe / scale
    std = sharpe_ratio_std(sharpe, n_samples=n_samples, skewness=skewness, kurtosis=kurtosis)
    benchmark = std * expected_max_sharpe_factor(n_trials)
    return SharpeSignificance(
        sharpe_ratio=annual_sharpe,
        probabilistic_sharpe_ratio=_probability_above(sharpe, 0.0, std),
        deflated_sharpe_ratio=_probability_above(sharpe, benchmark, std),
        expected_max_sharpe=benchmark * scale,
        sharpe_ratio_std=std * scale,
        n_trials=n_trials,
        n_samples=n_samples,
    )


def probabilistic_sharpe_ratio(
    annual_sharpe: float,
    *,
    n_samples: int,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    periods_per_year: float = 252,
) -> float:
    """PSR = Φ(SR/sigma(SR)) against a zero benchmark."""
    return sharpe_significance(
        annual_sharpe,
        n_samples=n_samples,
        skewness=skewness,
        kurtosis=kurtosis,
        periods_per_year=periods_per_year,
    ).probabilistic_sharpe_ratio


def deflated_sharpe_ratio(
    annual_sharpe: float,
    *,
    n_trials: int,
    n_samples: int,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    periods_per_year: float = 252,
) -> float:
    """DSR = PSR against the expected maximum Sharpe of ``n_trials`` unskilled trials."""
    return sharpe_significance(
        annual_sharpe,
        n_trials=n_trials,
        n_samples=n_samples,
        skewness=skewness,
        kurtosis=kurtosis,
        periods_per_year=periods_per_year,
    ).deflated_sharpe_ratio


def sample_moments(returns: pd.Series) -> tuple[float, float]:
    """(skewness, Pearson kurtosis) of a return series, moment estimators (normal → 0, 3).

    A constant series has no defined shape; it is reported as normal (0, 3) so that the PSR
    formulas stay defined.
    """
    import numpy as np  # here, not at the top: calculate_dsr must not load numpy

    r = returns.dropna().to_numpy(dtype=np.float64)
    if r.size < 2:
        return 0.0, 3.0
    centred = r - r.mean()
    m2 = float(np.mean(centred**2))
    if m2 <= 0:
        return 0.0, 3.0
    skew = float(np.mean(centred**3)) / m2**1.5
    kurt = float(np.mean(centred**4)) / m2**2
    return skew, kurt


def calculate_dsr(
    *,
    sharpe_ratio: float,
    n_trials: int = 1,
    n_samples: int = 252,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    periods_per_year: float = 252,
) -> dict[str, object]:
    """Body of ``/api/validation/calculate-dsr`` (contract §2.8) for validated inputs."""
    result = sharpe_significance(
        sharpe_ratio,
        n_trials=n_trials,
        n_samples=n_samples,
        skewness=skewness,
        kurtosis=kurtosis,
        periods_per_year=periods_per_year,
    )
    dsr = result.deflated_sharpe_ratio
    return {
        "sharpe_ratio": sharpe_ratio,
        "deflated_sharpe_ratio": round(dsr, 4),
        "probabilistic_sharpe_ratio": round(result.probabilistic_sharpe_ratio, 4),
        "n_trials": n_trials,
        "n_samples": n_samples,
        "is_significant": result.is_significant,
        "confidence_level": result.confidence_level,
        "interpretation": (
            f"After testing {n_trials} variations, there is a {dsr * 100:.1f}% probability "
            "this strategy's performance is genuine."
        ),
        "expected_max_sharpe": result.expected_max_sharpe,
        "sharpe_ratio_std": result.sharpe_ratio_std,
    }


def returns_significance(
    returns: pd.Series,
    *,
    annual_sharpe: float | None,
    n_trials: int = 1,
    periods_per_year: float = 252,
) -> SharpeSignificance | None:
    """PSR/DSR of a stored return series with its own sample skewness and kurtosis.

    ``annual_sharpe`` is the run's reported Sharpe ratio (with its risk-free rate). None when
    the Sharpe ratio is undefined or there are fewer than two returns.
    """
    n_samples = int(returns.dropna().size)
    if annual_sharpe is None or not math.isfinite(annual_sharpe) or n_samples < 2:
        return None
    skew, kurt = sample_moments(returns)
    return sharpe_significance(
        annual_sharpe,
        n_trials=max(1, n_trials),
        n_samples=n_samples,
        skewness=skew,
        kurtosis=kurt,
        periods_per_year=periods_per_year,
    )
