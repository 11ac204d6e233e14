"""Input validation and response shapes of the strategies, dashboard, quant2 and validation
endpoints (contract §2.3, §2.4, §2.7, §2.8), split by concept:

- :mod:`.fields`: shared input fields (numbers, tickers, case-insensitive choices) and defaults;
- :mod:`.run_requests`: the backtest request body and the run queries;
- :mod:`.run_responses`: the catalogue, run, results and comparison responses;
- :mod:`.dashboard`: the dashboard responses (and the quant2 dashboard's query);
- :mod:`.quant2`: the residual momentum and universe queries and responses;
- :mod:`.validation`: the validated strategies and the deflated Sharpe ratio calculator.

Input serializers validate and normalise only; rules that need the database (a known
universe, tickers with stored bars) or the catalogue (parameters of the strategy) are checked
by the views, which report them in the same 422 shape. The response serializers document
the bodies for the OpenAPI schema; the views return the dicts the selectors build (their
metric maps and weight maps are open-ended, which plain dicts express directly).

Every name is re-exported here, so ``from strategies.serializers import X`` keeps working.
"""

from __future__ import annotations

from strategies.serializers.dashboard import (
    AllocationSerializer,
    BacktestConfigSummarySerializer,
    BacktestDashboardSerializer,
    ComparisonTableRowSerializer,
    CoverageSerializer,
    DashboardComparisonSerializer,
    DashboardStrategyRowSerializer,
    DashboardSummarySerializer,
    DataStatusSerializer,
    FreshnessSerializer,
    FreshnessUniverseSerializer,
    MarketsSerializer,
    MarketStateSerializer,
    OlmarParametersSerializer,
    OlmarSerializer,
    Quant1Serializer,
    Quant2DashboardQuerySerializer,
    Quant2DashboardSerializer,
    RegimeProbabilitiesSerializer,
    RegimeSerializer,
    StrategyDashboardSerializer,
    StrategyEntrySerializer,
    UniverseInfoSerializer,
)
from strategies.serializers.fields import (
    DEFAULT_UNIVERSE,
    MAX_TICKERS,
    TICKER_PATTERN,
    CaseInsensitiveChoiceField,
    NumberField,
    StrictIntegerField,
    TickerField,
    UpperCharField,
)
from strategies.serializers.quant2 import (
    RESIDUAL_SORT_FIELDS,
    RankingRowSerializer,
    ResidualMomentumAllQuerySerializer,
    ResidualMomentumAllSerializer,
    ResidualMomentumQuerySerializer,
    ResidualMomentumSerializer,
    UniversesSummarySerializer,
    UniverseSummaryRowSerializer,
    ValidateUniverseQuerySerializer,
    ValidateUniverseSerializer,
)
from strategies.serializers.run_requests import (
    DEFAULT_INITIAL_CAPITAL,
    DEFAULT_START_DATE,
    OPTIMIZATION_METHODS,
    BacktestRequestSerializer,
    RunListQuerySerializer,
    StatusQuerySerializer,
)
from strategies.serializers.run_responses import (
    BacktestConfigSerializer,
    BacktestResultsSerializer,
    BacktestStartedSerializer,
    CompareRowSerializer,
    CompareSerializer,
    EquitySerializer,
    RunDetailSerializer,
    RunListSerializer,
    RunSummarySerializer,
    StrategyDetailSerializer,
    StrategySerializer,
    StrategyStatusSerializer,
)
from strategies.serializers.validation import (
    CalculateDsrSerializer,
    DsrResultSerializer,
    ValidatedStrategySerializer,
    ValidationStrategiesSerializer,
    ValiditySerializer,
)

__all__ = [
    "DEFAULT_INITIAL_CAPITAL",
    "DEFAULT_START_DATE",
    "DEFAULT_UNIVERSE",
    "MAX_TICKERS",
    "OPTIMIZATION_METHODS",
    "RESIDUAL_SORT_FIELDS",
    "TICKER_PATTERN",
    "AllocationSerializer",
    "BacktestConfigSerializer",
    "BacktestConfigSummarySerializer",
    "BacktestDashboardSerializer",
    "BacktestRequestSerializer",
    "BacktestResultsSerializer",
    "BacktestStartedSerializer",
    "CalculateDsrSerializer",
    "CaseInsensitiveChoiceField",
    "CompareRowSerializer",
    "CompareSerializer",
    "ComparisonTableRowSerializer",
    "CoverageSerializer",
    "DashboardComparisonSerializer",
    "DashboardStrategyRowSerializer",
    "DashboardSummarySerializer",
    "DataStatusSerializer",
    "DsrResultSerializer",
    "EquitySerializer",
    "FreshnessSerializer",
    "FreshnessUniverseSerializer",
    "MarketStateSerializer",
    "MarketsSerializer",
    "NumberField",
    "OlmarParametersSerializer",
    "OlmarSerializer",
    "Quant1Serializer",
    "Quant2DashboardQuerySerializer",
    "Quant2DashboardSerializer",
    "RankingRowSerializer",
    "RegimeProbabilitiesSerializer",
    "RegimeSerializer",
    "ResidualMomentumAllQuerySerializer",
    "ResidualMomentumAllSerializer",
    "ResidualMomentumQuerySerializer",
    "ResidualMomentumSerializer",
    "RunDetailSerializer",
    "RunListQuerySerializer",
    "RunListSerializer",
    "RunSummarySerializer",
    "StatusQuerySerializer",
    "StrategyDashboardSerializer",
    "StrategyDetailSerializer",
    "StrategyEntrySerializer",
    "StrategySerializer",
    "StrategyStatusSerializer",
    "StrictIntegerField",
    "TickerField",
    "UniverseInfoSerializer",
    "UniverseSummaryRowSerializer",
    "UniversesSummarySerializer",
    "UpperCharField",
    "ValidateUniverseQuerySerializer",
    "ValidateUniverseSerializer",
    "ValidatedStrategySerializer",
    "ValidationStrategiesSerializer",
    "ValiditySerializer",
]
