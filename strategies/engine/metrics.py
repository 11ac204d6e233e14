"""Performance metrics of a daily return series (contract §3.2).

Inputs are simple daily returns ``r`` and, optionally, the equity curve ``E`` they came from.
Every figure is a fraction (0.05 = 5 %), annualised with ``periods_per_year`` (252) and the
annual risk-free rate ``rf`` (default 0.04):

- total_return = Π(1 + r) - 1
- cagr = (1 + total_return)^(periods_per_year / n) - 1, n = number of return observations
- volatility = std(r, ddof=1) · √periods_per_year
- sharpe_ratio = (mean(r) · periods_per_year - rf) / volatility
- sortino_ratio = same numerator / (std(r[r < 0], ddof=1) · √periods_per_year)
- max_drawdown = min(E / cummax(E) - 1), ≤ 0
- calmar_ratio = cagr / |max_drawdown|
- win_rate = share of days with r > 0
- best_day / worst_day = max(r) / min(r)
- profit_factor = Σ r[r > 0] / |Σ r[r < 0]|
- avg_drawdown = mean of the trough of each drawdown episode (≤ 0)
- rolling_sharpe_30d / rolling_sharpe_90d / rolling_vol_30d = the latest value of the rolling
  series of the same formulas over the last 30 / 90 observations

A metric whose denominator is 0 (or undefined, e.g. one observation for a standard deviation)
is ``None``, never ``inf`` or ``nan``: the API serialises it as ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

PERIODS_PER_YEAR = 252
DEFAULT_RISK_FREE_RATE = 0.04

Metrics = dict[str, float | None]

# Display keys kept from the old API (contract §3.2 `metrics_display`), with their format.
_DISPLAY: tuple[tuple[str, str, str], ...] = (
    ("total_return", "Total Return", "{:.2%}"),
    ("cagr", "CAGR", "{:.2%}"),
    ("volatility", "Volatility", "{:.2%}"),
    ("sharpe_ratio", "Sharpe Ratio", "{:.3f}"),
    ("sortino_ratio", "Sortino Ratio", "{:.3f}"),
    ("max_drawdown", "Max Drawdown", "{:.2%}"),
    ("calmar_ratio", "Calmar Ratio", "{:.3f}"),
    ("win_rate", "Win Rate", "{:.1%}"),
)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return _finite(numerator / denominator)


def _std(values: npt.NDArray[np.float64]) -> float | None:
    # ddof=1 needs two observations; one observation has no dispersion to measure.
    if values.size < 2:
        return None
    return float(np.std(values, ddof=1))


def equity_from_returns(returns: pd.Series, *, initial: float = 1.0) -> pd.Series:
    """Equity curve of ``returns`` starting at ``initial`` one step before the first return."""
    values = initial * np.cumprod(1.0 + returns.to_numpy(dtype=np.float64))
    return pd.Series(np.concatenate([[initial], values]))


def drawdown_series(equity: pd.Series) -> pd.Series:
    """E / cummax(E) - 1 (≤ 0) for each point of the equity curve."""
    values = equity.to_numpy(dtype=np.float64)
    return pd.Series(values / np.maximum.accumulate(values) - 1.0, index=equity.index)


def _drawdown_troughs(drawdown: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Deepest point of each underwater episode (consecutive days with drawdown < 0)."""
    underwater = drawdown < 0
    if not underwater.any():
        return np.empty(0)
    # An episode starts where the curve goes underwater; label days by episode number.
    starts = underwater & ~np.concatenate([[False], underwater[:-1]])
    episode = np.cumsum(starts)
    labels = episode[underwater]
    return np.asarray(
        pd.Series(drawdown[underwater]).groupby(labels).min().to_numpy(), dtype=np.float64
    )


def sharpe_ratio(
    returns: npt.NDArray[np.float64],
    *,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> float | None:
    """(mean · periods_per_year - rf) / (std(ddof=1) · √periods_per_year), None if std is 0."""
    std = _std(returns)
    if std is None:
        return None
    excess = float(np.mean(returns)) * periods_per_year - risk_free_rate
    return _ratio(excess, std * math.sqrt(periods_per_year))


def rolling_sharpe(
    returns: pd.Series,
    window: int,
    *,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> pd.Series:
    """Sharpe ratio over each trailing ``window`` of returns (NaN until the window is full)."""
    rolling = returns.rolling(window, min_periods=window)
    annual_vol = rolling.std(ddof=1) * math.sqrt(periods_per_year)
    excess = rolling.mean() * periods_per_year - risk_free_rate
    # A flat window has zero volatility: leave NaN rather than an infinite ratio.
    return (excess / annual_vol.where(annual_vol > 0)).astype(np.float64)


def rolling_volatility(
    returns: pd.Series, window: int, *, periods_per_year: int = PERIODS_PER_YEAR
) -> pd.Series:
    """Annualised standard deviation over each trailing ``window`` of returns."""
    return returns.rolling(window, min_periods=window).std(ddof=1) * math.sqrt(periods_per_year)


def _last_value(series: pd.Series) -> float | None:
    if series.empty:
        return None
    return _finite(series.iloc[-1])


def compute_metrics(
    returns: pd.Series,
    *,
    equity: pd.Series | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> Metrics:
    """Metrics of contract §3.2, in the contract's key order, then the optional keys.

    ``equity`` is used for the drawdown figures when given (it should include the starting
    value); otherwise the curve is rebuilt from ``returns`` starting at 1. NaN returns are
    dropped.
    """
    clean = returns.dropna().astype(np.float64)
    r = np.asarray(clean.to_numpy(dtype=np.float64), dtype=np.float64)
    n = int(r.size)
    if equity is None:
        equity = equity_from_returns(clean)
    equity_values = equity.dropna().to_numpy(dtype=np.float64)

    total_return = _finite(np.prod(1.0 + r) - 1.0) if n else None
    cagr: float | None = None
    if total_return is not None and 1.0 + total_return >= 0:
        cagr = _finite((1.0 + total_return) ** (periods_per_year / n) - 1.0)

    std = _std(r)
    volatility = None if std is None else std * math.sqrt(periods_per_year)
    excess = float(np.mean(r)) * periods_per_year - risk_free_rate if n else None
    downside_std = _std(np.asarray(r[r < 0], dtype=np.float64))
    downside = None if downside_std is None else downside_std * math.sqrt(periods_per_year)

    max_drawdown: float | None = None
    avg_drawdown: float | None = None
    if equity_values.size >= 2 and np.all(equity_values > 0):
        drawdown = equity_values / np.maximum.accumulate(equity_values) - 1.0
        max_drawdown = float(drawdown.min())
        troughs = _drawdown_troughs(drawdown)
        avg_drawdown = float(troughs.mean()) if troughs.size else 0.0
    elif equity_values.size >= 2:
        # The account was wiped out: the drawdown is total.
        max_drawdown = -1.0
        avg_drawdown = None

    gains = float(r[r > 0].sum())
    losses = float(-r[r < 0].sum())
    metrics: Metrics = {
        "total_return": total_return,
        "cagr": cagr,
        "volatility": volatility,
        "sharpe_ratio": _ratio(excess, volatility),
        "sortino_ratio": _ratio(excess, downside),
        "max_drawdown": max_drawdown,
        "calmar_ratio": _ratio(cagr, None if max_drawdown is None else abs(max_drawdown)),
        "win_rate": float(np.mean(r > 0)) if n else None,
        "best_day": float(r.max()) if n else None,
        "worst_day": float(r.min()) if n else None,
        "trading_days": n,
        "profit_factor": _ratio(gains, losses) if n else None,
        "avg_drawdown": avg_drawdown,
        "rolling_sharpe_30d": _last_value(
            rolling_sharpe(
                clean, 30, risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
            )
        ),
        "rolling_sharpe_90d": _last_value(
            rolling_sharpe(
                clean, 90, risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
            )
        ),
        "rolling_vol_30d": _last_value(
            rolling_volatility(clean, 30, periods_per_year=periods_per_year)
        ),
    }
    return metrics


def metrics_display(metrics: Mapping[str, float | None]) -> dict[str, str]:
    """Old display keys as formatted strings; a missing or null metric shows ``N/A``."""
    display: dict[str, str] = {}
    for key, label, template in _DISPLAY:
        value = metrics.get(key)
        display[label] = "N/A" if value is None else template.format(value)
    return display
