"""The audit trail of an ingest run: its ``IngestRun`` row, final status and message, and the
CloudWatch metrics every run (completed, partial, failed, dry) records once per source."""

from __future__ import annotations

import logging

from django.utils import timezone

from ingest.models import MAX_STORED_ERRORS, IngestRun, IngestStatus
from ingest.run_totals import RunTotals
from parakeet.observability.metrics import record_ingest

# Every part of a run logs as ingest.services, the name log filters (and tests) select on.
logger = logging.getLogger("ingest.services")


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


def final_status(totals: RunTotals) -> IngestStatus:
    if not totals.failed:
        return IngestStatus.COMPLETED
    return IngestStatus.PARTIAL if totals.succeeded else IngestStatus.FAILED


def run_message(
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


def save_totals(run: IngestRun, totals: RunTotals) -> None:
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


def finish_run(run: IngestRun, status: IngestStatus, message: str) -> None:
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
