"""Scan runs: one row per ``POST /api/scanner/run`` (or ``manage.py scan``).

A scan reads stored daily bars only, and its rows (``results``, sorted by score descending
then ticker) are kept with the counts of contract §3.6: ``tickers_scanned`` (the universe
size), ``results_found`` (rows kept) and ``tickers_skipped`` (too little history). Runs are
never overwritten; "latest" is the newest ``created_at``.

No pandas here: the slim Lambda artifact imports these models.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ScanStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ScannerType(models.TextChoices):
    QUALLAMAGGIE = "quallamaggie", "Quallamaggie"
    MOMENTUM = "momentum", "Momentum"
    MEAN_REVERSION = "mean_reversion", "Mean reversion"


ACTIVE_STATUSES = (ScanStatus.QUEUED, ScanStatus.RUNNING)


class ScanRun(models.Model):
    scan_id = models.CharField(max_length=120, unique=True)
    scanner_type = models.CharField(max_length=20, choices=ScannerType.choices)
    # The scanner universe name as the API spells it: sp500, nasdaq100, asx200 or all.
    universe = models.CharField(max_length=20)
    custom_tickers = models.JSONField(null=True, blank=True)
    # {min_price, max_price, min_volume}
    filters = models.JSONField(default=dict, blank=True)
    # The scanner's own parameters (lookback_days, min_momentum, rsi_threshold...).
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    error = models.TextField(blank=True, default="")
    # [{ticker, name, price, change_pct, volume, signal, score, details}], best score first.
    results = models.JSONField(null=True, blank=True)
    tickers_scanned = models.PositiveIntegerField(default=0)
    results_found = models.PositiveIntegerField(default=0)
    tickers_skipped = models.PositiveIntegerField(default=0)
    execution_time = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ScanStatus.values), name="scan_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(scanner_type__in=ScannerType.values), name="scan_run_type_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["scanner_type", "-created_at"], name="scan_run_latest_idx"),
            models.Index(fields=["status", "created_at"], name="scan_run_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scan_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def contract_status(self) -> str:
        """``running`` (queued or executing), ``completed`` or ``failed: <reason>``."""
        if self.status == ScanStatus.FAILED:
            return f"failed: {self.error or 'Internal error'}"
        if self.status == ScanStatus.COMPLETED:
            return "completed"
        return "running"
