"""Tiingo source: request shape, mapping of real payloads, and every error path."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import httpx
import pytest

from ingest.sources import (
    Bar,
    FetchRequest,
    FetchStatus,
    SourceDisabled,
    SourceName,
    TiingoSource,
    build_client,
    build_sources,
    fetch_all,
)
from ingest.tests.payloads import tiingo
from ingest.tests.payloads.fake_http import FakeApi, fast_retry, json_response

API_KEY = "tk_0123456789abcdef0123456789abcdef"
JAN_2 = dt.date(2024, 1, 2)
JAN_5 = dt.date(2024, 1, 5)


def fetch(api: FakeApi, ticker: str = "AAPL", start: dt.date = JAN_2, end: dt.date = JAN_5):
    async def run():
        async with api.client() as client:
            source = TiingoSource(API_KEY, client, retry=fast_retry())
            return await source.fetch(ticker, start, end)

    return asyncio.run(run())


def test_prices_are_mapped_to_bars_with_exact_decimal_values():
    api = FakeApi(json_response(200, tiingo.aapl_first_days_of_2024()))

    result = fetch(api)

    assert result.status is FetchStatus.OK
    assert result.reason == ""
    assert result.requests_made == 1
    assert result.source is SourceName.TIINGO
    assert result.bars == (
        Bar(
            ticker="AAPL",
            date=dt.date(2024, 1, 2),
            open=Decimal("187.15"),
            high=Decimal("188.44"),
            low=Decimal("183.885"),
            close=Decimal("185.64"),
            adj_close=Decimal("184.2905271217"),
            volume=82488674,
            source=SourceName.TIINGO,
            split_event=False,
        ),
        Bar(
            ticker="AAPL",
            date=dt.date(2024, 1, 3),
            open=Decimal("184.22"),
            high=Decimal("185.88"),
            low=Decimal("183.43"),
            close=Decimal("184.25"),
            adj_close=Decimal("182.9106310476"),
            volume=58414460,
            source=SourceName.TIINGO,
            split_event=False,
        ),
    )


def test_request_carries_the_token_header_and_the_date_range():
    api = FakeApi(json_response(200, tiingo.aapl_first_days_of_2024()))

    fetch(api, start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 31))

    (request,) = api.requests
    assert request.method == "GET"
    assert request.url.scheme == "https"
    assert request.url.host == "api.tiingo.com"
    assert request.url.path == "/tiingo/daily/AAPL/prices"
    assert dict(request.url.params) == {
        "startDate": "2024-01-02",
        "endDate": "2024-01-31",
        "format": "json",
    }
    assert request.headers["Authorization"] == f"Token {API_KEY}"
    assert API_KEY not in str(request.url)


def test_class_shares_are_requested_with_tiingos_dash_spelling():
    api = FakeApi(json_response(200, []))

    result = fetch(api, ticker="BRK.B")

    assert api.requests[0].url.path == "/tiingo/daily/BRK-B/prices"
    assert result.ticker == "BRK.B"


def test_a_split_factor_other_than_one_marks_the_split_day():
    api = FakeApi(json_response(200, tiingo.nvda_split_day()))

    result = fetch(api, ticker="NVDA", start=dt.date(2024, 6, 7), end=dt.date(2024, 6, 10))

    assert [(bar.date, bar.split_event) for bar in result.bars] == [
        (dt.date(2024, 6, 7), False),
        (dt.date(2024, 6, 10), True),
    ]


def test_unknown_ticker_is_not_found_and_not_retried():
    api = FakeApi(json_response(404, tiingo.not_found("ZZZZ")))

    result = fetch(api, ticker="ZZZZ")

    assert result.status is FetchStatus.NOT_FOUND
    assert result.reason == "Tiingo: Error: Ticker 'ZZZZ' not found"
    assert result.bars == ()
    assert result.requests_made == 1
    assert len(api.requests) == 1


def test_invalid_token_fails_without_retrying_and_without_the_key_in_the_reason():
    api = FakeApi(json_response(401, tiingo.INVALID_TOKEN))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason == "Tiingo: HTTP 401: Invalid token."
    assert len(api.requests) == 1
    assert API_KEY not in result.reason


def test_a_key_echoed_back_by_the_server_is_scrubbed_from_the_reason():
    api = FakeApi(json_response(403, {"detail": f"Token {API_KEY} has no access to this data"}))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert API_KEY not in result.reason
    assert result.reason == "Tiingo: HTTP 403: Token *** has no access to this data"


def test_an_unexpected_error_with_the_key_in_its_message_is_scrubbed_too():
    api = FakeApi(RuntimeError(f"proxy rejected Authorization: Token {API_KEY}"))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert (
        result.reason == "unexpected error: RuntimeError: proxy rejected Authorization: Token ***"
    )


def test_malformed_json_fails_with_a_readable_reason():
    api = FakeApi(httpx.Response(200, content=b'[{"date": "2024-01-02T00:00:00.000Z", "close": 1'))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason.startswith("malformed JSON from Tiingo")
    assert result.requests_made == 1


def test_json_that_is_not_a_price_list_is_malformed():
    api = FakeApi(json_response(200, {"detail": "Something went wrong"}))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason == "malformed JSON from Tiingo (expected a list of prices, got dict)"


def test_a_row_without_a_date_is_malformed():
    rows = tiingo.aapl_first_days_of_2024()
    rows[1]["date"] = None
    api = FakeApi(json_response(200, rows))

    result = fetch(api)

    assert result.status is FetchStatus.FAILED
    assert result.reason == "malformed JSON from Tiingo (row 1 has no valid date)"


def test_an_empty_list_means_no_prices_in_the_range():
    api = FakeApi(json_response(200, []))

    result = fetch(api, start=dt.date(2024, 1, 6), end=dt.date(2024, 1, 7))

    assert result.status is FetchStatus.EMPTY
    assert result.bars == ()
    assert result.reason == "Tiingo has no prices from 2024-01-06 to 2024-01-07"


@pytest.mark.parametrize("api_key", [None, "", "   "])
def test_without_an_api_key_tiingo_is_disabled_with_a_clear_message(api_key):
    async def construct():
        async with build_client() as client:
            TiingoSource(api_key, client)

    with pytest.raises(SourceDisabled, match=r"^Tiingo is disabled: set TIINGO_API_KEY"):
        asyncio.run(construct())


def test_without_an_api_key_us_tickers_fail_with_the_message_and_asx_tickers_still_fetch():
    from ingest.tests.payloads import yahoo

    api = FakeApi(json_response(200, yahoo.bhp_first_days_of_2024()))

    async def run():
        async with api.client() as client:
            sources = build_sources(client, tiingo_api_key="", retry=fast_retry())
            return await fetch_all(
                [FetchRequest("AAPL", JAN_2, JAN_5), FetchRequest("BHP.AX", JAN_2, JAN_5)],
                sources,
            )

    aapl, bhp = asyncio.run(run())

    assert aapl.status is FetchStatus.FAILED
    assert aapl.reason.startswith("Tiingo is disabled: set TIINGO_API_KEY")
    assert aapl.requests_made == 0
    assert bhp.status is FetchStatus.OK
    assert [request.url.host for request in api.requests] == ["query1.finance.yahoo.com"]


def test_the_source_repr_does_not_show_the_key():
    async def construct():
        async with build_client() as client:
            return repr(TiingoSource(API_KEY, client))

    assert API_KEY not in asyncio.run(construct())
