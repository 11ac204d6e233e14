"""OpenAPI pieces and helpers shared by the market views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from parakeet.errors import DomainError

DOMAIN_ERROR: Final = OpenApiResponse(description='`{"detail": "<sentence>"}`')
VALIDATION_ERROR: Final = OpenApiResponse(description='`{"detail": [{"loc", "msg", "type"}]}`')
DATABASE_UNAVAILABLE_MESSAGE: Final = "The database is unavailable; try again later."


class DatabaseUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__(DATABASE_UNAVAILABLE_MESSAGE, status_code=503)


def path_parameter(name: str, description: str, type_: type = str) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.PATH, description=description)


async def call_sync[T](function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a sync selector or service on the request's database connection; a database
    outage (no connection, connection lost) becomes a 503."""
    try:
        return await sync_to_async(function)(*args, **kwargs)
    except (OperationalError, InterfaceError):
        raise DatabaseUnavailable() from None
