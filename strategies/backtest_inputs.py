"""What a backtest reads: stored prices for its tickers, with warm-up history and references.

Everything comes from ``market.selectors.price_matrix`` (the Parquet cache of a universe, or
the database for tickers outside it); nothing is fetched from the network.

- Tickers: the request's tickers, else every ticker that was ever a member of the universe
  and has stored bars (the price cache's columns).
- Membership (universe runs only; a request's own tickers are taken as given): a date x
  ticker mask from the universe's ``IndexConstituent`` intervals (start inclusive, end
  exclusive, as ``market.selectors.members(as_of=...)`` answers), so that on each decision
  date the strategy can only pick that day's members: no survivorship bias. Before the first
  date the universe's membership is known (the S&P 500 history starts in 1996, the other
  universes are single snapshots dated in ``registry.csv``) the earliest known list is used,
  and the run's details say from when membership is point in time.
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
from market.models import IndexConstituent

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
    # Point-in-time membership of a universe run (None: every column is always eligible).
    membership: pd.DataFrame | None = None
    # The first date membership is known; before it the earliest known list stands in.
    membership_known_from: dt.date | None = None


@dataclass(frozen=True)
class Membership:
    mask: pd.DataFrame
    known_from: dt.date


def membership_mask(
    *, universe: str, dates: pd.DatetimeIndex, tickers: Sequence[str]
) -> Membership:
    """``mask[d, t]`` is True when ``t`` was a member of ``universe`` on ``d``.

    Dates before the universe's first known membership date use the members of that date.
    Tickers without an interval are never members.
    """
    import numpy as np
    import pandas as pd

    intervals = list(
        IndexConstituent.objects.filter(universe__key=universe).values_list(
            "ticker_id", "start_date", "end_date"
        )
    )
    if not intervals:
        raise BacktestDataError(f"Universe '{universe}' has no stored members")
    known_from = min(start for _, start, _ in intervals)
    # Decisions before ``known_from`` are read as decisions on ``known_from``.
    as_of = np.maximum(dates.to_numpy(dtype="datetime64[ns]"), np.datetime64(known_from, "ns"))
    columns = pd.Index([str(t) for t in tickers])
    mask = np.zeros((len(dates), len(columns)), dtype=bool)
    positions = columns.get_indexer(pd.Index([str(t) for t, _, _ in intervals]))
    for position, (_, start, end) in zip(positions, intervals, strict=True):
        if position < 0:
            continue
        inside = as_of >= np.datetime64(start, "ns")
        if end is not None:
            inside &= as_of < np.datetime64(end, "ns")
        mask[:, position] |= inside
    return Membership(pd.DataFrame(mask, index=dates, columns=columns), known_from)


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
    membership = None
    if tickers is None:
        import pandas as pd

        membership = membership_mask(
            universe=universe, dates=pd.DatetimeIndex(prices.index), tickers=columns
        )
    return BacktestInputs(
        prices=prices,
        tickers=columns,
        end=end,
        volumes=extra.get("volume"),
        highs=extra.get("high"),
        lows=extra.get("low"),
        reference=None if reference.empty else reference,
        membership=None if membership is None else membership.mask,
        membership_known_from=None if membership is None else membership.known_from,
    )
