"""OpenAPI: protected operations list both security schemes; public ones list none."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from parakeet.tests.auth_support import auth_on

pytestmark = pytest.mark.urls("parakeet.tests.auth_urls")


@pytest.fixture
def schema() -> dict[str, Any]:
    with auth_on():
        response = APIClient().get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_a_protected_operation_accepts_a_bearer_token_or_an_api_key(schema):
    operation = schema["paths"]["/api/probe"]["get"]
    assert operation["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}]


@pytest.mark.parametrize("path", ["/", "/health", "/api"])
def test_public_operations_need_no_credentials(schema, path):
    # `[{}]` is OpenAPI for "no security requirement" (drf-spectacular's rendering of AllowAny).
    assert schema["paths"][path]["get"].get("security", [{}]) == [{}]


def test_the_security_schemes_are_declared(schema):
    assert schema["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
def test_the_docs_ignore_a_stale_token_with_auth_on(path):
    # Needs SPECTACULAR_SETTINGS["SERVE_AUTHENTICATION"] = [] (the docs are public, §1).
    with auth_on():
        response = APIClient().get(path, HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert response.status_code == 200
