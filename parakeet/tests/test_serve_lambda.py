"""``manage.py serve_lambda``: the Lambda handler behind a local HTTP server, end to end."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from django.core.management import call_command

from parakeet.deploy import emulator
from parakeet.deploy.emulator import function_name_of, make_server
from parakeet.deploy.http_events import HttpRequest, http_api_event, http_response

pytestmark = pytest.mark.django_db(transaction=True)  # the server answers on other threads


@pytest.fixture
def base_url(settings) -> Iterator[str]:
    from parakeet.lambda_handler import handler

    settings.PARAKEET_ORIGIN_SECRET = ""
    server = make_server(handler, host="127.0.0.1", port=0, function_name="parakeet-local-trades")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def http(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def echo_urls(settings):
    settings.ROOT_URLCONF = "parakeet.tests.lambda_urls"


NEW_TRADE = {
    "ticker": " aapl ",
    "direction": "BUY",
    "quantity": 10,
    "entry_price": 150.5,
    "entry_date": "2025-01-02T15:30:00Z",
    "commission": 2.0,
    "notes": "breakout",
}


def test_trades_crud_through_the_emulated_lambda(http):
    created = http.post("/api/trades", json=NEW_TRADE)

    assert created.status_code == 201, created.text
    trade = created.json()
    assert trade["ticker"] == "AAPL"
    assert trade["status"] == "OPEN"
    assert trade["exit_price"] is None
    assert trade["trade_id"].startswith("TRD")
    assert created.headers["content-type"] == "application/json"
    assert created.headers["x-request-id"]
    trade_id = trade["id"]

    listed = http.get("/api/trades", params={"ticker": "AAPL", "status": "open"})
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1
    assert [t["id"] for t in body["trades"]] == [trade_id]
    assert (body["page"], body["page_size"], body["total_pages"]) == (1, 50, 1)

    patched = http.patch(f"/api/trades/{trade_id}/", json={"notes": "moved stop"})
    assert patched.status_code == 200
    assert patched.json()["notes"] == "moved stop"

    closed = http.post(
        f"/api/trades/{trade_id}/close",
        params={"exit_price": "160.5", "exit_date": "2025-01-10T15:30:00Z"},
    )
    assert closed.status_code == 200, closed.text
    closed_trade = closed.json()
    assert closed_trade["status"] == "CLOSED"
    assert closed_trade["exit_price"] == 160.5
    assert closed_trade["pnl"] == pytest.approx((160.5 - 150.5) * 10 - 2.0, abs=0.01)

    again = http.post(f"/api/trades/{trade_id}/close", params={"exit_price": "170"})
    assert again.status_code == 409
    assert again.json() == {
        "detail": f"Trade with ID {trade_id} is CLOSED; only OPEN trades can be closed"
    }

    deleted = http.delete(f"/api/trades/{trade_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""

    gone = http.get(f"/api/trades/{trade_id}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"Trade with ID {trade_id} not found"}


def test_validation_errors_come_back_as_422_json(http):
    response = http.post("/api/trades", json={**NEW_TRADE, "quantity": -1})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "quantity"


def test_health_head_and_unknown_routes(http):
    assert http.get("/health").json()["status"] == "healthy"
    head = http.head("/health")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert http.get("/nope").status_code == 404


def test_cookies_are_sent_as_the_cookies_array_and_come_back_as_set_cookie(http, echo_urls):
    echoed = http.get("/echo?a=1&a=2", headers={"Cookie": "sessionid=abc; theme=dark"})
    assert echoed.json()["cookies"] == {"sessionid": "abc", "theme": "dark"}
    assert echoed.json()["query"] == {"a": ["1", "2"]}
    assert echoed.json()["remote_addr"] == "127.0.0.1"

    response = http.get("/cookies")
    assert sorted(c.split(";")[0] for c in response.headers.get_list("set-cookie")) == [
        "first=1",
        "second=2",
    ]


def test_binary_bodies_round_trip(http, echo_urls):
    payload = bytes(range(256))

    response = http.post(
        "/binary", content=payload, headers={"Content-Type": "application/octet-stream"}
    )

    assert response.status_code == 200
    assert response.content == payload[::-1]


def test_the_lambda_invoke_api_runs_raw_and_command_events(http):
    warmer = http.post(
        "/2015-03-31/functions/parakeet-local-ingest/invocations", json={"warmer": True}
    )
    assert warmer.status_code == 200
    assert warmer.json() == {"warmer": True}

    check = http.post(
        "/2015-03-31/functions/parakeet-local-ingest/invocations?Qualifier=live",
        json={"command": "check", "args": []},
    )
    assert check.headers["x-amz-executed-version"] == "live"
    assert check.json()["exit_code"] == 0
    assert "System check identified no issues" in check.json()["output"]


def test_manage_py_invoke_can_target_the_emulator(base_url, monkeypatch):
    """``invoke --endpoint-url``: boto3's real Invoke request, answered by the emulator."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    out = io.StringIO()

    call_command(
        "invoke",
        "--stage",
        "dev",
        "--function",
        "ingest",
        "--region",
        "ap-southeast-2",
        "--endpoint-url",
        base_url,
        "--command",
        "check",
        "--tag",
        "models",
        stdout=out,
    )

    answer = json.loads(out.getvalue())
    assert answer["args"] == ["--tag", "models"]
    assert answer["exit_code"] == 0


# --- the pieces, without a server --------------------------------------------------------------


def test_http_api_event_shape():
    event = http_api_event(
        HttpRequest(
            method="post",
            path="/api/trades",
            query="x=1&x=2&y=",
            headers=[
                ("Host", "127.0.0.1:9000"),
                ("Content-Type", "application/json"),
                ("X-Multi", "a"),
                ("x-multi", "b"),
                ("Cookie", "a=1; b=2"),
            ],
            body=b'{"ticker": "MSFT"}',
            source_ip="10.0.0.7",
            request_id="req-1",
        )
    )

    assert event["version"] == "2.0"
    assert event["rawPath"] == "/api/trades"
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["headers"] == {
        "host": "127.0.0.1:9000",
        "content-type": "application/json",
        "x-multi": "a,b",
    }
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"ticker": "MSFT"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["sourceIp"] == "10.0.0.7"
    assert context["requestId"] == "req-1"
    assert context["stage"] == "$default"


def test_binary_request_bodies_are_base64():
    event = http_api_event(
        HttpRequest(
            method="POST", path="/x", headers=[("content-type", "image/png")], body=b"\x89PNG"
        )
    )

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG"


def test_http_response_decodes_base64_and_lists_cookies():
    response = http_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/octet-stream"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": base64.b64encode(b"\x00\x01").decode(),
            "isBase64Encoded": True,
        }
    )

    assert response.status == 201
    assert response.body == b"\x00\x01"
    assert ("set-cookie", "a=1; Path=/") in response.headers
    assert ("set-cookie", "b=2") in response.headers


def test_a_non_http_result_is_a_502():
    assert http_response({"error": "unrecognised event"}).status == 502


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("parakeet-dev-ingest", "parakeet-dev-ingest"),
        ("parakeet-dev-ingest:live", "parakeet-dev-ingest"),
        (
            "arn:aws:lambda:ap-southeast-2:123456789012:function:parakeet-dev-ingest:7",
            "parakeet-dev-ingest",
        ),
    ],
)
def test_function_names_from_the_invoke_path(value, name):
    assert function_name_of(value) == name


def test_the_command_serves_until_interrupted(monkeypatch):
    class FakeServer:
        server_port = 9123
        closed = False

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            FakeServer.closed = True

    seen = {}

    def fake_make_server(handler, **kwargs):
        seen.update(kwargs)
        return FakeServer()

    monkeypatch.setattr("parakeet.management.commands.serve_lambda.make_server", fake_make_server)
    out = io.StringIO()

    call_command("serve_lambda", "--port", "9123", "--host", "0.0.0.0", stdout=out)

    assert seen["port"] == 9123
    assert seen["host"] == "0.0.0.0"
    assert "http://0.0.0.0:9123" in out.getvalue()
    assert "Stopped." in out.getvalue()
    assert FakeServer.closed
    assert emulator.INVOKE_PATH.match("/2015-03-31/functions/f/invocations")
