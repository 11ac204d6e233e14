"""``GET /api/dashboard/data-status`` (contract §2.4, §3.5): freshness of the stored prices.

Computed from the database (each symbol's ``first_bar_date``/``last_bar_date``, which the
bar upsert keeps current) and the calendars of :mod:`strategies.market_calendar`:

- ``latest_data_date``: the newest date d such that at least 90 % of the universe's current
  members have bars up to d (from their last bar dates; a gap inside a history is not seen);
- ``expected_latest_date``: the last completed session of the universe's exchange;
- ``staleness_days``: the weekdays after ``latest_data_date`` up to the expected date;
  ``is_stale`` = staleness_days > 1 (and a universe without data is stale);
- ``last_cache_update``: when the universe's Parquet price cache was last built.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from market.models import Symbol, Universe
from strategies import market_calendar as calendar
from strategies.selectors import iso

COVERAGE_SHARE = 0.9
# The scanner names of contract §5 and the universes they stand for.
FRESHNESS_UNIVERSES = (("sp500", "SPX500"), ("nasdaq100", "NASDAQ100"), ("asx200", "ASX200"))


@dataclass(frozen=True)
class UniverseDates:
    key: str
    region: str
    tickers: int
    last_bar_dates: list[dt.date]  # one per member with bars
    first_date: dt.date | None


def _members(key: str) -> Any:
    return Symbol.objects.filter(
        memberships__universe__key=key, memberships__end_date__isnull=True
    ).distinct()


def universe_dates(key: str, region: str) -> UniverseDates:
    members = _members(key)
    tickers = members.count()
    last = [day for day in members.values_list("last_bar_date", flat=True) if day is not None]
    first = members.aggregate(first=Min("first_bar_date"))["first"]
    return UniverseDates(key, region, tickers, last, first)


def covered_date(dates: UniverseDates, share: float = COVERAGE_SHARE) -> dt.date | None:
    """The newest date that at least ``share`` of the members have bars up to."""
    needed = max(1, math.ceil(share * dates.tickers))
    ordered = sorted(dates.last_bar_dates, reverse=True)
    return ordered[needed - 1] if len(ordered) >= needed else None


def market_of(region: str) -> str:
    return calendar.AU if region.upper() == "AU" else calendar.US


def _message(latest: dt.date | None, expected: dt.date, staleness: int | None) -> str:
    if latest is None:
        return "No stored prices cover this universe; run POST /api/data/refresh"
    if staleness is not None and staleness > 1:
        return (
            f"Data is {staleness} weekdays behind (latest {latest.isoformat()}, expected "
            f"{expected.isoformat()}); run POST /api/data/refresh"
        )
    return f"Data is current (latest {latest.isoformat()})"


def _cache_built_at(key: str) -> dt.datetime | None:
    from market.cache import read_manifest

    try:
        manifest = read_manifest(universe=key)
    except OSError:
        return None
    return None if manifest is None else manifest.built_at


def freshness_row(name: str, dates: UniverseDates, now: dt.datetime) -> dict[str, Any]:
    latest = covered_date(dates)
    expected = calendar.last_completed_session(market_of(dates.region), now)
    staleness = None if latest is None else calendar.weekdays_between(latest, expected)
    is_stale = staleness is None or staleness > 1
    return {
        "name": name,
        "last_cache_update": iso(_cache_built_at(dates.key)),
        "latest_data_date": iso(latest),
        "expected_latest_date": iso(expected),
        "staleness_days": staleness,
        "is_stale": is_stale,
        "needs_refresh": is_stale,
        "message": _message(latest, expected, staleness),
    }


def coverage_rows() -> list[dict[str, Any]]:
    rows = []
    for universe in Universe.objects.order_by("position", "key"):
        stats = _members(universe.key).aggregate(
            tickers=Count("pk", distinct=True),
            first=Min("first_bar_date"),
            last=Max("last_bar_date"),
            with_data=Count("pk", filter=Q(last_bar_date__isnull=False), distinct=True),
        )
        rows.append(
            {
                "universe": universe.key,
                "tickers": stats["tickers"],
                "tickers_with_data": stats["with_data"],
                "first_date": iso(stats["first"]),
                "last_date": iso(stats["last"]),
            }
        )
    return rows


def overall(rows: list[dict[str, Any]]) -> str:
    stale = sum(1 for row in rows if row["is_stale"])
    if stale == 0:
        return "all_current"
    return "all_stale" if stale == len(rows) else "partially_stale"


def data_status(*, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    check_time = iso(now)
    regions = dict(Universe.objects.values_list("key", "region"))
    rows = [
        freshness_row(name, universe_dates(key, regions.get(key, "US")), now)
        for name, key in FRESHNESS_UNIVERSES
    ]
    status = overall(rows)
    return {
        "check_time": check_time,
        "overall_status": status,
        "freshness": {
            "check_time": check_time,
            "overall_status": status,
            "universes": rows,
            "needs_refresh_count": sum(1 for row in rows if row["needs_refresh"]),
        },
        "coverage": coverage_rows(),
        "markets": {
            "US": {
                "last_trading_date": iso(calendar.last_completed_session(calendar.US, now)),
                "is_open": calendar.is_open(calendar.US, now),
            },
            "AU": {
                "last_trading_date": iso(calendar.last_completed_session(calendar.AU, now)),
                "is_open": calendar.is_open(calendar.AU, now),
            },
        },
    }
