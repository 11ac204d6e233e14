"""``/api/strategies`` views (contract §2.3) and the run endpoints (new).

The run endpoint validates in three steps, each reported in the contract's shapes: the body
(422), the strategy (404, or 501 for a catalogue entry without an engine), then the rules
that need the catalogue or the database — parameters, universe, tickers with stored prices —
as one 422 with an item per bad field. Only then is a run row created and enqueued.
"""

from __future__ import annotations

from adrf.views import APIView
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.api import utc_now_iso
from parakeet.validation import (
    parse_body,
    parse_query,
)
from strategies import catalog, run_inputs, selectors, services
from strategies.api.common import (
    BACKTEST_ID_PARAMETER,
    DOMAIN_ERROR,
    STRATEGY_NAME_PARAMETER,
    VALIDATION_ERROR,
    call_sync,
)
from strategies.errors import StrategyNotFound, StrategyNotImplemented
from strategies.serializers import (
    BacktestRequestSerializer,
    BacktestResultsSerializer,
    BacktestStartedSerializer,
    CompareSerializer,
    EquitySerializer,
    RunDetailSerializer,
    RunListQuerySerializer,
    RunListSerializer,
    StatusQuerySerializer,
    StrategyDetailSerializer,
    StrategySerializer,
    StrategyStatusSerializer,
)

TAGS = ["strategies"]
STARTED_MESSAGE = "Backtest started. Check /api/strategies/{name}/status for progress."
STATUS_BACKTEST_ID = OpenApiParameter(
    "backtest_id",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="A run of this strategy; without it, the latest run.",
)
RESULTS_BACKTEST_ID = OpenApiParameter(
    "backtest_id",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="A run of this strategy; without it, the latest completed run.",
)


class StrategyListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_strategies",
        summary="The strategy catalogue",
        responses={200: StrategySerializer(many=True)},
    )
    async def get(self, request: Request) -> Response:
        return Response([entry.as_dict() for entry in catalog.catalog()])


class StrategyRunView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="run_backtest",
        summary="Start a backtest",
        request=BacktestRequestSerializer,
        responses={
            200: BacktestStartedSerializer,
            404: DOMAIN_ERROR,
            422: VALIDATION_ERROR,
            501: DOMAIN_ERROR,
            503: DOMAIN_ERROR,
        },
    )
    async def post(self, request: Request) -> Response:
        data = parse_body(request, BacktestRequestSerializer)
        name = data["strategy_name"]
        entry = catalog.find(name)
        if entry is None:
            raise StrategyNotFound(name)
        if entry.status != catalog.ACTIVE:
            raise StrategyNotImplemented(name)
        inputs = await call_sync(run_inputs.checked_inputs, data)
        run = await call_sync(services.start_backtest, **inputs)
        return Response(
            {
                "backtest_id": run.backtest_id,
                "status": "started",
                "strategy_name": name,
                "message": STARTED_MESSAGE.format(name=name),
                "timestamp": utc_now_iso(),
            }
        )


class CompareAllView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="compare_strategies",
        summary="Compare the latest completed run of each strategy",
        responses={200: CompareSerializer},
    )
    async def get(self, request: Request) -> Response:
        runs = await selectors.latest_completed_runs()
        return Response(selectors.compare_body(runs))


class StrategyDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_strategy",
        summary="A catalogue strategy and its latest results",
        parameters=[STRATEGY_NAME_PARAMETER],
        responses={200: StrategyDetailSerializer, 404: DOMAIN_ERROR},
    )
    async def get(self, request: Request, strategy_name: str) -> Response:
        return Response(await selectors.strategy_detail(name=strategy_name))


class StrategyStatusView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_strategy_status",
        summary="Status of a strategy's latest (or a given) run",
        parameters=[STRATEGY_NAME_PARAMETER, STATUS_BACKTEST_ID],
        responses={200: StrategyStatusSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request, strategy_name: str) -> Response:
        selectors.catalog_entry(strategy_name)
        query = parse_query(request, StatusQuerySerializer)
        await call_sync(services.expire_stale_runs)
        body = await selectors.status_body(
            strategy_name=strategy_name, backtest_id=query.get("backtest_id")
        )
        return Response(body)


class StrategyResultsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_strategy_results",
        summary="Results of a strategy's latest completed (or a given) run",
        parameters=[STRATEGY_NAME_PARAMETER, RESULTS_BACKTEST_ID],
        responses={
            200: BacktestResultsSerializer,
            404: DOMAIN_ERROR,
            409: DOMAIN_ERROR,
            422: VALIDATION_ERROR,
        },
    )
    async def get(self, request: Request, strategy_name: str) -> Response:
        selectors.catalog_entry(strategy_name)
        query = parse_query(request, StatusQuerySerializer)
        await call_sync(services.expire_stale_runs)
        run = await selectors.results_run(
            strategy_name=strategy_name, backtest_id=query.get("backtest_id")
        )
        return Response(selectors.results_body(run))


class RunListView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_backtest_runs",
        summary="Backtest runs, newest first",
        parameters=[RunListQuerySerializer],
        responses={200: RunListSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, RunListQuerySerializer)
        await call_sync(services.expire_stale_runs)
        page = await selectors.run_page(
            strategy=query.get("strategy") or None,
            status=query.get("status"),
            page=query["page"],
            page_size=query["page_size"],
        )
        return Response(
            {
                "runs": [selectors.run_summary(run) for run in page.runs],
                "total": page.total,
                "page": page.page,
                "page_size": page.page_size,
                "total_pages": page.total_pages,
            }
        )


class RunDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_backtest_run",
        summary="One backtest run",
        parameters=[BACKTEST_ID_PARAMETER],
        responses={200: RunDetailSerializer, 404: DOMAIN_ERROR},
    )
    async def get(self, request: Request, backtest_id: str) -> Response:
        await call_sync(services.expire_stale_runs)
        run = await selectors.get_run(backtest_id=backtest_id)
        return Response(selectors.run_detail(run))


class RunEquityView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_backtest_equity",
        summary="Equity curve, drawdown and daily returns of a completed run",
        parameters=[BACKTEST_ID_PARAMETER],
        responses={200: EquitySerializer, 404: DOMAIN_ERROR, 409: DOMAIN_ERROR},
    )
    async def get(self, request: Request, backtest_id: str) -> Response:
        run = await selectors.get_run(backtest_id=backtest_id)
        return Response(await call_sync(selectors.equity_body, run))
