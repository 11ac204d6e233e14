"""``django.tasks`` tasks of the ingest app (run by the worker Lambda in AWS)."""

from __future__ import annotations

import logging
from typing import Any

from django.tasks import task

from ingest.models import IngestRun, IngestStatus
from ingest.services import execute_run

logger = logging.getLogger(__name__)


@task
def run_ingest(ingest_run_id: int) -> dict[str, Any]:
    """Execute the queued ``IngestRun`` ``ingest_run_id``: running -> completed, partial or
    failed (with the reason). A run that is no longer queued (a redelivered event) is left
    alone. Errors are re-raised after the run row records them."""
    run = IngestRun.objects.get(pk=ingest_run_id)
    if run.status != IngestStatus.QUEUED:
        logger.warning("ingest run=%s is %s, not queued: not run again", run.pk, run.status)
        return {"ingest_run_id": run.pk, "status": run.status, "skipped": True}
    return execute_run(run=run).to_json()
