"""Contract §1 and §4 over the real URLconf: every route, not a hand-picked few.

The walk reads ``parakeet.urls.urlpatterns``, so a route added later by any app is
covered without touching this file: it must answer on both slash forms without a
redirect, HEAD must mirror GET, and with auth on every ``/api/...`` route except ``/api``
must refuse a request without credentials before doing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve

from parakeet.urls import urlpatterns

REDIRECTS = {301, 302, 303, 307, 308}
# A sample value for each path parameter of the project's routes. A new parameter name
# fails ``test_every_path_parameter_has_a_sample_value`` until it gets one here.
SAMPLE_VALUES = {
    "trade_id": "1",
    "strategy_name": "Momentum",
    "backtest_id": "1",
    "universe_key": "SPX500",
    "region": "US",
    "ticker": "AAPL",
    "id": "1",
}
# Routes that are not ``route()`` patterns, on purpose: Django's admin (its own URLconf,
# session login) and the final catch-all that answers the JSON 404.
NOT_ROUTES = {r"^admin$", "admin/", r"^.*$"}
PARAM = re.compile(r"\(\?P<(?P<name>\w+)>\[\^/\]\+\)")
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    regex: str
    pattern: URLPattern

    @property
    def path(self) -> str:
        """A concrete path, without trailing slash, that this route matches."""
        body = self.regex.removeprefix("^").removesuffix("$").removesuffix("/?")
        body = PARAM.sub(lambda m: SAMPLE_VALUES.get(m["name"], "sample"), body)
        return "/" + body.replace("\\", "")

    @property
    def methods(self) -> list[str]:
        """The HTTP methods the view implements (HEAD follows GET)."""
        view_class = getattr(self.pattern.callback, "view_class", None)
        if view_class is None:
            return ["get"]
        return [
            m
            for m in view_class.http_method_names
            if m not in {"head", "options"} and hasattr(view_class, m)
        ]

    def __str__(self) -> str:
        return self.path


def project_routes() -> list[Route]:
    routes = []
    for entry in urlpatterns:
        regex = str(entry.pattern)
        if regex in NOT_ROUTES:
            continue
        assert isinstance(entry, URLPattern), f"{regex}: only route() patterns are expected"
        routes.append(Route(regex, entry))
    return routes


ROUTES = project_routes()
GET_ROUTES = [r for r in ROUTES if "get" in r.methods]
API_ROUTES = [r for r in ROUTES if r.path.startswith("/api/")]


def test_the_walk_sees_every_app_and_redirects_are_off() -> None:
    assert settings.APPEND_SLASH is False
    prefixes = {r.path.split("/")[2] for r in API_ROUTES}
    assert {"trades", "data", "strategies", "dashboard", "scanner", "universes"} <= prefixes
    assert {"quant2", "validation"} <= prefixes
    assert len(ROUTES) == len({r.path for r in ROUTES})


def test_only_admin_and_the_catch_all_are_not_route_patterns() -> None:
    others = {str(e.pattern) for e in urlpatterns if not isinstance(e, URLPattern)}
    assert others <= NOT_ROUTES
    assert all(isinstance(e, (URLPattern, URLResolver)) for e in urlpatterns)
    assert str(urlpatterns[-1].pattern) == r"^.*$"
    for r in ROUTES:
        assert r.regex.endswith("/?$") or r.regex == "^$", r.regex


def test_every_path_parameter_has_a_sample_value() -> None:
    names = {m["name"] for r in ROUTES for m in PARAM.finditer(r.regex)}
    assert names <= set(SAMPLE_VALUES), names - set(SAMPLE_VALUES)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_both_slash_forms_resolve_to_this_route(route: Route) -> None:
    """Literal segments win over parameters, and the slash form reaches the same view."""
    for path in {route.path, route.path.rstrip("/") + "/"}:
        match = resolve(path)
        assert match.func is route.pattern.callback, (path, match.route)


@pytest.mark.django_db
@pytest.mark.parametrize("route", GET_ROUTES, ids=str)
def test_get_and_head_answer_directly_on_both_slash_forms(route: Route, settings) -> None:
    settings.PARAKEET_AUTH_REQUIRED = False
    client = Client(raise_request_exception=False)
    for path in {route.path, route.path.rstrip("/") + "/"}:
        get = client.get(path, HTTP_X_REQUEST_ID="walk")
        head = client.head(path, HTTP_X_REQUEST_ID="walk")
        assert get.status_code not in REDIRECTS, path
        assert "Location" not in get, path
        assert get.status_code < 500, (path, get.content[:300])
        assert get.status_code != 405, path
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head["Content-Type"] == get["Content-Type"], path
        assert head["X-Request-ID"] == "walk", path


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_write_methods_answer_directly_on_both_slash_forms(route: Route, settings) -> None:
    """No 301/307/308 for POST, PATCH or DELETE either (an empty body is a 422 or a 405)."""
    settings.PARAKEET_AUTH_REQUIRED = False
    client = Client(raise_request_exception=False)
    for method in WRITE_METHODS:
        for path in (route.path, route.path.rstrip("/") + "/"):
            response = getattr(client, method)(path, data="{", content_type="application/json")
            assert response.status_code not in REDIRECTS, (method, path)
            assert "Location" not in response, (method, path)
            if method in route.methods:
                assert response.status_code in {400, 404, 409, 422}, (method, path)
            else:
                assert response.status_code == 405, (method, path)
                assert response["Content-Type"] == "application/json", (method, path)
                assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.django_db
@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_with_auth_on_every_api_route_needs_credentials(route: Route, settings) -> None:
    settings.PARAKEET_AUTH_REQUIRED = True
    client = Client(raise_request_exception=False)
    for method in route.methods:
        for path in (route.path, route.path + "/"):
            if method == "get":
                response = client.get(path)
            else:
                response = getattr(client, method)(path, "{}", content_type="application/json")
            assert response.status_code == 401, (method, path, response.content[:200])
            assert response.json() == {"detail": "Not authenticated"}
            assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/api", "/api/", "/", "/health", "/openapi.json", "/docs"])
def test_with_auth_on_the_index_root_health_and_docs_stay_public(path: str, settings) -> None:
    settings.PARAKEET_AUTH_REQUIRED = True
    assert Client().get(path).status_code == 200
