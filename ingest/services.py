"""Ingest runs: plan each ticker's window, fetch, validate, store in batches, audit, re-cache.

One code path for every trigger: ``manage.py ingest`` (and the scheduled Lambda event that
runs it) creates an ``IngestRun`` and executes it in process; ``POST /api/data/refresh``
creates a queued one and enqueues ``ingest.tasks.run_ingest``, which executes it on a worker.

This module is the public entry point; the parts of a run live beside it:
``ingest.preparation`` (windows and closes before anything is fetched),
``ingest.source_settings`` (which sources are on, request budgets), ``ingest.batches``
(the concurrent fetch and the batched, per-batch-committed writes), ``ingest.run_totals``
(counts and the summary), ``ingest.run_audit`` (the ``IngestRun`` row and the metrics every
run records once per source) and ``ingest.cache_rebuild``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.utils import timezone

from ingest.batches import BATCH_TICKERS, bar_row, fetch_and_store
from ingest.cache_rebuild import rebuild_stale_caches
from ingest.errors import IngestCannotStart
from ingest.models import IngestRun, IngestStatus
from ingest.planning import DEFAULT_UNIVERSES, IngestParameters, Trigger
from ingest.preparation import IngestPlan, plan_run
from ingest.run_audit import final_status, finish_run, record_metrics, run_message, save_totals
from ingest.run_totals import (
    MAX_ERRORS_IN_API,
    MAX_REJECTION_SAMPLES,
    IngestSummary,
    Progress,
    ProgressCallback,
    RunTotals,
    SourceTally,
)
from ingest.selectors import tickers_to_ingest
from ingest.source_settings import (
    DEFAULT_REQUEST_BUDGET,
    SOURCE_LABELS,
    UNKNOWN_SOURCE,
    YAHOO_DISABLED,
    request_budgets,
    source_label,
    tiingo_configured,
    yahoo_enabled,
)
from market.errors import UnknownUniverse
from market.services import upsert_bars

__all__ = [
    "BATCH_TICKERS",
    "DEFAULT_REQUEST_BUDGET",
    "MAX_ERRORS_IN_API",
    "MAX_REJECTION_SAMPLES",
    "SOURCE_LABELS",
    "UNKNOWN_SOURCE",
    "YAHOO_DISABLED",
    "IngestPlan",
    "IngestQueueUnavailable",
    "IngestSummary",
    "Progress",
    "ProgressCallback",
    "RefreshRequest",
    "RunTotals",
    "SourceTally",
    "bar_row",
    "create_run",
    "execute_run",
    "prepare_ingest",
    "rebuild_stale_caches",
    "record_metrics",
    "request_budgets",
    "request_refresh",
    "source_label",
    "tickers_to_ingest",
    "tiingo_configured",
    "upsert_bars",
    "yahoo_enabled",
]

logger = logging.getLogger(__name__)


def prepare_ingest(*, parameters: IngestParameters, now: dt.datetime | None = None) -> IngestPlan:
    """Resolve the tickers and their windows; raise ``IngestCannotStart`` when the run cannot
    do anything useful (unknown universe, no source for any requested ticker)."""
    try:
        tickers = tickers_to_ingest(parameters=parameters)
    except UnknownUniverse as exc:
        raise IngestCannotStart(str(exc.detail)) from None
    return plan_run(parameters=parameters, tickers=tickers, now=now)


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
        # The batch size and the writer are looked up here, at call time, so that
        # ingest.services.BATCH_TICKERS and ingest.services.upsert_bars stay the seams to
        # patch (the crash and metrics tests shrink the batches and break the writes).
        async_to_sync(fetch_and_store)(
            plan, run, totals, progress, batch_tickers=BATCH_TICKERS, upsert=upsert_bars
        )
    except Exception as exc:
        reason = str(exc) if isinstance(exc, IngestCannotStart) else f"{type(exc).__name__}: {exc}"
        save_totals(run, totals)
        finish_run(run, IngestStatus.FAILED, reason)
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

    status = final_status(totals)
    message = run_message(totals, changed, rebuilt, warnings, parameters.dry_run)
    finish_run(run, status, message)
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
        finish_run(run, IngestStatus.FAILED, f"could not enqueue the run: {type(exc).__name__}")
        raise IngestQueueUnavailable(str(exc)) from exc
    run.refresh_from_db()
    return RefreshRequest(run=run, tickers=resolved)
