"""Backtest runs: one row per ``POST /api/strategies/run`` (or ``manage.py backtest``).

A run is never overwritten: "latest" means the newest ``created_at`` of a strategy name and
``backtest_id`` picks a specific run. The row holds the request (strategy, parameters,
universe/tickers, dates, capital, allocation method), the life cycle (queued → running →
completed | failed, with timestamps and a readable ``error``) and the small results
(metrics, final value, final weights). The equity curve and the daily returns live in the
``cache`` storage as Parquet (:mod:`strategies.results_store`), keyed by ``backtest_id``.

No pandas here: the slim Lambda artifact imports these models.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

CAPITAL_DIGITS = 14
CAPITAL_PLACES = 2


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


# Queued or executing: the contract reports both as "running".
ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class BacktestRun(models.Model):
    backtest_id = models.CharField(max_length=120, unique=True)
    strategy_name = models.CharField(max_length=100)
    # The resolved parameters: catalogue defaults updated with the request's overrides.
    parameters = models.JSONField(default=dict, blank=True)
    universe = models.CharField(max_length=32)
    # The requested tickers, or (once the run has read its prices) the universe's tickers
    # that had stored prices. Null while a universe run has not started.
    tickers = models.JSONField(null=True, blank=True)
    start_date = models.DateField()
    # Null until the run resolves the default (the latest stored price date).
    end_date = models.DateField(null=True, blank=True)
    initial_capital = models.DecimalField(max_digits=CAPITAL_DIGITS, decimal_places=CAPITAL_PLACES)
    optimization_method = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # A sentence for the client (never a traceback): "Insufficient price data: ...".
    error = models.TextField(blank=True, default="")
    metrics = models.JSONField(null=True, blank=True)
    final_value = models.FloatField(null=True, blank=True)
    weights = models.JSONField(null=True, blank=True)
    # Strategy-specific extras kept for the dashboards (e.g. the latest regime estimate) and
    # run diagnostics (trade count, costs, priced tickers).
    details = models.JSONField(default=dict, blank=True)
    execution_time = models.FloatField(null=True, blank=True)
    # Storage name of the equity/returns Parquet file, once written.
    series_path = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="backtest_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(initial_capital__gt=0), name="backtest_run_capital_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["strategy_name", "-created_at"], name="backtest_run_latest_idx"),
            models.Index(fields=["status", "created_at"], name="backtest_run_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.backtest_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def contract_status(self) -> str:
        """``running`` (queued or executing), ``completed`` or ``failed: <reason>``."""
        if self.status == RunStatus.FAILED:
            return f"failed: {self.error or 'Internal error'}"
        if self.status == RunStatus.COMPLETED:
            return "completed"
        return "running"
