"""``/api/quant2`` (contract §2.7, §3.7): residual momentum from stored month-end prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rest_framework.test import APIClient

from strategies.engine.residual_momentum import residual_momentum_ranking
from strategies.tests.run_support import make_universe, seed_prices, temporary_cache

pytestmark = pytest.mark.django_db

RANKED = tuple(f"R{i:02d}" for i in range(8))
ROW_KEYS = [
    "rank",
    "ticker",
    "score",
    "r_squared",
    "beta_mkt",
    "beta_smb",
    "beta_hml",
    "residual_vol",
]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


@pytest.fixture
def stored() -> pd.DataFrame:
    """28 months of stored closes for the ranked tickers and SPY (24 monthly returns are
    needed)."""
    prices = seed_prices((*RANKED, "SPY"), days=600, start=dt.date(2021, 1, 4), universe=None)
    make_universe("RMU", RANKED)
    return prices


def expected_rows(prices: pd.DataFrame) -> list[dict[str, Any]]:
    monthly = prices.resample("ME").last()
    ranking = residual_momentum_ranking(monthly[list(RANKED)], monthly["SPY"], risk_free_rate=0.04)
    return [row.as_dict() for row in ranking.rows]


def test_residual_momentum_ranks_the_universe_from_stored_month_end_prices(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    response = api_client.get("/api/quant2/residual-momentum", {"universe": "RMU", "top_n": "5"})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "universe",
        "universe_name",
        "generated_at",
        "lookback_months",
        "scoring_months",
        "stocks_ranked",
        "top_score",
        "avg_r_squared",
        "rankings",
        "as_of",
        "factor_model",
        "stocks_skipped",
    ]
    rows = expected_rows(stored)
    assert body["universe"] == "RMU"
    assert body["universe_name"] == "RMU test universe"
    assert (body["lookback_months"], body["scoring_months"]) == (36, 12)
    assert body["stocks_ranked"] == len(rows) == len(RANKED)
    assert body["rankings"] == rows[:5]
    assert list(body["rankings"][0]) == ROW_KEYS
    assert body["top_score"] == rows[0]["score"]
    assert body["avg_r_squared"] == round(sum(r["r_squared"] for r in rows) / len(rows), 2)
    assert body["as_of"] == stored.index[-1].date().isoformat()
    assert body["factor_model"] == "market"
    assert body["stocks_skipped"] == 0
    assert body["rankings"][0]["beta_smb"] is None


def test_residual_momentum_is_deterministic_and_can_include_the_bottom(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    query = {"universe": "rmu", "top_n": "5", "include_bottom": "yes"}

    first = api_client.get("/api/quant2/residual-momentum", query).json()
    second = api_client.get("/api/quant2/residual-momentum/", query).json()

    rows = expected_rows(stored)
    assert first["bottom_rankings"] == rows[-5:]
    assert [r["rank"] for r in first["bottom_rankings"]] == [4, 5, 6, 7, 8]
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"top_n": 4}, ["query", "top_n"]),
        ({"top_n": 101}, ["query", "top_n"]),
        ({"include_bottom": "maybe"}, ["query", "include_bottom"]),
    ],
)
def test_bad_residual_momentum_queries_are_422(
    api_client: APIClient, query: dict[str, Any], loc: list[str]
) -> None:
    response = api_client.get("/api/quant2/residual-momentum", query)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_an_unknown_universe_is_400(api_client: APIClient) -> None:
    for path in ("/api/quant2/residual-momentum", "/api/quant2/residual-momentum/all"):
        response = api_client.get(path, {"universe": "MARS"})

        assert response.status_code == 400
        assert response.json()["detail"].startswith("Invalid universe 'MARS'. Available: [")
        assert "'SPX500'" in response.json()["detail"]


def test_a_universe_without_enough_history_is_409(api_client: APIClient) -> None:
    seed_prices(("S1", "S2"), days=200, universe="SHORTU")

    response = api_client.get("/api/quant2/residual-momentum", {"universe": "SHORTU"})
    nothing = api_client.get("/api/quant2/residual-momentum/all", {"universe": "NASDAQ100"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Not enough stored price history for universe 'SHORTU'; "
        "run POST /api/data/refresh"
    }
    assert nothing.status_code == 409


def test_all_sorts_filters_and_renumbers(api_client: APIClient, stored: pd.DataFrame) -> None:
    rows = expected_rows(stored)
    scores = sorted(r["score"] for r in rows)
    low, high = scores[2], scores[-3]

    body = api_client.get(
        "/api/quant2/residual-momentum/all",
        {
            "universe": "RMU",
            "sort_by": "ticker",
            "sort_order": "ASC",
            "min_score": low,
            "max_score": high,
        },
    ).json()

    assert list(body)[:10] == [
        "universe",
        "universe_name",
        "generated_at",
        "total_stocks",
        "filtered_stocks",
        "sort_by",
        "sort_order",
        "min_score",
        "max_score",
        "stocks",
    ]
    kept = sorted((r for r in rows if low <= r["score"] <= high), key=lambda r: r["ticker"])
    assert body["total_stocks"] == len(RANKED)
    assert body["filtered_stocks"] == len(kept) == len(RANKED) - 4
    assert [s["ticker"] for s in body["stocks"]] == [r["ticker"] for r in kept]
    assert [s["rank"] for s in body["stocks"]] == list(range(1, len(kept) + 1))
    assert (body["sort_by"], body["sort_order"]) == ("ticker", "asc")
    assert (body["min_score"], body["max_score"]) == (low, high)


def test_all_defaults_to_score_descending(api_client: APIClient, stored: pd.DataFrame) -> None:
    body = api_client.get("/api/quant2/residual-momentum/all", {"universe": "RMU"}).json()

    assert [s["ticker"] for s in body["stocks"]] == [r["ticker"] for r in expected_rows(stored)]
    assert (body["sort_by"], body["sort_order"]) == ("score", "desc")


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"sort_by": "alpha"}, ["query", "sort_by"]),
        ({"sort_order": "up"}, ["query", "sort_order"]),
        ({"min_score": 2, "max_score": 1}, ["query", "min_score"]),
        ({"min_score": "x"}, ["query", "min_score"]),
    ],
)
def test_bad_all_queries_are_422(
    api_client: APIClient, query: dict[str, Any], loc: list[str]
) -> None:
    response = api_client.get("/api/quant2/residual-momentum/all", {"universe": "RMU", **query})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_validate_universe(api_client: APIClient) -> None:
    make_universe("TINY", ["BBB", "AAA"])

    valid = api_client.get("/api/quant2/validate-universe", {"universe": "TINY"}).json()
    invalid = api_client.get("/api/quant2/validate-universe", {"universe": "MARS"})
    missing = api_client.get("/api/quant2/validate-universe")

    assert valid == {
        "universe": "TINY",
        "valid": True,
        "ticker_count": 2,
        "sample_tickers": ["AAA", "BBB"],
        "api_status": "OK",
    }
    assert invalid.status_code == 200
    body = invalid.json()
    assert (body["valid"], body["ticker_count"], body["sample_tickers"]) == (False, 0, [])
    assert body["api_status"].startswith("Unknown universe. Available: ['SPX500'")
    assert missing.status_code == 422
    assert missing.json()["detail"][0] == {
        "loc": ["query", "universe"],
        "msg": "This field is required.",
        "type": "missing",
    }


def test_universes_summary_lists_every_universe(api_client: APIClient) -> None:
    body = api_client.get("/api/quant2/universes-summary").json()

    assert list(body) == ["generated_at", "total_universes", "universes"]
    keys = [u["key"] for u in body["universes"]]
    assert keys[:8] == [
        "SPX500",
        "NASDAQ100",
        "RUSSELL2000",
        "US_ETFS",
        "ASX200",
        "ASX_TOTAL",
        "ASX_ETFS",
        "CORE_ETFS",
    ]
    assert body["total_universes"] == len(keys)
    spx = body["universes"][0]
    assert list(spx) == ["key", "name", "region", "ticker_count", "sample", "status"]
    assert spx["ticker_count"] >= 500
    assert len(spx["sample"]) == 5
    assert spx["status"] == "available"
