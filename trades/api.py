"""``/api/trades`` views (contract §2.1): parse input, call one service or selector, serialize.

Writes go through the synchronous services (they need transactions) via ``sync_to_async``;
reads use the async selectors. Permissions are the project default (``ApiAccess``).
"""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from asgiref.sync import sync_to_async
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.validation import (
    RequestValidationError,
    Source,
    error_item,
    parse_body,
    parse_path_int,
    parse_query,
)
from trades import selectors, services
from trades.errors import InvalidTradeChange
from trades.serializers import (
    DashboardSerializer,
    GeneratedIdSerializer,
    GenerateIdQuerySerializer,
    InitialCapitalQuerySerializer,
    PortfolioMetricsSerializer,
    TickerStatisticsSerializer,
    TradeCloseSerializer,
    TradeCreateSerializer,
    TradeListQuerySerializer,
    TradeListSerializer,
    TradeSerializer,
    TradeUpdateSerializer,
)

TAGS = ["trades"]
TRADE_ID_PARAMETER = OpenApiParameter(
    "trade_id", int, OpenApiParameter.PATH, description="The trade's integer `id`."
)
DOMAIN_ERROR = OpenApiResponse(description='`{"detail": "<sentence>"}`')
VALIDATION_ERROR = OpenApiResponse(description='`{"detail": [{"loc", "msg", "type"}]}`')


def _invalid(exc: InvalidTradeChange, source: Source) -> RequestValidationError:
    return RequestValidationError([error_item([source, exc.field], exc.message, "value_error")])


def _trade_pk(value: str) -> int:
    return parse_path_int("trade_id", value)


class TradeCollectionView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="list_trades",
        summary="List trades",
        parameters=[TradeListQuerySerializer],
        responses={200: TradeListSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, TradeListQuerySerializer)
        page = await selectors.trade_page(
            filters=selectors.TradeFilters(
                ticker=query.get("ticker") or None,
                status=query.get("status"),
                strategy=query.get("strategy") or None,
                start_date=query.get("start_date"),
                end_date=query.get("end_date"),
            ),
            sort_by=query["sort_by"],
            sort_desc=query["sort_desc"],
            page=query["page"],
            page_size=query["page_size"],
        )
        return Response(TradeListSerializer(page).data)

    @extend_schema(
        tags=TAGS,
        operation_id="create_trade",
        summary="Create a trade",
        request=TradeCreateSerializer,
        responses={201: TradeSerializer, 400: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def post(self, request: Request) -> Response:
        data = parse_body(request, TradeCreateSerializer)
        trade = await sync_to_async(services.create_trade)(**data)
        return Response(TradeSerializer(trade).data, status=201)


class TradeDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_trade",
        summary="Get a trade",
        parameters=[TRADE_ID_PARAMETER],
        responses={200: TradeSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request, trade_id: str) -> Response:
        trade = await selectors.get_trade(pk=_trade_pk(trade_id))
        return Response(TradeSerializer(trade).data)

    @extend_schema(
        tags=TAGS,
        operation_id="update_trade",
        summary="Update a trade",
        parameters=[TRADE_ID_PARAMETER],
        request=TradeUpdateSerializer,
        responses={200: TradeSerializer, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def patch(self, request: Request, trade_id: str) -> Response:
        pk = _trade_pk(trade_id)
        changes: Any = parse_body(request, TradeUpdateSerializer)
        trade = await selectors.get_trade(pk=pk)
        try:
            trade = await sync_to_async(services.update_trade)(trade=trade, changes=changes)
        except InvalidTradeChange as exc:
            raise _invalid(exc, "body") from None
        return Response(TradeSerializer(trade).data)

    @extend_schema(
        tags=TAGS,
        operation_id="delete_trade",
        summary="Delete a trade",
        parameters=[TRADE_ID_PARAMETER],
        responses={204: None, 404: DOMAIN_ERROR, 422: VALIDATION_ERROR},
    )
    async def delete(self, request: Request, trade_id: str) -> Response:
        trade = await selectors.get_trade(pk=_trade_pk(trade_id))
        await sync_to_async(services.delete_trade)(trade=trade)
        return Response(status=204)


class TradeCloseView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="close_trade",
        summary="Close an open trade",
        description=(
            "`exit_price` (required) and `exit_date` (default now) come from the query "
            "string or a JSON body; body values win."
        ),
        parameters=[TRADE_ID_PARAMETER, TradeCloseSerializer],
        request=TradeCloseSerializer,
        responses={
            200: TradeSerializer,
            404: DOMAIN_ERROR,
            409: DOMAIN_ERROR,
            422: VALIDATION_ERROR,
        },
    )
    async def post(self, request: Request, trade_id: str) -> Response:
        pk = _trade_pk(trade_id)
        query = parse_query(request, TradeCloseSerializer)
        body = parse_body(request, TradeCloseSerializer, required=False)
        exit_price = body.get("exit_price", query.get("exit_price"))
        if exit_price is None:
            raise RequestValidationError(
                [error_item(["query", "exit_price"], "Field required.", "missing")]
            )
        exit_date = body.get("exit_date") or query.get("exit_date")
        trade = await selectors.get_trade(pk=pk)
        try:
            trade = await sync_to_async(services.close_trade)(
                trade=trade, exit_price=exit_price, exit_date=exit_date
            )
        except InvalidTradeChange as exc:
            raise _invalid(exc, "body" if body.get(exc.field) else "query") from None
        return Response(TradeSerializer(trade).data)


class PortfolioMetricsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_portfolio_metrics",
        summary="Portfolio metrics",
        parameters=[InitialCapitalQuerySerializer],
        responses={200: PortfolioMetricsSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, InitialCapitalQuerySerializer)
        metrics = await selectors.portfolio_metrics(initial_capital=query["initial_capital"])
        return Response(PortfolioMetricsSerializer(metrics).data)


class DashboardView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_trading_dashboard",
        summary="Trading dashboard summary",
        parameters=[InitialCapitalQuerySerializer],
        responses={200: DashboardSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, InitialCapitalQuerySerializer)
        summary = await selectors.dashboard_summary(initial_capital=query["initial_capital"])
        return Response(DashboardSerializer(summary).data)


class TickerStatisticsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_metrics_by_ticker",
        summary="Closed-trade statistics by ticker",
        responses={200: TickerStatisticsSerializer(many=True)},
    )
    async def get(self, request: Request) -> Response:
        rows = await selectors.ticker_statistics()
        return Response(TickerStatisticsSerializer(rows, many=True).data)


class GenerateIdView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="generate_trade_id",
        summary="Reserve a new trade id",
        parameters=[GenerateIdQuerySerializer],
        responses={200: GeneratedIdSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, GenerateIdQuerySerializer)
        trade_id = await sync_to_async(services.generate_trade_id)(prefix=query["prefix"])
        return Response(GeneratedIdSerializer({"trade_id": trade_id}).data)
