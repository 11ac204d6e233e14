"""Yahoo chart source: exchange-timezone dates, null padding, splits and error bodies."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx

from ingest.sources import Bar, FetchStatus, SourceName, YahooSource
from ingest.tests.payloads import yahoo
from ingest.tests.payloads.fake_http import FakeApi, fast_retry, json_response

SYDNEY = ZoneInfo("Australia/Sydney")
JAN_2 = dt.date(2024, 1, 2)
JAN_5 = dt.date(2024, 1, 5)


def fetch(api: FakeApi, ticker: str = "BHP.AX", start: dt.date = JAN_2, end: dt.date = JAN_5):
    async def run():
        async with api.client() as client:
            return await YahooSource(client, retry=fast_retry()).fetch(ticker, start, end)

    return asyncio.run(run())


def test_bars_are_dated_in_the_exchange_timezone_not_utc():
    payload = yahoo.bhp_first_days_of_2024()
    first_stamp = payload["chart"]["result"][0]["timestamp"][0]
    assert dt.datetime.fromtimestamp(first_stamp, dt.UTC).date() == dt.date(2024, 1, 1)
    api = FakeApi(json_response(200, payload))

    result = fetch(api)

    assert result.status is FetchStatus.OK
    assert [bar.date for bar in result.bars] == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]


def test_chart_arrays_are_mapped_to_bars_with_exact_values():
    api = FakeApi(json_response(200, yahoo.bhp_first_days_of_2024()))

    result = fetch(api)

    assert result.requests_made == 1
    assert result.source is SourceName.YAHOO
    assert result.bars[0] == Bar(
        ticker="BHP.AX",
        date=dt.date(2024, 1, 2),
        open=Decimal("50.150001525878906"),
        high=Decimal("50.619998931884766"),
        low=Decimal("49.97999954223633"),
        close=Decimal("50.40999984741211"),
        adj_close=Decimal("46.20512771606445"),
        volume=4898713,
        source=SourceName.YAHOO,
        split_event=False,
    )
    assert result.bars[1].close == Decimal("49.70000076293945")
    assert result.bars[1].open == Decimal("50.0")
    assert result.bars[1].volume == 6142355


def test_request_asks_for_daily_bars_between_exchange_midnights():
    api = FakeApi(json_response(200, yahoo.bhp_first_days_of_2024()))

    fetch(api, start=JAN_2, end=JAN_5)

    (request,) = api.requests
    assert request.url.host == "query1.finance.yahoo.com"
    assert request.url.path == "/v8/finance/chart/BHP.AX"
    assert dict(request.url.params) == {
        "period1": str(int(dt.datetime(2024, 1, 2, tzinfo=SYDNEY).timestamp())),
        "period2": str(int(dt.datetime(2024, 1, 6, tzinfo=SYDNEY).timestamp())),
        "interval": "1d",
        "events": "div,split",
    }
    assert "Mozilla/5.0" in request.headers["User-Agent"]


def test_index_symbols_are_escaped_in_the_path():
    rows = [("2024-01-02", "09:30", 4745.2, 4754.33, 4722.67, 4742.83, 3743050000, 4742.83)]
    api = FakeApi(json_response(200, yahoo.chart("^GSPC", rows, zone="America/New_York")))

    result = fetch(api, ticker="^GSPC")

    assert api.requests[0].url.raw_path.startswith(b"/v8/finance/chart/%5EGSPC?")
    assert [(bar.date, bar.close) for bar in result.bars] == [
        (dt.date(2024, 1, 2), Decimal("4742.83"))
    ]


def test_crypto_days_are_utc_days():
    rows = [
        ("2024-01-02", "00:00", 44187.14, 45899.71, 44176.95, 44957.97, 39335274536, 44957.97),
        ("2024-01-03", "00:00", 44961.6, 45503.24, 40813.53, 42848.18, 46342323118, 42848.18),
    ]
    api = FakeApi(
        json_response(200, yahoo.chart("BTC-USD", rows, zone="UTC", instrument="CRYPTOCURRENCY"))
    )

    result = fetch(api, ticker="BTC-USD")

    assert [bar.date for bar in result.bars] == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert result.bars[1].volume == 46342323118
    params = api.requests[0].url.params
    assert params["period1"] == str(int(dt.datetime(2024, 1, 2, tzinfo=dt.UTC).timestamp()))


def test_rows_with_any_null_price_are_skipped():
    rows = [
        ("2024-01-02", "10:00", 50.15, 50.62, 49.98, 50.41, 4898713, 46.2),
        ("2024-01-03", "10:00", None, None, None, None, None, None),
        ("2024-01-04", "10:00", 49.8, None, 49.1, 49.5, 5000000, 45.3),
        ("2024-01-05", "10:00", 49.6, 50.1, 49.2, 49.9, 5100000, 45.7),
    ]
    api = FakeApi(json_response(200, yahoo.chart("BHP.AX", rows, zone="Australia/Sydney")))

    result = fetch(api)

    assert [bar.date for bar in result.bars] == [dt.date(2024, 1, 2), dt.date(2024, 1, 5)]


def test_a_missing_volume_is_kept_as_none_for_validation_to_judge():
    rows = [("2024-01-02", "10:00", 50.15, 50.62, 49.98, 50.41, None, 46.2)]
    api = FakeApi(json_response(200, yahoo.chart("BHP.AX", rows, zone="Australia/Sydney")))

    (bar,) = fetch(api).bars

    assert bar.volume is None


def test_a_split_marks_the_bar_of_its_exchange_day():
    rows = [
        ("2020-08-28", "09:30", 504.05, 505.77, 498.31, 499.23, 46907479, 122.46),
        ("2020-08-31", "09:30", 127.58, 131.0, 126.0, 129.04, 225702700, 126.6),
    ]
    split_stamp = yahoo.session_timestamp("2020-08-31", "09:30", "America/New_York")
    payload = yahoo.chart("AAPL", rows, zone="America/New_York", splits=[(split_stamp, 4, 1)])
    api = FakeApi(json_response(200, payload))

    result = fetch(api, ticker="AAPL", start=dt.date(2020, 8, 28), end=dt.date(2020, 8, 31))

    assert [(bar.date, bar.split_event) for bar in result.bars] == [
        (dt.date(2020, 8, 28), False),
        (dt.date(2020, 8, 31), True),
    ]


def test_a_second_row_for_the_same_day_is_the_live_snapshot_and_wins():
    rows = [
        ("2024-01-02", "10:00", 50.15, 50.62, 49.98, 50.30, 4000000, 46.1),
        ("2024-01-02", "14:25", 50.15, 50.62, 49.98, 50.41, 4898713, 46.2),
    ]
    api = FakeApi(json_response(200, yahoo.chart("BHP.AX", rows, zone="Australia/Sydney")))

    (bar,) = fetch(api).bars

    assert bar.close == Decimal("50.41")
    assert bar.volume == 4898713


def test_rows_outside_the_requested_range_are_dropped():
    api = FakeApi(json_response(200, yahoo.bhp_first_days_of_2024()))

    result = fetch(api, start=dt.date(2024, 1, 3), end=dt.date(2024, 1, 3))

    assert [bar.date for bar in result.bars] == [dt.date(2024, 1, 3)]


def test_unknown_symbol_is_not_found_and_not_retried():
    api = FakeApi(json_response(404, yahoo.NOT_FOUND))

    result = fetch(api, ticker="ZZZ.AX")

    assert result.status is FetchStatus.NOT_FOUND
    assert result.reason == "Yahoo: No data found, symbol may be delisted"
    assert len(api.requests) == 1


def test_a_range_before_listing_is_empty_not_failed():
    api = FakeApi(json_response(400, yahoo.no_data_for_range(1104498000, 1104843600)))

    result = fetch(api, start=dt.date(2005, 1, 1), end=dt.date(2005, 1, 4))

    assert result.status is FetchStatus.EMPTY
    assert result.reason.startswith("Yahoo: Data doesn't exist for startDate")
    assert len(api.requests) == 1


def test_a_range_without_sessions_has_no_timestamps_and_is_empty():
    api = FakeApi(json_response(200, yahoo.chart("BHP.AX", [], zone="Australia/Sydney")))

    result = fetch(api, start=dt.date(2024, 1, 6), end=dt.date(2024, 1, 7))

    assert result.status is FetchStatus.EMPTY
    assert result.reason == "Yahoo has no complete bars from 2024-01-06 to 2024-01-07"


def test_a_range_with_only_null_rows_is_empty():
    rows = [("2024-01-02", "10:00", None, None, None, None, None, None)]
    api = FakeApi(json_response(200, yahoo.chart("BHP.AX", rows, zone="Australia/Sydney")))

    assert fetch(api).status is FetchStatus.EMPTY


def test_other_client_errors_fail_with_status_and_description():
    error = {"code": "Bad Request", "description": "Invalid input - interval=1x is not supported"}
    body = {"chart": {"result": None, "error": error}}
    api = FakeApi(json_response(400, body))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason == "Yahoo: HTTP 400: Invalid input - interval=1x is not supported"
    assert len(api.requests) == 1


def test_malformed_json_fails_with_a_readable_reason():
    api = FakeApi(httpx.Response(200, content=b"<html>Will be right back</html>"))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason.startswith("malformed JSON from Yahoo")


def test_arrays_that_do_not_line_up_with_timestamps_are_malformed():
    payload = yahoo.bhp_first_days_of_2024()
    payload["chart"]["result"][0]["indicators"]["quote"][0]["close"].pop()
    api = FakeApi(json_response(200, payload))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason == "malformed JSON from Yahoo ('close' does not line up with 'timestamp')"


def test_a_200_carrying_only_an_error_is_read_like_the_error():
    api = FakeApi(json_response(200, yahoo.NOT_FOUND))

    result = fetch(api, ticker="ZZZ.AX")

    assert result.status is FetchStatus.NOT_FOUND
    assert result.reason == "Yahoo: No data found, symbol may be delisted"
