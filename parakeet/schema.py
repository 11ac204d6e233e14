"""drf-spectacular extensions: the OpenAPI security schemes of the auth classes.

Operations of views using the default authenticators list ``HTTPBearer`` and
``APIKeyHeader`` (either is enough); public views have no authenticators and list none.
The definitions match the ones declared in ``SPECTACULAR_SETTINGS["APPEND_COMPONENTS"]``.
Imported by ``ParakeetConfig.ready()`` so they are registered before any schema is built.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from parakeet.auth import APIKeyAuthentication, JWTAuthentication


class BearerJWTScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = JWTAuthentication
    name = "HTTPBearer"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class APIKeyHeaderScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = APIKeyAuthentication
    name = "APIKeyHeader"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}
