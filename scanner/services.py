"""Writes of scan runs: create, enqueue, execute, fail, expire.

Same life cycle as a backtest run (see ``strategies.services``): ``start_scan`` creates the
row "queued" in autocommit and then enqueues (callers must not wrap it in ``atomic``); a
refused enqueue fails the run and raises 503; ``execute_scan`` ends "completed" or
"failed" with a sentence (``Internal error`` for anything unexpected, details in the logs);
:func:`expire_stale_scans` fails runs whose worker was lost.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from scanner.errors import TaskQueueUnavailable
from scanner.models import ACTIVE_STATUSES, ScanRun, ScanStatus

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error"
WORKER_LOST = "Worker lost (timed out)"
QUEUE_UNAVAILABLE = "Task queue unavailable"
DEFAULT_TASK_TIMEOUT_S = 900


def new_scan_id(*, scanner_type: str, at: datetime | None = None) -> str:
    """``{scanner_type}_{YYYYmmdd_HHMMSS UTC}_{6 hex}``."""
    moment = (at or timezone.now()).astimezone(UTC)
    return f"{scanner_type}_{moment:%Y%m%d_%H%M%S}_{secrets.token_hex(3)}"


def create_scan_run(
    *,
    scanner_type: str,
    universe: str,
    min_price: float,
    max_price: float,
    min_volume: int,
    custom_tickers: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> ScanRun:
    return ScanRun.objects.create(
        scan_id=new_scan_id(scanner_type=scanner_type),
        scanner_type=scanner_type,
        universe=universe,
        custom_tickers=None if custom_tickers is None else list(custom_tickers),
        filters={"min_price": min_price, "max_price": max_price, "min_volume": min_volume},
        parameters=dict(parameters or {}),
    )


def enqueue_scan(*, run: ScanRun) -> None:
    from scanner.tasks import run_scan_task

    try:
        run_scan_task.enqueue(scan_id=run.scan_id)
    except Exception:
        logger.exception("Could not enqueue scan %s", run.scan_id)
        fail_scan(run=run, reason=QUEUE_UNAVAILABLE)
        raise TaskQueueUnavailable() from None


def start_scan(**inputs: Any) -> ScanRun:
    run = create_scan_run(**inputs)
    enqueue_scan(run=run)
    run.refresh_from_db()
    return run


def fail_scan(*, run: ScanRun, reason: str) -> None:
    run.status = ScanStatus.FAILED
    run.error = reason
    run.completed_at = timezone.now()
    run.save(update_fields=["status", "error", "completed_at"])


def _mark_running(run: ScanRun) -> bool:
    claimed = ScanRun.objects.filter(pk=run.pk, status=ScanStatus.QUEUED).update(
        status=ScanStatus.RUNNING, started_at=timezone.now()
    )
    run.refresh_from_db()
    return claimed == 1


def execute_scan(*, scan_id: str) -> ScanRun:
    """Run a queued scan to completion or failure (the task body)."""
    from scanner.scanning import ScanDataError, run_scan

    run = ScanRun.objects.get(scan_id=scan_id)
    if not _mark_running(run):
        logger.warning("Scan %s is %s, not queued; not running it", scan_id, run.status)
        return run
    clock = time.perf_counter()
    try:
        outcome = run_scan(
            scanner_type=run.scanner_type,
            universe=run.universe,
            custom_tickers=run.custom_tickers,
            filters=run.filters,
            parameters=run.parameters,
        )
    except ScanDataError as exc:
        reason = str(exc)
    except Exception:
        logger.exception("Scan %s failed", scan_id)
        reason = INTERNAL_ERROR
    else:
        run.results = outcome.rows
        run.tickers_scanned = outcome.tickers_scanned
        run.tickers_skipped = outcome.tickers_skipped
        run.results_found = len(outcome.rows)
        run.parameters = {**outcome.parameters, **run.parameters}
        run.execution_time = time.perf_counter() - clock
        run.status = ScanStatus.COMPLETED
        run.completed_at = timezone.now()
        run.save()
        return run
    run.execution_time = time.perf_counter() - clock
    run.save(update_fields=["execution_time"])
    fail_scan(run=run, reason=reason)
    return run


def task_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "PARAKEET_TASK_TIMEOUT_S", DEFAULT_TASK_TIMEOUT_S))


def expire_stale_scans(*, now: datetime | None = None) -> int:
    moment = now or timezone.now()
    cutoff = moment - task_timeout()
    stale = Q(status=ScanStatus.RUNNING, started_at__lt=cutoff) | Q(
        status=ScanStatus.QUEUED, created_at__lt=cutoff
    )
    return ScanRun.objects.filter(stale, status__in=ACTIVE_STATUSES).update(
        status=ScanStatus.FAILED, error=WORKER_LOST, completed_at=moment
    )
