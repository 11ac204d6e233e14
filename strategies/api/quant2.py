"""``/api/quant2`` views (contract §2.7): residual momentum from stored prices and the
universe checks."""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.validation import parse_query
from strategies import quant2
from strategies.api.common import DOMAIN_ERROR, VALIDATION_ERROR, call_sync
from strategies.serializers import (
    ResidualMomentumAllQuerySerializer,
    ResidualMomentumAllSerializer,
    ResidualMomentumQuerySerializer,
    ResidualMomentumSerializer,
    UniversesSummarySerializer,
    ValidateUniverseQuerySerializer,
    ValidateUniverseSerializer,
)

TAGS = ["quant2"]


def _ranking(universe: str) -> quant2.Ranking:
    return quant2.residual_momentum(universe=quant2.resolve_universe(universe))


def _top(query: dict[str, Any]) -> dict[str, Any]:
    ranking = _ranking(query["universe"])
    return quant2.residual_momentum_body(
        ranking, top_n=query["top_n"], include_bottom=query["include_bottom"]
    )


def _all(query: dict[str, Any]) -> dict[str, Any]:
    ranking = _ranking(query["universe"])
    return quant2.residual_momentum_all_body(
        ranking,
        sort_by=query["sort_by"],
        sort_order=query["sort_order"],
        min_score=query.get("min_score"),
        max_score=query.get("max_score"),
    )


class ResidualMomentumView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_residual_momentum",
        summary="Top (and bottom) residual momentum scores of a universe",
        parameters=[ResidualMomentumQuerySerializer],
        responses={
            200: ResidualMomentumSerializer,
            400: DOMAIN_ERROR,
            409: DOMAIN_ERROR,
            422: VALIDATION_ERROR,
        },
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, ResidualMomentumQuerySerializer)
        return Response(await call_sync(_top, query))


class ResidualMomentumAllView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_residual_momentum_all",
        summary="Every residual momentum score of a universe, filtered and sorted",
        parameters=[ResidualMomentumAllQuerySerializer],
        responses={
            200: ResidualMomentumAllSerializer,
            400: DOMAIN_ERROR,
            409: DOMAIN_ERROR,
            422: VALIDATION_ERROR,
        },
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, ResidualMomentumAllQuerySerializer)
        return Response(await call_sync(_all, query))


class ValidateUniverseView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="validate_universe",
        summary="Whether a universe exists, with a sample of its tickers",
        parameters=[ValidateUniverseQuerySerializer],
        responses={200: ValidateUniverseSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, ValidateUniverseQuerySerializer)
        return Response(await call_sync(quant2.validate_universe, query["universe"]))


class UniversesSummaryView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_universes_summary",
        summary="Every universe with a sample of its tickers",
        responses={200: UniversesSummarySerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(await call_sync(quant2.universes_summary))
