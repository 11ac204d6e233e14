"""What a backtest reads: stored prices for its tickers, with warm-up history and references.

Everything comes from ``market.selectors.price_matrix`` (the Parquet cache of a universe, or
the database for tickers outside it); nothing is fetched from the network.

- Tickers: the request's tickers, else every ticker that was ever a member of the universe
  and has stored bars (the price cache's columns). Membership is not masked by date: a
  universe run trades its ever-members over the whole period (documented limitation; the
  S&P 500 files are point in time, the other universes are single snapshots).
- Prices: adjusted closes where a ticker's ``adj_close`` covers every stored close, else
  closes. Strategies that compare closes with highs and lows (``needs_ohlcv``) use raw closes
  so that the four series agree.
- Warm-up: history before ``start`` long enough for the longest look-back parameter (at least
  two years), so a strategy can invest from the first day.
- References: SPY (the benchmark several strategies read) and the VIX family, when stored.
- End: the request's ``end_date``, else the latest stored date of the selected tickers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from market import selectors as market

if TYPE_CHECKING:
    import pandas as pd

REFERENCE_TICKERS = ("SPY", "^VIX", "^VIX3M", "^VXV")
# Reference series a strategy cannot run without (the engine raises otherwise).
REQUIRED_REFERENCES: dict[str, tuple[str, ...]] = {"Short_Vol": ("^VIX",)}
MIN_WARMUP_TRADING_DAYS = 504
# Parameters that are counts or thresholds, not look-back windows in days.
_NOT_WINDOWS = frozenset({"top_n", "n_estimators", "n_states", "max_clusters", "ff_factors"})


class BacktestDataError(Exception):
    """The stored data cannot support the run; the message is a sentence for the client."""


@dataclass(frozen=True)
class BacktestInputs:
    prices: pd.DataFrame
    tickers: list[str]
    end: dt.date
    volumes: pd.DataFrame | None = None
    highs: pd.DataFrame | None = None
    lows: pd.DataFrame | None = None
    reference: pd.DataFrame | None = None


def warmup_start(start: dt.date, parameters: Mapping[str, Any]) -> dt.date:
    """The first date to read: enough trading days before ``start`` for every window."""
    windows = [
        int(value)
        for key, value in parameters.items()
        if key not in _NOT_WINDOWS and isinstance(value, int) and not isinstance(value, bool)
    ]
    trading_days = max([MIN_WARMUP_TRADING_DAYS, *windows])
    # 252 trading days ≈ 365 calendar days; a month of slack for holidays.
    return start - dt.timedelta(days=math.ceil(trading_days * 365 / 252) + 31)


def _adjusted(close: pd.DataFrame, adj_close: pd.DataFrame) -> pd.DataFrame:
    """Per ticker, ``adj_close`` when it is known wherever ``close`` is, else ``close``."""
    adj = adj_close.reindex(index=close.index, columns=close.columns)
    complete = adj.notna().sum() >= close.notna().sum()
    prices = close.copy()
    if bool(complete.any()):
        columns = list(complete[complete].index)
        prices[columns] = adj[columns]
    return prices


def _matrix(
    field: str,
    *,
    universe: str | None,
    tickers: Sequence[str] | None,
    start: dt.date,
    end: dt.date | None,
) -> pd.DataFrame:
    return market.price_matrix(
        universe=universe, tickers=tickers, field=field, start=start, end=end
    )


def close_matrix(
    *,
    universe: str | None,
    tickers: Sequence[str] | None,
    start: dt.date,
    end: dt.date | None,
    adjusted: bool = True,
) -> pd.DataFrame:
    """Closes (adjusted where possible) without all-empty columns."""
    close = _matrix("close", universe=universe, tickers=tickers, start=start, end=end)
    if adjusted and not close.empty:
        adj = _matrix("adj_close", universe=universe, tickers=tickers, start=start, end=end)
        close = _adjusted(close, adj)
    return close.dropna(axis=1, how="all")


def _raise_no_prices(*, universe: str, tickers: Sequence[str] | None, start: dt.date) -> None:
    """Say why the window is empty: no bars at all, or bars that end before ``start``."""
    names = list(tickers) if tickers is not None else market.ever_members(index=universe)
    latest = max(market.latest_bar_dates(tickers=names).values(), default=None)
    if latest is not None and latest < start:
        raise BacktestDataError(
            f"No stored prices after {start.isoformat()}: the latest stored date is "
            f"{latest.isoformat()}"
        )
    raise BacktestDataError(
        f"Insufficient price data: 0 of {len(names)} tickers have prices before {start.isoformat()}"
    )


def load_inputs(
    *,
    strategy: str,
    universe: str,
    tickers: Sequence[str] | None,
    start: dt.date,
    end: dt.date | None,
    parameters: Mapping[str, Any],
    needs_ohlcv: bool = False,
) -> BacktestInputs:
    """Read every matrix the run needs, or raise :class:`BacktestDataError`."""
    first = warmup_start(start, parameters)
    prices = close_matrix(
        universe=universe, tickers=tickers, start=first, end=end, adjusted=not needs_ohlcv
    )
    if prices.empty:
        _raise_no_prices(universe=universe, tickers=tickers, start=start)
    last = prices.index.max().date()
    if end is None:
        end = last
    if end <= start:
        raise BacktestDataError(
            f"No stored prices after {start.isoformat()}: the latest stored date is "
            f"{last.isoformat()}"
        )
    columns = [str(c) for c in prices.columns]
    reference = close_matrix(universe=None, tickers=REFERENCE_TICKERS, start=first, end=end)
    for required in REQUIRED_REFERENCES.get(strategy, ()):
        if required not in reference.columns and required not in columns:
            raise BacktestDataError(
                f"{strategy} needs stored {required} prices; refresh {required} with "
                "POST /api/data/refresh first"
            )
    extra: dict[str, pd.DataFrame] = {}
    if needs_ohlcv:
        for field in ("volume", "high", "low"):
            matrix = _matrix(field, universe=universe, tickers=columns, start=first, end=end)
            extra[field] = matrix.reindex(index=prices.index, columns=prices.columns)
    return BacktestInputs(
        prices=prices,
        tickers=columns,
        end=end,
        volumes=extra.get("volume"),
        highs=extra.get("high"),
        lows=extra.get("low"),
        reference=None if reference.empty else reference,
    )
