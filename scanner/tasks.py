"""Background tasks of the scanner app (``django.tasks``).

The task takes the run's ``scan_id`` only; the row holds the request and, afterwards, the
outcome. :func:`scanner.services.execute_scan` never raises for a failed scan.
"""

from __future__ import annotations

from django.tasks import task

from scanner import services


@task
def run_scan_task(scan_id: str) -> str:
    run = services.execute_scan(scan_id=scan_id)
    return str(run.status)
