"""Logs (JSON on Lambda, plain locally, never a secret) and EMF metrics."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from parakeet.observability import metrics
from parakeet.observability.logs import logging_config
from parakeet.observability.metrics import (
    instrument_handler,
    invocation_metrics,
    record_command,
    record_ingest,
    record_request,
)
from parakeet.observability.redaction import MASK, redact
from parakeet.request_context import set_request_id

DB_PASSWORD = "Pg-pass-9f8e7d6c"
DATABASE_URL = (
    f"postgres://parakeet:{DB_PASSWORD}@ep-cool-1-pooler.neon.tech/parakeet?sslmode=require"
)
DIRECT_PASSWORD = "Direct-pass-1a2b3c"
DATABASE_DIRECT_URL = f"postgresql://owner:{DIRECT_PASSWORD}@ep-cool-1.neon.tech/parakeet"
SECRET_KEY = "k" * 10 + "-django-secret-value-abcdefghijklmnopqrstuvwxyz0123456789"
JWT_SECRET = "jwt-hs256-shared-secret-value"
TIINGO_KEY = "tiingo0123456789abcdef"
ORIGIN_SECRET = "edge-origin-shared-secret"
BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl"
API_KEY = "pk_live_machine_client_key_42"
SECRETS = [
    DB_PASSWORD,
    DATABASE_URL,
    DIRECT_PASSWORD,
    SECRET_KEY,
    JWT_SECRET,
    TIINGO_KEY,
    ORIGIN_SECRET,
    BEARER,
    API_KEY,
]


@pytest.fixture
def secret_settings(settings):
    settings.DATABASE_URL = DATABASE_URL
    settings.DATABASE_DIRECT_URL = DATABASE_DIRECT_URL
    settings.SECRET_KEY = SECRET_KEY
    settings.PARAKEET_JWT_SECRET = JWT_SECRET
    settings.TIINGO_API_KEY = TIINGO_KEY
    settings.PARAKEET_ORIGIN_SECRET = ORIGIN_SECRET
    return settings


def assert_no_secrets(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], f"secrets in the log output: {leaked}\n{text}"


@pytest.fixture
def log_output(monkeypatch) -> Iterator[io.StringIO]:
    """Configure logging as settings would, writing into a buffer; restore afterwards."""
    buffer = io.StringIO()

    def configure(*, on_lambda: bool, debug: bool = False) -> io.StringIO:
        config = logging_config(debug=debug, on_lambda=on_lambda, level="INFO")
        config["handlers"]["console"]["stream"] = buffer
        logging.config.dictConfig(config)
        return buffer

    buffer.configure = configure  # type: ignore[attr-defined]
    yield buffer
    logging.config.dictConfig(django_settings.LOGGING)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# --- redaction ---------------------------------------------------------------------------------


def test_setting_values_and_their_passwords_are_masked(secret_settings):
    text = (
        f"connecting to {DATABASE_URL}; direct {DATABASE_DIRECT_URL}; password={DB_PASSWORD} "
        f"key {SECRET_KEY} jwt {JWT_SECRET} tiingo {TIINGO_KEY} origin {ORIGIN_SECRET} "
        f"alone {DIRECT_PASSWORD}"
    )

    redacted = redact(text)

    assert_no_secrets(redacted)
    assert redacted.startswith(f"connecting to {MASK};")


def test_credentials_in_any_url_are_masked():
    assert redact("dsn postgres://app:hunter2hunter2@db.internal:5432/x") == (
        f"dsn postgres://app:{MASK}@db.internal:5432/x"
    )
    assert redact("redis://:p4ssw0rd@cache:6379/0") == f"redis://:{MASK}@cache:6379/0"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {BEARER}",
        f"{{'HTTP_AUTHORIZATION': 'Bearer {BEARER}'}}",
        f'{{"authorization": "Bearer {BEARER}"}}',
        f"X-API-Key: {API_KEY}",
        f"{{'HTTP_X_API_KEY': '{API_KEY}'}}",
        f'"x-api-key":"{API_KEY}"',
        f"headers={{'x-parakeet-origin-secret': '{ORIGIN_SECRET}'}}",
        f"GET https://api.tiingo.com/tiingo/daily/AAPL/prices?startDate=2024-01-01&token={TIINGO_KEY}",
        f"token {BEARER} in the body",
        f"Cookie: sessionid={API_KEY}; csrftoken={JWT_SECRET}",
    ],
)
def test_header_values_tokens_and_jwts_are_masked_without_the_settings(text):
    assert_no_secrets(redact(text, values=()))


def test_a_secret_with_json_special_characters_is_masked_in_json_too(settings):
    settings.PARAKEET_JWT_SECRET = 'quote"and\\backslash-secret'

    line = json.dumps({"message": f"secret is {settings.PARAKEET_JWT_SECRET}"})

    assert "backslash-secret" not in redact(line)
    assert json.loads(redact(line)) == {"message": f"secret is {MASK}"}


def test_ordinary_text_is_left_alone():
    text = "GET /api/trades?page=2&status=OPEN 200 12ms (tokens of appreciation)"

    assert redact(text, values=()) == text


# --- logs on Lambda ----------------------------------------------------------------------------


def test_on_lambda_every_logger_writes_powertools_json(log_output, monkeypatch):
    out = log_output.configure(on_lambda=True)
    set_request_id("req-123")

    logging.getLogger("django.db.backends").warning("slow query %s", "SELECT 1")
    logging.getLogger("parakeet.lambda").info("hello", extra={"ticker": "AAPL"})

    first, second = json_lines(out.getvalue())
    assert first["level"] == "WARNING"
    assert first["logger"] == "django.db.backends"
    assert first["message"] == "slow query SELECT 1"
    assert first["request_id"] == "req-123"
    assert first["service"] == "parakeet"
    assert first["timestamp"].endswith("+00:00")
    assert list(first)[:5] == ["level", "logger", "message", "timestamp", "request_id"]
    assert second["ticker"] == "AAPL"


def test_inside_an_invocation_lines_carry_the_lambda_context(log_output):
    out = log_output.configure(on_lambda=True)

    class Context:
        function_name = "parakeet-dev-trades"
        aws_request_id = "lambda-req-9"

    metrics.reset_cold_start()
    with invocation_metrics(Context()):
        logging.getLogger("parakeet.lambda").info("inside")

    (line,) = [rec for rec in json_lines(out.getvalue()) if rec["message"] == "inside"]
    assert line["function_name"] == "parakeet-dev-trades"
    assert line["function_request_id"] == "lambda-req-9"
    assert line["cold_start"] is True


def test_no_secret_reaches_a_json_log_line(log_output, secret_settings):
    out = log_output.configure(on_lambda=True)
    log = logging.getLogger("parakeet.test")

    log.info("DATABASE_URL=%s", DATABASE_URL)
    log.info("headers %s", {"Authorization": f"Bearer {BEARER}", "X-API-Key": API_KEY})
    log.warning("extra", extra={"dsn": DATABASE_DIRECT_URL, "key": TIINGO_KEY})
    log.info({"event": "dict message", "origin": ORIGIN_SECRET, "jwt": JWT_SECRET})
    try:
        raise RuntimeError(f"could not connect with {DATABASE_URL} using {SECRET_KEY}")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("httpx").warning(
        "HTTP Request: GET https://api.tiingo.com/x?token=%s", TIINGO_KEY
    )

    text = out.getvalue()
    assert_no_secrets(text)
    records = json_lines(text)
    assert len(records) == 6
    failed = next(r for r in records if r["message"] == "failed")
    assert "RuntimeError: could not connect with ***" in failed["exception"]
    assert records[2]["dsn"] == MASK


def test_no_secret_reaches_a_plain_log_line(log_output, secret_settings):
    out = log_output.configure(on_lambda=False)
    set_request_id("local-1")
    log = logging.getLogger("parakeet.test")

    log.info("using %s and %s", DATABASE_URL, TIINGO_KEY)
    try:
        raise ValueError(f"bad key {JWT_SECRET}")
    except ValueError:
        log.exception("oops")

    text = out.getvalue()
    assert_no_secrets(text)
    first = text.splitlines()[0]
    assert first.endswith(f"INFO parakeet.test [local-1] using {MASK} and {MASK}")
    assert "ValueError: bad key ***" in text


def test_logging_config_shapes():
    local = logging_config(debug=True, on_lambda=False)
    aws = logging_config(debug=False, on_lambda=True)

    assert local["handlers"]["console"]["formatter"] == "plain"
    assert "stream" not in local["handlers"]["console"]  # stderr
    assert local["loggers"]["parakeet"] == {"level": "DEBUG"}
    assert aws["handlers"]["console"]["formatter"] == "json"
    assert aws["handlers"]["console"]["stream"] == "ext://sys.stdout"
    assert aws["handlers"]["console"]["filters"] == ["request_id", "lambda_context", "redact"]
    assert "parakeet" not in aws["loggers"]
    assert aws["loggers"]["django.request"] == {"level": "CRITICAL"}
    assert aws["root"]["level"] == "INFO"


# --- the request log middleware ----------------------------------------------------------------


REQUEST_LOG = "parakeet.observability.middleware.RequestLogMiddleware"


@pytest.fixture
def request_logging(settings):
    middleware = [m for m in settings.MIDDLEWARE if m != REQUEST_LOG]
    position = middleware.index("parakeet.middleware.RequestIdMiddleware") + 1
    middleware.insert(position, REQUEST_LOG)
    settings.MIDDLEWARE = middleware


def test_each_request_logs_one_line(log_output, request_logging, client, secret_settings):
    out = log_output.configure(on_lambda=True)

    response = client.get(
        f"/health?token={TIINGO_KEY}",
        headers={"X-Request-ID": "abc-123", "Authorization": f"Bearer {BEARER}"},
    )

    assert response.status_code == 200
    lines = [r for r in json_lines(out.getvalue()) if r["logger"] == "parakeet.requests"]
    assert len(lines) == 1, out.getvalue()
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["route"] == "health"
    assert line["status"] == 200
    assert line["request_id"] == "abc-123"
    assert isinstance(line["duration_ms"], float)
    assert line["message"].startswith("GET /health 200 ")
    assert_no_secrets(out.getvalue())


def test_unmatched_routes_and_errors_are_labelled(log_output, request_logging, client):
    out = log_output.configure(on_lambda=False)

    client.get("/no/such/page")

    assert " INFO parakeet.requests " in out.getvalue()
    assert "GET /no/such/page 404" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # Django recycles connections around a request
def test_through_the_lambda_handler_the_line_has_gateway_and_lambda_ids(
    log_output, request_logging, settings, capsys
):
    from django.core.wsgi import get_wsgi_application

    from parakeet.deploy.http_events import HttpRequest, http_api_event
    from parakeet.lambda_runtime.http import make_http_handler, wrap_for_lambda

    # The handler module's application loaded its middleware at import: build one with ours.
    handler = make_http_handler(wrap_for_lambda(get_wsgi_application()))

    settings.ALLOWED_HOSTS = ["api.parakeet.example"]
    out = log_output.configure(on_lambda=True)
    event = http_api_event(
        HttpRequest(
            method="GET",
            path="/health",
            headers=[("host", "api.parakeet.example")],
            request_id="apigw-77",
        )
    )

    class Context:
        function_name = "parakeet-dev-trades"
        aws_request_id = "lambda-42"

    assert handler(event, Context())["statusCode"] == 200

    (line,) = [r for r in json_lines(out.getvalue()) if r["logger"] == "parakeet.requests"]
    assert line["apigw_request_id"] == "apigw-77"
    assert line["lambda_request_id"] == "lambda-42"


# --- metrics -----------------------------------------------------------------------------------


class Context:
    function_name = "parakeet-dev-ingest"
    aws_request_id = "req-1"


def emf_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in json_lines(text) if "_aws" in doc]


def by_metric(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for doc in documents:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                found[metric["Name"]] = doc
    return found


def directive_of(document: dict[str, Any], metric: str) -> dict[str, Any]:
    (directive,) = [
        d
        for d in document["_aws"]["CloudWatchMetrics"]
        if metric in {m["Name"] for m in d["Metrics"]}
    ]
    return directive


def test_invocation_metrics_flush_one_emf_document_with_a_directive_per_dimension_set(
    capsys, monkeypatch
):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    metrics.reset_cold_start()

    with invocation_metrics(Context()):
        record_request("trade-detail", 201, 12.5)
        record_request("trade-detail", 204, 7.5)
        record_ingest(source="tiingo", requested=5, succeeded=4, failed=1, rows_inserted=1200)
        record_command("ingest", 5300, exit_code=0)
        assert capsys.readouterr().out == ""  # nothing before the invocation ends

    (document,) = emf_documents(capsys.readouterr().out)
    assert document["service"] == "parakeet"
    assert document["function"] == "parakeet-dev-ingest"
    assert isinstance(document["_aws"]["Timestamp"], int)
    directives = document["_aws"]["CloudWatchMetrics"]
    assert {d["Namespace"] for d in directives} == {"Parakeet"}
    assert sorted(sorted(d["Dimensions"][0]) for d in directives) == [
        ["command", "function", "outcome", "service"],
        ["function", "route", "service", "status"],
        ["function", "service"],
        ["function", "service", "source"],
    ]
    assert directive_of(document, "ColdStart")["Dimensions"] == [["function", "service"]]
    assert sorted(directive_of(document, "Requests")["Dimensions"][0]) == [
        "function",
        "route",
        "service",
        "status",
    ]
    assert document["Requests"] == [1.0, 1.0]
    assert document["RequestLatency"] == [12.5, 7.5]
    assert (document["route"], document["status"]) == ("trade-detail", "2xx")
    assert document["source"] == "tiingo"
    assert document["IngestRowsInserted"] == [1200.0]
    assert document["IngestSymbolsFailed"] == [1.0]
    assert (document["command"], document["outcome"]) == ("ingest", "ok")
    assert document["CommandDuration"] == [5300.0]
    assert document["ColdStart"] == [1.0]
    units = {m["Name"]: m["Unit"] for d in directives for m in d["Metrics"]}
    assert units["RequestLatency"] == "Milliseconds"
    assert units["Requests"] == "Count"
    assert units["IngestRowsInserted"] == "Count"


def test_dimension_sets_that_disagree_go_into_separate_documents(capsys):
    metrics.reset_cold_start()

    with invocation_metrics(Context()):
        record_ingest(source="tiingo", requested=3)
        record_ingest(source="yahoo", requested=2)

    documents = emf_documents(capsys.readouterr().out)
    assert sorted((d["source"], d["IngestSymbolsRequested"]) for d in documents) == [
        ("tiingo", [3.0]),
        ("yahoo", [2.0]),
    ]
    assert sum("ColdStart" in d for d in documents) == 1
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                assert all(name in document for name in dimension_set)
            assert all(m["Name"] in document for m in directive["Metrics"])


def test_metrics_disabled_prints_nothing(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics.reset_cold_start()

    with invocation_metrics(Context()):
        record_request("health", 200, 1)

    assert emf_documents(capsys.readouterr().out) == []


def test_only_the_first_invocation_is_a_cold_start(capsys):
    metrics.reset_cold_start()
    with invocation_metrics(Context()):
        pass
    with invocation_metrics(Context()):
        record_request("health", 200, 1)

    names = list(by_metric(emf_documents(capsys.readouterr().out)))
    assert names.count("ColdStart") == 1
    assert "Requests" in names


def test_server_errors_count_as_errors_and_a_raising_handler_too(capsys):
    metrics.reset_cold_start()

    def failing_invocation() -> None:
        with invocation_metrics(Context()):
            record_request("trades", 503, 30)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_invocation()

    docs = emf_documents(capsys.readouterr().out)
    errors = [d for d in docs if "Errors" in d]
    assert sorted((d["kind"], d["Errors"]) for d in errors) == [
        ("handler", [1.0]),
        ("http", [1.0]),
    ]


def test_outside_an_invocation_metrics_are_dropped_locally_and_flushed_on_lambda(
    capsys, monkeypatch
):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    record_ingest(source="yahoo", requested=1)
    assert capsys.readouterr().out == ""

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "parakeet-dev-ingest")
    record_ingest(source="yahoo", requested=1)

    docs = emf_documents(capsys.readouterr().out)
    assert docs
    assert docs[0]["function"] == "parakeet-dev-ingest"
    assert docs[0]["source"] == "yahoo"


def test_instrumented_handler_records_command_and_task_outcomes(capsys):
    results = iter(
        [
            {"command": "check", "exit_code": 0, "output": "", "duration_ms": 40},
            {"task": "x.y", "status": "failed", "error": "boom"},
            {"command": "flush", "exit_code": 2, "output": "", "error": "not allowed"},
        ]
    )
    handler = instrument_handler(lambda event, context: next(results))
    metrics.reset_cold_start()

    handler({"command": "check"}, Context())
    handler({"task": "x.y"}, Context())
    handler({"command": "flush"}, Context())

    docs = emf_documents(capsys.readouterr().out)
    command = next(d for d in docs if "CommandDuration" in d)
    assert (command["command"], command["outcome"], command["CommandDuration"]) == (
        "check",
        "ok",
        [40.0],
    )
    assert sorted(d["kind"] for d in docs if "Errors" in d) == ["command", "task"]


@pytest.mark.django_db(transaction=True)  # the handler recycles connections around a command
def test_instrumenting_the_instrumented_handler_again_measures_once(capsys):
    from parakeet.lambda_handler import handler

    twice = instrument_handler(handler)
    metrics.reset_cold_start()

    result = twice({"command": "check", "args": []}, Context())

    assert result["exit_code"] == 0
    (document,) = emf_documents(capsys.readouterr().out)
    assert document["command"] == "check"
    assert len(document["CommandDuration"]) == 1  # measured once, not twice
    assert document["ColdStart"] == [1.0]
    assert twice.__wrapped__ is handler  # type: ignore[attr-defined]
