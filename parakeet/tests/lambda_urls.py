"""Test-only URLconf for the Lambda handler tests: echo views in front of the real routes."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, reverse
from django.views.decorators.csrf import csrf_exempt


def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "path": request.path,
            "path_info": request.path_info,
            "script_name": request.META.get("SCRIPT_NAME", ""),
            "absolute_uri": request.build_absolute_uri(),
            "reversed": reverse("lambda-echo"),
            "query": {key: request.GET.getlist(key) for key in request.GET},
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "cookies": dict(request.COOKIES),
            "origin_secret_header": request.META.get("HTTP_X_PARAKEET_ORIGIN_SECRET"),
        }
    )


@csrf_exempt
def binary_echo(request: HttpRequest) -> HttpResponse:
    """Answer with the request body reversed, as octets (a binary response)."""
    return HttpResponse(request.body[::-1], content_type="application/octet-stream")


def set_cookies(request: HttpRequest) -> JsonResponse:
    response = JsonResponse({"ok": True})
    response.set_cookie("first", "1", httponly=True)
    response.set_cookie("second", "2", samesite="Lax")
    return response


def database_session(request: HttpRequest) -> JsonResponse:
    """The server process behind this container's database connection (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return JsonResponse({"backend_pid": pid, "connection_id": id(connection.connection)})


urlpatterns = [
    path("db", database_session),
    path("echo", echo, name="lambda-echo"),
    path("api/echo", echo),
    path("binary", binary_echo),
    path("cookies", set_cookies),
    path("", include("parakeet.urls")),
]
