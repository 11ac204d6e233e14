"""Cross-cutting HTTP behaviour: request ids, CORS, HEAD, JSON errors."""

from __future__ import annotations

import re
from collections.abc import Callable

from corsheaders import middleware as cors
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from parakeet.errors import json_for_django_exception
from parakeet.request_context import new_request_id, reset_request_id, set_request_id

GetResponse = Callable[[HttpRequest], HttpResponseBase]

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class RequestIdMiddleware:
    """Echo a valid ``X-Request-ID`` or mint one; it is on every response and log line.

    Outermost, so CORS preflight answers and error pages carry the id too.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        token = set_request_id(request_id)
        request.META["PARAKEET_REQUEST_ID"] = request_id
        try:
            response = self.get_response(request)
        finally:
            # Log lines after this request (same thread or task) don't inherit its id.
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


class CorsMiddleware(cors.CorsMiddleware):
    """django-cors-headers, with preflight answers echoing the requested headers.

    Browsers list the headers a request will carry in ``Access-Control-Request-Headers``;
    an allowed origin gets them back (with the configured ones) so no header is refused.
    Disallowed origins still get no CORS headers at all.
    """

    def add_response_headers(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().add_response_headers(request, response)
        requested = request.headers.get("Access-Control-Request-Headers", "")
        if requested and response.has_header(cors.ACCESS_CONTROL_ALLOW_HEADERS):
            allowed = [h.strip() for h in response[cors.ACCESS_CONTROL_ALLOW_HEADERS].split(",")]
            known = {h.lower() for h in allowed}
            for header in (h.strip() for h in requested.split(",")):
                if _HEADER_NAME.match(header) and header.lower() not in known:
                    allowed.append(header)
                    known.add(header.lower())
            response[cors.ACCESS_CONTROL_ALLOW_HEADERS] = ", ".join(allowed)
        return response


class HeadRequestMiddleware:
    """HEAD answers like GET (status and headers) without a body, on any WSGI server."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "HEAD" and isinstance(response, HttpResponse):
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response


class JsonErrorMiddleware:
    """Turn exceptions that escape a view into the contract's JSON bodies."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        return json_for_django_exception(request, exception)
