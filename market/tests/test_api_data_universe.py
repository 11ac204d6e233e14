"""GET /api/data/universe and /api/data/source/{ticker} (contract §2.2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from market.models import IndexConstituent, Universe
from market.universe_files import load_members
from trades.tests.assertions import assert_validation_error

pytestmark = pytest.mark.django_db

TIINGO_COVERAGE = "US Stocks (NYSE, NASDAQ), US ETFs, Mutual Funds, Chinese A-Shares, Gold"
YFINANCE_COVERAGE = "ASX Stocks, ASX ETFs, VIX Index, Cryptocurrencies (BTC, ETH)"


def tickers(key: str) -> set[str]:
    return {member.ticker for member in load_members(key)}


def is_yfinance(ticker: str) -> bool:
    return ticker.endswith(".AX") or ticker in {
        "^VIX",
        "^GSPC",
        "^DJI",
        "^IXIC",
        "BTC-USD",
        "BTC-AUD",
        "ETH-USD",
    }


def sample(members: set[str]) -> dict[str, Any]:
    return {"count": len(members), "tickers": sorted(members)[:50]}


def expected(*, sp500=True, nasdaq100=True, asx200=True, etfs=True) -> dict[str, Any]:
    sp = tickers("SPX500") if sp500 else set()
    nq = tickers("NASDAQ100") if nasdaq100 else set()
    asx = tickers("ASX200") if asx200 else set()
    us_etfs = tickers("US_ETFS") if etfs else set()
    asx_etfs = tickers("ASX_ETFS") if etfs else set()
    everything = sp | nq | asx | us_etfs | asx_etfs
    yfinance = {t for t in everything if is_yfinance(t)}
    return {
        "total_tickers": len(everything),
        "by_source": {
            "tiingo": {
                **sample(everything - yfinance),
                "coverage": "US Stocks, US ETFs, Mutual Funds, Gold",
            },
            "yfinance": {**sample(yfinance), "coverage": "ASX Stocks, ASX ETFs, VIX, BTC"},
        },
        "etfs": {"us": sample(us_etfs), "asx": sample(asx_etfs)},
        "indices": {"sp500": len(sp), "nasdaq100": len(nq), "asx200": len(asx)},
    }


def test_the_universe_summary_covers_every_index_and_etf_list(api_client):
    response = api_client.get("/api/data/universe")

    assert response.status_code == 200
    body = response.json()
    assert body == expected()
    assert body["indices"]["sp500"] >= 500
    assert body["indices"]["asx200"] == 200
    assert body["etfs"]["us"]["count"] == 40
    assert body["etfs"]["asx"]["count"] == 25
    assert len(body["by_source"]["tiingo"]["tickers"]) == 50


def test_excluded_indices_count_zero(api_client):
    response = api_client.get(
        "/api/data/universe/",
        {"include_sp500": "false", "include_etfs": "0", "include_nasdaq100": "NO"},
    )

    assert response.status_code == 200
    assert response.json() == expected(sp500=False, nasdaq100=False, etfs=False)
    assert response.json()["indices"] == {"sp500": 0, "nasdaq100": 0, "asx200": 200}
    assert response.json()["by_source"]["tiingo"] == {
        "count": 0,
        "tickers": [],
        "coverage": "US Stocks, US ETFs, Mutual Funds, Gold",
    }


@pytest.mark.parametrize(
    ("flag", "excluded"),
    [
        ("include_sp500", {"sp500": False}),
        ("include_nasdaq100", {"nasdaq100": False}),
        ("include_asx200", {"asx200": False}),
        ("include_etfs", {"etfs": False}),
    ],
)
def test_each_flag_leaves_out_its_list_alone(api_client, flag, excluded):
    response = api_client.get("/api/data/universe", {flag: "false"})

    assert response.status_code == 200
    assert response.json() == expected(**excluded)


def test_the_flags_default_to_true_and_accept_true_spellings(api_client):
    everything = expected()
    for value in ("true", "1", "yes", "True"):
        params = dict.fromkeys(("include_sp500", "include_asx200", "include_etfs"), value)
        assert api_client.get("/api/data/universe", params).json() == everything


def test_without_loaded_universes_the_summary_is_empty(api_client):
    IndexConstituent.objects.all().delete()
    Universe.objects.all().delete()

    body = api_client.get("/api/data/universe").json()

    assert body["total_tickers"] == 0
    assert body["indices"] == {"sp500": 0, "nasdaq100": 0, "asx200": 0}


def test_a_bad_boolean_is_422(api_client):
    response = api_client.get("/api/data/universe", {"include_etfs": "maybe"})

    assert_validation_error(response, (["query", "include_etfs"], "bool_parsing"))


@pytest.mark.parametrize(
    ("ticker", "source"),
    [
        ("AAPL", "tiingo"),
        ("brk-b", "tiingo"),
        ("BHP.AX", "yfinance"),
        ("cba.ax", "yfinance"),
        ("^VIX", "yfinance"),
        ("^gspc", "yfinance"),
        ("^DJI", "yfinance"),
        ("^IXIC", "yfinance"),
        ("BTC-USD", "yfinance"),
        ("btc-aud", "yfinance"),
        ("ETH-USD", "yfinance"),
        # The contract's rule is narrow: other indices and coins are classed as Tiingo.
        ("^AXJO", "tiingo"),
        ("DOGE-USD", "tiingo"),
    ],
)
def test_the_source_follows_the_contract_rule_and_echoes_the_ticker(api_client, ticker, source):
    response = api_client.get(f"/api/data/source/{quote(ticker)}")

    assert response.status_code == 200
    assert response.json() == {
        "ticker": ticker,
        "source": source,
        "coverage": YFINANCE_COVERAGE if source == "yfinance" else TIINGO_COVERAGE,
    }


def test_the_source_answers_on_the_trailing_slash_form(api_client):
    response = api_client.get("/api/data/source/AAPL/")

    assert response.status_code == 200
    assert response.json()["source"] == "tiingo"
