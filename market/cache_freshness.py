"""Whether a manifest still describes the database: one query for each ticker's newest bar
date and ``bars_changed_at``, so new bars, revised bars and membership changes all show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from market.cache_manifest import CacheManifest
from market.models import DailyBar, Symbol


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the database holds now for a universe's tickers (those with at least one bar)."""

    last_bar_dates: dict[str, dt.date]
    data_version: dt.datetime | None

    @property
    def tickers(self) -> list[str]:
        return sorted(self.last_bar_dates)


def source_state(*, universe: str) -> SourceState:
    """Newest bar date per ticker that was ever in ``universe`` and has bars, and the newest
    ``bars_changed_at`` among them."""
    latest = (
        DailyBar.objects.filter(ticker_id=OuterRef("ticker")).order_by("-date").values("date")[:1]
    )
    rows = (
        Symbol.objects.filter(memberships__universe__key=universe)
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .values_list("ticker", "latest", "bars_changed_at")
        .distinct()
    )
    last_bar_dates: dict[str, dt.date] = {}
    versions: list[dt.datetime] = []
    for ticker, day, changed_at in rows:
        last_bar_dates[ticker] = day
        if changed_at is not None:
            versions.append(changed_at)
    return SourceState(last_bar_dates, max(versions, default=None))


def is_fresh(*, manifest: CacheManifest, state: SourceState) -> bool:
    if manifest.last_bar_dates != state.last_bar_dates:
        return False  # new bars, a new ticker, or a ticker gone from the universe
    if state.data_version is None:
        return True
    return manifest.data_version is not None and state.data_version <= manifest.data_version
