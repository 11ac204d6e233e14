"""Contract §1 errors: the 422 item shape, NaN as null, and the JSON 500."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from django.test import AsyncClient, Client

from parakeet.tests.http_urls import SECRET_TEXT

pytestmark = pytest.mark.urls("parakeet.tests.http_urls")

VALID_ORDER = {"ticker": "AAPL", "direction": "BUY", "quantity": 2}


@pytest.fixture
def client() -> Client:
    return Client()


def post_json(client: Client, path: str, body: Any, method: str = "post") -> Any:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(path, data=raw, content_type="application/json")


def detail_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    for item in detail:
        assert set(item) == {"loc", "msg", "type"}
        assert isinstance(item["msg"], str)
        assert item["msg"]
    return detail


def by_loc(detail: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    return {tuple(item["loc"]): item["type"] for item in detail}


# --- 422 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/probe/body", "/probe/drf"])
@pytest.mark.parametrize("raw", ['{"ticker": ', "{'single': 'quotes'}", '{"a": NaN}', "\xff"])
def test_malformed_json_is_json_invalid_at_body(client: Client, path: str, raw: str) -> None:
    detail = detail_of(post_json(client, path, raw.encode("latin-1")))
    assert detail == [{"loc": ["body"], "msg": detail[0]["msg"], "type": "json_invalid"}]


@pytest.mark.parametrize("raw", ["", "   "])
def test_missing_body_is_missing_at_body(client: Client, raw: str) -> None:
    detail = detail_of(post_json(client, "/probe/body", raw))
    assert detail == [{"loc": ["body"], "msg": "Field required.", "type": "missing"}]


def test_optional_body_may_be_absent(client: Client) -> None:
    # An absent optional body is validated as {} (so required fields are still reported).
    detail = detail_of(post_json(client, "/probe/body", "", method="patch"))
    assert ("body", "ticker") in by_loc(detail)


def test_a_body_that_is_not_an_object_is_value_error(client: Client) -> None:
    detail = detail_of(post_json(client, "/probe/body", [1, 2]))
    assert detail[0]["loc"] == ["body"]
    assert detail[0]["type"] == "value_error"


@pytest.mark.parametrize("path", ["/probe/body", "/probe/drf"])
def test_each_bad_field_has_its_own_item_with_a_stable_type(client: Client, path: str) -> None:
    body = {
        "direction": "HOLD",
        "quantity": 0,
        "lots": "many",
        "day": "28/11/2026",
        "tags": [1, "x"],
        "ignored_unknown_key": True,
    }
    detail = detail_of(post_json(client, path, body))
    assert by_loc(detail) == {
        ("body", "ticker"): "missing",
        ("body", "direction"): "enum",
        ("body", "quantity"): "greater_than",
        ("body", "lots"): "int_parsing",
        ("body", "day"): "date_parsing",
        ("body", "tags", 1): "int_parsing",
    }
    assert len(detail) == 6


def test_length_and_bound_types(client: Client) -> None:
    body = {**VALID_ORDER, "ticker": "TOOLONG", "lots": 0, "quantity": "abc"}
    assert by_loc(detail_of(post_json(client, "/probe/body", body))) == {
        ("body", "ticker"): "string_too_long",
        ("body", "lots"): "greater_than_equal",
        ("body", "quantity"): "float_parsing",
    }


@pytest.mark.parametrize("path", ["/probe/body", "/probe/drf"])
def test_the_other_contract_type_codes(client: Client, path: str) -> None:
    body = {
        **VALID_ORDER,
        "at": "not a time",
        "currency": "aud",
        "score": 1.5,
        "note": "x",
        "active": "perhaps",
        "direction": None,
    }
    assert by_loc(detail_of(post_json(client, path, body))) == {
        ("body", "at"): "datetime_parsing",
        ("body", "currency"): "string_pattern_mismatch",
        ("body", "score"): "less_than_equal",
        ("body", "note"): "string_too_short",
        ("body", "active"): "bool_parsing",
        ("body", "direction"): "value_error",
    }


def test_valid_body_passes_and_unknown_keys_are_ignored(client: Client) -> None:
    response = post_json(client, "/probe/body", {**VALID_ORDER, "extra": 1})
    assert response.status_code == 200
    assert response.json() == {"ticker": "AAPL", "direction": "BUY", "quantity": 2.0}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("NO", False),
        ("Off", False),
        ("0", False),
    ],
)
def test_query_booleans_accept_every_spelling_in_any_case(
    client: Client, raw: str, expected: bool
) -> None:
    response = client.get("/probe/query", {"active": raw})
    assert response.status_code == 200
    assert response.json() == {"active": expected}


@pytest.mark.parametrize("raw", ["maybe", "2", "", "truee"])
def test_other_query_booleans_are_bool_parsing(client: Client, raw: str) -> None:
    detail = detail_of(client.get("/probe/query", {"active": raw}))
    assert by_loc(detail) == {("query", "active"): "bool_parsing"}


def test_query_errors_are_reported_per_parameter(client: Client) -> None:
    detail = detail_of(
        client.get("/probe/query", {"page": "x", "since": "yesterday", "status": "open!"})
    )
    assert by_loc(detail) == {
        ("query", "page"): "int_parsing",
        ("query", "since"): "date_parsing",
        ("query", "status"): "enum",
    }
    detail = detail_of(client.get("/probe/query", {"page": "0"}))
    assert by_loc(detail) == {("query", "page"): "greater_than_equal"}


# --- NaN ----------------------------------------------------------------------------------


def test_nan_and_infinity_are_rendered_as_null(client: Client) -> None:
    response = client.get("/probe/nan")
    assert response.status_code == 200
    text = response.content.decode()
    assert "NaN" not in text
    assert "Infinity" not in text
    assert json.loads(text) == {
        "nan": None,
        "inf": None,
        "ninf": None,
        "ok": 1.5,
        "nested": {"values": [1.0, None, {"deep": None}], "pair": [None, 2]},
        "decimal": None,
        "np_nan": None,
        "np32_inf": None,
        "np_array": [1.0, None],
    }


# --- 500 ----------------------------------------------------------------------------------


def assert_contract_500(response: Any, path: str) -> dict[str, Any]:
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    request_id = response["X-Request-ID"]
    assert body == {
        "error": "Internal server error",
        "detail": "An unexpected error occurred",
        "request_id": request_id,
        "path": path,
    }
    text = response.content.decode()
    for leak in (SECRET_TEXT, "RuntimeError", "Traceback", "hunter2"):
        assert leak not in text
    return body


def error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "parakeet.errors" and r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ["/probe/boom/async", "/probe/boom/sync", "/probe/boom/plain"])
def test_unexpected_error_is_the_contract_500_and_is_logged_with_the_request_id(
    client: Client, settings, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="parakeet.errors"):
        response = client.get(f"{path}/?token=abc", HTTP_X_REQUEST_ID="req-500-abc")
    assert response["X-Request-ID"] == "req-500-abc"
    assert_contract_500(response, f"{path}/")
    (record,) = error_records(caplog)
    assert record.request_id == "req-500-abc"  # type: ignore[attr-defined]
    # The id is in the message itself, so a plain text log line carries it too.
    assert "request_id=req-500-abc" in record.getMessage()
    assert f"GET {path}/" in record.getMessage()
    assert "token=abc" not in record.getMessage()
    assert record.exc_info is not None
    assert SECRET_TEXT in str(record.exc_info[1])


def test_async_view_error_on_post_with_a_generated_request_id(
    client: Client, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = False
    with caplog.at_level(logging.ERROR, logger="parakeet.errors"):
        response = post_json(client, "/probe/boom/async", {"x": 1})
    body = assert_contract_500(response, "/probe/boom/async")
    assert len(body["request_id"]) == 32
    (record,) = error_records(caplog)
    assert record.request_id == body["request_id"]  # type: ignore[attr-defined]


def test_async_view_error_under_asgi_is_the_contract_500(
    settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = False

    async def call() -> Any:
        return await AsyncClient().get("/probe/boom/async", headers={"X-Request-ID": "asgi-1"})

    with caplog.at_level(logging.ERROR, logger="parakeet.errors"):
        response = asyncio.run(call())
    assert_contract_500(response, "/probe/boom/async")
    (record,) = error_records(caplog)
    assert record.request_id == "asgi-1"  # type: ignore[attr-defined]


def test_error_raised_in_middleware_is_the_contract_500(
    settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = False
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "parakeet.tests.http_urls.BoomMiddleware"]
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="parakeet.errors"):
        response = client.get("/probe/middleware-boom", HTTP_ORIGIN="http://localhost:3000")
    assert_contract_500(response, "/probe/middleware-boom")
    assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
    (record,) = error_records(caplog)
    assert record.request_id == response["X-Request-ID"]  # type: ignore[attr-defined]


def test_debug_mode_may_show_the_exception_text(client: Client, settings) -> None:
    settings.DEBUG = True
    response = client.get("/probe/boom/async")
    assert response.status_code == 500
    assert response.json()["detail"] == f"RuntimeError: {SECRET_TEXT}"
