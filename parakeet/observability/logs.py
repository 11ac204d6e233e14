"""``LOGGING`` for Parakeet: Powertools JSON lines on Lambda, readable lines locally.

On Lambda every record becomes one JSON object (Powertools' ``LambdaPowertoolsFormatter``)
with ``level``, ``logger``, ``message``, ``timestamp``, ``request_id`` and, inside an
invocation, ``function_name``, ``function_request_id`` and ``cold_start``; extras such as the
request log's ``method``, ``path``, ``status`` and ``duration_ms`` become keys of their own.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from parakeet.observability.redaction import redact
from parakeet.observability.runtime import service_name

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_KEY_ORDER = ["level", "logger", "message", "timestamp", "request_id"]
QUIET_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "httpcore", "asyncio")


class PlainFormatter(logging.Formatter):
    """The local format, redacted as a whole (message, exception, extras)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, with the logger's name and the whole line redacted."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("log_record_order", JSON_KEY_ORDER)
        kwargs.setdefault("utc", True)
        kwargs.setdefault("use_rfc3339", True)
        kwargs.setdefault("service", service_name())
        super().__init__(**kwargs)

    def format(self, record: logging.LogRecord) -> str:
        record.logger = record.name
        return redact(super().format(record))


class LambdaContextFilter(logging.Filter):
    """Adds the current invocation's function name, request id and cold-start flag."""

    def filter(self, record: logging.LogRecord) -> bool:
        from parakeet.observability.metrics import current_invocation

        invocation = current_invocation()
        if invocation is not None:
            record.function_name = invocation.function_name
            record.function_request_id = invocation.request_id
            record.cold_start = invocation.cold_start
        return True


def logging_config(debug: bool, on_lambda: bool, *, level: str | None = None) -> dict[str, Any]:
    """The ``LOGGING`` setting.

    ``on_lambda``: JSON lines to stdout (CloudWatch); else plain lines to stderr. ``debug``
    lets Parakeet's own loggers log at DEBUG. ``level`` (default ``$PARAKEET_LOG_LEVEL``, else
    INFO) is the root level.
    """
    root_level = (level or os.environ.get("PARAKEET_LOG_LEVEL") or "INFO").upper()
    filters = ["request_id", "lambda_context", "redact"] if on_lambda else ["request_id", "redact"]
    handler: dict[str, Any] = {
        "class": "logging.StreamHandler",
        "formatter": "json" if on_lambda else "plain",
        "filters": filters,
    }
    if on_lambda:
        handler["stream"] = "ext://sys.stdout"
    loggers: dict[str, Any] = {
        # The JSON error middleware logs unexpected errors once, with the request id.
        "django.request": {"level": "CRITICAL"},
        # One line per request from RequestLogMiddleware.
        "parakeet.requests": {"level": "INFO"},
    }
    if debug:
        loggers["parakeet"] = {"level": "DEBUG"}
    for name in QUIET_LOGGERS:
        loggers[name] = {"level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "parakeet.request_context.RequestIdLogFilter"},
            "lambda_context": {"()": "parakeet.observability.logs.LambdaContextFilter"},
            "redact": {"()": "parakeet.observability.redaction.RedactionFilter"},
        },
        "formatters": {
            "plain": {"()": "parakeet.observability.logs.PlainFormatter", "format": PLAIN_FORMAT},
            "json": {"()": "parakeet.observability.logs.JsonFormatter"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": root_level},
        "loggers": loggers,
    }
