"""Fetching a run's tickers and storing their bars in batches.

An asyncio fetch of every ticker (bounded concurrency, one HTTP client) streams results back;
they are validated and written through ``market.services.upsert_bars`` every
``batch_tickers`` tickers, on the caller's thread and database connection, while the next
tickers are still downloading. Each batch commits on its own, so a crash loses at most the
batch in flight, and the run row's counters move as it goes. A ticker that fails (HTTP error,
unknown symbol, every bar rejected, a row the database refuses) is recorded with its reason
and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import aclosing
from typing import Final, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DataError, IntegrityError, transaction

from ingest.models import IngestRun
from ingest.preparation import IngestPlan
from ingest.run_audit import save_totals
from ingest.run_totals import ProgressCallback, RunTotals
from ingest.selectors import existing_symbols
from ingest.source_settings import UNKNOWN_SOURCE, YAHOO_DISABLED, request_budgets, yahoo_enabled
from ingest.sources import (
    Bar,
    BarQuality,
    DataSource,
    DisabledSource,
    FetchRequest,
    FetchResult,
    FetchStatus,
    SourceName,
    build_sources,
    fetch_many,
    validate_bars,
)
from ingest.transport import build_http_client, current_http
from market.services import BarRow, SymbolInfo, UpsertCounts, upsert_symbols

# Every part of a run logs as ingest.services, the name log filters (and tests) select on.
logger = logging.getLogger("ingest.services")

# Tickers per write: each batch is committed before the next is written.
BATCH_TICKERS: Final = 25


class UpsertBars(Protocol):
    """``market.services.upsert_bars``, or a stand-in for it."""

    def __call__(self, *, rows: Iterable[BarRow]) -> UpsertCounts: ...


async def fetch_and_store(
    plan: IngestPlan,
    run: IngestRun,
    totals: RunTotals,
    progress: ProgressCallback | None,
    *,
    batch_tickers: int,
    upsert: UpsertBars,
) -> None:
    parameters = plan.parameters
    store = sync_to_async(store_batch, thread_sensitive=True)
    up_to_date = [w.ticker for w in plan.windows if w.empty]
    if up_to_date:
        totals.processed += len(up_to_date)
        totals.succeed(up_to_date)
    requests = [
        FetchRequest(w.ticker, w.start, w.end, parameters.source)
        for w in plan.windows
        if not w.empty
    ]
    async with build_http_client(concurrency=parameters.concurrency) as client:
        sources: dict[SourceName, DataSource] = build_sources(
            client, tiingo_api_key=settings.TIINGO_API_KEY or None, retry=current_http().retry
        )
        if not yahoo_enabled():
            sources[SourceName.YAHOO] = DisabledSource(SourceName.YAHOO, YAHOO_DISABLED)
        batch: list[FetchResult] = []
        stream = fetch_many(
            requests, sources, concurrency=parameters.concurrency, budgets=request_budgets()
        )
        async with aclosing(stream) as results:
            async for result in results:
                totals.fetched += 1
                totals.bars_fetched += len(result.bars)
                if progress is not None:
                    progress(totals.progress("fetched"))
                batch.append(result)
                if len(batch) >= batch_tickers:
                    await store(batch, plan, run, totals, progress, upsert)
                    batch = []
        if batch:
            await store(batch, plan, run, totals, progress, upsert)
    if not requests:
        await sync_to_async(save_totals, thread_sensitive=True)(run, totals)


def bar_row(bar: Bar, quality: BarQuality) -> BarRow:
    """A validated bar (every price set, rounded to NUMERIC(12,4)) as ``market_data`` stores it."""
    open_, high, low, close = bar.open, bar.high, bar.low, bar.close
    if open_ is None or high is None or low is None or close is None or bar.volume is None:
        raise ValueError(f"{bar.ticker} {bar.date}: only validated bars can be stored")
    return BarRow(
        ticker=bar.ticker,
        date=bar.date,
        open=open_,
        high=high,
        low=low,
        close=close,
        adj_close=bar.adj_close,
        volume=bar.volume,
        source=str(bar.source),
        data_quality=str(quality),
        metadata={"split": True} if bar.split_event else {},
    )


def store_batch(
    results: Sequence[FetchResult],
    plan: IngestPlan,
    run: IngestRun,
    totals: RunTotals,
    progress: ProgressCallback | None,
    upsert: UpsertBars,
) -> None:
    rows: dict[str, list[BarRow]] = {}
    not_found: list[str] = []
    for result in results:
        ticker = result.ticker
        if result.status is FetchStatus.OK:
            outcome = validate_bars(result.bars, previous_close=plan.previous_closes.get(ticker))
            for bar, reason in outcome.rejected:
                totals.reject(bar, reason)
            if outcome.accepted:
                rows[ticker] = [bar_row(bar, quality) for bar, quality in outcome.accepted]
            else:
                first = outcome.rejected[0][1] if outcome.rejected else "no bars"
                totals.fail(ticker, f"all {len(result.bars)} bars rejected (first: {first})")
        elif result.status is FetchStatus.EMPTY:
            # The symbol exists; nothing new in the window (a holiday, a range before listing).
            totals.succeed([ticker])
            logger.info("ingest empty ticker=%s reason=%s", ticker, result.reason)
        else:
            totals.fail(ticker, result.reason or str(result.status))
            if result.status is FetchStatus.NOT_FOUND:
                not_found.append(ticker)
    if plan.parameters.dry_run:
        totals.succeed(rows)
    else:
        stored = write_bars(rows, totals, upsert)
        totals.succeed(stored)
        update_symbol_status(stored=stored, not_found=not_found)
    totals.processed += len(results)
    save_totals(run, totals)
    logger.debug(
        "ingest progress run=%s processed=%d total=%d succeeded=%d failed=%d "
        "inserted=%d updated=%d unchanged=%d rejected=%d",
        run.pk,
        totals.processed,
        totals.total,
        totals.succeeded,
        totals.failed,
        totals.counts.inserted,
        totals.counts.updated,
        totals.counts.unchanged,
        totals.rejected,
    )
    if progress is not None:
        progress(totals.progress("stored"))


def write_bars(rows: dict[str, list[BarRow]], totals: RunTotals, upsert: UpsertBars) -> list[str]:
    """Upsert the batch in one transaction, so it is stored whole or not at all (a crash
    loses at most this batch; the next run fetches it again). If the database refuses it,
    ticker by ticker, so only the offending tickers fail. Returns the tickers stored."""
    if not rows:
        return []
    by_source: dict[str, list[str]] = {}
    for ticker in rows:
        by_source.setdefault(totals.source_of.get(ticker, UNKNOWN_SOURCE), []).append(ticker)
    try:
        with transaction.atomic():
            counts = {
                source: upsert(rows=[row for ticker in tickers for row in rows[ticker]])
                for source, tickers in by_source.items()
            }
    except (IntegrityError, DataError) as exc:
        logger.warning("batch write refused (%s); retrying ticker by ticker", exc)
    else:
        totals.stored(counts)
        return list(rows)
    stored = []
    for ticker, ticker_rows in rows.items():
        try:
            ticker_counts = upsert(rows=ticker_rows)
        except (IntegrityError, DataError) as exc:
            totals.fail(ticker, f"the database refused the bars: {exc}")
        else:
            totals.stored({totals.source_of.get(ticker, UNKNOWN_SOURCE): ticker_counts})
            stored.append(ticker)
    return stored


def update_symbol_status(*, stored: list[str], not_found: list[str]) -> None:
    """A symbol the source no longer knows becomes inactive (and delisted if we ever had its
    bars); one that answers with bars again is active again."""
    symbols = existing_symbols(tickers=[*stored, *not_found])
    changes: list[SymbolInfo] = []
    for ticker in not_found:
        symbol = symbols.get(ticker)
        if symbol is None:
            continue  # never seen: no row to annotate
        delisted = symbol.is_delisted or symbol.last_bar_date is not None
        if symbol.is_active or symbol.is_delisted != delisted:
            changes.append(SymbolInfo(ticker=ticker, is_active=False, is_delisted=delisted))
    for ticker in stored:
        symbol = symbols.get(ticker)
        if symbol is not None and (not symbol.is_active or symbol.is_delisted):
            changes.append(SymbolInfo(ticker=ticker, is_active=True, is_delisted=False))
    if changes:
        upsert_symbols(symbols=changes)
