"""Contract §1 CORS and request ids: headers on every response, errors included."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client

from parakeet.request_context import RequestIdLogFilter, current_request_id

pytestmark = pytest.mark.urls("parakeet.tests.http_urls")

ALLOWED = "http://localhost:3000"
DISALLOWED = "https://evil.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
)


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def call(client: Client, kind: str, origin: str) -> Any:
    headers = {"Origin": origin}
    if kind == "200":
        return client.get("/health", headers=headers)
    if kind == "401":
        return client.get("/api/trades", headers=headers)
    if kind == "404":
        return client.get("/nowhere", headers=headers)
    if kind == "405":
        return client.delete("/health", headers=headers)
    if kind == "422":
        return client.post(
            "/probe/body", data="{", content_type="application/json", headers=headers
        )
    if kind == "500":
        return client.get("/probe/boom/async", headers=headers)
    raise AssertionError(kind)


def vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("kind", ["200", "401", "404", "405", "422", "500"])
@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",
        "http://localhost:5173",
        "http://127.0.0.1:3000",
        "http://localhost:8000",
    ],
)
def test_allowed_origin_gets_cors_headers_on_every_response(
    client: Client, settings, kind: str, origin: str
) -> None:
    settings.DEBUG = False
    settings.PARAKEET_AUTH_REQUIRED = True
    response = call(client, kind, origin)
    assert response.status_code == int(kind)
    assert response["Access-Control-Allow-Origin"] == origin
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "origin" in vary(response)
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("kind", ["200", "401", "404", "422", "500"])
def test_disallowed_origin_gets_no_cors_headers(client: Client, settings, kind: str) -> None:
    settings.DEBUG = False
    settings.PARAKEET_AUTH_REQUIRED = True
    response = call(client, kind, DISALLOWED)
    assert response.status_code == int(kind)
    for header in CORS_HEADERS:
        assert header not in response


def test_wildcard_origin_setting_is_never_allowed() -> None:
    from django.conf import settings

    assert "*" not in settings.CORS_ALLOWED_ORIGINS
    assert not getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)


def preflight(
    client: Client, origin: str, requested_headers: str, path: str = "/probe/body"
) -> Any:
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=requested_headers,
    )


@pytest.mark.parametrize("path", ["/probe/body", "/api/trades/", "/health"])
def test_preflight_answers_200_with_methods_headers_and_max_age(client: Client, path: str) -> None:
    response = preflight(client, ALLOWED, "Authorization, Content-Type, X-API-Key", path)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"}
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-api-key"} <= allowed
    assert response["Access-Control-Max-Age"] == "600"
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID"
    assert "origin" in vary(response)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_preflight_echoes_any_requested_header(client: Client) -> None:
    response = preflight(client, ALLOWED, "x-api-key,X-Custom-Trace , content-type")
    allowed = [h.strip() for h in response["Access-Control-Allow-Headers"].split(",")]
    assert "X-Custom-Trace" in allowed
    assert len({h.lower() for h in allowed}) == len(allowed)


def test_preflight_ignores_malformed_requested_headers(client: Client) -> None:
    response = preflight(client, ALLOWED, "x-ok, bad header, bad:colon")
    allowed = [h.strip() for h in response["Access-Control-Allow-Headers"].split(",")]
    assert "x-ok" in allowed
    assert not any(" " in h or ":" in h for h in allowed)


def test_preflight_from_a_disallowed_origin_gets_no_cors_headers(client: Client) -> None:
    response = preflight(client, DISALLOWED, "Authorization")
    for header in CORS_HEADERS:
        assert header not in response


# --- X-Request-ID -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "incoming",
    ["abc123", "0f" * 16, "trace-1.2_3:4", "A" * 128, "9c1e8a4b-6a0c-4a8e-b7c0-3c8d1a2b3c4d"],
)
@pytest.mark.parametrize("path", ["/health", "/nowhere", "/probe/boom/sync"])
def test_valid_request_id_is_echoed(client: Client, incoming: str, path: str) -> None:
    response = client.get(path, HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", [None, "", "has space", "semi;colon", "x" * 129, "é"])
def test_missing_or_invalid_request_id_is_replaced_by_a_uuid4_hex(
    client: Client, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    first = client.get("/health", headers=headers)["X-Request-ID"]
    second = client.get("/health", headers=headers)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    assert first[12] == "4"  # uuid4


def test_the_request_id_does_not_outlive_its_request(client: Client) -> None:
    before = current_request_id()
    client.get("/health", headers={"X-Request-ID": "short-lived"})
    assert current_request_id() == before


def test_log_lines_during_a_request_carry_its_id(client: Client, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="parakeet.errors"):
        client.get("/probe/boom/sync", headers={"X-Request-ID": "log-me"})
    record = next(r for r in caplog.records if r.name == "parakeet.errors")
    assert RequestIdLogFilter().filter(record)
    assert record.request_id == "log-me"
