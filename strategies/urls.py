"""Routes of the strategies Lambda: ``/api/strategies``, ``/api/dashboard``, ``/api/quant2``
and ``/api/validation``. Literal segments (``run``, ``compare/all``, ``runs``) come before
``<strategy_name>`` (contract §1)."""

from __future__ import annotations

from django.urls import URLPattern

from parakeet.routing import route
from strategies.api import dashboard, quant2, strategies, validation

urlpatterns: list[URLPattern] = [
    # /api/strategies
    route("api/strategies", strategies.StrategyListView.as_view(), name="strategies"),
    route("api/strategies/run", strategies.StrategyRunView.as_view(), name="strategies-run"),
    route(
        "api/strategies/compare/all",
        strategies.CompareAllView.as_view(),
        name="strategies-compare",
    ),
    route("api/strategies/runs", strategies.RunListView.as_view(), name="strategies-runs"),
    route(
        "api/strategies/runs/<backtest_id>",
        strategies.RunDetailView.as_view(),
        name="strategies-run-detail",
    ),
    route(
        "api/strategies/runs/<backtest_id>/equity",
        strategies.RunEquityView.as_view(),
        name="strategies-run-equity",
    ),
    route(
        "api/strategies/<strategy_name>",
        strategies.StrategyDetailView.as_view(),
        name="strategy-detail",
    ),
    route(
        "api/strategies/<strategy_name>/status",
        strategies.StrategyStatusView.as_view(),
        name="strategy-status",
    ),
    route(
        "api/strategies/<strategy_name>/results",
        strategies.StrategyResultsView.as_view(),
        name="strategy-results",
    ),
    # /api/dashboard
    route("api/dashboard", dashboard.DashboardView.as_view(), name="dashboard"),
    route(
        "api/dashboard/comparison",
        dashboard.DashboardComparisonView.as_view(),
        name="dashboard-comparison",
    ),
    route("api/dashboard/data-status", dashboard.DataStatusView.as_view(), name="dashboard-data"),
    route("api/dashboard/quant1", dashboard.Quant1View.as_view(), name="dashboard-quant1"),
    route("api/dashboard/quant2", dashboard.Quant2View.as_view(), name="dashboard-quant2"),
    route("api/dashboard/olmar", dashboard.OlmarView.as_view(), name="dashboard-olmar"),
    route(
        "api/dashboard/backtest", dashboard.BacktestTableView.as_view(), name="dashboard-backtest"
    ),
    route(
        "api/dashboard/allocation",
        dashboard.AllocationView.as_view(),
        name="dashboard-allocation",
    ),
    # /api/quant2
    route(
        "api/quant2/residual-momentum",
        quant2.ResidualMomentumView.as_view(),
        name="quant2-residual-momentum",
    ),
    route(
        "api/quant2/residual-momentum/all",
        quant2.ResidualMomentumAllView.as_view(),
        name="quant2-residual-momentum-all",
    ),
    route(
        "api/quant2/validate-universe",
        quant2.ValidateUniverseView.as_view(),
        name="quant2-validate-universe",
    ),
    route(
        "api/quant2/universes-summary",
        quant2.UniversesSummaryView.as_view(),
        name="quant2-universes-summary",
    ),
    # /api/validation
    route(
        "api/validation/strategies",
        validation.ValidationStrategiesView.as_view(),
        name="validation-strategies",
    ),
    route(
        "api/validation/calculate-dsr",
        validation.CalculateDsrView.as_view(),
        name="validation-calculate-dsr",
    ),
]
