"""/api/market (new): the symbol catalogue and one ticker's bars as column arrays."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from market.models import Symbol
from market.services import upsert_bars
from market.tests.factories import bar_row
from market.universe_files import load_members, load_registry
from trades.tests.assertions import assert_domain_error, assert_validation_error

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
JAN = [dt.date(2024, 1, day) for day in (2, 3, 4, 5)]


def symbols(client, **params):
    response = client.get("/api/market/symbols", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_symbols_of_a_universe_are_its_current_members(api_client):
    body = symbols(api_client, universe="CORE_ETFS", page_size=200)

    expected = sorted(member.ticker for member in load_members("CORE_ETFS"))
    assert [s["ticker"] for s in body["symbols"]] == expected
    assert (body["total"], body["page"], body["page_size"], body["total_pages"]) == (
        15,
        1,
        200,
        1,
    )


def test_a_symbol_has_its_catalogue_fields(api_client):
    upsert_bars(rows=[bar_row("AAPL", day) for day in JAN])

    body = symbols(api_client, search="aapl")

    (aapl,) = [s for s in body["symbols"] if s["ticker"] == "AAPL"]
    assert aapl == {
        "ticker": "AAPL",
        "name": Symbol.objects.get(ticker="AAPL").name,
        "exchange": "",
        "asset_class": "equity",
        "currency": "USD",
        "sector": "",
        "data_source": "tiingo",
        "is_active": True,
        "is_delisted": False,
        "first_bar_date": "2024-01-02",
        "last_bar_date": "2024-01-05",
    }


def test_filters_combine(api_client):
    Symbol.objects.filter(ticker="VAS.AX").update(is_active=False)

    asx_etfs = symbols(api_client, exchange="asx", asset_class="etf", page_size=200)
    active = symbols(api_client, universe="CORE_ETFS", exchange="ASX", active="true")
    by_name = symbols(api_client, search="australian shares INDEX")

    assert all(s["exchange"] == "ASX" for s in asx_etfs["symbols"])
    assert all(s["asset_class"] == "etf" for s in asx_etfs["symbols"])
    assert "VAS.AX" in [s["ticker"] for s in asx_etfs["symbols"]]
    assert [s["ticker"] for s in active["symbols"]] == ["GOLD.AX", "VAF.AX", "VAP.AX", "VGS.AX"]
    assert [s["ticker"] for s in by_name["symbols"]] == ["VAS.AX"]


def test_symbols_are_paginated_by_ticker(api_client):
    first = symbols(api_client, universe="US_ETFS", page_size=15)
    third = symbols(api_client, universe="US_ETFS", page=3, page_size=15)
    past = symbols(api_client, universe="US_ETFS", page=4, page_size=15)

    tickers = sorted(member.ticker for member in load_members("US_ETFS"))
    assert [s["ticker"] for s in first["symbols"]] == tickers[:15]
    assert [s["ticker"] for s in third["symbols"]] == tickers[30:45]
    assert (first["total"], first["total_pages"], past["symbols"]) == (40, 3, [])


def test_an_unknown_universe_parameter_is_400(api_client):
    available = [spec.key for spec in load_registry()]

    response = api_client.get("/api/market/symbols", {"universe": "NOPE"})

    assert_domain_error(response, 400, f"Unknown universe 'NOPE'. Available: {available}")


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"asset_class": "bond"}, "asset_class", "enum"),
        ({"page": 0}, "page", "greater_than_equal"),
        ({"active": "sometimes"}, "active", "bool_parsing"),
    ],
)
def test_bad_symbol_filters_are_422(api_client, params, loc, type_):
    response = api_client.get("/api/market/symbols", params)

    assert_validation_error(response, (["query", loc], type_))


@pytest.fixture
def aapl_bars():
    upsert_bars(
        rows=[
            bar_row("AAPL", JAN[0], 185.64, volume=82488674),
            bar_row("AAPL", JAN[1], 184.25, adj_close=None, volume=58414460),
            bar_row("AAPL", JAN[2], 181.91, volume=71983600),
            bar_row("AAPL", JAN[3], 181.18, volume=62303300),
        ]
    )


def test_prices_come_back_as_column_arrays(api_client, aapl_bars):
    response = api_client.get(
        "/api/market/prices/aapl",
        {"start": "2024-01-03", "end": "2024-01-04", "fields": "close,adj_close,volume"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "ticker": "AAPL",
        "fields": ["close", "adj_close", "volume"],
        "count": 2,
        "dates": ["2024-01-03", "2024-01-04"],
        "close": [184.25, 181.91],
        "adj_close": [None, 181.91],
        "volume": [58414460, 71983600],
    }


def test_every_field_by_default(api_client, aapl_bars):
    body = api_client.get("/api/market/prices/AAPL/").json()

    assert body["fields"] == ["open", "high", "low", "close", "adj_close", "volume"]
    assert body["dates"] == [day.isoformat() for day in JAN]
    first = bar_row("AAPL", JAN[0], 185.64)
    assert (body["open"][0], body["high"][0], body["low"][0]) == (
        float(first.open),
        float(first.high),
        float(first.low),
    )
    assert body["close"][0] == float(Decimal("185.64"))


def test_a_ticker_without_bars_has_empty_arrays(api_client):
    body = api_client.get("/api/market/prices/MSFT", {"fields": "close"}).json()

    assert body == {"ticker": "MSFT", "fields": ["close"], "count": 0, "dates": [], "close": []}


def test_an_unknown_ticker_is_404(api_client):
    assert_domain_error(api_client.get("/api/market/prices/NOPE"), 404, "Unknown ticker 'NOPE'")


@pytest.mark.parametrize(
    ("params", "loc", "type_"),
    [
        ({"fields": "close,vwap"}, "fields", "enum"),
        ({"fields": ","}, "fields", "enum"),
        ({"start": "2024-02-30"}, "start", "date_parsing"),
        ({"start": "2024-01-05", "end": "2024-01-02"}, "end", "value_error"),
    ],
)
def test_bad_price_queries_are_422(api_client, aapl_bars, params, loc, type_):
    response = api_client.get("/api/market/prices/AAPL", params)

    assert_validation_error(response, (["query", loc], type_))


def test_the_views_import_without_pandas():
    script = (
        "import sys, django; django.setup()\n"
        "import market.urls, market.api.data, market.api.universes, market.api.symbols\n"
        "import ingest.tasks, ingest.services, ingest.management.commands.ingest\n"
        "heavy = sorted(n for n in ('pandas', 'pyarrow', 'numpy') if n in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "parakeet.settings", "DJANGO_DEBUG": "true", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"
