"""API Gateway path prefixes: ``/dev/health`` or ``/v1/health`` in the URL is Django's ``/health``.

A prefix in the URL the client used belongs in ``SCRIPT_NAME``, so Django routes the rest
(``request.path_info``) while ``request.path``, ``reverse()`` and absolute URLs keep it.

- **Default domain** (``*.execute-api.*``): a named stage is in the URL
  (``https://id.execute-api.region.amazonaws.com/dev/health``). HTTP APIs (v2) keep it in
  ``rawPath``; REST APIs (v1) drop it from ``path`` but keep it in ``requestContext.path``.
  ``$default`` has no prefix.
- **Custom domain**: the stage is never in the URL, but an API mapping's path (HTTP API mapping
  key, REST base path) is: ``https://api.example.com/v1/health``. HTTP APIs keep it in
  ``rawPath`` and ``requestContext.http.path`` yet match routes without it, and nothing else in
  the event names it. It is found, first answer wins:

  1. the matched route, ``routeKey`` (HTTP) or ``resource`` (REST) with ``pathParameters``
     filled in, is how the path ends; what comes before it is the mapping (the ``$default``
     route names no path, so it can't tell);
  2. ``PARAKEET_API_GATEWAY_BASE_PATH``: the mapping paths this function is served under;
  3. REST: ``requestContext.path`` carries the mapping when ``path`` does not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.conf import settings

DEFAULT_STAGE = "$default"
# API Gateway's own hosts (regional/edge ``id.execute-api.region.amazonaws.com``, private
# ``vpce-...execute-api...``) and Lambda function URLs: no API mapping in front of them.
DEFAULT_DOMAIN_MARKERS = (".execute-api.", ".lambda-url.")
BASE_PATH_SETTING = "PARAKEET_API_GATEWAY_BASE_PATH"
_ROUTE_PARAMETER = re.compile(r"\{([^{}]+?)\+?\}")


def split_stage(
    event: Mapping[str, Any], path_info: str, base_paths: Iterable[str] = ()
) -> tuple[str, str]:
    """``(SCRIPT_NAME, PATH_INFO)`` for a request that apig-wsgi mapped to ``path_info``.

    ``base_paths`` are the custom-domain mapping paths this function may be served under
    (``/v1``, ``/orders/v2``); they only apply on a custom domain.
    """
    context = event.get("requestContext")
    if not isinstance(context, Mapping) or "elb" in context:
        return "", path_info
    if _on_default_domain(event, context):
        return _stage_prefix(context, path_info)
    return _mapping_prefix(event, context, path_info, base_paths)


def _stage_prefix(context: Mapping[str, Any], path_info: str) -> tuple[str, str]:
    stage = context.get("stage")
    if not isinstance(stage, str) or stage in ("", DEFAULT_STAGE) or "/" in stage:
        return "", path_info
    prefix = f"/{stage}"
    if _is_under(path_info, prefix):
        return prefix, path_info[len(prefix) :] or "/"
    client_path = context.get("path")
    if isinstance(client_path, str) and _is_under(client_path, prefix):
        return prefix, path_info
    return "", path_info


def _mapping_prefix(
    event: Mapping[str, Any],
    context: Mapping[str, Any],
    path_info: str,
    base_paths: Iterable[str],
) -> tuple[str, str]:
    """On a custom domain: the API mapping's path, moved from ``path_info`` to ``SCRIPT_NAME``."""
    prefix = _route_prefix(event, path_info)
    if prefix is None:
        prefix = next((p for p in _longest_first(base_paths) if _is_under(path_info, p)), "")
    if prefix:
        return prefix, path_info[len(prefix) :] or "/"
    # REST APIs: the mapping may be only in the client's path (``requestContext.path``).
    return _base_path_mapping(context, path_info), path_info


def _route_prefix(event: Mapping[str, Any], path_info: str) -> str | None:
    """What ``path_info`` has before the path the matched route saw, or None if unknown.

    HTTP APIs name the route in ``routeKey`` (``ANY /api/trades/{proxy+}``; ``$default`` names
    none), REST APIs in ``resource``; ``pathParameters`` fill in the parameters.
    """
    template = _route_template(event)
    if template is None:
        return None
    parameters = event.get("pathParameters") or {}
    if not isinstance(parameters, Mapping):
        return None
    # pathParameters come decoded; if one ever does not, its unquoted form is tried too.
    for decode in (_wsgi_str, _unquoted_wsgi_str):
        route_path = _expand(template, parameters, decode)
        if route_path is not None:
            prefix = _prefix_before(path_info, route_path)
            if prefix is not None:
                return prefix
    return None


def _route_template(event: Mapping[str, Any]) -> str | None:
    route_key = event.get("routeKey")
    template: object = event.get("resource")  # REST API: "/{proxy+}"
    if isinstance(route_key, str):  # HTTP API: "METHOD /path" or "$default"
        template = route_key.partition(" ")[2]
    if isinstance(template, str) and template.startswith("/"):
        return template
    return None


def _expand(
    template: str, parameters: Mapping[str, Any], decode: Callable[[str], str]
) -> str | None:
    values: list[str] = []
    for name in _ROUTE_PARAMETER.findall(template):
        value = parameters.get(name)
        if not isinstance(value, str):
            return None
        values.append(decode(value))
    pieces = iter(values)
    return _ROUTE_PARAMETER.sub(lambda _: next(pieces), template)


def _prefix_before(path_info: str, route_path: str) -> str | None:
    """``/v1`` for ``/v1/api/trades/`` and route path ``/api/trades/``; None if it doesn't end so.

    Trailing slashes are ignored on both sides (``ANY /api/trades`` serves ``/api/trades/``).
    """
    path, route = path_info.rstrip("/"), route_path.rstrip("/")
    if not path.endswith(route):
        return None
    prefix = path[: len(path) - len(route)]
    if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
        return None
    return prefix


def _wsgi_str(value: str) -> str:
    """A decoded path parameter as apig-wsgi's ``PATH_INFO`` spells it (UTF-8 bytes as latin-1)."""
    return value.encode("utf-8", "replace").decode("iso-8859-1")


def _unquoted_wsgi_str(value: str) -> str:
    return _wsgi_str(unquote(value))


def _base_path_mapping(context: Mapping[str, Any], path_info: str) -> str:
    """A REST API's base path mapping (``/v1``) in the client's path (``requestContext.path``,
    ``/v1/health``) but not in ``path`` (``/health``)."""
    client_path = context.get("path")
    if not isinstance(client_path, str) or path_info in ("", "/"):
        return ""
    if client_path != path_info and client_path.endswith(path_info):
        prefix = client_path[: -len(path_info)]
        if prefix.startswith("/") and not prefix.endswith("/"):
            return prefix
    return ""


def _is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _longest_first(base_paths: Iterable[str]) -> list[str]:
    return sorted(base_paths, key=len, reverse=True)


def _on_default_domain(event: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """False only when we know the request came through a custom domain."""
    domain = context.get("domainName") or _host_header(event)
    if not isinstance(domain, str) or not domain:
        return True
    return any(marker in domain for marker in DEFAULT_DOMAIN_MARKERS)


def _host_header(event: Mapping[str, Any]) -> str:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == "host" and isinstance(value, str):
            return value
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == "host" and values:
            return str(values[-1])
    return ""


def configured_base_paths() -> tuple[str, ...]:
    """``settings.PARAKEET_API_GATEWAY_BASE_PATH`` (from the environment variable of that name).

    A string of comma-separated mapping paths (``v1`` or ``/v1,/orders/v2``) or a list of them.
    """
    value = getattr(settings, BASE_PATH_SETTING, "")
    if not isinstance(value, str):
        value = ",".join(value)
    return parse_base_paths(value)


@functools.lru_cache(maxsize=8)
def parse_base_paths(value: str) -> tuple[str, ...]:
    """``"v1, /orders/v2/"`` -> ``("/v1", "/orders/v2")``: one leading slash, no trailing one."""
    paths = (part.strip().strip("/") for part in value.split(","))
    return tuple(f"/{path}" for path in paths if path)


class StagePrefixMiddleware:
    """WSGI wrapper applying :func:`split_stage` to requests that came through apig-wsgi."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        event = environ.get("apig_wsgi.full_event")
        if isinstance(event, Mapping) and not environ.get("SCRIPT_NAME"):
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = split_stage(
                event, environ.get("PATH_INFO", "/"), configured_base_paths()
            )
        return self.app(environ, start_response)
