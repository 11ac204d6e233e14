"""One log line and one ``Requests`` metric per HTTP request.

Place it right after ``RequestIdMiddleware`` (so the request id is set) and before everything
else (so the duration covers the whole request). The line never carries the query string or
headers: those may hold tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from parakeet.observability.metrics import record_request
from parakeet.request_context import current_request_id

logger = logging.getLogger("parakeet.requests")

GetResponse = Callable[[HttpRequest], HttpResponseBase]
UNMATCHED = "unmatched"


def route_label(request: HttpRequest) -> str:
    """The URL pattern's name (``trade-detail``), a low-cardinality metric dimension."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return str(match.url_name or match.view_name or UNMATCHED)


def gateway_request_id(request: HttpRequest) -> str | None:
    """API Gateway's ``requestContext.requestId`` when the request came through apig-wsgi."""
    context = request.META.get("apig_wsgi.request_context")
    if isinstance(context, Mapping):
        value = context.get("requestId")
        return str(value) if value else None
    return None


def lambda_request_id(request: HttpRequest) -> str | None:
    context = request.META.get("apig_wsgi.context")
    value = getattr(context, "aws_request_id", None)
    return str(value) if value else None


class RequestLogMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.monotonic()
        try:
            response = self.get_response(request)
        except Exception:
            self.log(request, 500, started)
            raise
        self.log(request, response.status_code, started)
        return response

    def log(self, request: HttpRequest, status: int, started: float) -> None:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        route = route_label(request)
        extra: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": request.META.get("PARAKEET_REQUEST_ID") or current_request_id(),
        }
        gateway_id = gateway_request_id(request)
        if gateway_id:
            extra["apigw_request_id"] = gateway_id
        lambda_id = lambda_request_id(request)
        if lambda_id:
            extra["lambda_request_id"] = lambda_id
        level = logging.WARNING if status >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %.0fms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra=extra,
        )
        record_request(route, status, duration_ms)
