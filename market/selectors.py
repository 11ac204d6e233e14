"""Reads of the market warehouse: universes, point-in-time membership, bars and price matrices.

Membership is point in time, so a backtest never sees survivors only: ``members(index=...,
as_of=d)`` answers who was in the index on ``d`` (start inclusive, end exclusive), and
``as_of=None`` is the current list. For the universes shipped as a single snapshot (all but
the S&P 500, whose history is shipped too) membership starts at the snapshot's ``as_of``
date: before it we do not know, and say so by answering with nobody.

Imported by the API layer, so pandas stays out of module scope: ``price_matrix`` imports the
Parquet cache (and with it pandas and pyarrow) when called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from market.errors import UnknownUniverse
from market.models import DailyBar, IndexConstituent, Symbol, Universe

if TYPE_CHECKING:
    import pandas as pd
    from django_stubs_ext import WithAnnotations


class UniverseCounts(TypedDict):
    ticker_count: int


PRICE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")


def universe_keys() -> list[str]:
    return list(Universe.objects.values_list("key", flat=True))


def get_universe(*, key: str) -> Universe:
    """The universe with exactly this (case-sensitive) key, or ``UnknownUniverse``."""
    try:
        return Universe.objects.get(key=key)
    except Universe.DoesNotExist:
        raise UnknownUniverse(key, universe_keys()) from None


def universes_with_counts() -> QuerySet[WithAnnotations[Universe, UniverseCounts]]:
    """Universes in registry order, each annotated with ``ticker_count`` (current members)."""
    # Meta.ordering does not apply to aggregating queries: order explicitly.
    return Universe.objects.annotate(
        ticker_count=Count("constituents", filter=Q(constituents__end_date__isnull=True))
    ).order_by("position", "key")


def _membership(*, index: str, as_of: dt.date | None) -> QuerySet[IndexConstituent]:
    universe = get_universe(key=index)
    constituents = IndexConstituent.objects.filter(universe=universe)
    if as_of is None:
        return constituents.filter(end_date__isnull=True)
    return constituents.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=as_of), start_date__lte=as_of
    )


def members(*, index: str, as_of: dt.date | None = None) -> list[str]:
    """Tickers in universe ``index`` on ``as_of`` (``None``: today's list), sorted."""
    tickers = _membership(index=index, as_of=as_of).values_list("ticker_id", flat=True)
    return sorted({str(ticker) for ticker in tickers})


def ever_members(*, index: str) -> list[str]:
    """Every ticker that has been in ``index`` at any time we know of, sorted."""
    get_universe(key=index)
    tickers = IndexConstituent.objects.filter(universe__key=index).values_list(
        "ticker_id", flat=True
    )
    return sorted({str(ticker) for ticker in tickers})


def bars(
    *, ticker: str, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[DailyBar]:
    """One ticker's bars in date order, ``start`` and ``end`` inclusive."""
    queryset = DailyBar.objects.filter(ticker__ticker=ticker)
    if start is not None:
        queryset = queryset.filter(date__gte=start)
    if end is not None:
        queryset = queryset.filter(date__lte=end)
    return queryset.order_by("date")


def latest_bar_dates(*, tickers: Sequence[str]) -> dict[str, dt.date]:
    """The newest stored bar date of each ticker that has bars (one index probe each)."""
    latest = (
        DailyBar.objects.filter(ticker_id=OuterRef("ticker")).order_by("-date").values("date")[:1]
    )
    rows = (
        Symbol.objects.filter(ticker__in=tickers)
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .values_list("ticker", "latest")
    )
    return dict(rows)


@dataclass(frozen=True, slots=True)
class PriceTableSummary:
    price_rows: int
    tickers_with_prices: int
    latest_price_date: dt.date | None


def price_table_summary() -> PriceTableSummary:
    """Size and freshness of ``market_data`` (the data-status endpoint's ``database``)."""
    with_bars = Symbol.objects.filter(last_bar_date__isnull=False)
    return PriceTableSummary(
        price_rows=DailyBar.objects.count(),
        tickers_with_prices=with_bars.count(),
        latest_price_date=with_bars.aggregate(latest=Max("last_bar_date"))["latest"],
    )


def price_matrix(
    *,
    universe: str | None = None,
    tickers: Sequence[str] | None = None,
    field: str = "close",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """A date x ticker float64 matrix of ``field`` (one of ``PRICE_FIELDS``).

    With ``universe``: read from that universe's Parquet cache (only the requested tickers'
    columns, only this field's file), checked against its manifest and rebuilt from the
    database when missing, stale or corrupt; the universe's columns are every ticker that
    was ever a member and has bars, so callers can mask by ``members(as_of=...)`` without
    survivorship bias. Bars marked ``bad`` are left out. ``tickers`` narrows the columns;
    tickers outside the universe (or all of them when no universe is given) are read from
    the database directly. ``start`` and ``end`` are inclusive. Columns follow ``tickers``
    order when given (missing tickers are all-NaN columns), else sorted; rows with no value
    in any column are dropped.
    """
    if field not in PRICE_FIELDS:
        raise ValueError(f"field must be one of {', '.join(PRICE_FIELDS)}, not {field!r}")
    if universe is None and tickers is None:
        raise ValueError("price_matrix needs a universe, tickers, or both")
    from market.cache import read_price_matrix

    return read_price_matrix(
        universe=universe,
        tickers=None if tickers is None else list(dict.fromkeys(tickers)),
        field=field,
        start=start,
        end=end,
    )
