"""URL patterns that answer on both trailing-slash forms, without redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

_PARAM = re.compile(r"<(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")


def route_regex(pattern: str) -> str:
    """The regex for a route: literal text matched exactly, ``<name>`` as one path segment."""
    body, pos = "", 0
    stripped = pattern.strip("/")
    for match in _PARAM.finditer(stripped):
        body += re.escape(stripped[pos : match.start()]) + f"(?P<{match['name']}>[^/]+)"
        pos = match.end()
    body += re.escape(stripped[pos:])
    return f"^{body}/?$" if body else "^$"


def route(pattern: str, view: Callable[..., Any], name: str | None = None) -> URLPattern:
    """``route("api/trades/<trade_id>", view)`` matches ``/api/trades/7`` and ``/api/trades/7/``.

    Parameters match one path segment and reach the view as strings, so the view can
    answer a malformed value with the contract's 422 instead of a routing 404. Literal
    text is literal: ``openapi.json`` does not match ``/openapiXjson``.
    """
    return re_path(route_regex(pattern), view, name=name)
