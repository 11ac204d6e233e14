"""Input validation and response shapes of ``/api/data`` (contract §2.2, §3.5),
``/api/universes`` (§2.6, §5) and ``/api/market`` (new).

Input serializers only validate and normalise; views call selectors and services. Responses
are built as plain dicts in the contract's key order; the response serializers below document
them in the OpenAPI schema and render the model-backed ones (ingest runs, symbols).
"""

from __future__ import annotations

from typing import Any, Final

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ingest.models import IngestRun
from ingest.planning import TICKER_PATTERN
from market.models import AssetClass, Symbol
from market.selectors import PRICE_FIELDS
from parakeet.fields import QueryBooleanField

MAX_REFRESH_TICKERS: Final = 2000
MAX_ERRORS_SHOWN: Final = 50


# --- input --------------------------------------------------------------------------------


class TickerField(serializers.RegexField):
    """A ticker, upper-cased (and trimmed) before it is matched against the pattern."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {"invalid": f"String should match pattern '{TICKER_PATTERN.pattern}'."},
        )
        super().__init__(TICKER_PATTERN, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        return value.strip().upper()


class RefreshRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    tickers = serializers.ListField(
        child=TickerField(),
        required=False,
        allow_null=True,
        allow_empty=True,
        max_length=MAX_REFRESH_TICKERS,
        help_text="Tickers to refresh; null or empty means SPX500 + US_ETFS + ASX200.",
    )
    force = serializers.BooleanField(
        required=False, default=False, help_text="Re-fetch the full default history."
    )


class DataUniverseQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    include_sp500 = QueryBooleanField(required=False, default=True)
    include_nasdaq100 = QueryBooleanField(required=False, default=True)
    include_asx200 = QueryBooleanField(required=False, default=True)
    include_etfs = QueryBooleanField(required=False, default=True)


class PageQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    page = serializers.IntegerField(required=False, default=1, min_value=1)
    page_size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)


class UniverseTickersQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    as_of = serializers.DateField(
        required=False, help_text="Point-in-time members on this date (YYYY-MM-DD)."
    )


class SymbolListQuerySerializer(PageQuerySerializer):
    universe = serializers.CharField(
        required=False, max_length=32, help_text="Current members of this universe key."
    )
    exchange = serializers.CharField(required=False, max_length=20)
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    search = serializers.CharField(
        required=False, max_length=100, help_text="Case-insensitive match on ticker or name."
    )
    active = QueryBooleanField(required=False)


class FieldListField(serializers.CharField):
    """A comma-separated subset of the bar fields, in the order given, without repeats."""

    default_error_messages = {
        "invalid_choice": f"Input should be a comma-separated list of {', '.join(PRICE_FIELDS)}."
    }

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        text: str = super().to_internal_value(data)
        names = list(
            dict.fromkeys(name.strip().lower() for name in text.split(",") if name.strip())
        )
        if not names or any(name not in PRICE_FIELDS for name in names):
            self.fail("invalid_choice")
        return names


class PriceQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(required=False, help_text="First date (inclusive).")
    end = serializers.DateField(required=False, help_text="Last date (inclusive).")
    fields = FieldListField(  # type: ignore[assignment]
        required=False, help_text=f"Comma-separated: {', '.join(PRICE_FIELDS)} (default all)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError(
                {"end": "end must not be earlier than start."}, code="value_error"
            )
        return attrs


# --- /api/data responses ------------------------------------------------------------------


class StorageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    backend = serializers.ChoiceField(choices=["s3", "local"])
    location = serializers.CharField()
    reachable = serializers.BooleanField()


class DatabaseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    vendor = serializers.CharField()
    reachable = serializers.BooleanField()
    price_rows = serializers.IntegerField()
    tickers_with_prices = serializers.IntegerField()
    latest_price_date = serializers.DateField(allow_null=True)


class MarketDataStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    tiingo_status = serializers.ChoiceField(choices=["configured", "not_configured"])
    yfinance_status = serializers.ChoiceField(choices=["available", "disabled"])
    cache_size_mb = serializers.FloatField()
    cache_files = serializers.IntegerField()
    last_refresh = serializers.DateTimeField(allow_null=True)
    us_tickers_cached = serializers.IntegerField()
    asx_tickers_cached = serializers.IntegerField()
    oldest_cache = serializers.DateTimeField(allow_null=True)
    newest_cache = serializers.DateTimeField(allow_null=True)
    storage = StorageSerializer()
    database = DatabaseSerializer()


class CacheFileSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    size_mb = serializers.FloatField()
    modified = serializers.DateTimeField()


class CacheStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    cache_dir = serializers.CharField()
    total_files = serializers.IntegerField()
    total_size_mb = serializers.FloatField()
    oldest_cache = serializers.DateTimeField(allow_null=True)
    newest_cache = serializers.DateTimeField(allow_null=True)
    files = CacheFileSerializer(many=True)


class RefreshResponseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField()
    message = serializers.CharField()
    tickers_refreshed = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    cache_status = CacheStatusSerializer()
    ingest_run_id = serializers.IntegerField()


class TickerSampleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    count = serializers.IntegerField()
    tickers = serializers.ListField(child=serializers.CharField())


class SourceSampleSerializer(TickerSampleSerializer):
    coverage = serializers.CharField()


class BySourceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    tiingo = SourceSampleSerializer()
    yfinance = SourceSampleSerializer()


class EtfSamplesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    us = TickerSampleSerializer()
    asx = TickerSampleSerializer()


class IndexCountsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sp500 = serializers.IntegerField()
    nasdaq100 = serializers.IntegerField()
    asx200 = serializers.IntegerField()


class DataUniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    total_tickers = serializers.IntegerField()
    by_source = BySourceSerializer()
    etfs = EtfSamplesSerializer()
    indices = IndexCountsSerializer()


class DataSourceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ticker = serializers.CharField()
    source = serializers.ChoiceField(choices=["tiingo", "yfinance"])  # type: ignore[assignment]
    coverage = serializers.CharField()


class IngestErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ticker = serializers.CharField()
    message = serializers.CharField()


class IngestRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="queued, running, completed, partial or failed")
    errors = serializers.SerializerMethodField()  # type: ignore[assignment]
    dry_run = serializers.SerializerMethodField()
    trigger = serializers.SerializerMethodField()

    class Meta:
        model = IngestRun
        fields = [
            "id",
            "status",
            "requested",
            "succeeded",
            "failed",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
            "rows_inserted",
            "rows_updated",
            "rows_unchanged",
            "rows_rejected",
            "message",
            "dry_run",
            "trigger",
        ]

    @extend_schema_field(IngestErrorSerializer(many=True))
    def get_errors(self, run: IngestRun) -> list[dict[str, str]]:
        errors: list[dict[str, str]] = list(run.errors or [])[:MAX_ERRORS_SHOWN]
        return [
            {"ticker": str(e.get("ticker", "")), "message": str(e.get("message", ""))}
            for e in errors
        ]

    def get_dry_run(self, run: IngestRun) -> bool:
        return bool((run.parameters or {}).get("dry_run", False))

    def get_trigger(self, run: IngestRun) -> str:
        return str((run.parameters or {}).get("trigger", ""))


class IngestRunListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    ingest_runs = IngestRunSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()


# --- /api/universes responses -------------------------------------------------------------


class UniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    region = serializers.CharField()
    asset_class = serializers.CharField()
    ticker_count = serializers.IntegerField()


class UniverseListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universes = UniverseSerializer(many=True)
    count = serializers.IntegerField()


class UniverseDetailSerializer(UniverseSerializer):
    tickers = serializers.ListField(child=serializers.CharField())


class UniverseTickersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    tickers = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)


class RegionUniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    description = serializers.CharField()
    region = serializers.CharField()
    asset_class = serializers.CharField()
    ticker_count = serializers.IntegerField()
    key = serializers.CharField()


class RegionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    region = serializers.CharField()
    universes = RegionUniverseSerializer(many=True)
    count = serializers.IntegerField()


# --- /api/market responses ----------------------------------------------------------------


class SymbolSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Symbol
        fields = [
            "ticker",
            "name",
            "exchange",
            "asset_class",
            "currency",
            "sector",
            "data_source",
            "is_active",
            "is_delisted",
            "first_bar_date",
            "last_bar_date",
        ]


class SymbolListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    symbols = SymbolSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()


class PriceSeriesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Column arrays, one value per date; only the requested fields are present."""

    ticker = serializers.CharField()
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.ChoiceField(choices=list(PRICE_FIELDS))
    )
    count = serializers.IntegerField()
    dates = serializers.ListField(child=serializers.DateField())
    open = serializers.ListField(child=serializers.FloatField(), required=False)
    high = serializers.ListField(child=serializers.FloatField(), required=False)
    low = serializers.ListField(child=serializers.FloatField(), required=False)
    close = serializers.ListField(child=serializers.FloatField(), required=False)
    adj_close = serializers.ListField(child=serializers.FloatField(allow_null=True), required=False)
    volume = serializers.ListField(child=serializers.IntegerField(), required=False)
