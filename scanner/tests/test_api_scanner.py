"""``/api/scanner`` (contract §2.5, §3.6): scans over stored bars, persisted as runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rest_framework.test import APIClient

from market import selectors as market
from market.models import Symbol
from scanner.models import ScanRun, ScanStatus
from scanner.scanning import history_start
from scanner.signals.bars import Bars, ScanFilters
from scanner.signals.quallamaggie import criteria
from scanner.signals.registry import SCANNERS, run_scan
from strategies.tests.run_support import make_universe, seed_prices, temporary_cache

pytestmark = pytest.mark.django_db

TICKERS = ("A0", "A1", "A2", "A3", "A4", "A5")
ROW_KEYS = ["ticker", "name", "price", "change_pct", "volume", "signal", "score", "details"]
STORED_KEYS = [
    "generated_at",
    "scanner_type",
    "universe",
    "tickers_scanned",
    "results_found",
    "stocks",
    "filters",
    "scan_id",
    "tickers_skipped",
]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


@pytest.fixture
def stored() -> pd.DataFrame:
    """300 sessions of bars: trending, flat and falling stocks, SPY, and one short history."""
    frames = [
        seed_prices(TICKERS[:2], days=300, universe=None, seed=1, drift=0.004, vol=0.01),
        seed_prices(TICKERS[2:4], days=300, universe=None, seed=3, drift=0.0, vol=0.02),
        seed_prices(TICKERS[4:], days=300, universe=None, seed=5, drift=-0.002, vol=0.015),
        seed_prices(["SPY"], days=300, universe=None, seed=9, drift=0.0003, vol=0.01),
    ]
    seed_prices(["NEW"], days=40, start=dt.date(2022, 1, 3), universe=None, seed=11)
    Symbol.objects.filter(ticker="A0").update(name="Alpha Zero Inc.")
    return pd.concat(frames, axis=1)


def expected(scanner_type: str, tickers: list[str], **parameters: Any) -> Any:
    """The pure scanner on the same stored bars the scan reads."""
    latest = max(market.latest_bar_dates(tickers=tickers).values())
    start = history_start(latest, scanner_type, parameters)

    def read(field: str, names: list[str]) -> pd.DataFrame:
        return market.price_matrix(tickers=names, field=field, start=start, end=latest)

    close = read("close", tickers).dropna(axis=1, how="all")
    bars = Bars.from_frames(
        close, read("high", tickers), read("low", tickers), read("volume", tickers)
    )
    names = dict(Symbol.objects.exclude(name="").values_list("ticker", "name"))
    return run_scan(
        scanner_type,
        bars,
        filters=ScanFilters(),
        names=names,
        universe=tickers,
        benchmark=read("close", ["SPY"])["SPY"] if scanner_type == "quallamaggie" else None,
        parameters=parameters,
    )


def post_scan(client: APIClient, **body: Any) -> Any:
    return client.post("/api/scanner/run", body, format="json")


def test_scanner_info_lists_the_old_scanners_and_the_latest_scan(api_client: APIClient) -> None:
    body = api_client.get("/api/scanner").json()

    assert list(body) == ["scanners", "universes", "last_scan", "status"]
    assert [s["name"] for s in body["scanners"]] == ["quallamaggie", "momentum", "mean_reversion"]
    assert body["scanners"][1] == {
        "name": "momentum",
        "description": "12-month momentum with relative strength",
        "signals": ["STRONG_BUY", "BUY", "HOLD", "SELL"],
        "parameters": ["lookback_days", "min_momentum"],
    }
    assert body["scanners"] == [dict(entry) for entry in SCANNERS]
    assert body["universes"] == ["sp500", "nasdaq100", "asx200", "all"]
    assert (body["last_scan"], body["status"]) == (None, "idle")


@pytest.mark.parametrize("scanner_type", ["quallamaggie", "momentum", "mean_reversion"])
def test_a_scan_of_custom_tickers_stores_the_scanners_rows(
    api_client: APIClient, stored: pd.DataFrame, scanner_type: str
) -> None:
    tickers = [*TICKERS, "NEW", "SPY"]

    response = post_scan(api_client, scanner_type=scanner_type, custom_tickers=tickers)

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "scanner_type", "universe", "message", "timestamp", "scan_id"]
    assert (body["status"], body["scanner_type"], body["universe"]) == (
        "started",
        scanner_type,
        "sp500",
    )
    assert body["message"] == "Scan started. Check /api/scanner/results for results."
    run = ScanRun.objects.get(scan_id=body["scan_id"])
    assert run.status == ScanStatus.COMPLETED
    result = expected(scanner_type, tickers)
    assert run.results == result.stocks
    assert run.tickers_scanned == len(tickers) == result.tickers_scanned
    assert run.tickers_skipped == result.tickers_skipped
    # NEW's 40 bars are enough for mean reversion (21) only.
    assert run.tickers_skipped == (0 if scanner_type == "mean_reversion" else 1)
    assert run.results_found == len(result.stocks)
    assert run.filters == {"min_price": 5.0, "max_price": 500.0, "min_volume": 100000}
    listed = api_client.get("/api/scanner/results", {"limit": 500}).json()["results"]
    assert listed == result.stocks
    assert all(list(row) == ROW_KEYS for row in listed)


def test_rows_carry_the_stored_name_and_the_last_bar(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    post_scan(api_client, scanner_type="mean_reversion", custom_tickers=["A0", "A2"])

    rows = {row["ticker"]: row for row in ScanRun.objects.get().results or []}
    assert rows["A0"]["name"] == "Alpha Zero Inc."
    assert rows["A2"]["name"] == "A2"
    closes = stored["A0"]
    assert rows["A0"]["price"] == round(closes.iloc[-1], 2)
    assert rows["A0"]["change_pct"] == round((closes.iloc[-1] / closes.iloc[-2] - 1) * 100, 2)
    assert rows["A0"]["volume"] == 2_000_000
    assert set(rows["A0"]["details"]) == {"rsi", "bollinger_pct_b"}


def test_a_universe_scan_counts_every_member(api_client: APIClient, stored: pd.DataFrame) -> None:
    make_universe("NASDAQ100", list(TICKERS))
    members = market.members(index="NASDAQ100")

    post_scan(api_client, scanner_type="momentum", universe="NASDAQ100")

    run = ScanRun.objects.get()
    assert run.universe == "nasdaq100"
    assert run.tickers_scanned == len(members) > 100
    # Every member without bars is skipped; the six seeded ones are scanned.
    assert run.tickers_skipped == len(members) - len(TICKERS)
    assert {row["ticker"] for row in run.results or []} <= set(TICKERS)
    assert run.parameters == {"lookback_days": 252, "min_momentum": 0.0}


def test_filters_drop_rows_outside_the_price_range(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    last = stored[list(TICKERS)].iloc[-1]
    cut = float(last.median())

    post_scan(
        api_client, scanner_type="mean_reversion", custom_tickers=list(TICKERS), min_price=cut
    )

    rows = ScanRun.objects.get().results or []
    assert {row["ticker"] for row in rows} == {t for t in TICKERS if last[t] >= cut}
    assert all(row["price"] >= round(cut, 2) for row in rows)


def test_a_scan_mixing_markets_scans_each_on_its_own_latest_session(
    api_client: APIClient,
) -> None:
    seed_prices(["U1", "U2"], days=60, universe=None, start=dt.date(2023, 1, 2))
    seed_prices(["B1.AX"], days=59, universe=None, start=dt.date(2023, 1, 2))

    post_scan(api_client, scanner_type="mean_reversion", custom_tickers=["U1", "U2", "B1.AX"])

    run = ScanRun.objects.get()
    assert run.tickers_skipped == 0
    assert {row["ticker"] for row in run.results or []} == {"U1", "U2", "B1.AX"}


def test_scanner_parameters_are_validated_and_used(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    bad = post_scan(api_client, scanner_type="momentum", parameters={"lookback_days": 5})
    good = post_scan(
        api_client,
        scanner_type="momentum",
        custom_tickers=list(TICKERS),
        parameters={"lookback_days": 126},
    )

    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "parameters"]
    run = ScanRun.objects.get(scan_id=good.json()["scan_id"])
    assert run.parameters == {"lookback_days": 126, "min_momentum": 0.0}
    assert run.results == expected("momentum", list(TICKERS), lookback_days=126).stocks


@pytest.mark.parametrize(
    ("body", "loc", "type_"),
    [
        ({"scanner_type": "breakout"}, ["body", "scanner_type"], "enum"),
        ({"universe": "ftse"}, ["body", "universe"], "enum"),
        ({"min_price": -1}, ["body", "min_price"], "greater_than_equal"),
        ({"min_price": 10, "max_price": 10}, ["body", "max_price"], "greater_than"),
        ({"min_volume": 1.5}, ["body", "min_volume"], "int_parsing"),
        ({"min_volume": -1}, ["body", "min_volume"], "greater_than_equal"),
        ({"custom_tickers": []}, ["body", "custom_tickers"], "string_too_short"),
        ({"custom_tickers": ["ZZZ"]}, ["body", "custom_tickers"], "value_error"),
    ],
)
def test_bad_scan_requests_are_422_and_create_nothing(
    api_client: APIClient, body: dict[str, Any], loc: list[str], type_: str
) -> None:
    response = post_scan(api_client, **body)

    assert response.status_code == 422, response.content
    assert [(i["loc"], i["type"]) for i in response.json()["detail"]] == [(loc, type_)]
    assert ScanRun.objects.count() == 0


def test_scanner_type_and_universe_match_in_any_case(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    post_scan(api_client, scanner_type="Momentum", universe="SP500", custom_tickers=["A0"])

    run = ScanRun.objects.get()
    assert (run.scanner_type, run.universe) == ("momentum", "sp500")


def test_a_universe_without_stored_prices_fails_with_a_readable_reason(
    api_client: APIClient,
) -> None:
    members = len(market.members(index="ASX200"))

    post_scan(api_client, universe="asx200")
    status = api_client.get("/api/scanner/status").json()

    run = ScanRun.objects.get()
    reason = (
        f"No stored prices for any of the {members} tickers of 'asx200'; run POST /api/data/refresh"
    )
    assert run.status == ScanStatus.FAILED
    assert run.error == reason
    assert status["status"] == f"failed: {reason}"
    assert (status["has_results"], status["results_count"]) == (False, 0)


def test_scan_answers_503_when_the_task_queue_refuses(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.tasks.backends.immediate import ImmediateBackend

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("down")

    monkeypatch.setattr(ImmediateBackend, "enqueue", refuse)

    response = post_scan(api_client)

    assert response.status_code == 503
    assert ScanRun.objects.get().contract_status == "failed: Task queue unavailable"


def test_status_moves_from_idle_to_completed(api_client: APIClient, stored: pd.DataFrame) -> None:
    idle = api_client.get("/api/scanner/status").json()
    scan_id = post_scan(api_client, scanner_type="momentum", custom_tickers=list(TICKERS)).json()[
        "scan_id"
    ]
    done = api_client.get("/api/scanner/status/").json()
    info = api_client.get("/api/scanner").json()

    run = ScanRun.objects.get()
    assert idle == {
        "status": "idle",
        "has_results": False,
        "last_scan": None,
        "results_count": 0,
        "scan_id": None,
        "error": None,
    }
    assert done["status"] == "completed"
    assert done["has_results"] is True
    assert done["results_count"] == run.results_found
    assert done["scan_id"] == scan_id
    assert done["last_scan"] == info["last_scan"] is not None
    assert info["status"] == "completed"


def test_results_filter_before_limit(api_client: APIClient, stored: pd.DataFrame) -> None:
    post_scan(api_client, scanner_type="momentum", custom_tickers=list(TICKERS))
    rows = ScanRun.objects.get().results or []
    signal = rows[0]["signal"]

    body = api_client.get("/api/scanner/results", {"signal": signal.lower(), "limit": 1}).json()

    matching = [row for row in rows if row["signal"] == signal]
    assert list(body) == [
        "results",
        "total_found",
        "generated_at",
        "scanner_type",
        "filters_applied",
        "scan_id",
    ]
    assert body["results"] == matching[:1]
    assert body["total_found"] == len(matching)
    assert body["filters_applied"] == {"signal": signal.lower(), "min_score": None, "limit": 1}


def test_min_score_is_applied_even_when_zero(api_client: APIClient, stored: pd.DataFrame) -> None:
    post_scan(api_client, scanner_type="mean_reversion", custom_tickers=list(TICKERS))
    rows = ScanRun.objects.get().results or []
    threshold = sorted(row["score"] for row in rows)[2]

    zero = api_client.get("/api/scanner/results", {"min_score": 0}).json()
    some = api_client.get("/api/scanner/results", {"min_score": threshold}).json()

    assert zero["total_found"] == len(rows)
    assert zero["filters_applied"]["min_score"] == 0.0
    assert some["total_found"] == sum(1 for row in rows if row["score"] >= threshold)
    assert [r["score"] for r in some["results"]] == sorted(
        (r["score"] for r in some["results"]), reverse=True
    )


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 501}, {"min_score": 101}, {"min_score": -1}, {"scanner_type": "x"}],
)
def test_bad_result_queries_are_422(api_client: APIClient, query: dict[str, Any]) -> None:
    response = api_client.get("/api/scanner/results", query)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_results_without_scans_say_so(api_client: APIClient) -> None:
    assert api_client.get("/api/scanner/results").json() == {
        "results": [],
        "message": "No scan results available. Run a scan first.",
        "generated_at": None,
    }


def test_results_pick_the_latest_scan_of_the_requested_type(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    first = post_scan(api_client, scanner_type="momentum", custom_tickers=list(TICKERS)).json()
    second = post_scan(
        api_client, scanner_type="mean_reversion", custom_tickers=list(TICKERS)
    ).json()

    latest = api_client.get("/api/scanner/results").json()
    momentum = api_client.get("/api/scanner/results", {"scanner_type": "momentum"}).json()

    assert (latest["scan_id"], latest["scanner_type"]) == (second["scan_id"], "mean_reversion")
    assert (momentum["scan_id"], momentum["scanner_type"]) == (first["scan_id"], "momentum")


def test_quallamaggie_shows_only_quallamaggie_scans(
    api_client: APIClient, stored: pd.DataFrame
) -> None:
    post_scan(api_client, scanner_type="momentum", custom_tickers=list(TICKERS))
    none_yet = api_client.get("/api/scanner/quallamaggie").json()
    scan_id = post_scan(
        api_client, scanner_type="quallamaggie", custom_tickers=list(TICKERS)
    ).json()["scan_id"]
    found = api_client.get("/api/scanner/quallamaggie").json()

    assert none_yet == {
        "results": [],
        "message": "No Quallamaggie scan results. Run a scan with scanner_type='quallamaggie'",
        "criteria": criteria(),
    }
    assert list(found) == [*STORED_KEYS, "retrieved_at"]
    assert found["scan_id"] == scan_id
    assert found["scanner_type"] == "quallamaggie"
    run = ScanRun.objects.get(scan_id=scan_id)
    assert found["stocks"] == run.results
    assert found["tickers_scanned"] == len(TICKERS)
