"""OpenAPI document and docs pages (contract §1 "Docs"), checked over every path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

TAGS = [
    "trades",
    "data",
    "strategies",
    "dashboard",
    "scanner",
    "universes",
    "quant2",
    "validation",
    "health",
    "root",
]
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
DOCS_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
CDN_HOSTS = ("cdn.", "jsdelivr", "unpkg", "googleapis", "gstatic", "cloudflare")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = Client().get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_openapi_json_is_an_openapi_3_document(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Quant Trading Dashboard API"
    assert schema["info"]["version"] == "2.0.0"
    assert [tag["name"] for tag in schema["tags"]] == TAGS


def test_security_schemes_are_declared(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


@pytest.mark.parametrize("path", ["/openapi.json", "/openapi.json/"])
def test_openapi_json_is_served_as_json_on_both_slash_forms(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    assert json.loads(response.content)["openapi"].startswith("3.")


def test_paths_are_spelled_as_in_the_contract(schema: dict[str, Any]) -> None:
    assert {"/", "/health", "/api"} <= set(schema["paths"])
    for path in schema["paths"]:
        assert path == "/" or not path.endswith("/"), path
        assert "\\" not in path, path
        assert re.fullmatch(r"/[A-Za-z0-9_\-./{}]*", path), path


def test_every_operation_documents_a_2xx_body_and_its_request_body(
    schema: dict[str, Any],
) -> None:
    """Generic over all paths: covers endpoints added later by any app."""
    problems: list[str] = []
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        success = {
            code: response
            for code, response in operation.get("responses", {}).items()
            if str(code).startswith("2")
        }
        if not success:
            problems.append(f"{where}: no 2xx response")
        for code, response in success.items():
            if code == "204":
                continue  # No Content: nothing to describe
            content = response.get("content") or {}
            if not any("schema" in media for media in content.values()):
                problems.append(f"{where}: {code} response has no schema")
        if method in {"post", "patch", "put"} and "requestBody" not in operation:
            problems.append(f"{where}: no requestBody")
        if not set(operation.get("tags", [])) <= set(TAGS):
            problems.append(f"{where}: tags {operation.get('tags')} not in the contract's list")
    assert problems == []


def test_schema_generation_is_warning_free_and_valid(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    call_command(
        "spectacular",
        "--format",
        "openapi-json",
        "--fail-on-warn",
        "--validate",
        "--file",
        str(target),
    )
    assert json.loads(target.read_text())["info"]["version"] == "2.0.0"


def assert_local_assets(client: Client, html: str) -> list[str]:
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    lowered = html.lower()
    for host in CDN_HOSTS:
        assert host not in lowered, host
    assets = ASSET.findall(html)
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    return assets


@pytest.mark.parametrize("path", ["/docs", "/docs/"])
def test_swagger_ui_is_served_from_local_assets(path: str) -> None:
    client = Client()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = assert_local_assets(client, html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    assert '"/openapi.json"' in html
    assert '"/docs/oauth2-redirect"' in html  # where OAuth2 sign-in returns


@pytest.mark.parametrize("path", ["/docs/oauth2-redirect", "/docs/oauth2-redirect/"])
def test_oauth2_redirect_page_is_local_on_both_slash_forms(path: str) -> None:
    client = Client()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assets = assert_local_assets(client, response.content.decode())
    assert [a.rsplit("/", 1)[-1] for a in assets] == ["oauth2-redirect.js"]


@pytest.mark.parametrize("path", ["/redoc", "/redoc/"])
def test_redoc_is_served_from_local_assets(path: str) -> None:
    client = Client()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = assert_local_assets(client, html)
    assert any(a.endswith("redoc.standalone.js") for a in assets)
    assert 'spec-url="/openapi.json"' in html


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_are_public_even_with_a_stale_token(settings, path: str) -> None:
    settings.PARAKEET_AUTH_REQUIRED = True
    response = Client().get(path, headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 200


def test_every_route_of_the_urlconf_is_documented_with_each_of_its_methods(
    schema: dict[str, Any],
) -> None:
    """The URLconf walk and the document agree, so no endpoint escapes the checks above."""
    from parakeet.tests.test_http_urlconf import PARAM, ROUTES

    undocumented: list[str] = []
    for route in ROUTES:
        body = route.regex.removeprefix("^").removesuffix("$").removesuffix("/?")
        path = "/" + PARAM.sub(lambda m: "{" + m["name"] + "}", body).replace("\\", "")
        if path in DOCS_PAGES:
            continue  # the documentation itself, not API operations
        documented = set(schema["paths"].get(path, {})) & METHODS
        missing = set(route.methods) - documented
        if missing:
            undocumented.append(f"{path}: {sorted(missing)}")
    assert undocumented == []
