"""Ingest runs are an audit trail: the admin shows them and never edits them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ingest.models import IngestRun


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "requested",
        "succeeded",
        "failed",
        "rows_inserted",
        "rows_updated",
        "rows_unchanged",
        "rows_rejected",
    )
    list_filter = ("status",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    readonly_fields = tuple(field.name for field in IngestRun._meta.get_fields() if field.concrete)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: IngestRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IngestRun | None = None) -> bool:
        return False
