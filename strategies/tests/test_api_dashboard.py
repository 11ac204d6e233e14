"""``/api/dashboard`` (contract §2.4): aggregations of the latest completed run of each
catalogue strategy, the quant2 regime and the data-status freshness report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rest_framework.test import APIClient

from market.models import Symbol
from strategies import data_status
from strategies import market_calendar as calendar
from strategies.engine.regime import volatility_regime
from strategies.models import RunStatus
from strategies.tests.run_support import (
    business_days,
    fabricated_run,
    make_universe,
    seed_prices,
    temporary_cache,
)

pytestmark = pytest.mark.django_db

METRICS = [
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "win_rate",
]
NAMES = [
    "Momentum",
    "Dual_Momentum",
    "HRP",
    "InverseVolatility",
    "Regime_Detection",
    "Stat_Arb",
    "Residual_Momentum",
    "Meta_Labeling",
    "Short_Vol",
    "NCO",
    "OLMAR",
    "Quallamaggie",
]
NO_DATA = {"status": "no_data", "message": "Run backtest to generate data"}


@pytest.fixture(autouse=True)
def cache(tmp_path: Path) -> Iterator[None]:
    with temporary_cache(tmp_path):
        yield


def metrics(**values: float | None) -> dict[str, float | None]:
    return {**dict.fromkeys(METRICS, 0.05), **values}


def when(minutes: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


@pytest.fixture
def runs() -> dict[str, Any]:
    """HRP (old completed, then a newer completed, then a newer failed), NCO, OLMAR, and a
    pseudo-strategy that must never show up."""
    fabricated_run(
        "HRP", metrics=metrics(cagr=0.50), final_value=1.0, weights={"X": 1.0}, created_at=when(0)
    )
    hrp = fabricated_run(
        "HRP",
        metrics=metrics(cagr=0.20),
        final_value=120_000.0,
        weights={"AAA": 0.6, "BBB": 0.4},
        created_at=when(1),
    )
    fabricated_run("HRP", status=RunStatus.FAILED, error="boom", created_at=when(2))
    nco = fabricated_run(
        "NCO",
        metrics=metrics(cagr=0.20),
        final_value=130_000.0,
        weights={"BBB": 0.2, "CCC": 0.8},
        created_at=when(3),
    )
    olmar = fabricated_run(
        "OLMAR",
        metrics=metrics(cagr=None),
        final_value=90_000.0,
        weights={"AAA": 1.0},
        parameters={"window": 7, "epsilon": 5.0},
        created_at=when(4),
    )
    fabricated_run("pipeline", metrics=metrics(cagr=9.9), created_at=when(5))
    return {"HRP": hrp, "NCO": nco, "OLMAR": olmar}


def test_dashboard_without_runs(api_client: APIClient) -> None:
    body = api_client.get("/api/dashboard").json()

    assert list(body) == ["generated_at", "summary", "strategies", "last_update"]
    assert body["summary"] == {
        "total_strategies": 12,
        "strategies_with_results": 0,
        "best_performer": None,
        "best_cagr": "N/A",
    }
    assert [row["name"] for row in body["strategies"]] == NAMES
    assert body["strategies"][0] == {
        "name": "Momentum",
        "final_value": None,
        "cagr": None,
        "sharpe": None,
        "max_drawdown": None,
        "status": "no_data",
    }
    assert body["last_update"] is None


def test_dashboard_uses_the_latest_completed_run_of_each_catalogue_strategy(
    api_client: APIClient, runs: dict[str, Any]
) -> None:
    body = api_client.get("/api/dashboard/").json()

    rows = {row["name"]: row for row in body["strategies"]}
    assert rows["HRP"] == {
        "name": "HRP",
        "final_value": 120_000.0,
        "cagr": 0.20,
        "sharpe": 0.05,
        "max_drawdown": 0.05,
        "status": "active",
    }
    assert rows["OLMAR"]["cagr"] is None
    assert rows["Momentum"]["status"] == "no_data"
    assert "pipeline" not in rows
    # HRP and NCO tie on CAGR: the tie goes to catalogue order.
    assert body["summary"] == {
        "total_strategies": 12,
        "strategies_with_results": 3,
        "best_performer": "HRP",
        "best_cagr": "20.0%",
    }
    assert body["last_update"] == runs["OLMAR"].completed_at.isoformat().replace("+00:00", "Z")


def test_quant1_has_an_entry_per_quant1_strategy(
    api_client: APIClient, runs: dict[str, Any]
) -> None:
    body = api_client.get("/api/dashboard/quant1").json()

    assert list(body) == ["generated_at", "source", "strategies"]
    assert body["source"] == "live"
    assert list(body["strategies"]) == ["Momentum", "Dual_Momentum", "HRP", "InverseVolatility"]
    assert body["strategies"]["Momentum"] == NO_DATA
    assert body["strategies"]["HRP"] == {
        "status": "active",
        "metrics": metrics(cagr=0.20),
        "weights": {"AAA": 0.6, "BBB": 0.4},
        "final_value": 120_000.0,
    }


def test_quant2_describes_the_universe_and_the_quant2_strategies(
    api_client: APIClient, runs: dict[str, Any]
) -> None:
    make_universe("TINY", ["AAA", "BBB"])

    body = api_client.get("/api/dashboard/quant2", {"universe": "TINY"}).json()

    assert list(body) == [
        "generated_at",
        "source",
        "universe",
        "universe_key",
        "ticker_count",
        "regime",
        "strategies",
    ]
    assert body["universe"] == {
        "name": "TINY test universe",
        "description": "",
        "region": "US",
        "asset_class": "equity",
        "ticker_count": 2,
        "key": "TINY",
    }
    assert (body["universe_key"], body["ticker_count"]) == ("TINY", 2)
    assert list(body["strategies"]) == [
        "Regime_Detection",
        "Stat_Arb",
        "Residual_Momentum",
        "Meta_Labeling",
        "Short_Vol",
        "NCO",
    ]
    assert body["strategies"]["NCO"]["status"] == "active"
    assert body["strategies"]["Stat_Arb"] == NO_DATA


def test_quant2_defaults_to_spx500_and_rejects_an_unknown_universe(api_client: APIClient) -> None:
    default = api_client.get("/api/dashboard/quant2")
    unknown = api_client.get("/api/dashboard/quant2", {"universe": "MARS"})

    assert default.status_code == 200
    assert default.json()["universe_key"] == "SPX500"
    assert default.json()["ticker_count"] >= 500
    assert unknown.status_code == 400
    assert unknown.json()["detail"].startswith("Unknown universe 'MARS'. Available: [")


def test_quant2_regime_is_unknown_without_data(api_client: APIClient) -> None:
    body = api_client.get("/api/dashboard/quant2").json()

    assert body["regime"] == {
        "current": "UNKNOWN",
        "probabilities": None,
        "method": None,
        "as_of": None,
        "message": "Run Regime Detection strategy to update",
    }


def test_quant2_regime_falls_back_to_the_benchmarks_volatility(api_client: APIClient) -> None:
    prices = seed_prices(["SPY"], days=80, universe=None, vol=0.005)
    expected = volatility_regime(prices["SPY"])
    assert expected is not None

    regime = api_client.get("/api/dashboard/quant2").json()["regime"]

    assert regime["method"] == "VOLATILITY_FALLBACK"
    assert regime["current"] == expected.current == "BULL"
    assert regime["probabilities"] == {"bull": 1.0, "bear": 0.0, "sideways": 0.0}
    assert regime["as_of"] == prices.index[-1].date().isoformat()
    assert "SPY" in regime["message"]


def test_quant2_regime_of_an_au_universe_reads_stw(api_client: APIClient) -> None:
    seed_prices(["STW.AX"], days=80, universe=None, vol=0.03)

    regime = api_client.get("/api/dashboard/quant2", {"universe": "ASX200"}).json()["regime"]

    assert (regime["method"], regime["current"]) == ("VOLATILITY_FALLBACK", "BEAR")
    assert regime["probabilities"] == {"bull": 0.0, "bear": 1.0, "sideways": 0.0}


def test_quant2_regime_comes_from_the_latest_regime_detection_run(api_client: APIClient) -> None:
    seed_prices(["SPY"], days=80, universe=None)
    estimate = {
        "current": "CHOP",
        "probabilities": {"bull": 0.2, "bear": 0.1, "sideways": 0.7},
        "method": "HMM",
        "as_of": "2022-12-23",
    }
    run = fabricated_run("Regime_Detection", metrics=metrics(), details={"regime": estimate})

    regime = api_client.get("/api/dashboard/quant2").json()["regime"]

    assert regime == {**estimate, "message": f"From Regime_Detection backtest {run.backtest_id}"}


def test_olmar_without_and_with_a_run(api_client: APIClient) -> None:
    empty = api_client.get("/api/dashboard/olmar").json()
    run = fabricated_run(
        "OLMAR",
        metrics=metrics(),
        final_value=90_000.0,
        weights={"AAA": 1.0},
        parameters={"window": 7, "epsilon": 5.0},
    )
    active = api_client.get("/api/dashboard/olmar").json()

    assert empty == {
        "generated_at": empty["generated_at"],
        "source": "live",
        "strategy": "OLMAR",
        "description": "Online Learning for Portfolio Selection with Mean Reversion",
        "parameters": {"window": 5, "epsilon": 10.0, "universe": "SPX500"},
        "status": "no_data",
        "message": "Run OLMAR backtest to generate data",
    }
    assert active["parameters"] == {"window": 7, "epsilon": 5.0, "universe": run.universe}
    assert active["status"] == "active"
    assert active["performance"] == metrics()
    assert active["weights"] == {"AAA": 1.0}
    assert active["final_value"] == 90_000.0


def test_backtest_table_lists_every_metric_in_catalogue_order(
    api_client: APIClient, runs: dict[str, Any]
) -> None:
    body = api_client.get("/api/dashboard/backtest").json()

    assert list(body) == [
        "generated_at",
        "source",
        "comparison_table",
        "total_strategies",
        "config",
    ]
    assert [row["strategy"] for row in body["comparison_table"]] == ["HRP", "NCO", "OLMAR"]
    assert list(body["comparison_table"][0]) == ["strategy", "final_value", *METRICS]
    assert body["comparison_table"][0]["final_value"] == 120_000.0
    assert body["total_strategies"] == 3
    assert body["config"] == {"initial_capital": 100000.0, "base_currency": "USD"}


def test_comparison_is_sorted_by_final_value(api_client: APIClient, runs: dict[str, Any]) -> None:
    body = api_client.get("/api/dashboard/comparison").json()

    assert list(body) == ["comparison", "metrics", "strategies_count", "generated_at"]
    assert [row["strategy"] for row in body["comparison"]] == ["NCO", "HRP", "OLMAR"]
    assert body["metrics"] == METRICS
    assert body["strategies_count"] == 3


def test_comparison_without_runs_says_so(api_client: APIClient) -> None:
    body = api_client.get("/api/dashboard/comparison").json()

    assert body == {
        "comparison": [],
        "message": "No backtest results available. Run strategies first.",
        "generated_at": body["generated_at"],
    }


def test_allocation_averages_weights_over_the_strategies_holding_each_ticker(
    api_client: APIClient, runs: dict[str, Any]
) -> None:
    body = api_client.get("/api/dashboard/allocation").json()

    # Means: AAA (0.6 + 1.0)/2 = 0.8, BBB (0.4 + 0.2)/2 = 0.3, CCC 0.8; total 1.9.
    assert body["combined_allocation"] == pytest.approx(
        {"AAA": 0.8 / 1.9, "CCC": 0.8 / 1.9, "BBB": 0.3 / 1.9}
    )
    assert list(body["combined_allocation"]) == ["AAA", "CCC", "BBB"]
    assert sum(body["combined_allocation"].values()) == pytest.approx(1.0)
    assert body["by_strategy"] == {
        "HRP": {"AAA": 0.6, "BBB": 0.4},
        "NCO": {"BBB": 0.2, "CCC": 0.8},
        "OLMAR": {"AAA": 1.0},
    }
    assert body["total_positions"] == 3
    assert body["strategies_used"] == ["HRP", "NCO", "OLMAR"]
    assert body["note"] == "Combined allocation is average of all strategy weights"


# --- data-status ----------------------------------------------------------------------------


def test_data_status_has_the_contract_keys(api_client: APIClient) -> None:
    body = api_client.get("/api/dashboard/data-status").json()

    assert list(body) == ["check_time", "overall_status", "freshness", "coverage", "markets"]
    assert list(body["freshness"]) == [
        "check_time",
        "overall_status",
        "universes",
        "needs_refresh_count",
    ]
    assert [row["name"] for row in body["freshness"]["universes"]] == [
        "sp500",
        "nasdaq100",
        "asx200",
    ]
    assert list(body["freshness"]["universes"][0]) == [
        "name",
        "last_cache_update",
        "latest_data_date",
        "expected_latest_date",
        "staleness_days",
        "is_stale",
        "needs_refresh",
        "message",
    ]
    # Nothing is stored in a fresh test database.
    assert body["overall_status"] == "all_stale"
    assert body["freshness"]["needs_refresh_count"] == 3
    assert [row["universe"] for row in body["coverage"]][:3] == [
        "SPX500",
        "NASDAQ100",
        "RUSSELL2000",
    ]
    assert list(body["coverage"][0]) == [
        "universe",
        "tickers",
        "tickers_with_data",
        "first_date",
        "last_date",
    ]
    assert list(body["markets"]) == ["US", "AU"]
    assert list(body["markets"]["US"]) == ["last_trading_date", "is_open"]


def _store_up_to(tickers: list[str], last: dt.date, days: int = 5) -> None:
    from market.services import upsert_bars
    from strategies.tests.run_support import bars_for

    calendar_days = [d for d in business_days(last - dt.timedelta(days=10), 20) if d <= last]
    calendar_days = calendar_days[-days:]
    rows = [
        row for t in tickers for row in bars_for(t, [100.0] * len(calendar_days), calendar_days)
    ]
    upsert_bars(rows=rows)


def test_freshness_compares_the_90_percent_coverage_date_with_the_last_session() -> None:
    make_universe("TEN", [f"S{i}" for i in range(10)])
    # 9 of 10 members are current to Friday 2024-06-14; one lags.
    _store_up_to([f"S{i}" for i in range(9)], dt.date(2024, 6, 14))
    _store_up_to(["S9"], dt.date(2024, 6, 3))
    dates = data_status.universe_dates("TEN", "US")
    # Monday 2024-06-17 after the US close: the expected date is that Monday.
    now = dt.datetime(2024, 6, 17, 21, 0, tzinfo=dt.UTC)

    row = data_status.freshness_row("ten", dates, now)

    assert data_status.covered_date(dates) == dt.date(2024, 6, 14)
    assert row["latest_data_date"] == "2024-06-14"
    assert row["expected_latest_date"] == "2024-06-17"
    assert row["staleness_days"] == 1
    assert row["is_stale"] is False
    assert row["needs_refresh"] is False
    # A week later the same data is stale.
    later = data_status.freshness_row("ten", dates, now + dt.timedelta(days=7))
    assert (later["staleness_days"], later["is_stale"]) == (6, True)


def test_coverage_counts_members_with_data() -> None:
    make_universe("TEN", [f"S{i}" for i in range(10)])
    _store_up_to(["S0", "S1"], dt.date(2024, 6, 14))

    rows = {row["universe"]: row for row in data_status.coverage_rows()}

    assert rows["TEN"]["tickers"] == 10
    assert rows["TEN"]["tickers_with_data"] == 2
    assert rows["TEN"]["last_date"] == "2024-06-14"
    first = Symbol.objects.get(ticker="S0").first_bar_date
    assert rows["TEN"]["first_date"] == first.isoformat() if first else None


@pytest.mark.parametrize(
    ("moment", "us", "au"),
    [
        # Friday 2024-06-14 15:00 UTC: New York 11:00 (open), Sydney 01:00 Saturday.
        (
            dt.datetime(2024, 6, 14, 15, 0, tzinfo=dt.UTC),
            (dt.date(2024, 6, 13), True),
            (dt.date(2024, 6, 14), False),
        ),
        # Thursday 2024-07-04 15:00 UTC: Independence Day, NYSE closed.
        (
            dt.datetime(2024, 7, 4, 15, 0, tzinfo=dt.UTC),
            (dt.date(2024, 7, 3), False),
            (dt.date(2024, 7, 4), False),
        ),
        # Tuesday 2024-01-02 00:30 UTC: Sydney 11:30 (open, DST), New York 19:30 Monday (holiday).
        (
            dt.datetime(2024, 1, 2, 0, 30, tzinfo=dt.UTC),
            (dt.date(2023, 12, 29), False),
            (dt.date(2023, 12, 29), True),
        ),
    ],
)
def test_market_sessions_follow_the_shipped_calendars(
    moment: dt.datetime, us: tuple[dt.date, bool], au: tuple[dt.date, bool]
) -> None:
    assert (
        calendar.last_completed_session(calendar.US, moment),
        calendar.is_open(calendar.US, moment),
    ) == us
    assert (
        calendar.last_completed_session(calendar.AU, moment),
        calendar.is_open(calendar.AU, moment),
    ) == au


def test_the_shipped_holiday_rules_match_published_calendars() -> None:
    assert sorted(calendar.nyse_holidays(2024)) == [
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 15),
        dt.date(2024, 2, 19),
        dt.date(2024, 3, 29),
        dt.date(2024, 5, 27),
        dt.date(2024, 6, 19),
        dt.date(2024, 7, 4),
        dt.date(2024, 9, 2),
        dt.date(2024, 11, 28),
        dt.date(2024, 12, 25),
    ]
    assert dt.date(2025, 1, 9) in calendar.nyse_holidays(2025)
    assert dt.date(2022, 12, 31) not in calendar.nyse_holidays(2022)
    assert sorted(calendar.asx_holidays(2022)) == [
        dt.date(2022, 1, 3),
        dt.date(2022, 1, 26),
        dt.date(2022, 4, 15),
        dt.date(2022, 4, 18),
        dt.date(2022, 4, 25),
        dt.date(2022, 6, 13),
        dt.date(2022, 12, 26),
        dt.date(2022, 12, 27),
    ]
    assert sorted(calendar.asx_holidays(2021)) == [
        dt.date(2021, 1, 1),
        dt.date(2021, 1, 26),
        dt.date(2021, 4, 2),
        dt.date(2021, 4, 5),
        dt.date(2021, 6, 14),
        dt.date(2021, 12, 27),
        dt.date(2021, 12, 28),
    ]


def test_weekdays_between_counts_weekdays_after_the_first_date() -> None:
    assert calendar.weekdays_between(dt.date(2024, 6, 14), dt.date(2024, 6, 17)) == 1
    assert calendar.weekdays_between(dt.date(2024, 6, 10), dt.date(2024, 6, 24)) == 10
    assert calendar.weekdays_between(dt.date(2024, 6, 17), dt.date(2024, 6, 14)) == 0
    days = pd.bdate_range("2024-06-11", "2024-07-31")
    assert calendar.weekdays_between(dt.date(2024, 6, 10), dt.date(2024, 7, 31)) == len(days)
