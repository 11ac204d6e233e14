"""Windows of an ingest run: the last completed session per exchange and the start per mode."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ingest.planning import (
    DEFAULT_UNIVERSES,
    FULL_HISTORY_START,
    IngestParameters,
    last_completed_session,
    plan_windows,
)

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def at(day: str, time: str, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), zone)


@pytest.mark.parametrize(
    ("ticker", "now", "expected"),
    [
        # Wednesday 2024-01-10 in New York: trading until 16:00, final from 16:30.
        ("AAPL", at("2024-01-10", "12:00", NEW_YORK), "2024-01-09"),
        ("AAPL", at("2024-01-10", "16:29", NEW_YORK), "2024-01-09"),
        ("AAPL", at("2024-01-10", "16:30", NEW_YORK), "2024-01-10"),
        # Monday morning: the last session was Friday; Saturday and Sunday have none.
        ("AAPL", at("2024-01-08", "09:00", NEW_YORK), "2024-01-05"),
        ("AAPL", at("2024-01-06", "20:00", NEW_YORK), "2024-01-05"),
        # 23:00 UTC on Wednesday is already Thursday 10:00 in Sydney: Wednesday's session.
        ("BHP.AX", at("2024-01-10", "23:00", ZoneInfo("UTC")), "2024-01-10"),
        ("BHP.AX", at("2024-01-11", "17:00", SYDNEY), "2024-01-11"),
        ("^AXJO", at("2024-01-11", "11:00", SYDNEY), "2024-01-10"),
        ("^GSPC", at("2024-01-11", "11:00", SYDNEY), "2024-01-10"),  # 19:00 in New York
        ("^GSPC", at("2024-01-11", "07:00", SYDNEY), "2024-01-09"),  # 15:00 in New York
        # Crypto trades every day: the last complete UTC day, weekends included.
        ("BTC-USD", at("2024-01-07", "12:00", ZoneInfo("UTC")), "2024-01-06"),
    ],
)
def test_last_completed_session_follows_the_exchange_clock(ticker, now, expected):
    assert last_completed_session(ticker, now) == dt.date.fromisoformat(expected)


NOW = at("2024-01-10", "18:00", NEW_YORK)  # after the US close; 10:00 Thursday in Sydney
LAST = {"AAPL": dt.date(2024, 1, 8)}


def windows(parameters, history_days=3653):
    planned = plan_windows(
        ["AAPL", "MSFT", "BHP.AX"],
        parameters=parameters,
        last_dates=LAST,
        now=NOW,
        history_days=history_days,
    )
    return {w.ticker: (w.start, w.end, w.reason) for w in planned}


def test_incremental_windows_overlap_five_days_and_new_tickers_start_years_back():
    assert windows(IngestParameters(tickers=("AAPL",)), history_days=100) == {
        "AAPL": (dt.date(2024, 1, 3), dt.date(2024, 1, 10), "incremental"),
        "MSFT": (dt.date(2023, 10, 2), dt.date(2024, 1, 10), "new"),
        "BHP.AX": (dt.date(2023, 10, 2), dt.date(2024, 1, 10), "new"),
    }


def test_since_lookback_full_history_and_force_ignore_what_is_stored():
    since = windows(IngestParameters(since=dt.date(2023, 6, 1)))
    lookback = windows(IngestParameters(lookback_days=7))
    full = windows(IngestParameters(full_history=True))
    force = windows(IngestParameters(force=True), history_days=10)

    assert {w[0] for w in since.values()} == {dt.date(2023, 6, 1)}
    assert lookback["AAPL"][0] == dt.date(2024, 1, 3)
    assert lookback["BHP.AX"][0] == dt.date(2024, 1, 3)
    assert {w[0] for w in full.values()} == {FULL_HISTORY_START}
    assert force["AAPL"] == (dt.date(2023, 12, 31), dt.date(2024, 1, 10), "force")


def test_history_days_comes_from_settings(settings):
    settings.PARAKEET_INGEST_HISTORY_DAYS = 30
    planned = plan_windows(["MSFT"], parameters=IngestParameters(), last_dates={}, now=NOW)
    assert planned[0].start == dt.date(2023, 12, 11)


def test_parameters_round_trip_through_json_and_default_to_the_contract_universes():
    parameters = IngestParameters(
        tickers=("AAPL",), since=dt.date(2024, 1, 2), source="yahoo", dry_run=True
    )

    assert IngestParameters.from_json(parameters.to_json()) == parameters
    assert IngestParameters().effective_universes == DEFAULT_UNIVERSES
    assert IngestParameters(tickers=("AAPL",)).effective_universes == ()
    assert IngestParameters.from_json({"tickers": [" aapl ", "AAPL"], "extra": 1}).tickers == (
        "AAPL",
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": dt.date(2024, 1, 1), "full_history": True},
        {"lookback_days": 0},
        {"concurrency": 0},
        {"source": "bloomberg"},
        {"tickers": ("BAD TICKER",)},
    ],
)
def test_inconsistent_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        IngestParameters(**kwargs)
