"""Return windows and trailing returns over a price matrix, as strategies need them.

Columns whose name starts with ``^`` are index levels (^VIX, ^GSPC): they can be read but
never traded, so these helpers leave them out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def tradable_columns(prices: pd.DataFrame) -> pd.Index:
    columns = prices.columns
    # Vectorised: this runs at every decision over hundreds of tickers.
    return columns[~columns.astype(str).str.startswith("^")]


# The tradable positions of the last columns seen, keyed by the array behind them: a
# backtest asks at every decision about slices of one price matrix, which share it.
_last_tradable: tuple[object, npt.NDArray[np.intp]] | None = None


def _tradable_positions(columns: pd.Index) -> npt.NDArray[np.intp]:
    global _last_tradable
    cached = _last_tradable
    if cached is not None and cached[0] is columns.array:
        return cached[1]
    names = columns if isinstance(columns.dtype, pd.StringDtype) else columns.astype(str)
    positions = np.flatnonzero(np.asarray(~names.str.startswith("^"), dtype=bool))
    positions.setflags(write=False)
    _last_tradable = (columns.array, positions)
    return positions


def _positions(prices: pd.DataFrame, tickers: pd.Index | None) -> npt.NDArray[np.intp]:
    """Column positions of ``tickers`` (default: the tradable columns).

    Strategies then slice the float block positionally: selecting hundreds of string labels
    costs more than the arithmetic that follows.
    """
    if tickers is None:
        return _tradable_positions(prices.columns)
    positions = prices.columns.get_indexer(pd.Index(tickers))
    return positions[positions >= 0]


def window_return_matrix(
    prices: pd.DataFrame, lookback: int, tickers: pd.Index | None = None
) -> tuple[npt.NDArray[np.float64], pd.Index]:
    """:func:`window_returns` as a bare ``lookback`` x N array and its columns (for callers
    that go straight to numpy). With fewer than ``lookback + 1`` closes there are no columns.
    """
    positions = _positions(prices, tickers)
    window = prices.iloc[-(lookback + 1) :]
    if len(window) < lookback + 1:
        return np.empty((max(len(window) - 1, 0), 0)), pd.Index([])
    values = window.to_numpy(dtype=np.float64)
    # Every column, in order (the common case): no copy.
    every = positions.size == values.shape[1] and bool(np.all(positions[1:] > positions[:-1]))
    if not every:
        values = values[:, positions]
    complete = np.all(np.isfinite(values) & (values > 0), axis=0)
    if not complete.all():
        every = False
        values = values[:, complete]
        positions = positions[complete]
    returns = values[1:] / values[:-1]
    returns -= 1.0
    return returns, prices.columns if every else prices.columns[positions]


def window_returns(
    prices: pd.DataFrame, lookback: int, tickers: pd.Index | None = None
) -> pd.DataFrame:
    """Daily simple returns of the last ``lookback`` days for the tradable columns priced on
    every one of the ``lookback + 1`` closes (an asset with a gap or listed later is left out:
    covariance estimates need a common window)."""
    returns, columns = window_return_matrix(prices, lookback, tickers)
    index = prices.index[-(lookback + 1) :][1:]
    if len(prices) < lookback + 1:
        return pd.DataFrame(index=index, columns=pd.Index([]), dtype=np.float64)
    return pd.DataFrame(returns, index=index, columns=columns, copy=False)


def trailing_return(
    prices: pd.DataFrame, lookback: int, skip: int = 0, tickers: pd.Index | None = None
) -> pd.Series:
    """P[t - skip] / P[t - lookback] - 1 for tradable columns priced at t - lookback,
    t - skip and t (the decision close); others are left out."""
    if len(prices) < lookback + 1 or skip >= lookback:
        return pd.Series(dtype=np.float64)
    positions = _positions(prices, tickers)
    rows = prices.iloc[[-(lookback + 1), -(skip + 1), -1]].to_numpy(dtype=np.float64)
    start, end, now = rows[:, positions]
    with np.errstate(invalid="ignore"):
        valid = (start > 0) & (end > 0) & (now > 0)
    return pd.Series(
        end[valid] / start[valid] - 1.0,
        index=prices.columns[positions[valid]],
        dtype=np.float64,
    )


def market_prices(prices: pd.DataFrame, benchmark: pd.Series | None, lookback: int) -> pd.Series:
    """Price path of the market over the last ``lookback`` returns: the benchmark when it is
    priced over the whole window, otherwise an equal-weight index of the tradable columns
    priced over the window (rebalanced daily)."""
    if benchmark is not None:
        tail = benchmark.iloc[-(lookback + 1) :].astype(np.float64)
        if len(tail) == lookback + 1 and bool(np.all(np.isfinite(tail.to_numpy()))):
            return tail
    returns = window_returns(prices, lookback)
    if returns.shape[1] == 0:
        return pd.Series(dtype=np.float64)
    index = np.concatenate([[1.0], np.cumprod(1.0 + returns.mean(axis=1).to_numpy())])
    return pd.Series(index, index=prices.index[-len(index) :])
