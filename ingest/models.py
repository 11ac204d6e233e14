"""The audit trail of market-data ingestion: one ``IngestRun`` per ``manage.py ingest`` or
``POST /api/data/refresh``, from queued to a final status, with per-ticker failures."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

MAX_STORED_ERRORS = 500


class IngestStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    PARTIAL = "partial", "Partially completed"  # some tickers failed, the rest were stored
    FAILED = "failed", "Failed"


class IngestRun(models.Model):
    # What was asked for: tickers/universe, date range, source, force, trigger.
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=IngestStatus.choices, default=IngestStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveBigIntegerField(default=0)
    rows_updated = models.PositiveBigIntegerField(default=0)
    rows_unchanged = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    # [{"ticker": "XYZ", "message": "..."}], at most MAX_STORED_ERRORS entries.
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IngestStatus.values), name="ingest_run_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-finished_at"], name="ingest_run_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Ingest run {self.pk} ({self.status})"
