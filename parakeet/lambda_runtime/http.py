"""API Gateway (REST v1, HTTP v2) and ALB events through apig-wsgi into Django.

apig-wsgi does the translation (binary bodies, multi-value headers and query strings, v2
cookies); this module adds the WSGI wrappers Lambda needs and a last-resort 500 so a
malformed HTTP event never escapes as an exception.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from wsgiref.types import WSGIApplication

from apig_wsgi import make_lambda_handler

from parakeet.edge import OriginSecretMiddleware
from parakeet.lambda_runtime.stage import StagePrefixMiddleware

logger = logging.getLogger("parakeet.lambda")

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def wrap_for_lambda(django_app: WSGIApplication) -> WSGIApplication:
    """Stage prefix first (so the edge check sees Django's path), then the edge check."""
    return StagePrefixMiddleware(OriginSecretMiddleware(django_app))


def make_http_handler(app: WSGIApplication) -> LambdaHandler:
    apig_handler = make_lambda_handler(app, binary_support=True)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return apig_handler(event, context)
        except Exception as exc:
            logger.exception("Could not handle HTTP event (keys %s)", sorted(event))
            return error_response(f"{type(exc).__name__} while handling the HTTP event")

    return handle


def error_response(detail: str, status: int = 500) -> dict[str, Any]:
    body = {"error": "Internal server error", "detail": detail}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
