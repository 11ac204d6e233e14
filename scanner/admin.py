"""Django admin for scan runs (``/admin/``): read-only, with links to the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from scanner.models import ScanRun


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "scan_id",
        "scanner_type",
        "universe",
        "status",
        "tickers_scanned",
        "results_found",
        "tickers_skipped",
        "created_at",
        "results_link",
    )
    list_filter = ("scanner_type", "status", "universe")
    search_fields = ("scan_id", "error")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "scan_id",
        "scanner_type",
        "universe",
        "custom_tickers",
        "filters",
        "parameters",
        "status",
        "error",
        "tickers_scanned",
        "results_found",
        "tickers_skipped",
        "results",
        "execution_time",
        "created_at",
        "started_at",
        "completed_at",
        "results_link",
    )

    @admin.display(description="Results")
    def results_link(self, obj: ScanRun) -> SafeString:
        return format_html(
            '<a href="/api/scanner/results?scanner_type={}">results</a>', obj.scanner_type
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
