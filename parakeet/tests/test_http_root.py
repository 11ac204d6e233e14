"""Contract §1 root endpoints: `/`, `/health` and `/api`, exactly."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

ROOT_BODY = {
    "message": "Quant Trading Dashboard API v2.0",
    "version": "2.0.0",
    "docs": "/docs",
    "health": "/health",
    "endpoints": {
        "trades": "/api/trades",
        "data": "/api/data",
        "strategies": "/api/strategies",
        "dashboard": "/api/dashboard",
        "scanner": "/api/scanner",
        "universes": "/api/universes",
        "quant2": "/api/quant2",
        "validation": "/api/validation",
    },
    "data_sources": {
        "tiingo": "US Stocks, ETFs, Mutual Funds, Gold (Premium)",
        "yfinance": "ASX Stocks, ASX ETFs, VIX, BTC",
    },
}

API_INDEX_BODY = {
    "api_version": "2.0.0",
    "endpoints": [
        {"path": "/api/trades", "description": "Trade management"},
        {"path": "/api/data", "description": "Data refresh & status"},
        {"path": "/api/strategies", "description": "Strategy backtesting"},
        {"path": "/api/dashboard", "description": "Dashboard data"},
        {"path": "/api/scanner", "description": "Stock scanning"},
        {"path": "/api/universes", "description": "Stock universes"},
        {"path": "/api/quant2", "description": "Quant 2.0 analytics"},
        {"path": "/api/validation", "description": "Backtest validation (PSR/DSR)"},
    ],
}


@pytest.fixture
def client() -> Client:
    return Client()


def test_root_body_is_exactly_the_contract(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body == ROOT_BODY
    assert list(body) == list(ROOT_BODY)
    assert list(body["endpoints"]) == list(ROOT_BODY["endpoints"])  # all 8 routers, in order


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_api_index_lists_the_eight_routers_in_order(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == API_INDEX_BODY


@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_is_the_contract_body_with_a_utc_z_timestamp(client: Client, path: str) -> None:
    before = datetime.now(UTC)
    body = client.get(path).json()
    assert list(body) == ["status", "app", "version", "timestamp"]
    assert body["status"] == "healthy"
    assert body["app"] == "Quant Trading Dashboard API"
    assert body["version"] == "2.0.0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["timestamp"])
    stamp = datetime.fromisoformat(body["timestamp"])
    assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC) + timedelta(seconds=1)


def test_health_does_not_touch_the_database(client: Client) -> None:
    # No django_db mark: pytest-django makes any query raise, which would answer 500.
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("path", ["/", "/health", "/api"])
def test_root_endpoints_are_public_when_auth_is_required(
    client: Client, settings, path: str
) -> None:
    settings.PARAKEET_AUTH_REQUIRED = True
    assert client.get(path).status_code == 200
