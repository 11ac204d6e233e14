"""Input validation and response shapes of ``/api/trades`` (contract §2.1).

Input serializers only validate and normalise (trim, upper-case, round to the stored
precision); the services do the writing. Money goes out as JSON numbers because
``COERCE_DECIMAL_TO_STRING`` is off; datetimes go out as ISO-8601 UTC with ``Z``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from parakeet.fields import QueryBooleanField, greater_than
from trades.models import (
    DEFAULT_COMMISSION,
    DEFAULT_CURRENCY,
    DEFAULT_STRATEGY,
    MONEY_DIGITS,
    MONEY_PLACES,
    PRICE_DIGITS,
    PRICE_PLACES,
    Direction,
    Trade,
    TradeStatus,
)
from trades.selectors import SORTABLE_FIELDS, TRADE_RESPONSE_FIELDS
from trades.services import DEFAULT_TRADE_ID_PREFIX

STRATEGY_CONFLICT = "strategy and strategy_name are aliases; send one, or the same value in both."


class AmountField(serializers.DecimalField):
    """A JSON number (or numeric string) stored as an exact ``Decimal``.

    Clients send floats, so extra decimals are rounded half-even to the column's precision
    instead of being rejected; only values too large for the column are refused.
    """

    default_error_messages = {
        "invalid": "Input should be a valid number.",
        "max_value": "Input should be less than {limit}.",
    }

    def __init__(self, *, max_digits: int, decimal_places: int, **kwargs: Any) -> None:
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.limit = Decimal(10) ** (max_digits - decimal_places)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool):
            self.fail("invalid")
        value: Decimal = super().to_internal_value(data)
        return value

    def validate_precision(self, value: Decimal) -> Decimal:
        places = Decimal(1).scaleb(-(self.decimal_places or 0))
        # Checked before rounding so the quantize below never exceeds the context precision.
        if abs(value) >= self.limit or abs(value.quantize(places, ROUND_HALF_EVEN)) >= self.limit:
            self.fail("max_value", limit=f"{self.limit:.0e}")
        return value.quantize(places, rounding=ROUND_HALF_EVEN)


class UpperChoiceField(serializers.ChoiceField):
    """An enum matched in any case (``closed`` is ``CLOSED``)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


def price_field(**kwargs: Any) -> AmountField:
    return AmountField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs)


class TradeCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    trade_id = serializers.CharField(required=False, allow_null=True, min_length=1, max_length=50)
    ticker = serializers.CharField(min_length=1, max_length=20)
    asset_name = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=100, default=None
    )
    asset_class = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=50, default=None
    )
    direction = UpperChoiceField(choices=Direction.choices)
    quantity = price_field(validators=[greater_than(0)])
    entry_price = price_field(validators=[greater_than(0)])
    entry_date = serializers.DateTimeField()
    commission = AmountField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        min_value=Decimal(0),
        required=False,
        default=DEFAULT_COMMISSION,
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        default=DEFAULT_CURRENCY,
        error_messages={"invalid": "Input should be a 3-letter currency code."},
    )
    strategy_name = serializers.CharField(required=False, min_length=1, max_length=100)
    strategy = serializers.CharField(required=False, min_length=1, max_length=100)
    signal_score = serializers.FloatField(
        required=False, allow_null=True, min_value=0.0, max_value=1.0, default=None
    )
    notes = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False, default=None
    )

    def validate_ticker(self, value: str) -> str:
        return value.upper()

    def validate_currency(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        alias = attrs.pop("strategy", None)
        name = attrs.get("strategy_name")
        if alias is not None and name is not None and alias != name:
            raise serializers.ValidationError({"strategy": STRATEGY_CONFLICT}, code="value_error")
        attrs["strategy_name"] = name or alias or DEFAULT_STRATEGY
        return attrs


class TradeUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    exit_price = price_field(required=False, allow_null=True, validators=[greater_than(0)])
    exit_date = serializers.DateTimeField(required=False, allow_null=True)
    status = UpperChoiceField(choices=TradeStatus.choices, required=False)
    notes = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )


class TradeCloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """``/close`` input, from the query string or a JSON body; the view requires exit_price."""

    exit_price = price_field(required=False, validators=[greater_than(0)])
    exit_date = serializers.DateTimeField(required=False, allow_null=True)


class TradeListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    page_size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)
    ticker = serializers.CharField(required=False, allow_blank=True, max_length=20)
    status = UpperChoiceField(choices=TradeStatus.choices, required=False)
    strategy = serializers.CharField(required=False, allow_blank=True, max_length=100)
    start_date = serializers.DateTimeField(required=False)
    end_date = serializers.DateTimeField(required=False)
    sort_by = serializers.ChoiceField(
        choices=[(name, name) for name in SORTABLE_FIELDS], required=False, default="entry_date"
    )
    sort_desc = QueryBooleanField(required=False, default=True)

    def validate_ticker(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError(
                {"end_date": "end_date must not be earlier than start_date."}, code="value_error"
            )
        return attrs


class InitialCapitalQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    initial_capital = AmountField(
        max_digits=MONEY_DIGITS + 8,
        decimal_places=MONEY_PLACES,
        required=False,
        default=Decimal(100000),
        validators=[greater_than(0)],
    )


class GenerateIdQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    prefix = serializers.RegexField(
        r"^[A-Za-z0-9_]{1,20}$",
        required=False,
        default=DEFAULT_TRADE_ID_PREFIX,
        error_messages={"invalid": "The prefix must be 1-20 letters, digits or underscores."},
    )


# --- Responses ----------------------------------------------------------------------------


def _float(value: Decimal) -> float:
    return float(value)


def _utc_iso(value: datetime) -> str:
    """DRF's ISO-8601 output for an aware datetime: UTC, with ``Z`` for ``+00:00``."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _same(value: Any) -> Any:
    return value


class TradeRowsSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    """Many TradeResponses at once, from trades or ``.values()`` rows of their columns.

    The dashboard lists every open position, so this is the hot path of a large journal.
    DRF's per-field machinery costs tens of µs a trade; this converts each column once with a
    plain function chosen from the child's field: numbers leave as floats (what the JSON
    encoder makes of a ``Decimal``), aware datetimes as UTC ISO-8601 with ``Z``, strings,
    integers and choices as they are, anything else through the field itself. The output
    equals ``TradeSerializer(trade).data`` rendered as JSON (see the tests).
    """

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        items = data.all() if hasattr(data, "all") else data
        child: Any = self.child
        columns = [(name, self._converter(field)) for name, field in child.fields.items()]
        rows: list[dict[str, Any]] = []
        for item in items:
            get = item.get if isinstance(item, Mapping) else functools.partial(getattr, item)
            row: dict[str, Any] = {}
            for name, convert in columns:
                value = get(name)
                row[name] = None if value is None else convert(value)
            rows.append(row)
        return rows

    @staticmethod
    def _converter(field: serializers.Field) -> Callable[[Any], Any]:  # type: ignore[type-arg]
        if isinstance(field, serializers.DecimalField):
            return _float
        if isinstance(field, serializers.DateTimeField):
            return lambda value: (
                _utc_iso(value) if timezone.is_aware(value) else field.to_representation(value)
            )
        if isinstance(field, (serializers.CharField, serializers.ChoiceField)):
            return _same
        if isinstance(field, (serializers.IntegerField, serializers.FloatField)):
            return _same
        return field.to_representation


class TradeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """TradeResponse, keys in the contract's order."""

    class Meta:
        model = Trade
        fields = list(TRADE_RESPONSE_FIELDS)
        list_serializer_class = TradeRowsSerializer
        read_only_fields = fields


class TradeListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    trades = TradeSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()


def _number(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(**kwargs)


class PortfolioMetricsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    total_value = _number()
    cash_balance = _number()
    invested_value = _number()
    daily_return = _number(allow_null=True)
    total_return = _number()
    volatility = _number(allow_null=True)
    sharpe_ratio = _number(allow_null=True)
    max_drawdown = _number(allow_null=True)
    total_trades = serializers.IntegerField()
    winning_trades = serializers.IntegerField()
    losing_trades = serializers.IntegerField()
    win_rate = _number(allow_null=True)
    total_pnl = _number()
    avg_pnl_per_trade = _number(allow_null=True)
    best_trade = _number(allow_null=True)
    worst_trade = _number(allow_null=True)


class DashboardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    portfolio = PortfolioMetricsSerializer()
    recent_trades = TradeSerializer(many=True)
    open_positions = TradeSerializer(many=True)
    today_pnl = _number()
    week_pnl = _number()
    month_pnl = _number()
    last_updated = serializers.DateTimeField()


class TickerStatisticsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ticker = serializers.CharField()
    total_trades = serializers.IntegerField()
    total_pnl = _number()
    avg_pnl = _number(allow_null=True)
    win_rate = _number(allow_null=True)
    avg_holding_days = _number(allow_null=True)


class GeneratedIdSerializer(serializers.Serializer):  # type: ignore[type-arg]
    trade_id = serializers.CharField()
