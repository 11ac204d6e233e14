"""Root, health and API-index endpoints (public)."""

from __future__ import annotations

from typing import Any

from adrf.views import APIView
from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

ROUTERS: list[tuple[str, str]] = [
    ("trades", "Trade management"),
    ("data", "Data refresh & status"),
    ("strategies", "Strategy backtesting"),
    ("dashboard", "Dashboard data"),
    ("scanner", "Stock scanning"),
    ("universes", "Stock universes"),
    ("quant2", "Quant 2.0 analytics"),
    ("validation", "Backtest validation (PSR/DSR)"),
]


def utc_now_iso() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


class PublicView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class HealthView(PublicView):
    @extend_schema(
        tags=["health"],
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "app": serializers.CharField(),
                "version": serializers.CharField(),
                "timestamp": serializers.DateTimeField(),
            },
        ),
    )
    async def get(self, request: Request) -> Response:
        return Response(
            {
                "status": "healthy",
                "app": settings.APP_NAME,
                "version": settings.APP_VERSION,
                "timestamp": utc_now_iso(),
            }
        )


class RootView(PublicView):
    @extend_schema(
        tags=["root"],
        responses=inline_serializer(
            "Root",
            {
                "message": serializers.CharField(),
                "version": serializers.CharField(),
                "docs": serializers.CharField(),
                "health": serializers.CharField(),
                "endpoints": serializers.DictField(child=serializers.CharField()),
                "data_sources": serializers.DictField(child=serializers.CharField()),
            },
        ),
    )
    async def get(self, request: Request) -> Response:
        return Response(
            {
                "message": "Quant Trading Dashboard API v2.0",
                "version": settings.APP_VERSION,
                "docs": "/docs",
                "health": "/health",
                "endpoints": {name: f"/api/{name}" for name, _ in ROUTERS},
                "data_sources": {
                    "tiingo": "US Stocks, ETFs, Mutual Funds, Gold (Premium)",
                    "yfinance": "ASX Stocks, ASX ETFs, VIX, BTC",
                },
            }
        )


class ApiIndexView(PublicView):
    @extend_schema(
        tags=["root"],
        responses=inline_serializer(
            "ApiIndex",
            {
                "api_version": serializers.CharField(),
                "endpoints": inline_serializer(
                    "ApiIndexEntry",
                    {"path": serializers.CharField(), "description": serializers.CharField()},
                    many=True,
                ),
            },
        ),
    )
    async def get(self, request: Request) -> Response:
        return Response(
            {
                "api_version": settings.APP_VERSION,
                "endpoints": [
                    {"path": f"/api/{name}", "description": description}
                    for name, description in ROUTERS
                ],
            }
        )
