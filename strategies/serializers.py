"""Input validation and response shapes of the strategies, dashboard, quant2 and validation
endpoints (contract §2.3, §2.4, §2.7, §2.8).

Input serializers validate and normalise only; rules that need the database (a known
universe, tickers with stored bars) or the catalogue (parameters of the strategy) are checked
by the views, which report them in the same 422 shape. The response serializers document
the bodies for the OpenAPI schema; the views return the dicts the selectors build (their
metric maps and weight maps are open-ended, which plain dicts express directly).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rest_framework import serializers

from parakeet.fields import QueryBooleanField
from strategies.models import RunStatus

OPTIMIZATION_METHODS = ("HRP", "MVO", "InverseVol", "EqualWeight")
DEFAULT_START_DATE = dt.date(2020, 1, 1)
DEFAULT_INITIAL_CAPITAL = 100_000.0
DEFAULT_UNIVERSE = "SPX500"
MAX_TICKERS = 1000
TICKER_PATTERN = re.compile(r"^[A-Z0-9.^=-]{1,20}$")
RESIDUAL_SORT_FIELDS = (
    "score",
    "ticker",
    "r_squared",
    "beta_mkt",
    "beta_smb",
    "beta_hml",
    "residual_vol",
    "rank",
)


class NumberField(serializers.FloatField):
    """A finite JSON number (or numeric string); booleans are not numbers."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value: float = super().to_internal_value(data)
        return value


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class TickerField(serializers.CharField):
    """Trimmed, upper-cased, ``^[A-Z0-9.^=-]{1,20}$``."""

    default_error_messages = {
        "pattern": "Input should be a ticker of 1-20 characters among A-Z 0-9 . ^ = -.",
    }

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data)).strip().upper()
        if not TICKER_PATTERN.fullmatch(value):
            raise serializers.ValidationError(
                self.error_messages["pattern"], code="string_pattern_mismatch"
            )
        return value


class UpperCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).strip().upper()


class CaseInsensitiveChoiceField(serializers.ChoiceField):
    """Choices matched in any case; the canonical spelling is returned."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            folded = {str(choice).lower(): choice for choice in self.choices}
            data = folded.get(data.strip().lower(), data)
        return super().to_internal_value(data)


# --- strategies -----------------------------------------------------------------------------


class BacktestRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy_name = serializers.CharField(min_length=1, max_length=100)
    start_date = serializers.DateField(required=False, default=DEFAULT_START_DATE)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    initial_capital = NumberField(
        required=False, min_value=1e3, max_value=1e8, default=DEFAULT_INITIAL_CAPITAL
    )
    tickers = serializers.ListField(
        child=TickerField(),
        required=False,
        allow_null=True,
        default=None,
        min_length=1,
        max_length=MAX_TICKERS,
    )
    universe = UpperCharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    optimization_method = serializers.ChoiceField(
        choices=OPTIMIZATION_METHODS, required=False, default="HRP"
    )
    parameters = serializers.DictField(required=False, allow_null=True, default=None)

    def validate_tickers(self, value: list[str] | None) -> list[str] | None:
        return None if value is None else list(dict.fromkeys(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end_date")
        if end is not None and end <= attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": "end_date must be after start_date."}, code="value_error"
            )
        return attrs


class BacktestStartedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField()
    status = serializers.CharField()
    strategy_name = serializers.CharField()
    message = serializers.CharField()
    timestamp = serializers.DateTimeField()


class StatusQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    backtest_id = serializers.CharField(required=False, max_length=120)


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


class RunListQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategy = serializers.CharField(required=False, max_length=100)
    status = CaseInsensitiveChoiceField(choices=RunStatus.values, required=False)
    page = StrictIntegerField(required=False, default=1, min_value=1)
    page_size = StrictIntegerField(required=False, default=50, min_value=1, max_value=200)


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


# --- dashboard ------------------------------------------------------------------------------


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


# --- quant2 ---------------------------------------------------------------------------------


class ResidualMomentumQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    top_n = StrictIntegerField(required=False, default=20, min_value=5, max_value=100)
    include_bottom = QueryBooleanField(required=False, default=False)


class ResidualMomentumAllQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(required=False, default=DEFAULT_UNIVERSE, max_length=32)
    sort_by = serializers.ChoiceField(choices=RESIDUAL_SORT_FIELDS, required=False, default="score")
    sort_order = CaseInsensitiveChoiceField(choices=["asc", "desc"], required=False, default="desc")
    min_score = NumberField(required=False, allow_null=True, default=None)
    max_score = NumberField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_score"), attrs.get("max_score")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"min_score": "min_score must not be greater than max_score."},
                code="value_error",
            )
        return attrs


class RankingRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rank = serializers.IntegerField()
    ticker = serializers.CharField()
    score = serializers.FloatField()
    r_squared = serializers.FloatField()
    beta_mkt = serializers.FloatField()
    beta_smb = serializers.FloatField(allow_null=True)
    beta_hml = serializers.FloatField(allow_null=True)
    residual_vol = serializers.FloatField()


class ResidualMomentumSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    universe_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    lookback_months = serializers.IntegerField()
    scoring_months = serializers.IntegerField()
    stocks_ranked = serializers.IntegerField()
    top_score = serializers.FloatField(allow_null=True)
    avg_r_squared = serializers.FloatField(allow_null=True)
    rankings = RankingRowSerializer(many=True)
    bottom_rankings = RankingRowSerializer(many=True, required=False)
    as_of = serializers.DateField(allow_null=True)
    factor_model = serializers.CharField()
    stocks_skipped = serializers.IntegerField()


class ResidualMomentumAllSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    universe_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    total_stocks = serializers.IntegerField()
    filtered_stocks = serializers.IntegerField()
    sort_by = serializers.CharField()
    sort_order = serializers.CharField()
    min_score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(allow_null=True)
    stocks = RankingRowSerializer(many=True)
    as_of = serializers.DateField(allow_null=True)
    factor_model = serializers.CharField()


class ValidateUniverseQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField(max_length=64)


class ValidateUniverseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    universe = serializers.CharField()
    valid = serializers.BooleanField()
    ticker_count = serializers.IntegerField()
    sample_tickers = serializers.ListField(child=serializers.CharField())
    api_status = serializers.CharField()


class UniverseSummaryRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    ticker_count = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()


class UniversesSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    generated_at = serializers.DateTimeField()
    total_universes = serializers.IntegerField()
    universes = UniverseSummaryRowSerializer(many=True)


# --- validation -----------------------------------------------------------------------------


class ValiditySerializer(serializers.Serializer):  # type: ignore[type-arg]
    psr = serializers.FloatField(allow_null=True)
    dsr = serializers.FloatField(allow_null=True)
    num_trials = serializers.IntegerField()
    is_significant = serializers.BooleanField()
    confidence_level = serializers.CharField()


class ValidatedStrategySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.CharField()
    name = serializers.CharField()
    sharpe = serializers.FloatField(allow_null=True)
    sortino = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True)
    validity = ValiditySerializer()


class ValidationStrategiesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    strategies = ValidatedStrategySerializer(many=True)
    total_trials_rejected = serializers.IntegerField()
    total_trials_accepted = serializers.IntegerField()
    generated_at = serializers.DateTimeField()


class CalculateDsrSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sharpe_ratio = NumberField(min_value=-1e6, max_value=1e6, help_text="Annualised Sharpe ratio.")
    n_trials = StrictIntegerField(required=False, default=1, min_value=1, max_value=10**12)
    n_samples = StrictIntegerField(required=False, default=252, min_value=2, max_value=10**7)
    skewness = NumberField(required=False, default=0.0, min_value=-1e6, max_value=1e6)
    kurtosis = NumberField(
        required=False,
        default=3.0,
        max_value=1e12,
        help_text="Pearson kurtosis (normal = 3); at least 1 + skewness².",
    )
    periods_per_year = NumberField(required=False, default=252, min_value=1, max_value=366)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        skew, kurt = attrs["skewness"], attrs["kurtosis"]
        if kurt < 1.0 + skew**2:
            raise serializers.ValidationError(
                {"kurtosis": "kurtosis must be at least 1 + skewness²."}, code="value_error"
            )
        return attrs


class DsrResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sharpe_ratio = serializers.FloatField()
    deflated_sharpe_ratio = serializers.FloatField()
    probabilistic_sharpe_ratio = serializers.FloatField()
    n_trials = serializers.IntegerField()
    n_samples = serializers.IntegerField()
    is_significant = serializers.BooleanField()
    confidence_level = serializers.CharField()
    interpretation = serializers.CharField()
    expected_max_sharpe = serializers.FloatField()
    sharpe_ratio_std = serializers.FloatField()
