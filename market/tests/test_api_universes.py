"""/api/universes (contract §2.6, §5): the shipped universes, served from the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from market.universe_files import load_members, load_membership_intervals, load_registry
from trades.tests.assertions import assert_domain_error, assert_validation_error

pytestmark = pytest.mark.django_db

KEYS = [
    "SPX500",
    "NASDAQ100",
    "RUSSELL2000",
    "US_ETFS",
    "ASX200",
    "ASX_TOTAL",
    "ASX_ETFS",
    "CORE_ETFS",
]


def current(key: str) -> list[str]:
    return sorted({member.ticker for member in load_members(key)})


def entry(key: str) -> dict[str, Any]:
    spec = next(spec for spec in load_registry() if spec.key == key)
    return {
        "key": spec.key,
        "name": spec.name,
        "description": spec.description,
        "region": spec.region,
        "asset_class": spec.asset_class,
        "ticker_count": len(current(key)),
    }


def unknown(key: str) -> str:
    available = [spec.key for spec in load_registry()]
    return f"Unknown universe '{key}'. Available: {available}"


def test_the_list_has_the_eight_universes_in_registry_order(api_client):
    response = api_client.get("/api/universes")

    assert response.status_code == 200
    body = response.json()
    assert body == {"universes": [entry(key) for key in KEYS], "count": 8}
    assert list(body["universes"][0]) == [
        "key",
        "name",
        "description",
        "region",
        "asset_class",
        "ticker_count",
    ]
    assert body["universes"][0]["name"] == "S&P 500"
    assert body["universes"][7]["ticker_count"] == 15


def test_one_universe_adds_its_sorted_tickers(api_client):
    response = api_client.get("/api/universes/CORE_ETFS/")

    assert response.status_code == 200
    assert response.json() == {**entry("CORE_ETFS"), "tickers": current("CORE_ETFS")}
    assert response.json()["tickers"][:3] == ["AGG", "DBC", "EEM"]


@pytest.mark.parametrize(
    "path", ["/api/universes/spx500", "/api/universes/NOPE", "/api/universes/NOPE/tickers"]
)
def test_keys_are_case_sensitive_and_unknown_ones_are_404(api_client, path):
    key = path.split("/")[3]

    assert_domain_error(api_client.get(path), 404, unknown(key))


def test_tickers_are_the_current_members(api_client):
    response = api_client.get("/api/universes/SPX500/tickers")

    assert response.status_code == 200
    assert response.json() == {
        "universe": "SPX500",
        "tickers": current("SPX500"),
        "count": len(current("SPX500")),
        "as_of": None,
    }
    assert "BRK-B" in response.json()["tickers"]


def test_as_of_gives_point_in_time_members(api_client):
    day = dt.date(2015, 6, 1)
    expected = sorted(
        {
            interval.ticker
            for interval in load_membership_intervals()
            if interval.start_date <= day and (interval.end_date is None or interval.end_date > day)
        }
    )

    response = api_client.get("/api/universes/SPX500/tickers/", {"as_of": "2015-06-01"})

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "universe": "SPX500",
        "tickers": expected,
        "count": len(expected),
        "as_of": "2015-06-01",
    }
    assert body["tickers"] != current("SPX500")
    assert 490 <= body["count"] <= 510


@pytest.mark.parametrize("as_of", ["2015-13-01", "yesterday", "01/06/2015"])
def test_a_bad_as_of_is_422(api_client, as_of):
    response = api_client.get("/api/universes/SPX500/tickers", {"as_of": as_of})

    assert_validation_error(response, (["query", "as_of"], "date_parsing"))


def test_a_region_matches_in_any_case(api_client):
    response = api_client.get("/api/universes/regions/au")

    assert response.status_code == 200
    body = response.json()
    au = [entry(key) for key in ("ASX200", "ASX_TOTAL", "ASX_ETFS")]
    assert body == {
        "region": "AU",
        "universes": [
            {
                "name": e["name"],
                "description": e["description"],
                "region": e["region"],
                "asset_class": e["asset_class"],
                "ticker_count": e["ticker_count"],
                "key": e["key"],
            }
            for e in au
        ],
        "count": 3,
    }
    assert list(body["universes"][0]) == [
        "name",
        "description",
        "region",
        "asset_class",
        "ticker_count",
        "key",
    ]


def test_the_regions_route_wins_over_a_universe_key(api_client):
    response = api_client.get("/api/universes/regions/GLOBAL/")

    assert response.status_code == 200
    assert [u["key"] for u in response.json()["universes"]] == ["CORE_ETFS"]


def test_an_unknown_region_is_404_with_the_available_ones(api_client):
    response = api_client.get("/api/universes/regions/eu")

    assert_domain_error(
        response, 404, "No universes found for region 'eu'. Available: [AU, GLOBAL, US]"
    )
