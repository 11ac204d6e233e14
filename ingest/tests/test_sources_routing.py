"""Which source a ticker goes to, and which calendar day it is at its exchange."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ingest.sources import SourceName, exchange_timezone, route_source, today_in_exchange


@pytest.mark.parametrize(
    "ticker",
    ["^VIX", "^GSPC", "^DJI", "^IXIC", "BTC-USD", "BTC-AUD", "ETH-USD"],
)
def test_the_contracts_named_yahoo_tickers_go_to_yahoo(ticker):
    assert route_source(ticker) is SourceName.YAHOO


@pytest.mark.parametrize(
    "ticker", ["BHP.AX", "cba.ax", " VAS.AX ", "^AXJO", "^FTSE", "SOL-USD", "ETH-EUR", "XRP-AUD"]
)
def test_asx_tickers_indices_and_crypto_pairs_go_to_yahoo(ticker):
    assert route_source(ticker) is SourceName.YAHOO


@pytest.mark.parametrize("ticker", ["AAPL", "brk-b", "BF-B", "SPY", "GLD", "VTSAX", "ABC-USD"])
def test_everything_else_goes_to_tiingo(ticker):
    assert route_source(ticker) is SourceName.TIINGO


def test_a_run_can_force_a_source_for_every_ticker():
    assert route_source("BHP.AX", "tiingo") is SourceName.TIINGO
    assert route_source("AAPL", "Yahoo") is SourceName.YAHOO
    assert route_source("AAPL", "auto") is SourceName.TIINGO


def test_an_unknown_source_choice_is_refused():
    with pytest.raises(
        ValueError, match=r"unknown source 'iex': choose one of auto, tiingo, yahoo"
    ):
        route_source("AAPL", "iex")


@pytest.mark.parametrize(
    ("ticker", "zone"),
    [
        ("AAPL", "America/New_York"),
        ("^GSPC", "America/New_York"),
        ("BHP.AX", "Australia/Sydney"),
        ("^AXJO", "Australia/Sydney"),
        ("BTC-USD", "UTC"),
        ("ETH-AUD", "UTC"),
    ],
)
def test_exchange_timezone(ticker, zone):
    assert exchange_timezone(ticker) == ZoneInfo(zone)


def test_today_is_the_calendar_day_at_the_exchange():
    # 23:30 UTC on 1 January is 10:30 on 2 January in Sydney and 18:30 on 1 January in New York.
    now = dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)

    assert today_in_exchange("BHP.AX", now) == dt.date(2024, 1, 2)
    assert today_in_exchange("AAPL", now) == dt.date(2024, 1, 1)
    assert today_in_exchange("BTC-USD", now) == dt.date(2024, 1, 1)


def test_today_in_new_york_follows_daylight_saving():
    # 03:30 UTC is 23:30 the previous evening in New York during EDT (UTC-4).
    now = dt.datetime(2024, 7, 2, 3, 30, tzinfo=dt.UTC)

    assert today_in_exchange("AAPL", now) == dt.date(2024, 7, 1)


def test_today_needs_an_aware_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in_exchange("AAPL", dt.datetime(2024, 1, 1, 12, 0))
