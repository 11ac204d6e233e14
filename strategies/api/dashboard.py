"""``/api/dashboard`` views (contract §2.4): read-only summaries of the latest completed runs
(and, for ``data-status``, of the stored prices)."""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from market.models import Universe
from parakeet.validation import parse_query
from strategies import dashboard, data_status, quant2, selectors
from strategies.api.common import DOMAIN_ERROR, VALIDATION_ERROR, call_sync
from strategies.serializers import (
    AllocationSerializer,
    BacktestDashboardSerializer,
    DashboardComparisonSerializer,
    DataStatusSerializer,
    OlmarSerializer,
    Quant1Serializer,
    Quant2DashboardQuerySerializer,
    Quant2DashboardSerializer,
    StrategyDashboardSerializer,
)

TAGS = ["dashboard"]


class DashboardView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard",
        summary="Every catalogue strategy's latest results",
        responses={200: StrategyDashboardSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.overview(await selectors.latest_completed_runs()))


class DashboardComparisonView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_comparison",
        summary="Strategies by final value",
        responses={200: DashboardComparisonSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.comparison(await selectors.latest_completed_runs()))


class DataStatusView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_data_status",
        summary="Freshness and coverage of the stored prices",
        responses={200: DataStatusSerializer, 503: DOMAIN_ERROR},
    )
    async def get(self, request: Request) -> Response:
        return Response(await call_sync(data_status.data_status))


class Quant1View(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_quant1",
        summary="Quant 1.0 strategies",
        responses={200: Quant1Serializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.quant1(await selectors.latest_completed_runs()))


def _quant2_body(universe_value: str) -> dict[str, Any]:
    from market.errors import UnknownUniverse

    universe = quant2.find_universe(universe_value)
    if universe is None:
        keys = list(Universe.objects.values_list("key", flat=True))
        raise UnknownUniverse(universe_value, keys, status_code=400)
    runs = selectors.latest_completed_runs_sync()
    regime = dashboard.current_regime(runs, region=universe.region)
    return dashboard.quant2(runs, universe=quant2.universe_info(universe), regime=regime)


class Quant2View(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_quant2",
        summary="Quant 2.0 strategies and the market regime",
        parameters=[Quant2DashboardQuerySerializer],
        responses={200: Quant2DashboardSerializer, 400: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, Quant2DashboardQuerySerializer)
        return Response(await call_sync(_quant2_body, query["universe"]))


class OlmarView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_olmar",
        summary="OLMAR's latest results",
        responses={200: OlmarSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.olmar(await selectors.latest_completed_runs()))


class BacktestTableView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_backtest",
        summary="Metrics table of the latest completed runs",
        responses={200: BacktestDashboardSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.backtest_table(await selectors.latest_completed_runs()))


class AllocationView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_dashboard_allocation",
        summary="Combined allocation of the strategies' final weights",
        responses={200: AllocationSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(dashboard.allocation(await selectors.latest_completed_runs()))
