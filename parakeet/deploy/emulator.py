"""A local Lambda: HTTP requests in, the real handler in-process, HTTP responses out.

Every request becomes an API Gateway HTTP API (v2) event, goes through
``parakeet.lambda_handler.handler`` exactly as on Lambda (apig-wsgi, stage prefix, edge check,
Django), and the handler's result is written back: status, headers, ``cookies`` as
``Set-Cookie``, base64 bodies decoded. ``POST /2015-03-31/functions/<name>/invocations`` is
Lambda's own Invoke API, so ``manage.py invoke``/``manage`` with ``--endpoint-url`` can send
raw events and command events to it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.db import connections

from parakeet.deploy.http_events import HttpRequest, http_api_event, http_response

logger = logging.getLogger("parakeet.serve_lambda")

LambdaHandler = Callable[[Any, Any], Any]
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}
)
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


@dataclass
class LambdaContext:
    """The parts of Lambda's context object the handler and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 29
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = int((time.monotonic() - self.started) * 1000)
        return max(0, self.timeout_s * 1000 - elapsed_ms)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: LambdaHandler,
        *,
        function_name: str = "parakeet-local-trades",
        memory_mb: int = 512,
        timeout_s: int = 29,
    ) -> None:
        super().__init__(address, EmulatorRequestHandler)
        self.lambda_handler = handler
        self.function_name = function_name
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s

    def context(self, function_name: str | None = None) -> LambdaContext:
        return LambdaContext(
            function_name=function_name or self.function_name,
            memory_limit_in_mb=self.memory_mb,
            timeout_s=self.timeout_s,
        )

    def call(self, event: Any, context: LambdaContext) -> Any:
        try:
            return self.lambda_handler(event, context)
        finally:
            # Each request runs on its own short-lived thread: close its connections.
            connections.close_all()


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    server: EmulatorServer
    protocol_version = "HTTP/1.1"

    def handle_any(self) -> None:
        body = self.read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        invoke = INVOKE_PATH.match(split.path)
        if invoke and self.command == "POST":
            self.invoke_api(unquote(invoke.group("name")), split.query, body)
        else:
            self.http_api(split.path or "/", split.query, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    def read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Length Required")
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.send_error(413, "Payload Too Large")
            return None
        return self.rfile.read(length) if length else b""

    # --- API Gateway HTTP API ---------------------------------------------------------------

    def http_api(self, path: str, query: str, body: bytes) -> None:
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        event = http_api_event(request)
        response = http_response(self.server.call(event, self.server.context()))
        self.send_response(response.status)
        length = str(len(response.body))
        for name, value in response.headers:
            if name.lower() == "content-length" and self.command == "HEAD":
                length = value
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    # --- Lambda Invoke API ------------------------------------------------------------------

    def invoke_api(self, name: str, query: str, body: bytes) -> None:
        qualifier = parse_qs(query).get("Qualifier", ["$LATEST"])[0]
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            self.send_json(
                400, {"Type": "User", "message": "Could not parse request body into json"}
            )
            return
        function_name = function_name_of(name)
        context = self.server.context(function_name)
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            self.send_json(204, None)
            return
        if invocation_type == "Event":
            threading.Thread(
                target=self.server.call, args=(event, context), name="invoke-event", daemon=True
            ).start()
            self.send_json(202, None)
            return
        try:
            result = self.server.call(event, context)
        except Exception as exc:  # the real handler never raises; a stand-in might
            logger.exception("Invocation of %s failed", function_name)
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            self.send_json(200, error, {"X-Amz-Function-Error": "Unhandled"})
            return
        self.send_json(200, result, {"X-Amz-Executed-Version": qualifier})

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)


def function_name_of(name_or_arn: str) -> str:
    """``parakeet-dev-ingest`` from a name, ``name:qualifier`` or a function ARN."""
    parts = name_or_arn.split(":")
    if name_or_arn.startswith("arn:") and len(parts) > 6:
        return parts[6]
    return parts[0]


def make_server(
    handler: LambdaHandler,
    *,
    host: str = "127.0.0.1",
    port: int = 9000,
    function_name: str = "parakeet-local-trades",
    memory_mb: int = 512,
    timeout_s: int = 29,
) -> EmulatorServer:
    return EmulatorServer(
        (host, port),
        handler,
        function_name=function_name,
        memory_mb=memory_mb,
        timeout_s=timeout_s,
    )
