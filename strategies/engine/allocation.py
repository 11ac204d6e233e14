"""Portfolio allocation methods (the ``optimization_method`` of a backtest request).

Each method maps a window of daily returns (T x N, no NaN) to long-only weights summing to 1:

- ``EqualWeight``: 1/N.
- ``InverseVol``: w ∝ 1/sigma_i.
- ``HRP``: hierarchical risk parity (López de Prado 2016): correlation distance
  √((1 - rho)/2), hierarchical clustering, quasi-diagonal order, then recursive bisection of
  that order, splitting each cluster's budget in inverse proportion to the variance of the
  halves' inverse-variance portfolios.
- ``MVO``: long-only maximum Sharpe ratio on the Ledoit-Wolf shrunk covariance and sample
  mean returns, by projected gradient ascent on the simplex. The Sharpe ratio is
  pseudo-concave where the excess return is positive, so the ascent reaches the global
  maximum; when no asset has a positive excess return, the minimum-variance portfolio is
  returned instead (the maximum Sharpe portfolio is then meaningless).

The methods live in :mod:`~strategies.engine.simple_weights`,
:mod:`~strategies.engine.risk_parity` and :mod:`~strategies.engine.mean_variance`; this
module names them and dispatches.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from strategies.engine.mean_variance import max_sharpe, min_variance, mvo
from strategies.engine.risk_parity import hrp, hrp_from_covariance
from strategies.engine.simple_weights import equal_weight, inverse_volatility

__all__ = [
    "METHODS",
    "allocate",
    "allocate_values",
    "check_method",
    "equal_weight",
    "hrp",
    "hrp_from_covariance",
    "inverse_volatility",
    "max_sharpe",
    "min_variance",
    "mvo",
]

FloatArray = npt.NDArray[np.float64]

METHODS = ("HRP", "MVO", "InverseVol", "EqualWeight")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"Unknown optimization_method '{method}'; expected one of {list(METHODS)}")
    return method


def allocate_values(
    method: str,
    values: FloatArray,
    *,
    risk_free_rate: float = 0.0,
    linkage_method: str = "ward",
) -> FloatArray:
    """:func:`allocate` on a bare T x N array of returns: N weights summing to 1."""
    check_method(method)
    n = values.shape[1]
    if n == 0:
        return np.empty(0)
    if n == 1 or method == "EqualWeight" or values.shape[0] < 2:
        return equal_weight(n)
    if method == "InverseVol":
        return inverse_volatility(values)
    if method == "HRP":
        return hrp(values, linkage_method)
    return mvo(values, risk_free_rate)


def allocate(
    method: str,
    returns: pd.DataFrame,
    *,
    risk_free_rate: float = 0.0,
    linkage_method: str = "ward",
) -> pd.Series:
    """Weights (summing to 1) of the columns of ``returns`` under ``method``.

    ``returns`` must not contain NaN (see :func:`strategies.engine.returns.window_returns`).
    """
    check_method(method)
    tickers = returns.columns
    if len(tickers) == 0:
        return pd.Series(dtype=np.float64)
    weights = allocate_values(
        method,
        returns.to_numpy(dtype=np.float64),
        risk_free_rate=risk_free_rate,
        linkage_method=linkage_method,
    )
    return pd.Series(weights, index=tickers, dtype=np.float64)
