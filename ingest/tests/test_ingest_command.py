"""``manage.py ingest`` end to end: faked vendor HTTP, real sources, validation, SQL and cache."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from decimal import Decimal

import pytest
from django.utils import timezone

from ingest.models import IngestRun, IngestStatus
from ingest.planning import OVERLAP_DAYS, last_completed_session
from ingest.sources.tiingo import DISABLED_MESSAGE
from ingest.tests.fake_market import TEST_TIINGO_KEY, FakeMarket, Row, weekdays
from ingest.tests.support import TerminalStream, local_cache_storage, run_ingest_command
from market.models import DailyBar, Symbol
from market.services import upsert_bars
from market.tests.factories import bar_row

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = NOW.date()
HISTORY_START = TODAY - dt.timedelta(days=40)


def session_end(ticker: str) -> dt.date:
    return last_completed_session(ticker, timezone.now())


def expected_days(ticker: str, start: dt.date = HISTORY_START) -> list[dt.date]:
    return weekdays(start, session_end(ticker))


@pytest.fixture
def cache_dir(settings, tmp_path):
    location = tmp_path / "cache"
    settings.STORAGES = {**settings.STORAGES, "cache": local_cache_storage(location)}
    return location


@pytest.fixture
def tiingo_key(settings):
    settings.TIINGO_API_KEY = TEST_TIINGO_KEY


@pytest.fixture
def market(cache_dir, tiingo_key):
    fake = FakeMarket()
    for ticker, base in (("AAPL", 180.0), ("MSFT", 400.0), ("BHP.AX", 45.0)):
        fake.add(ticker, HISTORY_START, TODAY, base=base)
    with fake.installed():
        yield fake


def table_value(summary: str, label: str) -> str:
    """The value on the summary table's line for ``label``."""
    match = re.search(rf"^  {label}\s+(\S+)", summary, re.MULTILINE)
    assert match, summary
    return match.group(1)


def stored_dates(ticker: str) -> list[dt.date]:
    return list(DailyBar.objects.filter(ticker__ticker=ticker).values_list("date", flat=True))


def test_a_first_run_stores_every_bar_up_to_the_last_completed_session(market):
    result = run_ingest_command("--tickers", "AAPL", "bhp.ax")

    assert result.exit_code == 0, result.stderr
    assert stored_dates("AAPL") == expected_days("AAPL")
    assert stored_dates("BHP.AX") == expected_days("BHP.AX")
    first = DailyBar.objects.get(ticker__ticker="AAPL", date=expected_days("AAPL")[0])
    assert (first.open, first.high, first.low, first.close, first.adj_close, first.volume) == (
        Decimal("179.7500"),
        Decimal("181.0000"),
        Decimal("179.0000"),
        Decimal("180.0000"),
        Decimal("176.4000"),
        1_000_000,
    )
    assert (first.source, first.data_quality, first.metadata) == ("tiingo", "good", {})
    assert DailyBar.objects.get(
        ticker__ticker="BHP.AX", date=expected_days("BHP.AX")[0]
    ).source == ("yahoo")
    total = len(expected_days("AAPL")) + len(expected_days("BHP.AX"))
    run = IngestRun.objects.get()
    assert result.stdout.startswith(f"Ingest run {run.pk}: completed\n")
    assert table_value(result.stdout, "rows inserted") == str(total)
    assert table_value(result.stdout, "tickers ok") == "2"
    assert table_value(result.stdout, "tickers failed") == "0"


def test_the_run_is_audited(market):
    before = timezone.now()
    result = run_ingest_command("--tickers", "AAPL", "BHP.AX", "--concurrency", "2")

    run = IngestRun.objects.get()
    total = len(expected_days("AAPL")) + len(expected_days("BHP.AX"))
    assert result.exit_code == 0
    assert run.status == IngestStatus.COMPLETED
    assert (run.requested, run.succeeded, run.failed) == (2, 2, 0)
    assert (run.rows_inserted, run.rows_updated, run.rows_unchanged, run.rows_rejected) == (
        total,
        0,
        0,
        0,
    )
    assert run.errors == []
    assert run.parameters == {
        "universes": [],
        "tickers": ["AAPL", "BHP.AX"],
        "since": None,
        "lookback_days": None,
        "full_history": False,
        "force": False,
        "source": "auto",
        "concurrency": 2,
        "dry_run": False,
        "rebuild_cache": True,
        "trigger": "command",
    }
    assert run.started_at is not None
    assert run.finished_at is not None
    assert before <= run.started_at <= run.finished_at <= timezone.now()
    assert "2 of 2 tickers ok" in run.message


def test_re_running_changes_nothing(market):
    assert run_ingest_command("--tickers", "AAPL", "BHP.AX").exit_code == 0
    snapshot = list(DailyBar.objects.order_by("ticker_id", "date").values())
    symbols = list(Symbol.objects.filter(ticker__in=["AAPL", "BHP.AX"]).values())

    again = run_ingest_command("--tickers", "AAPL", "BHP.AX", "--json")

    assert again.exit_code == 0
    assert list(DailyBar.objects.order_by("ticker_id", "date").values()) == snapshot
    assert list(Symbol.objects.filter(ticker__in=["AAPL", "BHP.AX"]).values()) == symbols
    rows = again.json()["rows"]
    assert (rows["inserted"], rows["updated"], rows["rejected"]) == (0, 0, 0)
    assert rows["unchanged"] == rows["fetched"] > 0
    assert again.json()["caches_rebuilt"] == []  # nothing changed: the caches are still fresh


def test_the_incremental_window_starts_five_days_before_the_last_stored_bar(market):
    last = expected_days("AAPL")[-6]
    upsert_bars(
        rows=[bar_row("AAPL", day, 180.0) for day in weekdays(last - dt.timedelta(10), last)]
    )

    result = run_ingest_command("--tickers", "AAPL")

    assert result.exit_code == 0
    (request,) = market.requests_for("AAPL")
    assert request.url.params["startDate"] == (last - dt.timedelta(days=OVERLAP_DAYS)).isoformat()
    assert request.url.params["endDate"] == session_end("AAPL").isoformat()
    assert request.headers["Authorization"] == f"Token {TEST_TIINGO_KEY}"
    # The overlap re-fetched bars the vendor now reports differently: they are updated.
    run = IngestRun.objects.get()
    overlap = weekdays(last - dt.timedelta(days=OVERLAP_DAYS), last)
    assert run.rows_updated == len(overlap)
    assert run.rows_inserted == len(expected_days("AAPL", last + dt.timedelta(days=1)))


def test_a_ticker_without_bars_starts_ten_years_back(market, settings):
    run_ingest_command("--tickers", "AAPL")

    (request,) = market.requests_for("AAPL")
    assert (
        request.url.params["startDate"]
        == (session_end("AAPL") - dt.timedelta(days=3653)).isoformat()
    )


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--since", "2024-03-01"], lambda end: dt.date(2024, 3, 1)),
        (["--lookback-days", "30"], lambda end: end - dt.timedelta(days=30)),
        (["--full-history"], lambda end: dt.date(2000, 1, 1)),
    ],
)
def test_window_options_set_the_start_for_every_ticker(market, args, start):
    upsert_bars(rows=[bar_row("AAPL", expected_days("AAPL")[-1], 180.0)])

    assert run_ingest_command("--tickers", "AAPL", *args).exit_code == 0

    (request,) = market.requests_for("AAPL")
    assert request.url.params["startDate"] == start(session_end("AAPL")).isoformat()


def test_a_universe_ingests_its_current_members(market):
    members = list(
        Symbol.objects.filter(
            memberships__universe__key="CORE_ETFS", memberships__end_date__isnull=True
        ).values_list("ticker", flat=True)
    )
    for ticker in members:
        market.add(ticker, TODAY - dt.timedelta(days=10), TODAY)

    result = run_ingest_command("--universe", "CORE_ETFS", "--json")

    assert result.exit_code == 0, result.stdout
    assert result.json()["tickers"] == {"requested": 15, "succeeded": 15, "failed": 0}
    assert sorted(_symbol_of(r) for r in market.requests) == sorted(
        t if t.endswith(".AX") else t.replace(".", "-") for t in members
    )
    assert "CORE_ETFS" in result.json()["caches_rebuilt"]


def _symbol_of(request):
    return request.url.path.split("/")[3 if "tiingo" in request.url.host else -1]


def test_some_tickers_failing_exit_3_and_keep_the_others(market):
    market.broken.add("MSFT")
    market.not_found.add("GONE")

    result = run_ingest_command("--tickers", "AAPL", "MSFT", "GONE", "BHP.AX")

    assert result.exit_code == 3
    assert stored_dates("AAPL") == expected_days("AAPL")
    assert stored_dates("BHP.AX") == expected_days("BHP.AX")
    assert stored_dates("MSFT") == []
    run = IngestRun.objects.get()
    assert run.status == IngestStatus.PARTIAL
    assert (run.requested, run.succeeded, run.failed) == (4, 2, 2)
    assert sorted(run.errors, key=lambda e: e["ticker"]) == [
        {"ticker": "GONE", "message": "Tiingo: Error: Ticker 'GONE' not found"},
        {"ticker": "MSFT", "message": "Tiingo: HTTP 500 after 2 attempts"},
    ]
    assert "Failures:" in result.stdout
    assert "GONE  Tiingo: Error: Ticker 'GONE' not found" in result.stdout


def test_a_404_marks_a_symbol_we_had_bars_for_delisted(market):
    upsert_bars(rows=[bar_row("OLDCO", dt.date(2020, 1, 2), 10.0)])
    Symbol.objects.create(ticker="NEVER", data_source="tiingo")
    market.not_found.update({"OLDCO", "NEVER"})

    result = run_ingest_command("--tickers", "OLDCO", "NEVER", "UNSEEN", "AAPL")

    assert result.exit_code == 3
    oldco = Symbol.objects.get(ticker="OLDCO")
    never = Symbol.objects.get(ticker="NEVER")
    assert (oldco.is_active, oldco.is_delisted) == (False, True)
    assert (never.is_active, never.is_delisted) == (False, False)
    assert not Symbol.objects.filter(ticker="UNSEEN").exists()
    assert Symbol.objects.get(ticker="AAPL").is_active


def test_a_symbol_answering_again_is_active_again(market):
    Symbol.objects.filter(ticker="AAPL").update(is_active=False, is_delisted=True)

    assert run_ingest_command("--tickers", "AAPL").exit_code == 0

    aapl = Symbol.objects.get(ticker="AAPL")
    assert (aapl.is_active, aapl.is_delisted) == (True, False)


def test_rejected_bars_are_counted_and_the_rest_stored(market):
    bad_day = expected_days("AAPL")[3]
    rows = market.history["AAPL"]
    market.history["AAPL"] = [
        Row(r.day, r.open, r.low - 5, r.low, r.close, r.volume, r.adj_close)
        if r.day == bad_day
        else r
        for r in rows
    ]

    result = run_ingest_command("--tickers", "AAPL", "--json")

    assert result.exit_code == 0
    assert bad_day not in stored_dates("AAPL")
    assert len(stored_dates("AAPL")) == len(expected_days("AAPL")) - 1
    summary = result.json()
    assert summary["rows"]["rejected"] == 1
    assert summary["rejections"][0]["ticker"] == "AAPL"
    assert summary["rejections"][0]["date"] == bad_day.isoformat()
    assert (
        "outside low" in summary["rejections"][0]["reason"]
        or "above high" in (summary["rejections"][0]["reason"])
    )
    assert IngestRun.objects.get().rows_rejected == 1


def test_without_a_tiingo_key_us_only_runs_cannot_start(market, settings):
    settings.TIINGO_API_KEY = ""

    result = run_ingest_command("--tickers", "AAPL", "MSFT")

    assert result.exit_code == 1
    assert DISABLED_MESSAGE in result.stderr
    assert "every requested ticker (2) needs Tiingo" in result.stderr
    assert market.requests == []
    assert not IngestRun.objects.exists()


def test_without_a_tiingo_key_asx_tickers_still_run(market, settings):
    settings.TIINGO_API_KEY = ""

    result = run_ingest_command("--tickers", "AAPL", "BHP.AX")

    assert result.exit_code == 3
    assert f"Warning: {DISABLED_MESSAGE}; 1 of 2 tickers will fail" in result.stderr
    assert stored_dates("BHP.AX") == expected_days("BHP.AX")
    assert IngestRun.objects.get().errors == [{"ticker": "AAPL", "message": DISABLED_MESSAGE}]
    assert all(r.url.host != "api.tiingo.com" for r in market.requests)


def test_a_dry_run_fetches_and_validates_but_writes_nothing(market, cache_dir):
    result = run_ingest_command("--tickers", "AAPL", "BHP.AX", "--dry-run", "--json")

    assert result.exit_code == 0
    assert not DailyBar.objects.exists()
    assert not Symbol.objects.filter(ticker="AAPL", last_bar_date__isnull=False).exists()
    assert not cache_dir.exists()
    summary = result.json()
    assert summary["dry_run"] is True
    assert summary["rows"]["fetched"] == len(expected_days("AAPL")) + len(expected_days("BHP.AX"))
    assert (summary["rows"]["inserted"], summary["rows"]["updated"]) == (0, 0)
    run = IngestRun.objects.get()
    assert run.parameters["dry_run"] is True
    assert run.status == IngestStatus.COMPLETED


def test_json_output_is_one_parseable_document(market):
    market.not_found.add("GONE")

    result = run_ingest_command("--tickers", "AAPL", "GONE", "--json")

    assert result.exit_code == 3
    summary = result.json()
    run = IngestRun.objects.get()
    assert list(summary) == [
        "ingest_run_id",
        "status",
        "dry_run",
        "tickers",
        "rows",
        "failures",
        "rejections",
        "caches_rebuilt",
        "warnings",
        "started_at",
        "finished_at",
        "duration_seconds",
        "message",
    ]
    assert summary["ingest_run_id"] == run.pk
    assert summary["status"] == "partial"
    assert summary["tickers"] == {"requested": 2, "succeeded": 1, "failed": 1}
    assert summary["failures"] == [
        {"ticker": "GONE", "message": "Tiingo: Error: Ticker 'GONE' not found"}
    ]
    assert summary["finished_at"].endswith("Z")


def test_the_price_cache_of_each_affected_universe_is_rebuilt(market, cache_dir):
    result = run_ingest_command("--tickers", "AAPL", "BHP.AX", "--json")

    rebuilt = result.json()["caches_rebuilt"]
    assert {"SPX500", "ASX200"} <= set(rebuilt)
    for key in rebuilt:
        assert (cache_dir / "prices" / key / "manifest.json").is_file()
        assert (cache_dir / "prices" / key / "close.parquet").is_file()


def test_no_cache_rebuild_leaves_the_cache_alone(market, cache_dir):
    result = run_ingest_command("--tickers", "AAPL", "--no-cache-rebuild", "--json")

    assert result.exit_code == 0
    assert result.json()["caches_rebuilt"] == []
    assert not cache_dir.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--universe", "NOPE"], "Unknown universe 'NOPE'"),
        (["--tickers", "AAPL", "--since", "2024-01-01", "--full-history"], "not allowed with"),
        (["--tickers", "AAPL", "--lookback-days", "0"], "must be at least 1"),
        (["--tickers", "AAPL", "--since", "yesterday"], "is not a date"),
        (["--tickers", "AAPL", "--source", "bloomberg"], "invalid choice"),
        (["--tickers", "AA PL!"], "invalid tickers"),
        (["--tickers", "AAPL", "--concurrency", "1000"], "at most 64"),
    ],
)
def test_a_run_that_cannot_start_exits_1_with_one_message(market, args, message):
    result = run_ingest_command(*args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert not IngestRun.objects.exists()
    assert market.requests == []


def test_progress_is_logged_per_batch_when_not_on_a_terminal(market):
    result = run_ingest_command("--tickers", "AAPL", "BHP.AX")

    run = IngestRun.objects.get()
    assert f"ingest progress run={run.pk} processed=2 total=2 succeeded=2 failed=0" in (
        result.stderr
    )
    assert "\r" not in result.stderr


def test_a_terminal_gets_a_tqdm_bar_and_still_the_summary_table(market):
    result = run_ingest_command("--tickers", "AAPL", "MSFT", "BHP.AX", stderr=TerminalStream())

    run = IngestRun.objects.get()
    assert result.exit_code == 0, result.stderr
    final = result.stderr.rstrip("\n").rsplit("\r", 1)[-1]  # the bar's last redraw
    assert final.startswith(f"Ingest run {run.pk}: 100%|")
    assert "| 3/3 [" in final
    assert "ticker/s" in final
    assert "stored=3, failed=0, rows=" in final
    assert "ingest progress run=" not in result.stderr
    assert result.stdout.startswith(f"Ingest run {run.pk}: completed\n")
    assert table_value(result.stdout, "tickers ok") == "3"


def test_json_output_on_a_terminal_draws_no_bar(market):
    result = run_ingest_command("--tickers", "AAPL", "BHP.AX", "--json", stderr=TerminalStream())

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tickers"]["succeeded"] == 2
    assert "\r" not in result.stderr
    assert "ingest progress run=" in result.stderr


def test_a_run_off_a_terminal_never_imports_tqdm(market, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # importing it now raises ImportError

    result = run_ingest_command("--tickers", "AAPL", "BHP.AX")

    assert result.exit_code == 0, result.stderr
    assert "%|" not in result.stderr
    assert table_value(result.stdout, "tickers ok") == "2"
