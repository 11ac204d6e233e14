"""Every failure mode of an ingest run, end to end through ``manage.py ingest``: the vendor
misbehaves at the HTTP boundary (or the database does), the run records the reason, the
other tickers are stored, and the bars already stored are left exactly as they were."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.db import OperationalError
from django.utils import timezone

import market.services as market_services
from ingest.models import IngestRun, IngestStatus
from ingest.planning import last_completed_session
from ingest.tests.fake_market import TEST_TIINGO_KEY, FakeMarket, Row, weekdays
from ingest.tests.payloads import tiingo, yahoo
from ingest.tests.payloads.fake_http import json_response
from ingest.tests.support import local_cache_storage, run_ingest_command
from market.models import DailyBar, Symbol
from market.services import upsert_bars
from market.tests.factories import bar_row
from parakeet.observability.metrics import invocation_metrics

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
HISTORY_START = TODAY - dt.timedelta(days=40)
# MSFT's bars stored before the run: two weeks at the start of the fake's history.
STORED_DAYS = weekdays(HISTORY_START, HISTORY_START + dt.timedelta(days=13))


@pytest.fixture
def cache_dir(settings, tmp_path):
    location = tmp_path / "cache"
    settings.STORAGES = {**settings.STORAGES, "cache": local_cache_storage(location)}
    return location


@pytest.fixture
def market(settings, cache_dir):
    settings.TIINGO_API_KEY = TEST_TIINGO_KEY
    fake = FakeMarket()
    for ticker, base in (("AAPL", 180.0), ("MSFT", 400.0), ("BHP.AX", 45.0)):
        fake.add(ticker, HISTORY_START, TODAY, base=base)
    with fake.installed():
        yield fake


@pytest.fixture
def msft_stored():
    """MSFT bars already in the warehouse; returns their rows as stored."""
    upsert_bars(rows=[bar_row("MSFT", day, 390.0) for day in STORED_DAYS])
    return bars_of("MSFT")


def bars_of(ticker: str) -> list[dict[str, Any]]:
    """Every column of the ticker's stored bars, ``updated_at`` included."""
    return [
        dict(row)
        for row in DailyBar.objects.filter(ticker__ticker=ticker).order_by("date").values()
    ]


def expected_days(ticker: str, start: dt.date = HISTORY_START) -> list[dt.date]:
    return weekdays(start, last_completed_session(ticker, timezone.now()))


def stored_dates(ticker: str) -> list[dt.date]:
    return list(DailyBar.objects.filter(ticker__ticker=ticker).values_list("date", flat=True))


def errors_of(run: IngestRun) -> dict[str, str]:
    return {error["ticker"]: error["message"] for error in run.errors}


def assert_partial(result, *, failed: dict[str, str]) -> IngestRun:
    """Exit 3, a partial run recording exactly ``failed``, and AAPL stored regardless."""
    assert result.exit_code == 3, result.stderr
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.PARTIAL
    assert errors_of(run) == failed
    assert run.failed == len(failed)
    summary = result.json()
    assert {f["ticker"]: f["message"] for f in summary["failures"]} == failed
    assert stored_dates("AAPL") == expected_days("AAPL")
    return run


# --- 404: unknown or delisted -------------------------------------------------------------


def test_a_404_is_not_retried_marks_the_symbol_and_keeps_its_bars(market, msft_stored):
    market.not_found.add("MSFT")

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "--json")

    assert_partial(result, failed={"MSFT": "Tiingo: Error: Ticker 'MSFT' not found"})
    assert len(market.requests_for("MSFT")) == 1
    assert market.sleeps.delays == []
    assert bars_of("MSFT") == msft_stored
    msft = Symbol.objects.get(ticker="MSFT")
    assert (msft.is_active, msft.is_delisted) == (False, True)
    assert msft.last_bar_date == STORED_DAYS[-1]


def test_a_yahoo_404_marks_the_symbol_too(market):
    upsert_bars(rows=[bar_row("OLD.AX", STORED_DAYS[0], 2.0, source="yahoo")])
    stored = bars_of("OLD.AX")

    result = run_ingest_command("--tickers", "AAPL", "OLD.AX", "--json")

    assert_partial(result, failed={"OLD.AX": "Yahoo: No data found, symbol may be delisted"})
    assert len(market.requests_for("OLD.AX")) == 1
    assert bars_of("OLD.AX") == stored
    assert Symbol.objects.get(ticker="OLD.AX").is_delisted


# --- 429 and Retry-After ------------------------------------------------------------------


def rate_limited(retry_after: str) -> httpx.Response:
    return json_response(
        429,
        {"detail": "Error: You have run over your hourly request allocation."},
        headers={"Retry-After": retry_after},
    )


def test_a_429_waits_as_long_as_the_server_asks_and_then_stores(market):
    market.scripted["AAPL"] = [rate_limited("3"), market.unscripted]

    result = run_ingest_command("--tickers", "AAPL", "--json")

    assert result.exit_code == 0, result.stdout
    assert market.sleeps.delays == [3.0]
    assert len(market.requests_for("AAPL")) == 2
    assert stored_dates("AAPL") == expected_days("AAPL")
    assert IngestRun.objects.get().errors == []


@pytest.mark.parametrize(
    ("retry_after", "reason", "delays"),
    [
        ("1", "Tiingo: HTTP 429 after 2 attempts", [1.0]),
        (
            "3600",
            "Tiingo: HTTP 429, server asked to retry after 3600s (more than 60s)",
            [],
        ),
    ],
)
def test_a_429_that_does_not_let_up_fails_the_ticker_and_keeps_its_bars(
    market, msft_stored, retry_after, reason, delays
):
    market.scripted["MSFT"] = [rate_limited(retry_after)]

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "--json")

    assert_partial(result, failed={"MSFT": reason})
    assert market.sleeps.delays == delays
    assert bars_of("MSFT") == msft_stored
    assert Symbol.objects.get(ticker="MSFT").is_active  # throttled is not delisted


# --- timeouts and dropped connections ------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ReadTimeout("The read operation timed out"), "timed out (ReadTimeout)"),
        (httpx.ConnectTimeout("timed out"), "timed out (ConnectTimeout)"),
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection failed (ConnectError)"),
    ],
)
def test_a_source_that_keeps_timing_out_fails_the_ticker_and_keeps_its_bars(
    market, msft_stored, error, reason
):
    market.scripted["MSFT"] = [error]

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "--json")

    assert_partial(result, failed={"MSFT": f"Tiingo: {reason} after 2 attempts"})
    assert len(market.requests_for("MSFT")) == 2
    assert bars_of("MSFT") == msft_stored


def test_a_timeout_then_an_answer_stores_the_bars(market):
    market.scripted["BHP.AX"] = [httpx.ReadTimeout("timed out"), market.unscripted]

    result = run_ingest_command("--tickers", "AAPL", "BHP.AX")

    assert result.exit_code == 0, result.stderr
    assert stored_dates("BHP.AX") == expected_days("BHP.AX")
    assert len(market.sleeps.delays) == 1


# --- malformed JSON -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ticker", "body", "reason"),
    [
        (
            "MSFT",
            b'[{"date": "2024-01-02T00:00:00.000Z", "close": 1',
            "malformed JSON from Tiingo (",
        ),
        ("MSFT", b'{"detail": "Something went wrong"}', "malformed JSON from Tiingo (expected a"),
        ("BHP.AX", b"<html>Will be right back</html>", "malformed JSON from Yahoo ("),
    ],
)
def test_malformed_json_fails_the_ticker_without_a_retry_and_keeps_its_bars(
    market, msft_stored, ticker, body, reason
):
    market.scripted[ticker] = [
        httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    ]
    before = bars_of(ticker)

    result = run_ingest_command("--tickers", "AAPL", ticker, "--json")

    assert result.exit_code == 3
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.PARTIAL
    assert list(errors_of(run)) == [ticker]
    assert errors_of(run)[ticker].startswith(reason)
    assert len(market.requests_for(ticker)) == 1
    assert bars_of(ticker) == before
    assert stored_dates("AAPL") == expected_days("AAPL")


# --- empty ranges -------------------------------------------------------------------------


def test_an_empty_range_succeeds_and_changes_nothing(market, msft_stored, caplog):
    market.scripted["MSFT"] = [json_response(200, [])]
    market.scripted["BHP.AX"] = [json_response(400, yahoo.no_data_for_range(1, 2))]
    caplog.set_level(logging.INFO, logger="ingest.services")

    result = run_ingest_command("--tickers", "MSFT", "BHP.AX", "--no-cache-rebuild", "--json")

    assert result.exit_code == 0, result.stdout
    summary = result.json()
    assert summary["tickers"] == {"requested": 2, "succeeded": 2, "failed": 0}
    assert summary["rows"] == {
        "fetched": 0,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert "no bars changed" in summary["message"]
    assert bars_of("MSFT") == msft_stored
    assert stored_dates("BHP.AX") == []
    run = IngestRun.objects.get()
    assert (run.status, run.errors) == (IngestStatus.COMPLETED, [])
    logged = {r.getMessage() for r in caplog.records}
    assert any(m.startswith("ingest empty ticker=MSFT reason=Tiingo has no prices") for m in logged)
    assert any(
        m.startswith("ingest empty ticker=BHP.AX reason=Yahoo: Data doesn't exist") for m in logged
    )


# --- validation: rejected, suspect, duplicates ---------------------------------------------


def test_a_revision_the_database_would_refuse_is_rejected_and_the_stored_bar_kept(market):
    assert run_ingest_command("--tickers", "AAPL").exit_code == 0
    revised_day = expected_days("AAPL")[-2]
    stored = DailyBar.objects.filter(ticker__ticker="AAPL", date=revised_day).values().get()
    market.history["AAPL"] = [
        Row(r.day, r.open, r.high, r.high + 1, r.close, r.volume, r.adj_close)  # low > high
        if r.day == revised_day
        else r
        for r in market.history["AAPL"]
    ]

    result = run_ingest_command("--tickers", "AAPL", "--json")

    assert result.exit_code == 0
    summary = result.json()
    assert summary["rows"]["rejected"] == 1
    assert summary["rejections"] == [
        {
            "ticker": "AAPL",
            "date": revised_day.isoformat(),
            "reason": f"low {Decimal(str(stored['high'] + 1)):.4f} is above high {stored['high']}",
        }
    ]
    assert DailyBar.objects.filter(ticker__ticker="AAPL", date=revised_day).values().get() == stored
    assert IngestRun.objects.order_by("-id")[0].rows_rejected == 1


def test_every_bar_rejected_fails_the_ticker_with_the_first_reason(market, msft_stored):
    market.scripted["MSFT"] = [
        json_response(
            200,
            [
                tiingo.tiingo_row(
                    day.isoformat(), open=0, high=10, low=0, close=5, volume=1, adj_close=5
                )
                for day in expected_days("MSFT", STORED_DAYS[-1])
            ],
        )
    ]

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "--json")

    count = len(expected_days("MSFT", STORED_DAYS[-1]))
    assert_partial(
        result, failed={"MSFT": f"all {count} bars rejected (first: open 0 is not positive)"}
    )
    assert result.json()["rows"]["rejected"] == count
    assert bars_of("MSFT") == msft_stored


def test_moves_over_half_without_a_split_are_stored_as_suspect(market):
    rows = [
        *tiingo.nvda_split_day(),  # 1208.88 -> 121.79 on a 10:1 split: good
        tiingo.tiingo_row(
            "2024-06-11", open=195.0, high=201.0, low=190.0, close=200.0, volume=1
        ),  # +64 %, no split: suspect
        tiingo.tiingo_row("2024-06-12", open=199.0, high=203.0, low=198.0, close=202.0, volume=1),
    ]
    market.scripted["NVDA"] = [json_response(200, rows)]

    result = run_ingest_command("--tickers", "NVDA", "--since", "2024-06-07", "--json")

    assert result.exit_code == 0, result.stdout
    stored = {
        bar.date.isoformat(): (bar.data_quality, bar.metadata)
        for bar in DailyBar.objects.filter(ticker__ticker="NVDA")
    }
    assert stored == {
        "2024-06-07": ("good", {}),
        "2024-06-10": ("good", {"split": True}),
        "2024-06-11": ("suspect", {}),
        "2024-06-12": ("good", {}),
    }
    assert result.json()["rows"]["inserted"] == 4


def test_the_first_new_bar_is_judged_against_the_last_stored_close(market):
    upsert_bars(rows=[bar_row("AAPL", dt.date(2024, 5, 31), 50.0)])
    market.scripted["AAPL"] = [
        json_response(
            200,
            [tiingo.tiingo_row("2024-06-03", open=99, high=101, low=98, close=100, volume=1)],
        )
    ]

    assert run_ingest_command("--tickers", "AAPL", "--since", "2024-06-03").exit_code == 0

    assert DailyBar.objects.get(ticker__ticker="AAPL", date="2024-06-03").data_quality == "suspect"


def test_duplicate_dates_are_collapsed_to_the_last_one_sent(market):
    day: dict[str, Any] = {"open": 184.0, "low": 183.0, "volume": 1000}
    market.scripted["AAPL"] = [
        json_response(
            200,
            [
                tiingo.tiingo_row("2024-01-02", high=186.0, close=185.0, **day),
                tiingo.tiingo_row("2024-01-02", high=186.5, close=185.5, **day),
                tiingo.tiingo_row("2024-01-03", high=186.0, close=184.5, **day),
            ],
        )
    ]

    result = run_ingest_command("--tickers", "AAPL", "--since", "2024-01-02", "--json")

    assert result.exit_code == 0
    rows = result.json()["rows"]
    assert (rows["fetched"], rows["inserted"], rows["rejected"]) == (3, 2, 0)
    closes = dict(DailyBar.objects.filter(ticker__ticker="AAPL").values_list("date", "close"))
    assert closes == {dt.date(2024, 1, 2): Decimal("185.5"), dt.date(2024, 1, 3): Decimal("184.5")}


# --- the request budget -------------------------------------------------------------------


def test_a_spent_request_budget_fails_the_rest_of_that_sources_tickers(market, settings):
    settings.PARAKEET_INGEST_REQUEST_BUDGETS = {"tiingo": 1}

    result = run_ingest_command(
        "--tickers", "AAPL", "MSFT", "BHP.AX", "--concurrency", "1", "--json"
    )

    assert_partial(result, failed={"MSFT": "Tiingo: request budget exhausted"})
    assert len([r for r in market.requests if r.url.host == "api.tiingo.com"]) == 1
    assert stored_dates("BHP.AX") == expected_days("BHP.AX")  # Yahoo has its own budget


# --- dry runs -----------------------------------------------------------------------------


def test_a_dry_run_over_stored_data_writes_nothing_at_all(market, msft_stored, cache_dir):
    assert run_ingest_command("--tickers", "AAPL", "--no-cache-rebuild").exit_code == 0
    aapl = bars_of("AAPL")
    market.history["AAPL"] = [
        Row(r.day, r.open, r.high, r.low, r.close, r.volume + 1, r.adj_close)  # revised volume
        for r in market.history["AAPL"]
    ]
    market.not_found.add("MSFT")
    symbols = list(Symbol.objects.filter(ticker__in=["AAPL", "MSFT"]).order_by("ticker").values())

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "--dry-run", "--json")

    assert result.exit_code == 3
    summary = result.json()
    assert summary["dry_run"] is True
    assert summary["rows"]["fetched"] > 0
    assert (summary["rows"]["inserted"], summary["rows"]["updated"]) == (0, 0)
    assert bars_of("AAPL") == aapl
    assert bars_of("MSFT") == msft_stored
    assert (
        list(Symbol.objects.filter(ticker__in=["AAPL", "MSFT"]).order_by("ticker").values())
        == symbols
    )  # a 404 in a dry run does not mark the symbol
    assert not cache_dir.exists()


# --- exit 1: the run cannot start ---------------------------------------------------------


def test_an_unreachable_database_exits_1_with_one_message(market, monkeypatch):
    def unreachable(**kwargs: Any) -> list[str]:
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr("ingest.services.tickers_to_ingest", unreachable)

    result = run_ingest_command("--tickers", "AAPL")

    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'CommandError: The database is unreachable: connection to server at "db" failed: '
        "Connection refused"
    )
    assert market.requests == []
    assert not IngestRun.objects.exists()


# --- a crash mid-run ----------------------------------------------------------------------


def test_a_crash_loses_only_the_batch_in_flight_and_a_rerun_completes_it(market, monkeypatch):
    tickers = ["T1", "T2", "T3", "T4", "T5"]
    for n, ticker in enumerate(tickers):
        market.add(ticker, HISTORY_START, TODAY, base=50.0 + n)
    # Batches of 2 tickers, each written in chunks of 20 rows (several upsert transactions).
    monkeypatch.setattr("ingest.services.BATCH_TICKERS", 2)
    monkeypatch.setattr(
        "ingest.services.upsert_bars", functools.partial(market_services.upsert_bars, batch_size=20)
    )
    chunks_per_batch = math.ceil(2 * len(expected_days("T1")) / 20)
    crash_at = chunks_per_batch + 2  # the second chunk of the second batch
    writes: list[int] = []

    def crashing(real):
        def upsert_batch(rows):
            writes.append(len(rows))
            if len(writes) == crash_at:
                real(rows[: len(rows) // 2])  # half the chunk reaches the table, then...
                raise OperationalError("server closed the connection unexpectedly")
            return real(rows)

        return upsert_batch

    for name in ("upsert_batch_sqlite", "upsert_batch_postgresql"):
        monkeypatch.setattr(market_services, name, crashing(getattr(market_services, name)))

    crashed = run_ingest_command("--tickers", *tickers)

    assert crashed.exit_code == 1
    assert "server closed the connection unexpectedly" in crashed.stderr
    full = [t for t in tickers if stored_dates(t) == expected_days(t)]
    empty = [t for t in tickers if stored_dates(t) == []]
    assert len(full) == 2  # the first batch was committed
    assert len(empty) == 3  # the batch in flight left nothing behind, nor did the rest
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.FAILED
    assert run.message == "OperationalError: server closed the connection unexpectedly"
    assert (run.succeeded, run.rows_inserted) == (2, 2 * len(expected_days("T1")))

    monkeypatch.undo()
    rerun = run_ingest_command("--tickers", *tickers, "--json")

    assert rerun.exit_code == 0, rerun.stdout
    assert all(stored_dates(t) == expected_days(t) for t in tickers)
    assert rerun.json()["rows"]["inserted"] == 3 * len(expected_days("T1"))
    assert rerun.json()["rows"]["updated"] == 0


# --- metrics --------------------------------------------------------------------------------


class LambdaContext:
    function_name = "parakeet-test-ingest"
    aws_request_id = "req-ingest"


def test_each_run_records_its_counts_per_source(market):
    market.not_found.add("GONE")
    market.history["AAPL"][2] = Row(
        market.history["AAPL"][2].day, 1, 2, 3, 1, 1, 1
    )  # one bar rejected

    with invocation_metrics(LambdaContext()) as invocation:
        result = run_ingest_command("--tickers", "AAPL", "GONE", "BHP.AX")
        points = list(invocation.points)

    assert result.exit_code == 3
    recorded: dict[str, dict[str, float]] = {}
    for point in points:
        dims = dict(point.dimensions)
        if point.name.startswith("Ingest"):
            assert dims["function"] == "parakeet-test-ingest"
            recorded.setdefault(dims["source"], {})[point.name] = point.value
    aapl, bhp = len(expected_days("AAPL")), len(expected_days("BHP.AX"))
    durations = {source: counts.pop("IngestDuration") for source, counts in recorded.items()}
    assert recorded == {
        "tiingo": {
            "IngestSymbolsRequested": 2,
            "IngestSymbolsSucceeded": 1,
            "IngestSymbolsFailed": 1,
            "IngestRowsInserted": aapl - 1,
            "IngestRowsUpdated": 0,
            "IngestRowsUnchanged": 0,
            "IngestRowsRejected": 1,
        },
        "yahoo": {
            "IngestSymbolsRequested": 1,
            "IngestSymbolsSucceeded": 1,
            "IngestSymbolsFailed": 0,
            "IngestRowsInserted": bhp,
            "IngestRowsUpdated": 0,
            "IngestRowsUnchanged": 0,
            "IngestRowsRejected": 0,
        },
    }
    assert all(duration > 0 for duration in durations.values())


def test_the_metrics_are_flushed_as_emf_with_the_source_dimension(market, capsys, monkeypatch):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)

    with invocation_metrics(LambdaContext()):
        assert run_ingest_command("--tickers", "AAPL").exit_code == 0

    documents = []
    for line in capsys.readouterr().out.splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        if "_aws" in document:
            documents.append(document)
    ingest = next(doc for doc in documents if "IngestRowsInserted" in doc)
    assert ingest["source"] == "tiingo"
    assert ingest["function"] == "parakeet-test-ingest"
    assert ingest["IngestRowsInserted"] == [float(len(expected_days("AAPL")))]
    assert ingest["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Parakeet"


def test_a_run_that_crashes_still_records_what_it_did(market, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("ingest.services.upsert_bars", broken)

    with invocation_metrics(LambdaContext()) as invocation:
        with pytest.raises(RuntimeError, match="disk full"):
            run_ingest_command("--tickers", "AAPL")
        points = {p.name: p.value for p in invocation.points if p.name.startswith("Ingest")}

    assert points["IngestSymbolsRequested"] == 1
    assert points["IngestSymbolsSucceeded"] == 0
    assert points["IngestRowsInserted"] == 0
    assert IngestRun.objects.get().status == IngestStatus.FAILED
