"""Pure pieces of the Lambda runtime: event kinds, stage prefixes, output capture, edge trust."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parakeet.edge import client_ip, is_protected_path, secret_matches
from parakeet.lambda_runtime.commands import TailBuffer
from parakeet.lambda_runtime.events import EventKind, event_keys, event_kind, scheduled_input
from parakeet.lambda_runtime.stage import parse_base_paths, split_stage

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("apigateway_v1_rest", EventKind.HTTP),
        ("apigateway_v2_http", EventKind.HTTP),
        ("alb", EventKind.HTTP),
        ("eventbridge_scheduled", EventKind.SCHEDULED),
        ("eventbridge_custom_command", EventKind.SCHEDULED),
        ("scheduler_envelope", EventKind.SCHEDULED),
        ("scheduler_input_command", EventKind.COMMAND),
    ],
)
def test_sample_events_are_recognised(name, kind):
    assert event_kind(load_event(name)) is kind


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ({"command": "migrate", "args": ["--no-input"]}, EventKind.COMMAND),
        ({"task": "ingest.tasks.refresh", "args": [], "kwargs": {}}, EventKind.TASK),
        ({"warmer": True}, EventKind.WARMER),
        ({"warmer": 1}, EventKind.UNKNOWN),
        ({"httpMethod": "GET", "path": "/"}, EventKind.HTTP),
        ({"source": "aws.events"}, EventKind.UNKNOWN),
        ({}, EventKind.UNKNOWN),
        ([], EventKind.UNKNOWN),
        (None, EventKind.UNKNOWN),
        ("command", EventKind.UNKNOWN),
    ],
)
def test_event_kinds(event, kind):
    assert event_kind(event) is kind


def test_event_keys_never_include_values():
    assert event_keys({"b": "secret", "a": 1}) == ["a", "b"]
    assert event_keys(["a"]) == []


def test_scheduled_input_reads_object_and_json_string_details():
    assert scheduled_input({"detail": {"command": "ingest"}}) == {"command": "ingest"}
    assert scheduled_input({"detail": '{"task": "x.y"}'}) == {"task": "x.y"}
    assert scheduled_input({"detail": "{}"}) is None
    assert scheduled_input({"detail": ""}) is None
    assert scheduled_input({"detail": "not json"}) is None
    assert scheduled_input({}) is None


# --- stage prefixes -------------------------------------------------------------------------


def v2(
    path: str, stage: str, domain: str = "abc.execute-api.us-east-1.amazonaws.com"
) -> dict[str, Any]:
    return {"rawPath": path, "requestContext": {"stage": stage, "domainName": domain}}


@pytest.mark.parametrize(
    ("event", "path", "expected"),
    [
        (v2("/dev/health", "dev"), "/dev/health", ("/dev", "/health")),
        (v2("/dev", "dev"), "/dev", ("/dev", "/")),
        (v2("/devices", "dev"), "/devices", ("", "/devices")),
        (v2("/health", "$default"), "/health", ("", "/health")),
        (v2("/dev/health", "dev", "api.example.com"), "/dev/health", ("", "/dev/health")),
        ({"requestContext": {"elb": {}}, "path": "/dev/x"}, "/dev/x", ("", "/dev/x")),
        ({"path": "/x"}, "/x", ("", "/x")),
    ],
)
def test_split_stage(event, path, expected):
    assert split_stage(event, path) == expected


def test_v1_rest_stage_comes_from_request_context_path():
    event = load_event("apigateway_v1_rest")  # path /health, requestContext.path /dev/health

    assert split_stage(event, "/health") == ("/dev", "/health")


def test_v1_host_header_identifies_a_custom_domain_when_domain_name_is_absent():
    event = load_event("apigateway_v1_rest")
    del event["requestContext"]["domainName"]
    event["multiValueHeaders"]["Host"] = ["api.example.com"]
    event["headers"]["Host"] = "api.example.com"
    # On a custom domain the client's path carries no stage (only a base path mapping).
    event["requestContext"]["path"] = "/health"

    assert split_stage(event, "/health") == ("", "/health")


@pytest.mark.parametrize(
    ("client_path", "path", "expected"),
    [
        ("/v1/health", "/health", ("/v1", "/health")),
        ("/api/v2/trades/", "/trades/", ("/api/v2", "/trades/")),
        ("/health", "/health", ("", "/health")),
        ("/v1/", "/", ("", "/")),
        ("/xhealth", "/health", ("", "/health")),
    ],
)
def test_v1_base_path_mapping_on_a_custom_domain_goes_to_script_name(client_path, path, expected):
    event = load_event("apigateway_v1_rest")
    event["requestContext"]["domainName"] = "api.example.com"
    event["requestContext"]["path"] = client_path

    assert split_stage(event, path) == expected


def v2_custom_domain(
    path: str,
    *,
    route_key: str = "$default",
    parameters: dict[str, str] | None = None,
    stage: str = "$default",
) -> dict[str, Any]:
    """An HTTP API event through ``api.example.com``: ``rawPath`` keeps the API mapping key."""
    event = load_event("apigateway_v2_http")
    event["rawPath"] = path
    event["routeKey"] = route_key
    event["headers"]["host"] = "api.example.com"
    context = event["requestContext"]
    context.update(domainName="api.example.com", domainPrefix="api", routeKey=route_key)
    context["stage"] = stage
    context["http"]["path"] = path
    if parameters is not None:
        event["pathParameters"] = parameters
    return event


@pytest.mark.parametrize(
    ("path", "base_paths", "expected"),
    [
        ("/v1/api/trades/", ["/v1"], ("/v1", "/api/trades/")),
        ("/v1", ["/v1"], ("/v1", "/")),
        ("/v1/", ["/v1"], ("/v1", "/")),
        ("/v1x/api/trades/", ["/v1"], ("", "/v1x/api/trades/")),
        ("/api/trades/", ["/v1"], ("", "/api/trades/")),  # the domain's root mapping
        ("/orders/v2/api/trades/", ["/orders", "/orders/v2"], ("/orders/v2", "/api/trades/")),
        ("/orders/api/trades/", ["/orders/v2", "/orders"], ("/orders", "/api/trades/")),
        ("/v1/api/trades/", [], ("", "/v1/api/trades/")),  # $default route: nothing to go on
    ],
)
def test_v2_custom_domain_mapping_key_from_configuration(path, base_paths, expected):
    assert split_stage(v2_custom_domain(path), path, base_paths) == expected


def test_v2_custom_domain_mapping_key_with_a_named_stage():
    event = v2_custom_domain("/v1/api/trades/", stage="prod")

    assert split_stage(event, "/v1/api/trades/", ["/v1"]) == ("/v1", "/api/trades/")


@pytest.mark.parametrize(
    ("path", "route_key", "parameters", "expected"),
    [
        (
            "/v1/api/trades/42/",
            "ANY /api/trades/{proxy+}",
            {"proxy": "42/"},
            ("/v1", "/api/trades/42/"),
        ),
        ("/v1/api/trades", "ANY /api/trades", None, ("/v1", "/api/trades")),
        ("/v1/api/trades/", "ANY /api/trades", None, ("/v1", "/api/trades/")),
        ("/api/trades/42/", "ANY /api/trades/{proxy+}", {"proxy": "42/"}, ("", "/api/trades/42/")),
        (
            "/orders/v2/api/trades/42",
            "GET /api/trades/{id}",
            {"id": "42"},
            ("/orders/v2", "/api/trades/42"),
        ),
        # Parameters arrive decoded; apig-wsgi's PATH_INFO holds the UTF-8 bytes as latin-1.
        (
            "/v1/api/universes/S\xc3\xa3o Paulo",
            "ANY /api/universes/{proxy+}",
            {"proxy": "S\u00e3o Paulo"},
            ("/v1", "/api/universes/S\xc3\xa3o Paulo"),
        ),
        # The route and the path disagree: no guess from the route, nothing configured.
        ("/v1/api/other", "ANY /api/trades/{proxy+}", {"proxy": "x"}, ("", "/v1/api/other")),
        ("/v1/api/trades/x", "ANY /api/trades/{proxy+}", {}, ("", "/v1/api/trades/x")),
    ],
)
def test_v2_custom_domain_mapping_key_from_the_matched_route(path, route_key, parameters, expected):
    event = v2_custom_domain(path, route_key=route_key, parameters=parameters)

    assert split_stage(event, path) == expected


def test_the_matched_route_wins_over_configuration():
    # The API itself has a /v1 route: the path has no mapping key to remove.
    event = v2_custom_domain("/v1/health", route_key="GET /v1/health")

    assert split_stage(event, "/v1/health", ["/v1"]) == ("", "/v1/health")


@pytest.mark.parametrize(
    "domain",
    [
        "abc.execute-api.us-east-1.amazonaws.com",
        "vpce-0a1b2c3d-4e5f6a7b.execute-api.us-east-1.vpce.amazonaws.com",
        "abcdefghij.lambda-url.us-east-1.on.aws",
    ],
)
def test_configured_mapping_paths_do_not_apply_on_default_domains(domain):
    event = v2("/v1/health", "$default", domain)

    assert split_stage(event, "/v1/health", ["/v1"]) == ("", "/v1/health")


def test_v1_base_path_kept_in_path_on_a_custom_domain_comes_from_the_resource():
    """REST APIs have been seen to pass the base path in ``path`` too, with the stage stripped."""
    event = load_event("apigateway_v1_rest")
    event["requestContext"]["domainName"] = "api.example.com"
    event["path"] = event["requestContext"]["path"] = "/v1/health"  # pathParameters.proxy: health

    assert split_stage(event, "/v1/health") == ("/v1", "/health")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("v1", ("/v1",)),
        ("/v1/", ("/v1",)),
        (" v1 , /orders/v2/ ,", ("/v1", "/orders/v2")),
    ],
)
def test_parse_base_paths(value, expected):
    assert parse_base_paths(value) == expected


# --- output capture -------------------------------------------------------------------------


def test_tail_buffer_keeps_the_last_bytes():
    buffer = TailBuffer(limit=10)
    for chunk in ["0123456789", "abcdef", "ghij"]:
        buffer.write(chunk)

    assert buffer.getvalue() == "abcdefghij"
    assert buffer.truncated is True


def test_tail_buffer_cuts_inside_one_big_write_on_a_character_boundary():
    buffer = TailBuffer(limit=5)
    buffer.write("ééééé")  # 10 bytes

    value = buffer.getvalue()
    assert len(value.encode()) <= 5
    assert set(value) == {"é"}


def test_tail_buffer_echoes_everything():
    class Sink:
        text = ""

        def write(self, s):
            self.text += s

    sink = Sink()
    buffer = TailBuffer(limit=3, echo=sink)  # type: ignore[arg-type]
    buffer.write("hello")

    assert sink.text == "hello"
    assert buffer.getvalue() == "llo"


# --- edge trust -----------------------------------------------------------------------------


def test_only_api_paths_are_protected():
    assert is_protected_path("/api")
    assert is_protected_path("/api/trades/7")
    assert not is_protected_path("/apix")
    assert not is_protected_path("/health")
    assert not is_protected_path("/admin/")


def test_client_ip_must_be_an_address():
    assert client_ip(" 203.0.113.5 ") == "203.0.113.5"
    assert client_ip("2001:db8::1") == "2001:db8::1"
    assert client_ip("203.0.113.5, 10.0.0.1") is None
    assert client_ip("") is None


def test_secret_matching_needs_both_sides():
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cret", "s3cre")
    assert not secret_matches("", "")
    assert not secret_matches("s3cret", "")
