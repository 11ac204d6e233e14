"""Cross-cutting HTTP behaviour: request ids, HEAD, JSON errors."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from parakeet.errors import json_for_django_exception
from parakeet.request_context import new_request_id, set_request_id

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class RequestIdMiddleware:
    """Echo a valid ``X-Request-ID`` or mint one; it is on every response and log line."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        set_request_id(request_id)
        request.META["PARAKEET_REQUEST_ID"] = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
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
