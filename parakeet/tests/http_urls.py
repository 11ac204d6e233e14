"""Test-only probe views around the real URLconf (``@pytest.mark.urls``).

Each probe exercises one cross-cutting rule: every method on both slash forms, body and
query validation, NaN rendering, and unexpected errors from async, sync and plain views.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
from adrf.views import APIView as AsyncAPIView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView as SyncAPIView

from parakeet.fields import QueryBooleanField, greater_than
from parakeet.routing import route
from parakeet.urls import handler400, handler403, handler404, handler500
from parakeet.urls import urlpatterns as project_urlpatterns
from parakeet.validation import parse_body, parse_path_int, parse_query

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

SECRET_TEXT = "db password is hunter2"


class Public(AsyncAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class PublicSync(SyncAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class EchoView(Public):
    async def get(self, request: Request) -> Response:
        return Response({"method": "GET"})

    async def post(self, request: Request) -> Response:
        return Response({"method": "POST"})

    async def patch(self, request: Request) -> Response:
        return Response({"method": "PATCH"})

    async def delete(self, request: Request) -> Response:
        return Response(status=204)


class OrderSerializer(serializers.Serializer[Any]):
    ticker = serializers.CharField(max_length=5)
    direction = serializers.ChoiceField(choices=["BUY", "SELL"])
    quantity = serializers.FloatField(validators=[greater_than(0)])
    lots = serializers.IntegerField(required=False, min_value=1)
    day = serializers.DateField(required=False)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)
    at = serializers.DateTimeField(required=False)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    score = serializers.FloatField(required=False, min_value=0, max_value=1)
    note = serializers.CharField(required=False, min_length=2)
    active = serializers.BooleanField(required=False)


class BodyView(Public):
    async def post(self, request: Request) -> Response:
        return Response(parse_body(request, OrderSerializer))

    async def patch(self, request: Request) -> Response:
        return Response(parse_body(request, OrderSerializer, required=False))


class DrfDataView(PublicSync):
    """Uses DRF directly (request.data, is_valid(raise_exception=True))."""

    def post(self, request: Request) -> Response:
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class ListingQuery(serializers.Serializer[Any]):
    active = QueryBooleanField(required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    since = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=["OPEN", "CLOSED"], required=False)


class QueryView(Public):
    async def get(self, request: Request) -> Response:
        return Response(parse_query(request, ListingQuery))


class ItemView(Public):
    async def get(self, request: Request, item_id: str) -> Response:
        return Response({"id": parse_path_int("item_id", item_id)})


class NanView(Public):
    async def get(self, request: Request) -> Response:
        return Response(
            {
                "nan": math.nan,
                "inf": math.inf,
                "ninf": -math.inf,
                "ok": 1.5,
                "nested": {"values": [1.0, math.nan, {"deep": math.inf}], "pair": (math.nan, 2)},
                "decimal": Decimal("NaN"),
                "np_nan": np.float64("nan"),
                "np32_inf": np.float32("inf"),
                "np_array": np.array([1.0, np.nan]),
            }
        )


class AsyncBoomView(Public):
    async def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET_TEXT)

    async def post(self, request: Request) -> Response:
        raise RuntimeError(SECRET_TEXT)


class SyncBoomView(PublicSync):
    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET_TEXT)


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_TEXT)


class BoomMiddleware:
    """Raises below the JSON error middleware for one path: Django's handler500 answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/probe/middleware-boom":
            raise RuntimeError(SECRET_TEXT)
        return self.get_response(request)


def plain_ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns: list[URLPattern | URLResolver] = [
    route("probe/echo", EchoView.as_view()),
    route("probe/body", BodyView.as_view()),
    route("probe/drf", DrfDataView.as_view()),
    route("probe/query", QueryView.as_view()),
    route("probe/items/<item_id>", ItemView.as_view()),
    route("probe/nan", NanView.as_view()),
    route("probe/boom/async", AsyncBoomView.as_view()),
    route("probe/boom/sync", SyncBoomView.as_view()),
    route("probe/boom/plain", plain_boom),
    route("probe/middleware-boom", plain_ok),
    *project_urlpatterns,
]
