"""``/api/scanner`` views (contract §2.5): start scans, read the stored scan runs."""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from parakeet.api import utc_now_iso
from parakeet.validation import parse_body, parse_query
from scanner import run_inputs, selectors, services
from scanner.errors import DatabaseUnavailable
from scanner.serializers import (
    QuallamaggieSerializer,
    ScannerInfoSerializer,
    ScanRequestSerializer,
    ScanResultsQuerySerializer,
    ScanResultsSerializer,
    ScanStartedSerializer,
    ScanStatusSerializer,
)

TAGS = ["scanner"]
STARTED_MESSAGE = "Scan started. Check /api/scanner/results for results."
DOMAIN_ERROR = OpenApiResponse(description='`{"detail": "<sentence>"}`')
VALIDATION_ERROR = OpenApiResponse(description='`{"detail": [{"loc", "msg", "type"}]}`')


def _start(data: dict[str, Any]) -> Any:
    return services.start_scan(**run_inputs.checked_inputs(data))


async def _call(function: Any, /, *args: Any, **kwargs: Any) -> Any:
    try:
        return await sync_to_async(function)(*args, **kwargs)
    except (OperationalError, InterfaceError):
        raise DatabaseUnavailable() from None


class ScannerInfoView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_scanner_info",
        summary="The scanners, their universes and the latest scan",
        responses={200: ScannerInfoSerializer},
    )
    async def get(self, request: Request) -> Response:
        await _call(services.expire_stale_scans)
        return Response(await selectors.scanner_info())


class ScanRunView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="run_scan",
        summary="Start a scan",
        request=ScanRequestSerializer,
        responses={200: ScanStartedSerializer, 422: VALIDATION_ERROR, 503: DOMAIN_ERROR},
    )
    async def post(self, request: Request) -> Response:
        data = parse_body(request, ScanRequestSerializer)
        run = await _call(_start, data)
        return Response(
            {
                "status": "started",
                "scanner_type": run.scanner_type,
                "universe": run.universe,
                "message": STARTED_MESSAGE,
                "timestamp": utc_now_iso(),
                "scan_id": run.scan_id,
            }
        )


class ScanStatusView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_scan_status",
        summary="Status of the latest scan",
        responses={200: ScanStatusSerializer},
    )
    async def get(self, request: Request) -> Response:
        await _call(services.expire_stale_scans)
        return Response(await selectors.scan_status())


class ScanResultsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_scan_results",
        summary="Rows of the latest completed scan, filtered",
        parameters=[ScanResultsQuerySerializer],
        responses={200: ScanResultsSerializer, 422: VALIDATION_ERROR},
    )
    async def get(self, request: Request) -> Response:
        query = parse_query(request, ScanResultsQuerySerializer)
        run = await selectors.latest_completed(scanner_type=query.get("scanner_type"))
        return Response(
            selectors.results_body(
                run,
                signal=query.get("signal"),
                min_score=query.get("min_score"),
                limit=query["limit"],
            )
        )


class QuallamaggieView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="get_quallamaggie_scan",
        summary="The latest completed Quallamaggie scan",
        responses={200: QuallamaggieSerializer},
    )
    async def get(self, request: Request) -> Response:
        from scanner.scanning import quallamaggie_criteria

        run = await selectors.latest_completed(scanner_type="quallamaggie")
        return Response(selectors.quallamaggie_body(run, criteria=quallamaggie_criteria()))
