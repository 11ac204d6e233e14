"""API Gateway HTTP API (payload format 2.0) events, as API Gateway would send them.

Used by the deploy smoke test (``GET /health`` on a new version) and by ``serve_lambda``,
which turns each local HTTP request into one of these and answers with the handler's result.
"""

from __future__ import annotations

import base64
import contextlib
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

LOCAL_ACCOUNT = "000000000000"
LOCAL_API_ID = "local"
TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/problem+json",
)


@dataclass
class HttpRequest:
    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    request_id: str = ""
    stage: str = "$default"


def is_text(content_type: str) -> bool:
    value = content_type.split(";")[0].strip().lower()
    return value.startswith(TEXT_TYPES) or value.endswith(("+json", "+xml"))


def http_api_event(request: HttpRequest, *, now: datetime | None = None) -> dict[str, Any]:
    """The v2 event for ``request``: lower-cased headers (repeats joined with ``,``), cookies
    as a list, a base64 body unless it is UTF-8 text of a textual content type."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    when = now or datetime.now(UTC)
    host = headers.get("host", "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT,
            "apiId": LOCAL_API_ID,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": request.method.upper(),
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request.request_id or uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": request.stage,
            "time": when.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(when.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if request.query:
        event["queryStringParameters"] = query_parameters(request.query)
    if request.body:
        if is_text(headers.get("content-type", "")):
            with contextlib.suppress(UnicodeDecodeError):
                event["body"] = request.body.decode("utf-8")
        if "body" not in event:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def query_parameters(query: str) -> dict[str, str]:
    """API Gateway's ``queryStringParameters``: repeated names joined with commas."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params


def health_event(path: str, host: str) -> dict[str, Any]:
    """``GET path`` as the API would receive it on ``host`` (which must be in ALLOWED_HOSTS)."""
    return http_api_event(
        HttpRequest(
            method="GET",
            path=path,
            headers=[
                ("host", host),
                ("accept", "application/json"),
                ("user-agent", "parakeet-deploy-smoke"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-port", "443"),
            ],
            source_ip="127.0.0.1",
            request_id=f"deploy-smoke-{int(time.time())}",
        )
    )


# --- responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_response(result: Any) -> HttpResponse:
    """The HTTP response a v2 (or v1/ALB) Lambda result stands for.

    ``cookies`` become ``Set-Cookie`` headers; base64 bodies are decoded. A result that is not
    an HTTP response (the handler's ``{"error": ...}``) becomes a 502, as API Gateway does.
    """
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        body = b'{"message":"Internal Server Error"}'
        return HttpResponse(502, [("content-type", "application/json")], body)
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    multi_names = {str(name).lower() for name in multi}
    for name, value in (result.get("headers") or {}).items():
        if str(name).lower() not in multi_names:
            headers.append((str(name), str(value)))
    for name, values in multi.items():
        headers.extend((str(name), str(v)) for v in _as_list(values))
    headers.extend(("set-cookie", str(c)) for c in _as_list(result.get("cookies")))
    raw = result.get("body") or ""
    if result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    return HttpResponse(int(result["statusCode"]), headers, body)


def _as_list(values: Any) -> Iterable[Any]:
    if values is None:
        return []
    if isinstance(values, list | tuple):
        return values
    return [values]
