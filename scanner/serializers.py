"""Input validation and response shapes of ``/api/scanner`` (contract §2.5).

Input serializers validate and normalise; the tickers-with-prices rule needs the database
and is checked by the view. Response serializers document the bodies for the schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from scanner.models import ScannerType
from scanner.universes import UNIVERSE_NAMES
from strategies.serializers import (
    MAX_TICKERS,
    CaseInsensitiveChoiceField,
    NumberField,
    StrictIntegerField,
    TickerField,
)


class ScanRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    scanner_type = CaseInsensitiveChoiceField(
        choices=ScannerType.values, required=False, default=ScannerType.QUALLAMAGGIE
    )
    universe = CaseInsensitiveChoiceField(choices=UNIVERSE_NAMES, required=False, default="sp500")
    min_price = NumberField(required=False, default=5.0, min_value=0.0)
    max_price = NumberField(required=False, default=500.0, max_value=1e9)
    min_volume = StrictIntegerField(required=False, default=100_000, min_value=0)
    custom_tickers = serializers.ListField(
        child=TickerField(),
        required=False,
        allow_null=True,
        default=None,
        min_length=1,
        max_length=MAX_TICKERS,
    )
    parameters = serializers.DictField(
        required=False,
        allow_null=True,
        default=None,
        help_text="New: the scanner's own parameters (momentum: lookback_days, min_momentum; "
        "mean_reversion: rsi_threshold, bollinger_std).",
    )

    def validate_custom_tickers(self, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["max_price"] <= attrs["min_price"]:
            raise serializers.ValidationError(
                {"max_price": f"Input should be greater than min_price ({attrs['min_price']:g})."},
                code="greater_than",
            )
        return attrs


class ScanStartedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField()
    scanner_type = serializers.CharField()
    universe = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()
    scan_id = serializers.CharField()


class ScannerEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    description = serializers.CharField()
    signals = serializers.ListField(child=serializers.CharField())
    parameters = serializers.ListField(child=serializers.CharField())


class ScannerInfoSerializer(serializers.Serializer):  # type: ignore[type-arg]
    scanners = ScannerEntrySerializer(many=True)
    universes = serializers.ListField(child=serializers.CharField())
    last_scan = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(help_text="idle, running, completed or `failed: <reason>`.")


class ScanStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="idle, running, completed or `failed: <reason>`.")
    has_results = serializers.BooleanField()
    last_scan = serializers.DateTimeField(allow_null=True)
    results_count = serializers.IntegerField()
    scan_id = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class ScanRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ticker = serializers.CharField()
    name = serializers.CharField()
    price = serializers.FloatField()
    change_pct = serializers.FloatField(allow_null=True)
    volume = serializers.IntegerField()
    signal = serializers.CharField()
    score = serializers.FloatField()
    details = serializers.DictField()


class ScanFiltersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    min_price = serializers.FloatField()
    max_price = serializers.FloatField()
    min_volume = serializers.IntegerField()


class ScanResultsQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    scanner_type = CaseInsensitiveChoiceField(choices=ScannerType.values, required=False)
    signal = serializers.CharField(required=False, max_length=20)
    min_score = NumberField(required=False, min_value=0.0, max_value=100.0)
    limit = StrictIntegerField(required=False, default=50, min_value=1, max_value=500)


class FiltersAppliedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    signal = serializers.CharField(allow_null=True)
    min_score = serializers.FloatField(allow_null=True)
    limit = serializers.IntegerField()


class ScanResultsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    results = ScanRowSerializer(many=True)
    total_found = serializers.IntegerField(required=False)
    generated_at = serializers.DateTimeField(allow_null=True)
    scanner_type = serializers.CharField(required=False)
    filters_applied = FiltersAppliedSerializer(required=False)
    scan_id = serializers.CharField(required=False)
    message = serializers.CharField(required=False)


class QuallamaggieSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField(required=False)
    scanner_type = serializers.CharField(required=False)
    universe = serializers.CharField(required=False)
    tickers_scanned = serializers.IntegerField(required=False)
    results_found = serializers.IntegerField(required=False)
    stocks = ScanRowSerializer(many=True, required=False)
    filters = ScanFiltersSerializer(required=False)
    scan_id = serializers.CharField(required=False)
    tickers_skipped = serializers.IntegerField(required=False)
    retrieved_at = serializers.DateTimeField(required=False)
    results = serializers.ListField(required=False)
    message = serializers.CharField(required=False)
    criteria = serializers.DictField(required=False)
