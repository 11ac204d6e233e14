"""API Gateway stage prefixes: ``/dev/health`` on the default domain is Django's ``/health``.

On the default ``*.execute-api.*`` domain a named stage is part of the URL the client used
(``https://id.execute-api.region.amazonaws.com/dev/health``). HTTP APIs (v2) keep it in
``rawPath``; REST APIs (v1) drop it from ``path`` but keep it in ``requestContext.path``. Either
way the stage belongs in ``SCRIPT_NAME`` so ``request.path``, ``reverse()`` and absolute URLs
carry it. On a custom domain the stage is not in the URL, but a REST API's base path mapping
(``https://api.example.com/v1/health``) is, and becomes ``SCRIPT_NAME`` the same way; for
``$default`` nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

DEFAULT_STAGE = "$default"
DEFAULT_DOMAIN_MARKER = ".execute-api."


def split_stage(event: Mapping[str, Any], path_info: str) -> tuple[str, str]:
    """``(SCRIPT_NAME, PATH_INFO)`` for a request that apig-wsgi mapped to ``path_info``."""
    context = event.get("requestContext")
    if not isinstance(context, Mapping) or "elb" in context:
        return "", path_info
    stage = context.get("stage")
    if not isinstance(stage, str) or stage in ("", DEFAULT_STAGE) or "/" in stage:
        return "", path_info
    if not _on_default_domain(event, context):
        return _base_path_mapping(context, path_info), path_info
    prefix = f"/{stage}"
    if _is_under(path_info, prefix):
        return prefix, path_info[len(prefix) :] or "/"
    client_path = context.get("path")
    if isinstance(client_path, str) and _is_under(client_path, prefix):
        return prefix, path_info
    return "", path_info


def _base_path_mapping(context: Mapping[str, Any], path_info: str) -> str:
    """On a custom domain, a REST API's base path mapping (``/v1``) is in the client's path
    (``requestContext.path``, ``/v1/health``) but not in ``path`` (``/health``)."""
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


def _on_default_domain(event: Mapping[str, Any], context: Mapping[str, Any]) -> bool:
    """False only when we know the request came through a custom domain."""
    domain = context.get("domainName") or _host_header(event)
    if not isinstance(domain, str) or not domain:
        return True
    return DEFAULT_DOMAIN_MARKER in domain


def _host_header(event: Mapping[str, Any]) -> str:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == "host" and isinstance(value, str):
            return value
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == "host" and values:
            return str(values[-1])
    return ""


class StagePrefixMiddleware:
    """WSGI wrapper applying :func:`split_stage` to requests that came through apig-wsgi."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        event = environ.get("apig_wsgi.full_event")
        if isinstance(event, Mapping) and not environ.get("SCRIPT_NAME"):
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = split_stage(
                event, environ.get("PATH_INFO", "/")
            )
        return self.app(environ, start_response)
