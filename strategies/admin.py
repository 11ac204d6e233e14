"""Django admin for backtest runs (``/admin/``): read-only, with links to the API.

Runs are records of what was computed; they are created by ``POST /api/strategies/run`` or
``manage.py backtest`` and never edited, so the admin only lists, filters and shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from strategies.models import BacktestRun
from strategies.selectors import run_links


@admin.register(BacktestRun)
class BacktestRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "backtest_id",
        "strategy_name",
        "status",
        "universe",
        "start_date",
        "end_date",
        "optimization_method",
        "final_value",
        "created_at",
        "results_link",
    )
    list_filter = ("strategy_name", "status", "optimization_method", "universe")
    search_fields = ("backtest_id", "strategy_name", "error")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = (
        "backtest_id",
        "strategy_name",
        "status",
        "error",
        "parameters",
        "universe",
        "tickers",
        "start_date",
        "end_date",
        "initial_capital",
        "optimization_method",
        "metrics",
        "final_value",
        "weights",
        "details",
        "execution_time",
        "series_path",
        "created_at",
        "started_at",
        "completed_at",
        "api_links",
    )

    @admin.display(description="Results")
    def results_link(self, obj: BacktestRun) -> SafeString:
        return format_html('<a href="{}">results</a>', run_links(obj)["results"])

    @admin.display(description="API")
    def api_links(self, obj: BacktestRun) -> SafeString:
        links = run_links(obj)
        return format_html(
            '<a href="{}">run</a> · <a href="{}">status</a> · <a href="{}">results</a> · '
            '<a href="{}">equity</a>',
            links["self"],
            links["status"],
            links["results"],
            links["equity"],
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
