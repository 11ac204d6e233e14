"""OpenAPI pieces and helpers shared by the strategies views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from strategies.errors import DatabaseUnavailable

DOMAIN_ERROR = OpenApiResponse(description='`{"detail": "<sentence>"}`')
VALIDATION_ERROR = OpenApiResponse(description='`{"detail": [{"loc", "msg", "type"}]}`')
STRATEGY_NAME_PARAMETER = OpenApiParameter(
    "strategy_name", str, OpenApiParameter.PATH, description="A catalogue strategy name."
)
BACKTEST_ID_PARAMETER = OpenApiParameter(
    "backtest_id", str, OpenApiParameter.PATH, description="The run's `backtest_id`."
)


async def call_sync[T](function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a sync selector or service; a database outage becomes a 503."""
    try:
        return await sync_to_async(function)(*args, **kwargs)
    except (OperationalError, InterfaceError):
        raise DatabaseUnavailable() from None
