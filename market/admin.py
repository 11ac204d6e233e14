"""Admin for symbols, bars, universes and membership.

Bars are read-mostly: they arrive through ``upsert_bars`` (ingest, demo), so the admin can
look and delete but not add or edit. Per-symbol bar statistics are correlated subqueries,
computed only for the rows on the page (each an index probe), never a GROUP BY over
``market_data``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest

from market.models import DailyBar, IndexConstituent, Symbol, Universe


def _bars_of_symbol() -> QuerySet[DailyBar]:
    return DailyBar.objects.filter(ticker_id=OuterRef("ticker")).order_by()


@admin.register(Symbol)
class SymbolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "ticker",
        "name",
        "exchange",
        "asset_class",
        "data_source",
        "is_active",
        "is_delisted",
        "bar_count",
        "first_bar",
        "last_bar",
    )
    list_filter = ("exchange", "asset_class", "data_source", "is_active", "is_delisted")
    search_fields = ("ticker", "name")
    readonly_fields = ("first_bar_date", "last_bar_date", "bars_changed_at", "created_at")
    ordering = ("ticker",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Symbol]:
        bars = _bars_of_symbol()
        return (
            super()
            .get_queryset(request)
            .annotate(
                bar_count=Subquery(
                    bars.values("ticker").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                first_bar=Subquery(bars.order_by("date").values("date")[:1]),
                last_bar=Subquery(bars.order_by("-date").values("date")[:1]),
            )
        )

    @admin.display(description="bars", ordering="bar_count")
    def bar_count(self, symbol: Any) -> int:
        return int(symbol.bar_count or 0)

    @admin.display(description="first bar", ordering="first_bar")
    def first_bar(self, symbol: Any) -> Any:
        return symbol.first_bar

    @admin.display(description="last bar", ordering="last_bar")
    def last_bar(self, symbol: Any) -> Any:
        return symbol.last_bar


@admin.register(DailyBar)
class DailyBarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "ticker_id",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
        "source",
        "data_quality",
    )
    list_filter = ("source", "data_quality")
    search_fields = ("ticker__ticker",)
    search_help_text = "Exact ticker, e.g. BRK-B or BHP.AX"
    ordering = ("-date", "ticker_id")
    readonly_fields = tuple(field.name for field in DailyBar._meta.get_fields() if field.concrete)
    # Counting millions of rows on every page view is what makes big admin lists slow.
    show_full_result_count = False
    list_per_page = 100

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[DailyBar], search_term: str
    ) -> tuple[QuerySet[DailyBar], bool]:
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        # An exact match on the indexed column, not an icontains scan of market_data.
        return queryset.filter(ticker__ticker=term), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DailyBar | None = None) -> bool:
        return False


@admin.register(Universe)
class UniverseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key", "name", "region", "asset_class", "as_of", "current_members")
    list_filter = ("region", "asset_class")
    search_fields = ("key", "name")
    ordering = ("position", "key")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Universe]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                current_count=Count("constituents", filter=Q(constituents__end_date__isnull=True))
            )
        )

    @admin.display(description="current members", ordering="current_count")
    def current_members(self, universe: Any) -> int:
        return int(universe.current_count)


@admin.register(IndexConstituent)
class IndexConstituentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticker_id", "universe", "start_date", "end_date")
    list_filter = ("universe", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("ticker__ticker",)
    raw_id_fields = ("ticker",)
    ordering = ("universe__position", "ticker_id", "start_date")
    list_select_related = ("universe",)
