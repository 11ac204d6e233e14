"""Response shapes of the dashboard endpoints (contract §2.4), with the quant2 dashboard's
universe query.

They document the bodies for the OpenAPI schema; the views return the dicts
:mod:`strategies.dashboard` and :mod:`strategies.data_status` build.
"""

from __future__ import annotations

from rest_framework import serializers

from strategies.serializers.fields import DEFAULT_UNIVERSE


class DashboardStrategyRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    final_value = serializers.FloatField(allow_null=True)
    cagr = serializers.FloatField(allow_null=True)
    sharpe = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True)
    status = serializers.CharField(help_text="active or no_data")


class DashboardSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    total_strategies = serializers.IntegerField()
    strategies_with_results = serializers.IntegerField()
    best_performer = serializers.CharField(allow_null=True)
    best_cagr = serializers.CharField()


class StrategyDashboardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    summary = DashboardSummarySerializer()
    strategies = DashboardStrategyRowSerializer(many=True)
    last_update = serializers.DateTimeField(allow_null=True)


class StrategyEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="active or no_data")
    metrics = serializers.DictField(required=False)
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    final_value = serializers.FloatField(required=False, allow_null=True)
    message = serializers.CharField(required=False)


class Quant1Serializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    source = serializers.CharField()  # type: ignore[assignment]  # the "source" key
    strategies = serializers.DictField(child=StrategyEntrySerializer())


class UniverseInfoSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    description = serializers.CharField()
    region = serializers.CharField()
    asset_class = serializers.CharField()
    ticker_count = serializers.IntegerField()
    key = serializers.CharField()


class RegimeProbabilitiesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    bull = serializers.FloatField()
    bear = serializers.FloatField()
    sideways = serializers.FloatField()


class RegimeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    current = serializers.CharField()
    probabilities = RegimeProbabilitiesSerializer(allow_null=True)
    method = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    message = serializers.CharField()


class Quant2DashboardQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)


class Quant2DashboardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    source = serializers.CharField()  # type: ignore[assignment]  # the "source" key
    universe = UniverseInfoSerializer()
    universe_key = serializers.CharField()
    ticker_count = serializers.IntegerField()
    regime = RegimeSerializer()
    strategies = serializers.DictField(child=StrategyEntrySerializer())


class OlmarParametersSerializer(serializers.Serializer):  # type: ignore[type-arg]
    window = serializers.IntegerField()
    epsilon = serializers.FloatField()
    universe = serializers.CharField()


class OlmarSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    source = serializers.CharField()  # type: ignore[assignment]  # the "source" key
    strategy = serializers.CharField()
    description = serializers.CharField()
    parameters = OlmarParametersSerializer()
    status = serializers.CharField(help_text="active or no_data")
    performance = serializers.DictField(required=False)
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    final_value = serializers.FloatField(required=False, allow_null=True)
    message = serializers.CharField(required=False)


class ComparisonTableRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy = serializers.CharField()
    final_value = serializers.FloatField(allow_null=True)
    total_return = serializers.FloatField(allow_null=True)
    cagr = serializers.FloatField(allow_null=True)
    volatility = serializers.FloatField(allow_null=True)
    sharpe_ratio = serializers.FloatField(allow_null=True)
    sortino_ratio = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True)
    calmar_ratio = serializers.FloatField(allow_null=True)
    win_rate = serializers.FloatField(allow_null=True)


class BacktestConfigSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    initial_capital = serializers.FloatField()
    base_currency = serializers.CharField()


class BacktestDashboardSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    source = serializers.CharField()  # type: ignore[assignment]  # the "source" key
    comparison_table = ComparisonTableRowSerializer(many=True)
    total_strategies = serializers.IntegerField()
    config = BacktestConfigSummarySerializer()


class DashboardComparisonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    comparison = ComparisonTableRowSerializer(many=True)
    metrics = serializers.ListField(child=serializers.CharField(), required=False)
    strategies_count = serializers.IntegerField(required=False)
    message = serializers.CharField(required=False)
    generated_at = serializers.DateTimeField()


class AllocationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    combined_allocation = serializers.DictField(child=serializers.FloatField())
    by_strategy = serializers.DictField(child=serializers.DictField(child=serializers.FloatField()))
    total_positions = serializers.IntegerField()
    strategies_used = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()


class FreshnessUniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    last_cache_update = serializers.DateTimeField(allow_null=True)
    latest_data_date = serializers.DateField(allow_null=True)
    expected_latest_date = serializers.DateField()
    staleness_days = serializers.IntegerField(allow_null=True)
    is_stale = serializers.BooleanField()
    needs_refresh = serializers.BooleanField()
    message = serializers.CharField()


class FreshnessSerializer(serializers.Serializer):  # type: ignore[type-arg]
    check_time = serializers.DateTimeField()
    overall_status = serializers.ChoiceField(
        choices=["all_current", "all_stale", "partially_stale"]
    )
    universes = FreshnessUniverseSerializer(many=True)
    needs_refresh_count = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    tickers = serializers.IntegerField()
    tickers_with_data = serializers.IntegerField()
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)


class MarketStateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    last_trading_date = serializers.DateField()
    is_open = serializers.BooleanField()


class MarketsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    US = MarketStateSerializer()
    AU = MarketStateSerializer()


class DataStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    check_time = serializers.DateTimeField()
    overall_status = serializers.ChoiceField(
        choices=["all_current", "all_stale", "partially_stale"]
    )
    freshness = FreshnessSerializer()
    coverage = CoverageSerializer(many=True)
    markets = MarketsSerializer()
