"""``/api/validation`` views (contract §2.8): PSR/DSR of the strategies' latest runs and a
calculator.

``calculate-dsr`` reads its inputs from the query string (as old clients send them) or from
a JSON body; a non-empty body takes precedence and is then the only source.
"""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from django.http.request import RawPostDataException
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.validation import parse_body, parse_query
from strategies import significance
from strategies.api.common import VALIDATION_ERROR, call_sync
from strategies.serializers import (
    CalculateDsrSerializer,
    DsrResultSerializer,
    ValidationStrategiesSerializer,
)

TAGS = ["validation"]


def _has_body(request: Request) -> bool:
    try:
        return bool(request.body.strip())
    except RawPostDataException:  # the stream was already read: let parse_body judge
        return True


def _dsr(inputs: dict[str, Any]) -> dict[str, Any]:
    from strategies.engine.psr import calculate_dsr

    return calculate_dsr(**inputs)


class ValidationStrategiesView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_validated_strategies",
        summary="PSR and DSR of each strategy's latest completed run",
        responses={200: ValidationStrategiesSerializer},
    )
    async def get(self, request: Request) -> Response:
        return Response(await call_sync(significance.validation_strategies))


class CalculateDsrView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="calculate_dsr",
        summary="Deflated Sharpe ratio of a Sharpe ratio found after N trials",
        parameters=[CalculateDsrSerializer],
        request=CalculateDsrSerializer,
        responses={200: DsrResultSerializer, 422: VALIDATION_ERROR},
    )
    async def post(self, request: Request) -> Response:
        if _has_body(request):
            inputs = parse_body(request, CalculateDsrSerializer)
        else:
            inputs = parse_query(request, CalculateDsrSerializer)
        return Response(_dsr(inputs))
