"""The Lambda entry point with real event payloads (see ``events/``): HTTP, commands, tasks."""

from __future__ import annotations

import base64
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from parakeet import lambda_handler
from parakeet.lambda_handler import handler
from parakeet.lambda_runtime import commands
from parakeet.lambda_runtime.events import EventKind
from parakeet.observability import metrics

# System checks (the `check` command events) ask the database about JSON support.
pytestmark = pytest.mark.django_db

EVENTS = Path(__file__).parent / "events"
TEST_URLS = "parakeet.tests.lambda_urls"
V2_HOST = "f6g7h8i9j0.execute-api.ap-southeast-2.amazonaws.com"
V1_HOST = "a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def v2_event(path: str, *, method: str = "GET", query: str = "", **changes: Any) -> dict[str, Any]:
    event = load_event("apigateway_v2_http")
    event["rawPath"] = path
    event["rawQueryString"] = query
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event.update(changes)
    return event


def v1_event(path: str, *, stage_path: str | None = None, method: str = "GET") -> dict[str, Any]:
    event = load_event("apigateway_v1_rest")
    event["path"] = path
    event["httpMethod"] = method
    event["requestContext"]["path"] = stage_path or f"/dev{path}"
    event["requestContext"]["httpMethod"] = method
    return event


def body_of(response: dict[str, Any]) -> Any:
    raw = response["body"]
    if response.get("isBase64Encoded"):
        raw = base64.b64decode(raw)
    return json.loads(raw)


class FakeContext:
    aws_request_id = "5f1c9e7a-lambda-request"
    function_name = "parakeet-trades"


@pytest.fixture(autouse=True)
def lambda_hosts(settings):
    settings.ALLOWED_HOSTS = [".amazonaws.com", "api.parakeet.example"]
    settings.PARAKEET_ORIGIN_SECRET = ""


@pytest.fixture(autouse=True)
def connections_left_alone(request, monkeypatch):
    """Outside database tests, don't let connection recycling touch the (blocked) test DB.

    Django's own test client does the same: it disconnects ``close_old_connections`` from
    ``request_started``/``request_finished``: closing inside the test's transaction breaks it.
    Tests marked ``django_db(transaction=True)`` keep the real behaviour.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        yield
        return
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(lambda_handler, "close_old_connections", lambda: None)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = TEST_URLS


# --- HTTP -----------------------------------------------------------------------------------


def test_http_api_v2_health_answers_200_json():
    response = handler(load_event("apigateway_v2_http"), FakeContext())

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert response["isBase64Encoded"] is False
    assert response["cookies"] == []
    body = body_of(response)
    assert body["status"] == "healthy"
    assert body["version"] == "2.0.0"


def test_rest_api_v1_health_answers_with_multi_value_headers():
    response = handler(load_event("apigateway_v1_rest"), FakeContext())

    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert body_of(response)["status"] == "healthy"


def test_alb_health_answers_200():
    response = handler(load_event("alb"), FakeContext())

    assert response["statusCode"] == 200
    assert body_of(response)["status"] == "healthy"


def test_unknown_route_is_the_json_404():
    response = handler(v2_event("/no/such/route"), FakeContext())

    assert response["statusCode"] == 404
    assert body_of(response) == {"detail": "Not Found"}


def test_base64_binary_body_round_trips_v2(test_urls):
    payload = bytes(range(256))
    event = v2_event(
        "/binary",
        method="POST",
        body=base64.b64encode(payload).decode(),
        isBase64Encoded=True,
    )
    event["headers"]["content-type"] = "application/octet-stream"

    response = handler(event, FakeContext())

    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == payload[::-1]


def test_base64_binary_body_round_trips_v1(test_urls):
    payload = b"\x00\xffPARQUET\x01\x02"
    event = v1_event("/binary", method="POST")
    event["body"] = base64.b64encode(payload).decode()
    event["isBase64Encoded"] = True

    response = handler(event, FakeContext())

    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == payload[::-1]


def test_multi_value_query_strings_v1(test_urls):
    event = v1_event("/echo")
    event["queryStringParameters"] = {"ticker": "MSFT", "q": "a b"}
    event["multiValueQueryStringParameters"] = {"ticker": ["AAPL", "MSFT"], "q": ["a b"]}

    body = body_of(handler(event, FakeContext()))

    assert body["query"] == {"ticker": ["AAPL", "MSFT"], "q": ["a b"]}


def test_multi_value_query_strings_alb(test_urls):
    event = load_event("alb")
    event["path"] = "/echo"
    event["multiValueQueryStringParameters"] = {"ticker": ["BHP.AX", "CBA.AX"]}

    body = body_of(handler(event, FakeContext()))

    assert body["query"] == {"ticker": ["BHP.AX", "CBA.AX"]}


def test_repeated_query_parameters_v2(test_urls):
    body = body_of(handler(v2_event("/echo", query="ticker=AAPL&ticker=MSFT"), FakeContext()))

    assert body["query"] == {"ticker": ["AAPL", "MSFT"]}


def test_v2_request_cookies_reach_django_and_response_cookies_are_listed(test_urls):
    echoed = body_of(handler(v2_event("/echo"), FakeContext()))
    assert echoed["cookies"] == {"theme": "dark", "chart": "candles"}

    response = handler(v2_event("/cookies"), FakeContext())

    assert response["statusCode"] == 200
    assert sorted(c.split(";")[0] for c in response["cookies"]) == ["first=1", "second=2"]
    assert "set-cookie" not in response["headers"]


def test_v2_stage_prefix_on_default_domain_goes_to_script_name(test_urls):
    event = v2_event("/dev/echo")
    event["requestContext"]["stage"] = "dev"

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/dev/echo"
    assert body["path_info"] == "/echo"
    assert body["script_name"] == "/dev"
    assert body["reversed"] == "/dev/echo"
    assert body["absolute_uri"] == f"https://{V2_HOST}/dev/echo"


def test_v1_stage_from_request_context_path_goes_to_script_name(test_urls):
    body = body_of(handler(v1_event("/echo"), FakeContext()))

    assert body["path"] == "/dev/echo"
    assert body["path_info"] == "/echo"
    assert body["absolute_uri"] == f"https://{V1_HOST}/dev/echo"


def test_custom_domain_keeps_the_path_as_is(test_urls):
    event = v2_event("/echo")
    event["requestContext"]["stage"] = "dev"
    event["requestContext"]["domainName"] = "api.parakeet.example"
    event["headers"]["host"] = "api.parakeet.example"

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/echo"
    assert body["script_name"] == ""
    assert body["absolute_uri"] == "https://api.parakeet.example/echo"


def test_v1_base_path_mapping_on_a_custom_domain_goes_to_script_name(test_urls):
    event = v1_event("/echo")
    event["requestContext"]["domainName"] = "api.parakeet.example"
    event["requestContext"]["path"] = "/v1/echo"
    event["headers"]["Host"] = "api.parakeet.example"
    event["multiValueHeaders"]["Host"] = ["api.parakeet.example"]

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/v1/echo"
    assert body["path_info"] == "/echo"
    assert body["script_name"] == "/v1"
    assert body["reversed"] == "/v1/echo"
    assert body["absolute_uri"] == "https://api.parakeet.example/v1/echo"


CUSTOM_DOMAIN = "api.parakeet.example"


def custom_domain_v2_event(
    path: str,
    *,
    route_key: str = "$default",
    parameters: dict[str, str] | None = None,
    stage: str = "$default",
    query: str = "",
) -> dict[str, Any]:
    """An HTTP API request to ``https://api.parakeet.example{path}`` as Lambda gets it: the API
    mapping key stays in ``rawPath`` and ``http.path``; domain and host are the custom domain."""
    event = v2_event(path, query=query)
    event["routeKey"] = route_key
    event["headers"]["host"] = CUSTOM_DOMAIN
    context = event["requestContext"]
    context.update(domainName=CUSTOM_DOMAIN, domainPrefix="api", routeKey=route_key, stage=stage)
    if parameters is not None:
        event["pathParameters"] = parameters
    return event


@pytest.fixture
def mapped_under_v1(settings, test_urls):
    settings.PARAKEET_API_GATEWAY_BASE_PATH = "v1"


def test_v2_api_mapping_key_on_a_custom_domain_goes_to_script_name(mapped_under_v1):
    event = custom_domain_v2_event("/v1/api/echo", query="ticker=MSFT")

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/v1/api/echo"
    assert body["path_info"] == "/api/echo"
    assert body["script_name"] == "/v1"
    assert body["reversed"] == "/v1/echo"
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/v1/api/echo?ticker=MSFT"


def test_v2_api_mapping_key_with_a_named_stage(mapped_under_v1):
    body = body_of(handler(custom_domain_v2_event("/v1/echo", stage="prod"), FakeContext()))

    assert body["path"] == "/v1/echo"
    assert body["path_info"] == "/echo"
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/v1/echo"


def test_v2_api_mapping_keys_listed_in_the_setting(settings, test_urls):
    settings.PARAKEET_API_GATEWAY_BASE_PATH = ["v1", "/orders/v2/"]

    body = body_of(handler(custom_domain_v2_event("/orders/v2/echo"), FakeContext()))

    assert body["script_name"] == "/orders/v2"
    assert body["path_info"] == "/echo"
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/orders/v2/echo"


def test_v2_api_mapping_key_from_the_matched_route_needs_no_configuration(test_urls):
    event = custom_domain_v2_event(
        "/v1/api/echo", route_key="ANY /api/{proxy+}", parameters={"proxy": "echo"}
    )

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/v1/api/echo"
    assert body["path_info"] == "/api/echo"
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/v1/api/echo"


def test_v2_api_mapping_key_on_the_default_route_needs_configuration(test_urls):
    # routeKey $default says nothing about the mapping: Django sees /v1/api/echo.
    response = handler(custom_domain_v2_event("/v1/api/echo"), FakeContext())

    assert response["statusCode"] == 404


def test_v2_custom_domain_root_mapping_is_untouched_by_the_configured_key(mapped_under_v1):
    body = body_of(handler(custom_domain_v2_event("/api/echo"), FakeContext()))

    assert body["path"] == "/api/echo"
    assert body["script_name"] == ""
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/api/echo"


def test_v2_default_domain_and_default_stage_ignore_the_configured_key(mapped_under_v1):
    body = body_of(handler(v2_event("/echo"), FakeContext()))

    assert body["path"] == "/echo"
    assert body["script_name"] == ""
    assert body["absolute_uri"] == f"https://{V2_HOST}/echo"


def test_v1_base_path_kept_in_path_on_a_custom_domain_goes_to_script_name(test_urls):
    event = v1_event("/v1/echo", stage_path="/v1/echo")
    event["pathParameters"] = {"proxy": "echo"}
    event["requestContext"]["domainName"] = CUSTOM_DOMAIN
    event["headers"]["Host"] = CUSTOM_DOMAIN
    event["multiValueHeaders"]["Host"] = [CUSTOM_DOMAIN]

    body = body_of(handler(event, FakeContext()))

    assert body["path"] == "/v1/echo"
    assert body["path_info"] == "/echo"
    assert body["absolute_uri"] == f"https://{CUSTOM_DOMAIN}/v1/echo"


def test_malformed_http_event_gets_a_500_response_not_an_exception():
    event = {"version": "2.0", "requestContext": {"http": {}}}

    response = handler(event, FakeContext())

    assert response["statusCode"] == 500
    assert json.loads(response["body"])["error"] == "Internal server error"


# --- origin secret and client IP ------------------------------------------------------------


@pytest.fixture
def origin_secret(settings, test_urls):
    settings.PARAKEET_ORIGIN_SECRET = "edge-shared-secret-value"
    return settings.PARAKEET_ORIGIN_SECRET


def test_api_request_without_the_origin_secret_is_forbidden(origin_secret):
    response = handler(v2_event("/api/echo"), FakeContext())

    assert response["statusCode"] == 403
    assert json.loads(response["body"]) == {"detail": "Forbidden"}


def test_api_request_with_a_wrong_origin_secret_is_forbidden(origin_secret):
    event = v2_event("/api/trades")
    event["headers"]["x-parakeet-origin-secret"] = "guess"

    assert handler(event, FakeContext())["statusCode"] == 403


def test_api_request_with_the_origin_secret_trusts_cf_connecting_ip(origin_secret):
    event = v2_event("/api/echo")
    event["headers"]["x-parakeet-origin-secret"] = origin_secret
    event["headers"]["cf-connecting-ip"] = "2001:db8::7"

    response = handler(event, FakeContext())

    assert response["statusCode"] == 200
    body = body_of(response)
    assert body["remote_addr"] == "2001:db8::7"
    assert body["origin_secret_header"] is None  # never visible past the edge check


def test_cf_connecting_ip_is_ignored_without_the_secret(origin_secret):
    event = v2_event("/echo")  # not under /api: allowed, but not trusted
    event["headers"]["cf-connecting-ip"] = "203.0.113.99"

    body = body_of(handler(event, FakeContext()))

    assert body["remote_addr"] == "198.51.100.23"


def test_no_origin_secret_configured_means_no_check_and_no_trust(test_urls):
    event = v2_event("/api/echo")
    event["headers"]["cf-connecting-ip"] = "203.0.113.99"

    response = handler(event, FakeContext())

    assert response["statusCode"] == 200
    assert body_of(response)["remote_addr"] == "198.51.100.23"


def test_health_stays_public_with_an_origin_secret(origin_secret):
    assert handler(v2_event("/health"), FakeContext())["statusCode"] == 200


def test_origin_secret_applies_after_the_stage_prefix_is_removed(origin_secret):
    event = v2_event("/dev/api/echo")
    event["requestContext"]["stage"] = "dev"

    assert handler(event, FakeContext())["statusCode"] == 403


def test_origin_secret_applies_after_the_api_mapping_key_is_removed(origin_secret, settings):
    settings.PARAKEET_API_GATEWAY_BASE_PATH = "v1"

    assert handler(custom_domain_v2_event("/v1/api/echo"), FakeContext())["statusCode"] == 403


# --- management commands --------------------------------------------------------------------


def test_command_event_runs_check_and_returns_its_output():
    result = handler({"command": "check", "args": []}, FakeContext())

    assert result["exit_code"] == 0
    assert "System check identified no issues" in result["output"]
    assert result["command"] == "check"


def test_disallowed_command_is_refused_without_running(monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("call_command must not run")

    monkeypatch.setattr(commands, "call_command", must_not_run)

    result = handler({"command": "flush", "args": ["--no-input"]}, FakeContext())

    assert result["exit_code"] == 2
    assert "not allowed" in result["error"]
    assert result["output"] == ""


def test_allow_list_comes_from_settings(settings):
    settings.PARAKEET_LAMBDA_COMMANDS = ["showmigrations"]

    result = handler({"command": "check"}, FakeContext())

    assert result["exit_code"] == 2
    assert "'check' is not allowed" in result["error"]


@pytest.mark.parametrize(
    "event", [{"command": ""}, {"command": 7}, {"command": "check", "args": "--deploy"}]
)
def test_malformed_command_events_are_refused(event):
    assert handler(event, FakeContext())["exit_code"] == 2


def test_args_with_spaces_stay_one_argument(monkeypatch):
    seen: list[tuple[str, ...]] = []
    monkeypatch.setattr(commands, "call_command", lambda name, *args, **kw: seen.append(args))

    handler({"command": "check", "args": ["--tag", "two words"]}, FakeContext())

    assert seen == [("--tag", "two words")]


def test_an_argument_with_spaces_reaches_the_real_command_intact():
    result = handler({"command": "check", "args": ["no such app"]}, FakeContext())

    assert result["exit_code"] == 1
    assert "'no such app'" in result["output"]


def test_command_error_maps_to_its_exit_code():
    result = handler({"command": "check", "args": ["--tag", "no-such-tag"]}, FakeContext())

    assert result["exit_code"] == 1
    assert 'CommandError: There is no system check with the "no-such-tag" tag' in result["output"]


@pytest.mark.parametrize(("code", "exit_code"), [(None, 0), (0, 0), (3, 3), ("bad input", 1)])
def test_system_exit_maps_to_an_exit_code(monkeypatch, code, exit_code):
    def exits(*args, **kwargs):
        raise SystemExit(code)

    monkeypatch.setattr(commands, "call_command", exits)

    assert handler({"command": "check"}, FakeContext())["exit_code"] == exit_code


def test_unexpected_exception_is_exit_code_1_with_the_traceback(monkeypatch):
    def crashes(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(commands, "call_command", crashes)

    result = handler({"command": "check"}, FakeContext())

    assert result["exit_code"] == 1
    assert "ZeroDivisionError: division by zero" in result["output"]


def test_output_keeps_the_last_256_kb(monkeypatch):
    def chatty(name, *args, stdout, stderr):
        for i in range(3000):
            stdout.write(f"line {i:05d} " + "x" * 100 + "\n")
        print("printed at the end")

    monkeypatch.setattr(commands, "call_command", chatty)
    monkeypatch.setattr(sys, "stdout", io.StringIO())

    result = handler({"command": "check"}, FakeContext())

    assert result["exit_code"] == 0
    assert result["output_truncated"] is True
    assert len(result["output"].encode()) <= commands.OUTPUT_LIMIT_BYTES
    assert result["output"].endswith("printed at the end\n")
    assert "line 02999" in result["output"]
    assert "line 00000" not in result["output"]


def test_command_invocations_refresh_database_connections(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(lambda_handler, "close_old_connections", lambda: calls.append("close"))
    monkeypatch.setattr(commands, "call_command", lambda *a, **kw: calls.append("run"))

    handler({"command": "check"}, FakeContext())

    assert calls == ["close", "run", "close"]


@pytest.mark.django_db(transaction=True)
def test_command_event_uses_the_database():
    result = handler({"command": "showmigrations", "args": ["trades"]}, FakeContext())

    assert result["exit_code"] == 0
    assert "[X] 0001_initial" in result["output"]


# --- scheduled events -----------------------------------------------------------------------


def test_scheduler_target_input_is_a_command_event():
    result = handler(load_event("scheduler_input_command"), FakeContext())

    assert result["exit_code"] == 0
    assert result["args"] == ["--tag", "models"]


def test_scheduler_envelope_with_a_json_string_detail_runs_the_command():
    result = handler(load_event("scheduler_envelope"), FakeContext())

    assert result["command"] == "check"
    assert result["exit_code"] == 0


def test_eventbridge_detail_carrying_a_command_runs_it():
    result = handler(load_event("eventbridge_custom_command"), FakeContext())

    assert result["args"] == ["--deploy", "--fail-level", "CRITICAL"]
    assert result["exit_code"] == 0


def test_eventbridge_detail_carrying_a_task_runs_it():
    event = load_event("eventbridge_custom_command")
    event["detail"] = {"task": "parakeet.tests.lambda_tasks.add", "args": [1, 2]}

    assert handler(event, FakeContext())["result"] == 3


def test_scheduled_event_without_input_is_a_clear_error():
    result = handler(load_event("eventbridge_scheduled"), FakeContext())

    assert "carries no command or task" in result["error"]
    assert "detail-type" in result["event_keys"]


def test_scheduled_command_is_still_subject_to_the_allow_list():
    event = load_event("scheduler_envelope")
    event["detail"] = json.dumps({"command": "flush", "args": ["--no-input"]})

    assert handler(event, FakeContext())["exit_code"] == 2


# --- tasks ----------------------------------------------------------------------------------


def test_task_event_runs_the_task():
    event = {"task": "parakeet.tests.lambda_tasks.add", "args": [2, 3], "kwargs": {"times": 2}}

    result = handler(event, FakeContext())

    assert result == {
        "task": "parakeet.tests.lambda_tasks.add",
        "status": "succeeded",
        "result": 10,
        "duration_ms": result["duration_ms"],
    }


def test_async_task_runs_to_completion():
    event = {"task": "parakeet.tests.lambda_tasks.async_greeting", "args": ["parakeet"]}

    assert handler(event, FakeContext())["result"] == "hello parakeet"


def test_failing_task_is_reported_not_raised():
    result = handler({"task": "parakeet.tests.lambda_tasks.explode"}, FakeContext())

    assert result["status"] == "failed"
    assert result["error"] == "RuntimeError: boom"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("parakeet.tests.lambda_tasks.not_a_task", "is not a django.tasks.Task"),
        ("parakeet.tests.lambda_tasks.missing", "is not a django.tasks.Task"),
        ("parakeet.no_such_module.task", "cannot import"),
        ("os", "not a dotted path"),
    ],
)
def test_only_registered_tasks_run(path, message):
    result = handler({"task": path}, FakeContext())

    assert result["status"] == "failed"
    assert message in result["error"]


def test_task_with_malformed_arguments_is_refused():
    event = {"task": "parakeet.tests.lambda_tasks.add", "args": {"a": 1}}

    assert handler(event, FakeContext())["status"] == "failed"


# --- warmer and anything else ---------------------------------------------------------------


def test_warmer_returns_at_once(monkeypatch):
    monkeypatch.setattr(commands, "call_command", None)

    assert handler({"warmer": True}, FakeContext()) == {"warmer": True}


@pytest.mark.parametrize(
    ("event", "keys"),
    [
        ({}, []),
        ([], []),
        ([{"command": "check"}], []),
        (None, []),
        ("", []),
        ({"warmer": "yes", "Records": []}, ["Records", "warmer"]),
    ],
)
def test_anything_else_is_a_clear_error_and_the_handler_keeps_serving(event, keys):
    result = handler(event, None)

    assert result["error"].startswith("unrecognised event")
    assert result["event_keys"] == keys
    assert handler(load_event("apigateway_v2_http"), None)["statusCode"] == 200


def test_an_error_inside_a_dispatch_function_is_contained(monkeypatch):
    def broken(event, context):
        raise KeyError("oops")

    monkeypatch.setitem(lambda_handler.HANDLERS, EventKind.WARMER, broken)

    result = handler({"warmer": True}, None)

    assert result == {"error": "KeyError while handling a warmer event", "event_keys": ["warmer"]}


def test_views_are_loaded_at_import_time():
    assert "parakeet.api" in sys.modules
    assert "parakeet.urls" in sys.modules


# --- metrics of the module-level (instrumented) handler ---------------------------------------


def emf_documents(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def metric_names(document: dict[str, Any]) -> set[str]:
    return {
        metric["Name"]
        for directive in document["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A result without what differs from call to call (timings, the health check's clock)."""
    volatile = {"duration_ms", "headers", "multiValueHeaders"}
    kept = {key: value for key, value in result.items() if key not in volatile}
    if "body" in kept:
        kept["body"] = {k: v for k, v in body_of(result).items() if k != "timestamp"}
        kept["content-type"] = result["headers"]["content-type"]
    return kept


@pytest.mark.parametrize(
    ("event", "warm_metrics"),
    [
        (load_event("apigateway_v2_http"), {"Requests", "RequestLatency"}),
        ({"command": "check", "args": ["--tag", "urls"]}, {"CommandDuration"}),
        ({"warmer": True}, set()),
    ],
    ids=["http", "command", "warmer"],
)
def test_the_module_handler_flushes_one_emf_document_per_invocation(
    event, warm_metrics, capsys, monkeypatch
):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    unwrapped = lambda_handler.handler.__wrapped__  # type: ignore[attr-defined]
    expected = unwrapped(json.loads(json.dumps(event)), FakeContext())
    capsys.readouterr()
    metrics.reset_cold_start()

    cold = lambda_handler.handler(json.loads(json.dumps(event)), FakeContext())
    cold_documents = emf_documents(capsys.readouterr().out)
    warm = lambda_handler.handler(json.loads(json.dumps(event)), FakeContext())
    warm_documents = emf_documents(capsys.readouterr().out)

    assert comparable(cold) == comparable(expected)
    assert comparable(warm) == comparable(expected)
    (cold_document,) = cold_documents
    assert metric_names(cold_document) == {"ColdStart"} | warm_metrics
    assert cold_document["ColdStart"] == [1.0]
    assert cold_document["function"] == FakeContext.function_name
    assert cold_document["service"] == "parakeet"
    if warm_metrics:
        (warm_document,) = warm_documents
        assert metric_names(warm_document) == warm_metrics
        assert "ColdStart" not in warm_document
        assert warm_document["function"] == FakeContext.function_name
    else:
        assert warm_documents == []  # a warm warmer has nothing to report


def test_http_metrics_carry_the_route_and_status_class(capsys):
    metrics.reset_cold_start()

    ok = lambda_handler.handler(load_event("apigateway_v2_http"), FakeContext())
    missing = lambda_handler.handler(v2_event("/no/such/route"), FakeContext())

    assert (ok["statusCode"], missing["statusCode"]) == (200, 404)
    first, second = emf_documents(capsys.readouterr().out)
    assert (first["status"], first["Requests"]) == ("2xx", [1.0])
    assert (second["status"], second["Requests"]) == ("4xx", [1.0])
    assert first["route"] != second["route"]
    assert all(latency >= 0 for latency in first["RequestLatency"])


def test_command_metrics_name_the_command_and_its_outcome(capsys, monkeypatch):
    metrics.reset_cold_start()
    lambda_handler.handler({"warmer": True}, FakeContext())  # the container's cold start
    capsys.readouterr()

    refused = lambda_handler.handler({"command": "flush", "args": []}, FakeContext())
    ran = lambda_handler.handler({"command": "check", "args": []}, FakeContext())

    assert (refused["exit_code"], ran["exit_code"]) == (2, 0)
    refused_document, ran_document = emf_documents(capsys.readouterr().out)
    assert (refused_document["kind"], refused_document["Errors"]) == ("command", [1.0])
    assert (ran_document["command"], ran_document["outcome"]) == ("check", "ok")
    assert ran_document["CommandDuration"] == [float(ran["duration_ms"])]


# --- no secret in any log line ------------------------------------------------------------------

TEST_SECRETS = {
    "DATABASE_URL": "postgres://parakeet:Pg-pass-77aa@ep-x-pooler.neon.tech/parakeet",
    "DATABASE_DIRECT_URL": "postgres://owner:Direct-pass-88bb@ep-x.neon.tech/parakeet",
    "SECRET_KEY": "django-secret-value-" + "z" * 40,
    "PARAKEET_JWT_SECRET": "jwt-shared-secret-99cc",
    "TIINGO_API_KEY": "tiingo00112233445566",
    "PARAKEET_ORIGIN_SECRET": "edge-origin-secret-00dd",
}
BEARER_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXZhbHVlLTI"


@pytest.fixture
def lambda_logs(settings) -> Any:
    """Logging as on Lambda (Powertools JSON lines) into a buffer; restored afterwards."""
    import logging.config

    from parakeet.observability.logs import logging_config

    buffer = io.StringIO()
    config = logging_config(debug=False, on_lambda=True, level="INFO")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_no_test_secret_reaches_a_log_line_or_the_echoed_output(
    settings, test_urls, lambda_logs, capsys, monkeypatch
):
    for name, value in TEST_SECRETS.items():
        setattr(settings, name, value)
    secret = TEST_SECRETS["PARAKEET_ORIGIN_SECRET"]
    tiingo = TEST_SECRETS["TIINGO_API_KEY"]

    trusted = v2_event("/api/echo", query=f"token={tiingo}")
    trusted["headers"].update(
        {"x-parakeet-origin-secret": secret, "authorization": f"Bearer {BEARER_TOKEN}"}
    )
    untrusted = v2_event("/api/echo")
    untrusted["headers"]["x-parakeet-origin-secret"] = secret[:-1]
    results = [
        handler(trusted, FakeContext()),
        handler(untrusted, FakeContext()),
        handler({"command": "check", "args": ["--tag", tiingo]}, FakeContext()),
        handler({"command": "diffsettings", "args": [TEST_SECRETS["DATABASE_URL"]]}, None),
        handler({"password": TEST_SECRETS["SECRET_KEY"]}, FakeContext()),  # unknown: logged
    ]
    monkeypatch.setattr(
        commands,
        "call_command",
        lambda *a, **kw: (_ for _ in ()).throw(
            RuntimeError(f"cannot reach {TEST_SECRETS['DATABASE_DIRECT_URL']}")
        ),
    )
    results.append(handler({"command": "migrate", "args": []}, FakeContext()))

    outcomes = [r.get("statusCode", r.get("exit_code", "error" in r)) for r in results]
    assert outcomes == [200, 403, 1, 2, True, 1]
    # The invoker gets the real output; the logs (and CloudWatch's copy of stdout) do not.
    assert tiingo in results[2]["output"]
    captured = capsys.readouterr()
    text = lambda_logs.getvalue() + captured.out + captured.err
    log_lines = [json.loads(line) for line in lambda_logs.getvalue().splitlines()]
    assert {line["logger"] for line in log_lines} >= {"parakeet.requests", "parakeet.lambda"}
    assert any("cannot reach" in line.get("exception", "") for line in log_lines)
    assert "RuntimeError: cannot reach" in captured.out  # the traceback was echoed, masked
    leaked = [name for name, value in TEST_SECRETS.items() if value in text]
    leaked += [name for name, value in {"bearer": BEARER_TOKEN}.items() if value in text]
    leaked += [name for name in ("Pg-pass-77aa", "Direct-pass-88bb") if name in text]
    assert leaked == []


# --- database connections across warm invocations ------------------------------------------


def terminate_backend(pid: int) -> None:
    """What Neon does to an idle session: end it from the server side."""
    import psycopg

    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname=params["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):  # the server ends the session asynchronously
            row = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            if row is None:
                return
            time.sleep(0.02)


@pytest.mark.django_db(transaction=True)  # the real connection recycling around each request
def test_one_connection_per_container_that_survives_an_idle_disconnect(test_urls):
    if connection.vendor != "postgresql":
        pytest.skip("server-side disconnects need PostgreSQL (set DATABASE_URL)")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0

    first = handler(v2_event("/db"), FakeContext())
    second = handler(v2_event("/db"), FakeContext())
    pid = body_of(first)["backend_pid"]
    terminate_backend(pid)
    after_disconnect = handler(v2_event("/db"), FakeContext())
    command = handler({"command": "showmigrations", "args": ["trades"]}, FakeContext())
    fourth = handler(v2_event("/db"), FakeContext())

    assert [first["statusCode"], second["statusCode"]] == [200, 200]
    assert body_of(second) == body_of(first)  # the same connection, warm
    assert after_disconnect["statusCode"] == 200  # the health check reconnected: no 500
    assert body_of(after_disconnect)["backend_pid"] != pid
    assert command["exit_code"] == 0
    assert body_of(fourth)["backend_pid"] == body_of(after_disconnect)["backend_pid"]


@pytest.mark.django_db(transaction=True)
def test_a_command_after_an_idle_disconnect_reconnects(test_urls):
    if connection.vendor != "postgresql":
        pytest.skip("server-side disconnects need PostgreSQL (set DATABASE_URL)")
    pid = body_of(handler(v2_event("/db"), FakeContext()))["backend_pid"]
    terminate_backend(pid)

    result = handler({"command": "showmigrations", "args": ["trades"]}, FakeContext())

    assert result["exit_code"] == 0, result["output"]
    assert "[X] 0001_initial" in result["output"]


# --- the edge check runs before Django --------------------------------------------------------


def test_a_refused_api_request_never_reaches_django(origin_secret):
    started: list[object] = []

    def on_request_started(sender: object, **kwargs: Any) -> None:
        started.append(sender)

    request_started.connect(on_request_started)
    try:
        refused = handler(v2_event("/api/echo"), FakeContext())
        assert started == []
        allowed = v2_event("/api/echo")
        allowed["headers"]["x-parakeet-origin-secret"] = origin_secret
        accepted = handler(allowed, FakeContext())
    finally:
        request_started.disconnect(on_request_started)

    assert (refused["statusCode"], accepted["statusCode"]) == (403, 200)
    assert len(started) == 1  # only the accepted request started Django's request cycle
    assert refused["headers"]["content-type"] == "application/json"
