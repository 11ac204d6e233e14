"""Response shapes of the strategies and run endpoints (contract §2.3): the catalogue, a
started run, a run's status, results and equity curve, the comparison and the run list.

They document the bodies for the OpenAPI schema; the views return the dicts the selectors build.
"""

from __future__ import annotations

from rest_framework import serializers


class BacktestStartedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField()
    status = serializers.CharField()
    strategy_name = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()


class StrategySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    parameters = serializers.DictField()
    status = serializers.CharField()


class BacktestConfigSerializer(serializers.Serializer):  # type: ignore[type-arg]
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    initial_capital = serializers.FloatField()
    optimization_method = serializers.CharField()
    universe = serializers.CharField()
    tickers = serializers.ListField(child=serializers.CharField(), allow_null=True)
    parameters = serializers.DictField()


class BacktestResultsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField()
    strategy_name = serializers.CharField()
    completed_at = serializers.DateTimeField()
    config = BacktestConfigSerializer()
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    metrics_display = serializers.DictField(child=serializers.CharField())
    final_value = serializers.FloatField(allow_null=True)
    weights = serializers.DictField(child=serializers.FloatField())
    execution_time = serializers.FloatField(allow_null=True)


class StrategyDetailSerializer(StrategySerializer):
    last_results = BacktestResultsSerializer(allow_null=True)
    has_results = serializers.BooleanField()


class StrategyStatusSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy_name = serializers.CharField()
    status = serializers.CharField(
        help_text="not_started, running, completed or `failed: <reason>`."
    )
    has_results = serializers.BooleanField()
    timestamp = serializers.DateTimeField()
    backtest_id = serializers.CharField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class CompareRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy = serializers.CharField()
    category = serializers.CharField()
    final_value = serializers.FloatField(allow_null=True)
    total_return = serializers.FloatField(allow_null=True)
    cagr = serializers.FloatField(allow_null=True)
    sharpe_ratio = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True)
    win_rate = serializers.FloatField(allow_null=True)


class CompareSerializer(serializers.Serializer):  # type: ignore[type-arg]
    comparison = CompareRowSerializer(many=True)
    generated_at = serializers.DateTimeField()
    strategies_compared = serializers.IntegerField()


class RunSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField()
    strategy_name = serializers.CharField()
    status = serializers.CharField(help_text="queued, running, completed or failed")
    contract_status = serializers.CharField()
    error = serializers.CharField(allow_null=True)
    universe = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    initial_capital = serializers.FloatField()
    optimization_method = serializers.CharField()
    parameters = serializers.DictField()
    final_value = serializers.FloatField(allow_null=True)
    metrics = serializers.DictField(allow_null=True)
    execution_time = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class RunListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    runs = RunSummarySerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total_pages = serializers.IntegerField()


class RunDetailSerializer(RunSummarySerializer):
    tickers = serializers.ListField(child=serializers.CharField(), allow_null=True)
    weights = serializers.DictField(child=serializers.FloatField(), allow_null=True)
    metrics_display = serializers.DictField(child=serializers.CharField(), allow_null=True)
    details = serializers.DictField()
    links = serializers.DictField(child=serializers.CharField())


class EquitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField()
    strategy_name = serializers.CharField()
    dates = serializers.ListField(child=serializers.DateField())
    equity = serializers.ListField(child=serializers.FloatField())
    drawdown = serializers.ListField(child=serializers.FloatField())
    returns = serializers.ListField(child=serializers.FloatField(allow_null=True))
