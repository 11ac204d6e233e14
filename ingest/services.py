"""Ingest runs: plan each ticker's window, fetch, validate, store in batches, audit, re-cache.

One code path for every trigger: ``manage.py ingest`` (and the scheduled Lambda event that
runs it) creates an ``IngestRun`` and executes it in process; ``POST /api/data/refresh``
creates a queued one and enqueues ``ingest.tasks.run_ingest``, which executes it on a worker.

``execute_run`` drives an asyncio fetch of every ticker (bounded concurrency, one HTTP client)
from a synchronous caller. As results stream in they are validated and written through
``market.services.upsert_bars`` every ``BATCH_TICKERS`` tickers, on the caller's thread and
database connection, while the next tickers are still downloading. Each batch commits on its
own, so a crash loses at most the batch in flight, and the run row's counters move as it goes.
A ticker that fails (HTTP error, unknown symbol, every bar rejected, a row the database
refuses) is recorded with its reason and never stops the others.

Each source gets a request budget per run (``PARAKEET_INGEST_REQUEST_BUDGETS``, retries
included); once it is spent the source's remaining tickers fail with "request budget
exhausted" instead of hammering the vendor. At the end of every run (completed, partial,
failed, dry) the counts go to CloudWatch once per source through
``parakeet.observability.metrics.record_ingest``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from ingest.errors import IngestCannotStart
from ingest.models import MAX_STORED_ERRORS, IngestRun, IngestStatus
from ingest.planning import (
    DEFAULT_UNIVERSES,
    IngestParameters,
    TickerWindow,
    Trigger,
    plan_windows,
)
from ingest.selectors import (
    existing_symbols,
    last_stored_dates,
    previous_closes,
    tickers_to_ingest,
    universes_holding,
)
from ingest.sources import (
    Bar,
    BarQuality,
    DataSource,
    DisabledSource,
    FetchRequest,
    FetchResult,
    FetchStatus,
    RequestBudget,
    SourceName,
    build_sources,
    fetch_many,
    route_source,
    validate_bars,
)
from ingest.sources.tiingo import DISABLED_MESSAGE as TIINGO_DISABLED
from ingest.transport import build_http_client, current_http
from market.errors import UnknownUniverse
from market.services import BarRow, SymbolInfo, UpsertCounts, upsert_bars, upsert_symbols
from parakeet.observability.metrics import record_ingest

logger = logging.getLogger(__name__)

# Tickers per write: each batch is committed before the next is written.
BATCH_TICKERS: Final = 25
MAX_REJECTION_SAMPLES: Final = 50
MAX_ERRORS_IN_API: Final = 50
# Requests one run may make to one source (retries count: the vendor counts them). Generous
# against a normal run (one request per ticker: ~750 for the default universes), it stops a
# runaway (a misconfigured universe, a retry storm) before the key gets throttled. Override
# per source with PARAKEET_INGEST_REQUEST_BUDGETS = {"tiingo": N, "yahoo": N}; None = no cap.
DEFAULT_REQUEST_BUDGET: Final = 10_000
UNKNOWN_SOURCE: Final = "unknown"


# --- plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestPlan:
    parameters: IngestParameters
    tickers: list[str]
    windows: list[TickerWindow]
    previous_closes: dict[str, Decimal]
    warnings: list[str]


SOURCE_LABELS: Final = {SourceName.TIINGO: "Tiingo", SourceName.YAHOO: "Yahoo"}
YAHOO_DISABLED: Final = "Yahoo Finance is disabled (PARAKEET_YFINANCE_ENABLED is off)"


def tiingo_configured() -> bool:
    return bool(str(getattr(settings, "TIINGO_API_KEY", "") or "").strip())


def yahoo_enabled() -> bool:
    """Yahoo needs no key; ``PARAKEET_YFINANCE_ENABLED = False`` switches it off."""
    return bool(getattr(settings, "PARAKEET_YFINANCE_ENABLED", True))


def request_budgets() -> dict[SourceName, RequestBudget]:
    """A fresh budget per source for one run, from ``PARAKEET_INGEST_REQUEST_BUDGETS``."""
    configured: Mapping[str, int | None] = (
        getattr(settings, "PARAKEET_INGEST_REQUEST_BUDGETS", None) or {}
    )
    return {
        name: RequestBudget(configured.get(str(name), DEFAULT_REQUEST_BUDGET))
        for name in SourceName
    }


def source_label(ticker: str, source: str) -> str:
    """The metric dimension of a ticker: the source its requests are routed to."""
    try:
        return str(route_source(ticker, source))
    except ValueError:
        return UNKNOWN_SOURCE


def prepare_ingest(*, parameters: IngestParameters, now: dt.datetime | None = None) -> IngestPlan:
    """Resolve the tickers and their windows; raise ``IngestCannotStart`` when the run cannot
    do anything useful (unknown universe, no source for any requested ticker)."""
    try:
        tickers = tickers_to_ingest(parameters=parameters)
    except UnknownUniverse as exc:
        raise IngestCannotStart(str(exc.detail)) from None
    warnings: list[str] = []
    if not tiingo_configured():
        needs_tiingo = [
            t for t in tickers if route_source(t, parameters.source) is SourceName.TIINGO
        ]
        if needs_tiingo and len(needs_tiingo) == len(tickers):
            raise IngestCannotStart(
                f"{TIINGO_DISABLED}; every requested ticker ({len(tickers)}) needs Tiingo"
            )
        if needs_tiingo:
            warnings.append(
                f"{TIINGO_DISABLED}; {len(needs_tiingo)} of {len(tickers)} tickers will fail"
            )
    windows = plan_windows(
        tickers,
        parameters=parameters,
        last_dates=last_stored_dates(tickers=tickers),
        now=now or timezone.now(),
    )
    closes = previous_closes(windows=[w for w in windows if not w.empty])
    return IngestPlan(parameters, tickers, windows, closes, warnings)


# --- progress and results -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Progress:
    """``event`` is "fetched" after each ticker's download, "stored" after each batch."""

    event: str
    total: int
    fetched: int
    processed: int
    succeeded: int
    failed: int
    rows_written: int


ProgressCallback = Callable[[Progress], None]


@dataclass
class SourceTally:
    """One source's share of a run: what ``record_ingest`` reports for it."""

    requested: int = 0
    succeeded: int = 0
    failed: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0


@dataclass
class RunTotals:
    total: int = 0
    fetched: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    bars_fetched: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    rejected: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    rejections: list[dict[str, str]] = field(default_factory=list)
    # The source each requested ticker is routed to, and the counts per source.
    source_of: dict[str, str] = field(default_factory=dict)
    sources: dict[str, SourceTally] = field(default_factory=dict)

    def request(self, tickers: Iterable[str], *, source: str) -> None:
        for ticker in tickers:
            self.source_of[ticker] = source_label(ticker, source)
            self.tally(ticker).requested += 1

    def tally(self, ticker: str) -> SourceTally:
        return self.sources.setdefault(self.source_of.get(ticker, UNKNOWN_SOURCE), SourceTally())

    def succeed(self, tickers: Iterable[str]) -> None:
        for ticker in tickers:
            self.succeeded += 1
            self.tally(ticker).succeeded += 1

    def fail(self, ticker: str, message: str) -> None:
        self.failed += 1
        self.tally(ticker).failed += 1
        self.errors.append({"ticker": ticker, "message": message})
        logger.info("ingest failed ticker=%s reason=%s", ticker, message)

    def reject(self, bar: Bar, reason: str) -> None:
        self.rejected += 1
        self.tally(bar.ticker).rejected += 1
        if len(self.rejections) < MAX_REJECTION_SAMPLES:
            self.rejections.append(
                {"ticker": bar.ticker, "date": bar.date.isoformat(), "reason": reason}
            )

    def stored(self, counts: Mapping[str, UpsertCounts]) -> None:
        """Add the write counts of a batch, given per source."""
        for source, source_counts in counts.items():
            self.counts += source_counts
            tally = self.sources.setdefault(source, SourceTally())
            tally.counts += source_counts

    def progress(self, event: str) -> Progress:
        return Progress(
            event=event,
            total=self.total,
            fetched=self.fetched,
            processed=self.processed,
            succeeded=self.succeeded,
            failed=self.failed,
            rows_written=self.counts.inserted + self.counts.updated,
        )


@dataclass(frozen=True, slots=True)
class IngestSummary:
    ingest_run_id: int
    status: str
    dry_run: bool
    requested: int
    succeeded: int
    failed: int
    bars_fetched: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    failures: list[dict[str, str]]
    rejections: list[dict[str, str]]
    caches_rebuilt: list[str]
    warnings: list[str]
    started_at: dt.datetime
    finished_at: dt.datetime
    duration_seconds: float
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ingest_run_id": self.ingest_run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "tickers": {
                "requested": self.requested,
                "succeeded": self.succeeded,
                "failed": self.failed,
            },
            "rows": {
                "fetched": self.bars_fetched,
                "inserted": self.rows_inserted,
                "updated": self.rows_updated,
                "unchanged": self.rows_unchanged,
                "rejected": self.rows_rejected,
            },
            "failures": self.failures,
            "rejections": self.rejections,
            "caches_rebuilt": self.caches_rebuilt,
            "warnings": self.warnings,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "duration_seconds": round(self.duration_seconds, 3),
            "message": self.message,
        }


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- runs ---------------------------------------------------------------------------------


def create_run(
    *, parameters: IngestParameters, status: IngestStatus = IngestStatus.QUEUED
) -> IngestRun:
    return IngestRun.objects.create(parameters=parameters.to_json(), status=status)


def execute_run(
    *,
    run: IngestRun,
    plan: IngestPlan | None = None,
    progress: ProgressCallback | None = None,
    now: dt.datetime | None = None,
) -> IngestSummary:
    """Run ``run`` to a final status and return its summary.

    Raises ``IngestCannotStart`` (the run is marked failed with the reason) when it cannot
    start, and re-raises any unexpected error after marking the run failed with it.
    """
    clock = time.monotonic()
    parameters = IngestParameters.from_json(run.parameters)
    run.status = IngestStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    totals = RunTotals()
    try:
        if plan is None:
            plan = prepare_ingest(parameters=parameters, now=now)
        for warning in plan.warnings:
            logger.warning("ingest run=%s %s", run.pk, warning)
        run.requested = totals.total = len(plan.tickers)
        run.save(update_fields=["requested"])
        totals.request(plan.tickers, source=parameters.source)
        logger.info(
            "ingest started run=%s tickers=%d source=%s concurrency=%d dry_run=%s",
            run.pk,
            len(plan.tickers),
            parameters.source,
            parameters.concurrency,
            parameters.dry_run,
        )
        async_to_sync(_fetch_and_store)(plan, run, totals, progress)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, IngestCannotStart) else f"{type(exc).__name__}: {exc}"
        _save_totals(run, totals)
        _finish(run, IngestStatus.FAILED, reason)
        logger.exception("ingest run=%s failed: %s", run.pk, reason)
        record_metrics(totals, duration_ms=(time.monotonic() - clock) * 1000)
        raise

    warnings = list(plan.warnings)
    rebuilt: list[str] = []
    changed = totals.counts.inserted + totals.counts.updated
    if not parameters.dry_run and parameters.rebuild_cache and totals.succeeded:
        try:
            rebuilt = rebuild_stale_caches(tickers=plan.tickers)
        except Exception as exc:  # the data is stored; the cache rebuilds itself on read
            logger.exception("ingest run=%s could not rebuild the price cache", run.pk)
            warnings.append(f"price cache not rebuilt: {type(exc).__name__}: {exc}")

    status = _final_status(totals)
    message = _message(totals, changed, rebuilt, warnings, parameters.dry_run)
    _finish(run, status, message)
    logger.info("ingest finished run=%s status=%s %s", run.pk, status, message)
    duration = time.monotonic() - clock
    record_metrics(totals, duration_ms=duration * 1000)
    assert run.started_at is not None
    assert run.finished_at is not None
    return IngestSummary(
        ingest_run_id=run.pk,
        status=status,
        dry_run=parameters.dry_run,
        requested=totals.total,
        succeeded=totals.succeeded,
        failed=totals.failed,
        bars_fetched=totals.bars_fetched,
        rows_inserted=totals.counts.inserted,
        rows_updated=totals.counts.updated,
        rows_unchanged=totals.counts.unchanged,
        rows_rejected=totals.rejected,
        failures=list(totals.errors),
        rejections=list(totals.rejections),
        caches_rebuilt=rebuilt,
        warnings=warnings,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=duration,
        message=message,
    )


def record_metrics(totals: RunTotals, *, duration_ms: float) -> None:
    """The run's counts as CloudWatch metrics, once per source it asked (``Ingest*``, with a
    ``source`` dimension); the duration is the whole run's. Recording never fails a run."""
    for source, tally in sorted(totals.sources.items()):
        try:
            record_ingest(
                source=source,
                requested=tally.requested,
                succeeded=tally.succeeded,
                failed=tally.failed,
                rows_inserted=tally.counts.inserted,
                rows_updated=tally.counts.updated,
                rows_unchanged=tally.counts.unchanged,
                rows_rejected=tally.rejected,
                duration_ms=duration_ms,
            )
        except Exception:
            logger.exception("could not record the ingest metrics of source=%s", source)


def _final_status(totals: RunTotals) -> IngestStatus:
    if not totals.failed:
        return IngestStatus.COMPLETED
    return IngestStatus.PARTIAL if totals.succeeded else IngestStatus.FAILED


def _message(
    totals: RunTotals, changed: int, rebuilt: list[str], warnings: list[str], dry_run: bool
) -> str:
    parts = [
        f"{totals.succeeded} of {totals.total} tickers ok, {totals.failed} failed",
        "dry run: nothing written" if dry_run else str(totals.counts),
        f"{totals.rejected} bars rejected",
    ]
    if totals.failed and not totals.succeeded:
        parts.insert(0, "every ticker failed")
    if rebuilt:
        parts.append(f"price cache rebuilt for {', '.join(rebuilt)}")
    elif not dry_run and not changed:
        parts.append("no bars changed")
    parts.extend(warnings)
    return "; ".join(parts)


def _save_totals(run: IngestRun, totals: RunTotals) -> None:
    run.succeeded = totals.succeeded
    run.failed = totals.failed
    run.rows_inserted = totals.counts.inserted
    run.rows_updated = totals.counts.updated
    run.rows_unchanged = totals.counts.unchanged
    run.rows_rejected = totals.rejected
    run.errors = totals.errors[:MAX_STORED_ERRORS]
    run.save(
        update_fields=[
            "succeeded",
            "failed",
            "rows_inserted",
            "rows_updated",
            "rows_unchanged",
            "rows_rejected",
            "errors",
        ]
    )


def _finish(run: IngestRun, status: IngestStatus, message: str) -> None:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])


# --- fetching and storing -----------------------------------------------------------------


async def _fetch_and_store(
    plan: IngestPlan, run: IngestRun, totals: RunTotals, progress: ProgressCallback | None
) -> None:
    parameters = plan.parameters
    store = sync_to_async(_store_batch, thread_sensitive=True)
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
                if len(batch) >= BATCH_TICKERS:
                    await store(batch, plan, run, totals, progress)
                    batch = []
        if batch:
            await store(batch, plan, run, totals, progress)
    if not requests:
        await sync_to_async(_save_totals, thread_sensitive=True)(run, totals)


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


def _store_batch(
    results: Sequence[FetchResult],
    plan: IngestPlan,
    run: IngestRun,
    totals: RunTotals,
    progress: ProgressCallback | None,
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
        stored = _write(rows, totals)
        totals.succeed(stored)
        _update_symbol_status(stored=stored, not_found=not_found)
    totals.processed += len(results)
    _save_totals(run, totals)
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


def _write(rows: dict[str, list[BarRow]], totals: RunTotals) -> list[str]:
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
                source: upsert_bars(rows=[row for ticker in tickers for row in rows[ticker]])
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
            ticker_counts = upsert_bars(rows=ticker_rows)
        except (IntegrityError, DataError) as exc:
            totals.fail(ticker, f"the database refused the bars: {exc}")
        else:
            totals.stored({totals.source_of.get(ticker, UNKNOWN_SOURCE): ticker_counts})
            stored.append(ticker)
    return stored


def _update_symbol_status(*, stored: list[str], not_found: list[str]) -> None:
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


# --- the Parquet cache ----------------------------------------------------------------------


def rebuild_stale_caches(*, tickers: Sequence[str]) -> list[str]:
    """Rebuild the cache of each universe holding one of ``tickers`` whose cache is missing
    or no longer matches the database; returns the universes rebuilt."""
    from market import cache

    rebuilt = []
    for key in universes_holding(tickers=tickers):
        manifest = cache.read_manifest(universe=key)
        if manifest is not None and cache.is_fresh(
            manifest=manifest, state=cache.source_state(universe=key)
        ):
            continue
        cache.rebuild_universe_cache(universe=key)
        rebuilt.append(key)
    return rebuilt


# --- refresh requests (the API) -----------------------------------------------------------


class IngestQueueUnavailable(Exception):
    pass


@dataclass(frozen=True, slots=True)
class RefreshRequest:
    run: IngestRun
    tickers: list[str]


def request_refresh(*, tickers: Sequence[str] | None, force: bool) -> RefreshRequest:
    """Create a queued run for ``tickers`` (none: the default universes) and enqueue it.

    Raises ``IngestQueueUnavailable`` (the run is marked failed) when the task backend
    refuses the task.
    """
    from ingest.tasks import run_ingest

    parameters = IngestParameters(
        universes=() if tickers else DEFAULT_UNIVERSES,
        tickers=tuple(tickers or ()),
        force=force,
        trigger=Trigger.API,
    )
    resolved = tickers_to_ingest(parameters=parameters)
    run = create_run(parameters=parameters)
    try:
        run_ingest.enqueue(run.pk)
    except Exception as exc:
        logger.exception("could not enqueue ingest run=%s", run.pk)
        _finish(run, IngestStatus.FAILED, f"could not enqueue the run: {type(exc).__name__}")
        raise IngestQueueUnavailable(str(exc)) from exc
    run.refresh_from_db()
    return RefreshRequest(run=run, tickers=resolved)
