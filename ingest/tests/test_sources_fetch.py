"""Fetching many tickers: routing, bounded concurrency and isolation of failures."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from ingest.sources import (
    FetchRequest,
    FetchStatus,
    SourceName,
    TiingoSource,
    YahooSource,
    build_sources,
    fetch_all,
    fetch_many,
)
from ingest.tests.payloads import tiingo, yahoo
from ingest.tests.payloads.fake_http import (
    ConcurrencyTrackingApi,
    FakeApi,
    fast_retry,
    json_response,
)

API_KEY = "tk_secret_for_fetch_tests"
JAN_2 = dt.date(2024, 1, 2)
JAN_5 = dt.date(2024, 1, 5)


def by_host_and_ticker(request: httpx.Request) -> httpx.Response:
    """A fake of both APIs: a few tickers misbehave, the rest answer normally."""
    if request.url.host == "api.tiingo.com":
        ticker = request.url.path.split("/")[3]
        if ticker == "GONE":
            return json_response(404, tiingo.not_found(ticker))
        if ticker == "DOWN":
            return httpx.Response(500, text="Internal Server Error")
        if ticker == "BOOM":
            raise RuntimeError("connection pool corrupted")
        return json_response(200, tiingo.aapl_first_days_of_2024())
    symbol = request.url.path.rsplit("/", 1)[1]
    if symbol == "BOOM.AX":
        raise RuntimeError("connection pool corrupted")
    return json_response(200, yahoo.bhp_first_days_of_2024())


def run_fetch_all(api, requests, **kwargs):
    async def run():
        async with api.client() as client:
            sources = build_sources(client, tiingo_api_key=API_KEY, retry=fast_retry())
            return await fetch_all(requests, sources, **kwargs)

    return asyncio.run(run())


def test_each_ticker_goes_to_its_routed_source():
    api = FakeApi(respond=by_host_and_ticker)

    results = run_fetch_all(
        api,
        [FetchRequest("AAPL", JAN_2, JAN_5), FetchRequest("BHP.AX", JAN_2, JAN_5)],
    )

    assert [(result.ticker, result.source, result.status) for result in results] == [
        ("AAPL", SourceName.TIINGO, FetchStatus.OK),
        ("BHP.AX", SourceName.YAHOO, FetchStatus.OK),
    ]
    assert sorted(request.url.host for request in api.requests) == [
        "api.tiingo.com",
        "query1.finance.yahoo.com",
    ]


def test_a_run_can_force_one_source():
    api = FakeApi(respond=by_host_and_ticker)

    (result,) = run_fetch_all(api, [FetchRequest("AAPL", JAN_2, JAN_5, source="yahoo")])

    assert result.source is SourceName.YAHOO
    assert api.requests[0].url.path == "/v8/finance/chart/AAPL"


def test_failing_tickers_never_stop_the_others():
    api = FakeApi(respond=by_host_and_ticker)
    tickers = ["AAPL", "GONE", "DOWN", "BOOM", "BOOM.AX", "MSFT", "BHP.AX"]

    results = run_fetch_all(api, [FetchRequest(ticker, JAN_2, JAN_5) for ticker in tickers])

    assert [(result.ticker, result.status) for result in results] == [
        ("AAPL", FetchStatus.OK),
        ("GONE", FetchStatus.NOT_FOUND),
        ("DOWN", FetchStatus.FAILED),
        ("BOOM", FetchStatus.FAILED),
        ("BOOM.AX", FetchStatus.FAILED),
        ("MSFT", FetchStatus.OK),
        ("BHP.AX", FetchStatus.OK),
    ]
    reasons = {result.ticker: result.reason for result in results}
    assert reasons["DOWN"] == "Tiingo: HTTP 500 after 3 attempts"
    assert reasons["BOOM"] == "unexpected error: RuntimeError: connection pool corrupted"
    assert reasons["BOOM.AX"] == "unexpected error: RuntimeError: connection pool corrupted"


def test_an_unknown_source_choice_fails_that_ticker_only():
    api = FakeApi(respond=by_host_and_ticker)

    bad, good = run_fetch_all(
        api,
        [
            FetchRequest("AAPL", JAN_2, JAN_5, source="bloomberg"),
            FetchRequest("MSFT", JAN_2, JAN_5),
        ],
    )

    assert bad.status is FetchStatus.FAILED
    assert bad.reason.startswith("unexpected error: ValueError: unknown source 'bloomberg'")
    assert good.status is FetchStatus.OK


def test_a_reversed_range_fails_without_a_request():
    api = FakeApi(respond=by_host_and_ticker)

    (result,) = run_fetch_all(api, [FetchRequest("AAPL", JAN_5, JAN_2)])

    assert result.status is FetchStatus.FAILED
    assert result.reason == "start 2024-01-05 is after end 2024-01-02"
    assert api.requests == []


def test_a_source_missing_from_the_run_fails_its_tickers():
    api = FakeApi(respond=by_host_and_ticker)

    async def run():
        async with api.client() as client:
            sources = {SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry())}
            return await fetch_all([FetchRequest("BHP.AX", JAN_2, JAN_5)], sources)

    (result,) = asyncio.run(run())

    assert result.reason == "no yahoo source configured for this run"


def test_no_more_than_the_concurrency_limit_is_in_flight():
    api = ConcurrencyTrackingApi(
        lambda request: json_response(200, tiingo.aapl_first_days_of_2024())
    )
    requests = [FetchRequest(f"T{index:02d}", JAN_2, JAN_5) for index in range(12)]

    async def run():
        async with api.client() as client:
            sources = {SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry())}
            return [result async for result in fetch_many(requests, sources, concurrency=3)]

    results = asyncio.run(run())

    assert len(results) == 12
    assert all(result.status is FetchStatus.OK for result in results)
    assert api.calls == 12
    assert api.max_in_flight == 3  # bounded, and actually concurrent


def test_the_default_concurrency_is_eight():
    api = ConcurrencyTrackingApi(lambda request: json_response(200, yahoo.bhp_first_days_of_2024()))
    requests = [FetchRequest(f"X{index:02d}.AX", JAN_2, JAN_5) for index in range(20)]

    async def run():
        async with api.client() as client:
            sources = {SourceName.YAHOO: YahooSource(client, retry=fast_retry())}
            return await fetch_all(requests, sources)

    asyncio.run(run())

    assert api.max_in_flight == 8


def test_results_stream_as_they_finish_and_fetch_all_restores_request_order():
    async def respond(request: httpx.Request) -> httpx.Response:
        if "SLOW" in request.url.path:
            await asyncio.sleep(0.02)
        return json_response(200, tiingo.aapl_first_days_of_2024())

    transport = httpx.MockTransport(respond)
    requests = [FetchRequest("SLOW", JAN_2, JAN_5), FetchRequest("FAST", JAN_2, JAN_5)]

    async def run():
        async with httpx.AsyncClient(transport=transport) as client:
            sources = {SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry())}
            streamed = [result.ticker async for result in fetch_many(requests, sources)]
            ordered = [result.ticker for result in await fetch_all(requests, sources)]
            return streamed, ordered

    streamed, ordered = asyncio.run(run())

    assert streamed == ["FAST", "SLOW"]
    assert ordered == ["SLOW", "FAST"]


def test_leaving_the_stream_early_cancels_the_tickers_still_running():
    started: list[str] = []

    async def respond(request: httpx.Request) -> httpx.Response:
        started.append(request.url.path)
        if "SLOW" in request.url.path:
            await asyncio.sleep(10)
        return json_response(200, [])

    requests = [FetchRequest("FAST", JAN_2, JAN_5), FetchRequest("SLOW", JAN_2, JAN_5)]

    async def run():
        async with httpx.AsyncClient(transport=httpx.MockTransport(respond)) as client:
            sources = {SourceName.TIINGO: TiingoSource(API_KEY, client, retry=fast_retry())}
            stream = fetch_many(requests, sources)
            async for result in stream:
                first = result.ticker
                break
            await stream.aclose()
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            return first, pending

    first, pending = asyncio.run(asyncio.wait_for(run(), timeout=5))

    assert first == "FAST"
    assert pending == []


def test_concurrency_must_be_positive():
    async def run():
        return [result async for result in fetch_many([], {}, concurrency=0)]

    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(run())


def test_a_runs_client_keeps_its_connections_alive_at_any_concurrency():
    """Over real sockets to a local server: 96 requests, 16 at a time, reuse their
    connections instead of opening (and TLS-handshaking) one per request."""
    from ingest.transport import build_http_client

    opened = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal opened
        opened += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(0.05)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        semaphore = asyncio.Semaphore(16)
        async with server, build_http_client(concurrency=16) as client:

            async def one() -> None:
                async with semaphore:
                    (await client.get(f"http://127.0.0.1:{port}/")).raise_for_status()

            await asyncio.gather(*(one() for _ in range(96)))

    asyncio.run(run())

    assert opened <= 2 * 16, opened
