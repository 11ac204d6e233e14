"""Django admin for the trade journal (``/admin/``, Django session login).

Writes from the admin go through :mod:`trades.services` (``create_trade``, ``update_trade``),
like the API's, so the P&L, the closing rules and the bi-temporal stamps stay consistent
whichever door a change comes through. The form checks the same input rules as the API
(contract §2.1 and §3.4) so a bad change is shown on the form instead of failing the save.
Portfolio snapshots are derived data: the admin shows them read-only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from trades.models import PortfolioSnapshot, Trade, TradeStatus
from trades.services import TradeChanges, create_trade, update_trade

# The fields a person edits; the P&L and the timestamps are derived or stamped.
EDITABLE_FIELDS = (
    "trade_id",
    "ticker",
    "asset_name",
    "asset_class",
    "direction",
    "quantity",
    "entry_price",
    "entry_date",
    "commission",
    "currency",
    "status",
    "exit_price",
    "exit_date",
    "strategy_name",
    "signal_score",
    "notes",
)
CHANGEABLE_FIELDS = frozenset(TradeChanges.__annotations__)


def _positive(value: Decimal | None) -> None:
    if value is not None and value <= 0:
        raise forms.ValidationError("Must be greater than 0.", code="greater_than")


class TradeAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Trade
        fields = EDITABLE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "trade_id" in self.fields:
            self.fields["trade_id"].required = False
            self.fields[
                "trade_id"
            ].help_text = "Leave blank to generate the next TRD-YYYYMMDD-NNNN id."
        for name in ("quantity", "entry_price", "exit_price"):
            self.fields[name].validators.append(_positive)
        self.fields["commission"].validators.append(self._non_negative)
        self.fields["signal_score"].help_text = "Between 0 and 1."

    @staticmethod
    def _non_negative(value: Decimal | None) -> None:
        if value is not None and value < 0:
            raise forms.ValidationError("Must not be negative.", code="greater_than_equal")

    def clean_trade_id(self) -> str:
        return str(self.cleaned_data.get("trade_id") or "").strip()

    def clean_ticker(self) -> str:
        ticker = str(self.cleaned_data.get("ticker") or "").strip().upper()
        if not ticker:
            raise forms.ValidationError("A ticker is required.", code="string_too_short")
        return ticker

    def clean_currency(self) -> str:
        currency = str(self.cleaned_data.get("currency") or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Enter a 3-letter currency code.", code="value_error")
        return currency

    def clean_signal_score(self) -> float | None:
        score: float | None = self.cleaned_data.get("signal_score")
        if score is not None and not 0 <= score <= 1:
            raise forms.ValidationError("Must be between 0 and 1.", code="value_error")
        return score

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        status = cleaned.get("status")
        entry_date: datetime | None = cleaned.get("entry_date")
        exit_price = cleaned.get("exit_price")
        exit_date: datetime | None = cleaned.get("exit_date")
        reopening = (
            self.instance.pk is not None
            and status == TradeStatus.OPEN
            and self.initial.get("status") != TradeStatus.OPEN
        )
        if reopening:
            # update_trade clears the exit fields the same change doesn't set.
            exit_price = exit_price if "exit_price" in self.changed_data else None
            exit_date = exit_date if "exit_date" in self.changed_data else None
        if status == TradeStatus.CLOSED:
            if exit_price is None and "exit_price" not in self.errors:
                self.add_error("exit_price", "An exit price is required to close a trade.")
            exit_date = exit_date or timezone.now()  # the services' default
        if entry_date is not None and exit_date is not None and exit_date < entry_date:
            self.add_error("exit_date", "The exit date must not be earlier than the entry date.")
        return cleaned


def _adopt(target: Trade, saved: Trade) -> None:
    """Make the admin's unsaved instance the row a service saved (pk, P&L, stamps)."""
    for model_field in Trade._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(saved, model_field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


@admin.register(Trade)
class TradeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = TradeAdminForm
    list_display = (
        "trade_id",
        "ticker",
        "direction",
        "quantity",
        "entry_price",
        "entry_date",
        "exit_price",
        "exit_date",
        "pnl",
        "pnl_percent",
        "status",
        "strategy_name",
    )
    list_filter = ("status", "direction", "strategy_name", "asset_class", "currency")
    search_fields = ("ticker", "trade_id", "notes")
    date_hierarchy = "entry_date"
    readonly_fields = (
        "pnl",
        "pnl_percent",
        "created_at",
        "updated_at",
        "knowledge_timestamp",
        "event_timestamp",
    )
    fieldsets = (
        (
            "Trade",
            {
                "fields": (
                    "trade_id",
                    "ticker",
                    ("asset_name", "asset_class"),
                    "direction",
                    ("quantity", "entry_price"),
                    "entry_date",
                    ("commission", "currency"),
                )
            },
        ),
        ("Exit", {"fields": ("status", "exit_price", "exit_date")}),
        ("Strategy", {"fields": ("strategy_name", "signal_score", "notes")}),
        ("Result (computed)", {"fields": ("pnl", "pnl_percent")}),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (
                    ("created_at", "updated_at"),
                    ("knowledge_timestamp", "event_timestamp"),
                ),
            },
        ),
    )
    actions = ("cancel_trades",)

    def get_readonly_fields(self, request: HttpRequest, obj: Trade | None = None) -> Any:
        # A trade's id is its external reference; it is set once, at creation.
        if obj is not None:
            return ("trade_id", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Trade, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes: dict[str, Any] = {
                name: data[name] for name in form.changed_data if name in CHANGEABLE_FIELDS
            }
            saved = update_trade(trade=obj, changes=cast(TradeChanges, changes))
        else:
            saved = create_trade(
                trade_id=data["trade_id"] or None,
                ticker=data["ticker"],
                asset_name=data.get("asset_name") or None,
                asset_class=data.get("asset_class") or None,
                direction=data["direction"],
                quantity=data["quantity"],
                entry_price=data["entry_price"],
                entry_date=data["entry_date"],
                commission=data["commission"],
                currency=data["currency"],
                strategy_name=data["strategy_name"],
                signal_score=data.get("signal_score"),
                notes=data.get("notes") or None,
                status=data["status"],
                exit_price=data.get("exit_price"),
                exit_date=data.get("exit_date"),
            )
        _adopt(obj, saved)

    @admin.action(description="Cancel selected trades", permissions=["change"])
    def cancel_trades(self, request: HttpRequest, queryset: QuerySet[Trade]) -> None:
        """Set OPEN trades to CANCELLED through ``update_trade`` (which clears their P&L)."""
        cancelled = 0
        with transaction.atomic():
            for trade in queryset.filter(status=TradeStatus.OPEN).order_by("pk"):
                update_trade(trade=trade, changes={"status": TradeStatus.CANCELLED})
                cancelled += 1
        skipped = queryset.count() - cancelled
        message = f"Cancelled {cancelled} open trade{'s' if cancelled != 1 else ''}."
        if skipped:
            message += f" Left {skipped} that {'was' if skipped == 1 else 'were'} not OPEN."
        self.message_user(request, message, messages.SUCCESS if cancelled else messages.WARNING)


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "timestamp",
        "total_value",
        "cash_balance",
        "invested_value",
        "daily_return",
        "total_return",
        "volatility",
        "sharpe_ratio",
        "max_drawdown",
        "num_positions",
    )
    date_hierarchy = "timestamp"
    readonly_fields = (
        "timestamp",
        "total_value",
        "cash_balance",
        "invested_value",
        "daily_return",
        "total_return",
        "volatility",
        "sharpe_ratio",
        "max_drawdown",
        "num_positions",
        "positions",
        "knowledge_timestamp",
        "event_timestamp",
    )

    # Snapshots are computed valuations: view them, never edit them by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
