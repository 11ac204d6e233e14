"""Retries, backoff and request budgets at the HTTP boundary, through the real sources."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import httpx
import pytest

from ingest.sources import (
    BUDGET_EXHAUSTED,
    DataSource,
    FetchRequest,
    FetchStatus,
    RequestBudget,
    RetryPolicy,
    SourceName,
    TiingoSource,
    YahooSource,
    fetch_all,
)
from ingest.sources.retry import parse_retry_after
from ingest.tests.payloads import tiingo, yahoo
from ingest.tests.payloads.fake_http import (
    FIXED_NOW,
    FakeApi,
    SleepRecorder,
    fast_retry,
    json_response,
)

API_KEY = "tk_secret_for_retry_tests"
JAN_2 = dt.date(2024, 1, 2)
JAN_5 = dt.date(2024, 1, 5)
OK_TIINGO = json_response(200, tiingo.aapl_first_days_of_2024())


def fetch_tiingo(api: FakeApi, policy: RetryPolicy, budget: RequestBudget | None = None):
    async def run():
        async with api.client() as client:
            source = TiingoSource(API_KEY, client, retry=policy)
            return await source.fetch("AAPL", JAN_2, JAN_5, budget=budget)

    return asyncio.run(run())


def test_a_server_error_is_retried_and_the_retry_succeeds():
    sleep = SleepRecorder()
    api = FakeApi(json_response(500, {"detail": "Internal Server Error"}), OK_TIINGO)

    result = fetch_tiingo(api, fast_retry(sleep=sleep))

    assert result.status is FetchStatus.OK
    assert len(result.bars) == 2
    assert result.requests_made == 2
    assert len(api.requests) == 2
    assert len(sleep.delays) == 1


def test_persistent_server_errors_fail_after_the_last_attempt():
    api = FakeApi(httpx.Response(503, text="Service Unavailable"))

    result = fetch_tiingo(api, fast_retry(max_attempts=3))

    assert result.status is FetchStatus.FAILED
    assert result.reason == "Tiingo: HTTP 503 after 3 attempts"
    assert result.requests_made == 3


def test_rate_limiting_waits_the_seconds_the_server_asks_for():
    sleep = SleepRecorder()
    api = FakeApi(
        httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "2"}), OK_TIINGO
    )

    result = fetch_tiingo(api, fast_retry(sleep=sleep))

    assert result.status is FetchStatus.OK
    assert sleep.delays == [2.0]


def test_rate_limiting_with_an_http_date_waits_until_that_time():
    sleep = SleepRecorder()
    retry_at = "Fri, 05 Jan 2024 12:00:05 GMT"  # FIXED_NOW + 5 s
    api = FakeApi(httpx.Response(429, headers={"Retry-After": retry_at}), OK_TIINGO)

    fetch_tiingo(api, fast_retry(sleep=sleep))

    assert sleep.delays == [5.0]


def test_a_retry_after_longer_than_allowed_gives_up_instead_of_waiting():
    sleep = SleepRecorder()
    api = FakeApi(httpx.Response(429, headers={"Retry-After": "3600"}), OK_TIINGO)

    result = fetch_tiingo(api, fast_retry(sleep=sleep, max_retry_after=60))

    assert result.status is FetchStatus.FAILED
    assert result.reason == "Tiingo: HTTP 429, server asked to retry after 3600s (more than 60s)"
    assert sleep.delays == []
    assert len(api.requests) == 1


def test_timeouts_are_retried_then_fail_with_the_reason():
    sleep = SleepRecorder()
    api = FakeApi(httpx.ReadTimeout("The read operation timed out"))

    result = fetch_tiingo(api, fast_retry(max_attempts=3, sleep=sleep))

    assert result.status is FetchStatus.FAILED
    assert result.reason == "Tiingo: timed out (ReadTimeout) after 3 attempts"
    assert result.requests_made == 3
    assert len(sleep.delays) == 2


def test_a_dropped_connection_is_retried():
    api = FakeApi(httpx.ConnectError("[Errno 111] Connection refused"), OK_TIINGO)

    result = fetch_tiingo(api, fast_retry())

    assert result.status is FetchStatus.OK
    assert result.requests_made == 2


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_client_errors_are_not_retried(status):
    api = FakeApi(json_response(status, {"detail": "nope"}))

    result = fetch_tiingo(api, fast_retry())

    assert result.status is FetchStatus.FAILED
    assert result.reason == f"Tiingo: HTTP {status}: nope"
    assert len(api.requests) == 1


def test_backoff_is_full_jitter_under_an_exponential_ceiling():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0, rng=random.Random(1))

    delays = {attempt: [policy.backoff(attempt) for _ in range(200)] for attempt in (1, 2, 3, 4)}

    for attempt, ceiling in {1: 0.5, 2: 1.0, 3: 2.0, 4: 3.0}.items():
        assert all(0.0 <= delay <= ceiling for delay in delays[attempt])
        assert max(delays[attempt]) > ceiling * 0.9  # spread over the whole range
        assert min(delays[attempt]) < ceiling * 0.1


def test_retry_waits_use_the_backoff_when_the_server_gives_no_hint():
    sleep = SleepRecorder()
    policy = RetryPolicy(
        max_attempts=3, backoff_base=1.0, backoff_cap=10.0, sleep=sleep, rng=random.Random(3)
    )
    api = FakeApi(httpx.Response(502), httpx.Response(502), OK_TIINGO)

    fetch_tiingo(api, policy)

    assert len(sleep.delays) == 2
    assert 0.0 <= sleep.delays[0] <= 1.0
    assert 0.0 <= sleep.delays[1] <= 2.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        ("Fri, 05 Jan 2024 12:01:00 GMT", 60.0),
        ("Fri, 05 Jan 2024 11:00:00 GMT", 0.0),  # already past
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(header, seconds):
    assert parse_retry_after(header, now=FIXED_NOW) == seconds


def test_an_exhausted_budget_fails_the_remaining_tickers_without_requests():
    api = FakeApi(OK_TIINGO)
    tickers = ["AAPL", "MSFT", "NVDA", "AMZN"]

    async def run():
        async with api.client() as client:
            sources = {SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry())}
            return await fetch_all(
                [FetchRequest(ticker, JAN_2, JAN_5) for ticker in tickers],
                sources,
                concurrency=1,
                budgets={SourceName.TIINGO: RequestBudget(2)},
            )

    results = asyncio.run(run())

    assert [result.status for result in results] == [
        FetchStatus.OK,
        FetchStatus.OK,
        FetchStatus.FAILED,
        FetchStatus.FAILED,
    ]
    assert results[2].reason == f"Tiingo: {BUDGET_EXHAUSTED}"
    assert results[3].requests_made == 0
    assert len(api.requests) == 2


def test_retries_spend_the_budget_too():
    api = FakeApi(httpx.Response(500), OK_TIINGO)
    budget = RequestBudget(1)

    result = fetch_tiingo(api, fast_retry(), budget)

    assert result.status is FetchStatus.FAILED
    assert result.reason == f"Tiingo: {BUDGET_EXHAUSTED} (last error: HTTP 500)"
    assert result.requests_made == 1
    assert budget.used == 1
    assert budget.remaining == 0


def test_budgets_are_per_source():
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.tiingo.com":
            return OK_TIINGO
        return json_response(200, yahoo.bhp_first_days_of_2024())

    api = FakeApi(respond=respond)

    async def run():
        async with api.client() as client:
            sources: dict[SourceName, DataSource] = {
                SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry()),
                SourceName.YAHOO: YahooSource(client, retry=fast_retry()),
            }
            return await fetch_all(
                [
                    FetchRequest("AAPL", JAN_2, JAN_5),
                    FetchRequest("BHP.AX", JAN_2, JAN_5),
                    FetchRequest("CBA.AX", JAN_2, JAN_5),
                ],
                sources,
                concurrency=1,
                budgets={SourceName.TIINGO: RequestBudget(0)},
            )

    aapl, bhp, cba = asyncio.run(run())

    assert aapl.status is FetchStatus.FAILED
    assert aapl.reason == f"Tiingo: {BUDGET_EXHAUSTED}"
    assert bhp.status is FetchStatus.OK
    assert cba.status is FetchStatus.OK


def test_a_negative_budget_is_refused():
    with pytest.raises(ValueError, match="max_requests"):
        RequestBudget(-1)
