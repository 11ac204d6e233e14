"""One error format for the whole API (see the contract, section 1 "Errors")."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from parakeet.request_context import current_request_id
from parakeet.validation import (
    INVALID_JSON_MESSAGE,
    RequestValidationError,
    error_item,
    items_from_errors,
)

logger = logging.getLogger("parakeet.errors")


class DomainError(exceptions.APIException):
    """A business-rule failure with a sentence for the client: ``{"detail": "..."}``."""

    def __init__(self, detail: str, status_code: int = 400) -> None:
        super().__init__(detail=detail)
        self.status_code = status_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestValidationError):
        return Response({"detail": exc.items}, status=422)
    if isinstance(exc, exceptions.ParseError):
        item = error_item(["body"], INVALID_JSON_MESSAGE, "json_invalid")
        return Response({"detail": [item]}, status=422)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response({"detail": items_from_errors(detail, "body", {})}, status=422)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response({"detail": "Method Not Allowed"}, status=405)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response = Response({"detail": str(exc.detail)}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, (Http404, exceptions.NotFound)):
        message = getattr(exc, "detail", "") or (exc.args[0] if exc.args else "Not Found")
        return Response({"detail": str(message)}, status=404)
    return drf_exception_handler(exc, context)


def request_id_of(request: HttpRequest) -> str:
    """The id the request id middleware gave this request (the ``X-Request-ID`` header)."""
    return str(request.META.get("PARAKEET_REQUEST_ID") or current_request_id())


def internal_error_body(request: HttpRequest, exc: BaseException | None) -> dict[str, Any]:
    detail = "An unexpected error occurred"
    if settings.DEBUG and exc is not None:
        detail = f"{type(exc).__name__}: {exc}"
    return {
        "error": "Internal server error",
        "detail": detail,
        "request_id": request_id_of(request),
        "path": request.path,
    }


def server_error_response(request: HttpRequest, exc: BaseException | None) -> JsonResponse:
    """Log the error once, with its request id, and answer the contract's 500 body."""
    request_id = request_id_of(request)
    logger.error(
        "Unhandled %s on %s %s (request_id=%s)",
        type(exc).__name__ if exc else "error",
        request.method,
        request.path,
        request_id,
        exc_info=exc if exc is not None else None,
        extra={"request_id": request_id, "path": request.path, "status": 500},
    )
    return JsonResponse(internal_error_body(request, exc), status=500)


def json_for_django_exception(request: HttpRequest, exc: Exception) -> JsonResponse:
    """Exceptions that escape views outside DRF (admin aside) still answer in JSON.

    Django's own mapping is kept: 404, 403, and 400 for bad or suspicious requests.
    """
    if isinstance(exc, Http404):
        return not_found_view(request)
    if isinstance(exc, PermissionDenied):
        return JsonResponse({"detail": str(exc) or "Forbidden"}, status=403)
    if isinstance(exc, (BadRequest, SuspiciousOperation)):
        return bad_request_view(request)
    return server_error_response(request, exc)


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not Found"}, status=404)


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Bad Request"}, status=400)


def permission_denied_view(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse({"detail": "Forbidden"}, status=403)


def csrf_failure_view(request: HttpRequest, reason: str = "") -> JsonResponse:
    return JsonResponse({"detail": "CSRF verification failed."}, status=403)


def server_error_view(request: HttpRequest) -> JsonResponse:
    """``handler500``: errors raised outside views (in middleware) get the same body and log."""
    return server_error_response(request, sys.exc_info()[1])
