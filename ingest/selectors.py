"""Reads for ingest runs: what to fetch (tickers, last stored dates and closes) and the audit
trail (``IngestRun`` pages for the API)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from ingest.errors import IngestRunNotFound
from ingest.models import IngestRun, IngestStatus
from ingest.planning import IngestParameters, TickerWindow
from market.models import DailyBar, Symbol, Universe
from market.selectors import latest_bar_dates, members

# A run that stored data: the last refresh the data-status endpoint reports.
REFRESHED_STATUSES = (IngestStatus.COMPLETED, IngestStatus.PARTIAL)
_MAX_PK = 2**63 - 1


def tickers_to_ingest(*, parameters: IngestParameters) -> list[str]:
    """The universes' current members, then the named tickers; de-duplicated, in that order.

    Raises ``market.errors.UnknownUniverse`` for a key that is not loaded.
    """
    tickers: dict[str, None] = {}
    for key in parameters.effective_universes:
        tickers.update(dict.fromkeys(members(index=key)))
    tickers.update(dict.fromkeys(parameters.tickers))
    return list(tickers)


def last_stored_dates(*, tickers: Sequence[str]) -> dict[str, dt.date]:
    return latest_bar_dates(tickers=tickers)


def previous_closes(*, windows: Iterable[TickerWindow]) -> dict[str, Decimal]:
    """Each ticker's last stored close before its window starts (validation judges the first
    new bar's move against it). One query per distinct start date: an incremental run over
    an up-to-date universe has one or two."""
    by_start: dict[dt.date, list[str]] = defaultdict(list)
    for window in windows:
        by_start[window.start].append(window.ticker)
    closes: dict[str, Decimal] = {}
    for start, tickers in by_start.items():
        before = (
            DailyBar.objects.filter(ticker_id=OuterRef("ticker"), date__lt=start)
            .order_by("-date")
            .values("close")[:1]
        )
        rows = (
            Symbol.objects.filter(ticker__in=tickers)
            .annotate(previous_close=Subquery(before))
            .filter(previous_close__isnull=False)
            .values_list("ticker", "previous_close")
        )
        closes.update(rows)
    return closes


def existing_symbols(*, tickers: Iterable[str]) -> dict[str, Symbol]:
    return {s.ticker: s for s in Symbol.objects.filter(ticker__in=list(tickers))}


def universes_holding(*, tickers: Iterable[str]) -> list[str]:
    """Keys of the universes that hold (or held) any of ``tickers``, in registry order."""
    keys = (
        Universe.objects.filter(constituents__ticker__in=list(tickers))
        .values_list("key", flat=True)
        .distinct()
    )
    ordered = Universe.objects.filter(key__in=list(keys)).values_list("key", flat=True)
    return list(ordered)


# --- the audit trail ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestRunPage:
    ingest_runs: list[IngestRun]
    total: int
    page: int
    page_size: int
    total_pages: int


async def ingest_run_page(*, page: int = 1, page_size: int = 50) -> IngestRunPage:
    """Runs newest first; a page past the end is empty."""
    queryset = IngestRun.objects.order_by("-created_at", "-id")
    total = await queryset.acount()
    offset = (page - 1) * page_size
    runs: list[IngestRun] = []
    if offset < total:
        runs = [run async for run in queryset[offset : offset + page_size]]
    return IngestRunPage(
        ingest_runs=runs,
        total=total,
        page=page,
        page_size=page_size,
        total_pages=max(1, math.ceil(total / page_size)),
    )


async def get_ingest_run(*, pk: int) -> IngestRun:
    if not 0 < pk <= _MAX_PK:
        raise IngestRunNotFound(pk)
    try:
        return await IngestRun.objects.aget(pk=pk)
    except IngestRun.DoesNotExist:
        raise IngestRunNotFound(pk) from None


def last_refresh() -> dt.datetime | None:
    """When the latest run that stored data (completed, or partial: some tickers failed)
    finished. Dry runs store nothing and do not count."""
    run = (
        IngestRun.objects.filter(status__in=REFRESHED_STATUSES, finished_at__isnull=False)
        .filter(Q(parameters__dry_run=False) | Q(parameters__dry_run__isnull=True))
        .order_by("-finished_at")
        .only("finished_at")
        .first()
    )
    return None if run is None else run.finished_at
